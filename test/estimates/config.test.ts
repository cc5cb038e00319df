import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ESTIMATES_FILE, checkEstimatesConfig, loadEstimatesConfig, type EstimatesConfig } from '../../src/estimates/config.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';

const registry = loadIndicatorRegistry();
const raw = (): EstimatesConfig => JSON.parse(readFileSync(ESTIMATES_FILE(), 'utf8'));

describe('the estimates file', () => {
  it('is valid: registered methods with their required parameters, every step and setting with a source', () => {
    const c = loadEstimatesConfig(registry);
    for (const s of Object.values(c.indicators).flatMap((i) => i.imputation)) expect(s.source).toBeTruthy();
    for (const k of ['lookAhead', 'auxiliaryLatestWithin', 'ituEstimate', 'nowcast', 'population10plus', 'groupings', 'worldBankCodes'] as const)
      expect(c[k].source).toBeTruthy();
    expect(c.population10plus.assumption).toMatch(/assumed/);
  });
  it('a bad step is an error naming the file, the place and the rule', () => {
    const c = raw();
    c.indicators.internet_users_pct.imputation[2] = { method: 'hot-dek', source: 'x' };
    expect(() => checkEstimatesConfig(c, registry, 'f.json')).toThrow('f.json: indicators.internet_users_pct.imputation[2]: unknown method "hot-dek"');
    const d = raw();
    delete (d.indicators.internet_users_pct.imputation[0] as { source?: string }).source;
    expect(() => checkEstimatesConfig(d, registry, 'f.json')).toThrow(/imputation\[0\]: every step names its source/);
    const e = raw();
    e.indicators.internet_users_pct.imputation[3] = { method: 'regression', target: 'internet_users_pct', predictor: 'no_such_series', source: 'x' };
    expect(() => checkEstimatesConfig(e, registry, 'f.json')).toThrow(/imputation\[3\]\.predictor: "no_such_series" is not an indicator/);
    const f = raw();
    f.lookAhead.value = -1;
    expect(() => checkEstimatesConfig(f, registry, 'f.json')).toThrow(/lookAhead: must be a whole number/);
  });
  it('the nowcast rule is marked as ours, with its rationale (ESTIMATES.md gives no threshold)', () => {
    const c = loadEstimatesConfig(registry);
    expect(c.nowcast.source).toMatch(/^ours\b/);
    expect(c.nowcast.rationale).toMatch(/^ours: /);
    const d = raw();
    d.nowcast.rationale = '';
    expect(() => checkEstimatesConfig(d, registry, 'f.json')).toThrow('f.json: nowcast: names its source (or says "ours") and gives its rationale');
  });
  it('World Bank codes: a grouping and group, or World Bank membership kinds with codes', () => {
    const d = raw();
    d.worldBankCodes.codes.EAP = { members: { regoin: ['EAP'] } as never };
    expect(() => checkEstimatesConfig(d, registry, 'f.json')).toThrow(
      'f.json: worldBankCodes.codes.EAP.members.regoin: must be region, incomeLevel or lendingType',
    );
    const e = raw();
    e.worldBankCodes.codes.wld = { grouping: 'world', group: 'World' };
    expect(() => checkEstimatesConfig(e, registry, 'f.json')).toThrow(/worldBankCodes\.codes\.wld: codes are upper case/);
    const f = raw();
    f.worldBankCodes.codes.HIC = { grouping: 'wb-income-fy2024' } as never;
    expect(() => checkEstimatesConfig(f, registry, 'f.json')).toThrow(/worldBankCodes\.codes\.HIC: needs "grouping" and "group", or "members"/);
  });
});
