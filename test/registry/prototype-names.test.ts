/**
 * Issue 13, finding 7: names that are also keys of Object.prototype (constructor, toString, valueOf,
 * __proto__, hasOwnProperty) are ordinary unknown names everywhere: in the registries, in the API's parameters
 * and in the CLI's options. Lookups go through Maps or prototype-less objects, so such a name is "unknown"
 * (a 4xx, exit 2), never a 500, an exit 70, or an answer computed from Object.prototype.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWorldBankPath } from '../../src/api/worldbank.js';
import { compileFormula } from '../../src/registry/formula.js';
import { loadEconomyRegistry } from '../../src/registry/economies.js';
import { loadGroupings } from '../../src/registry/groupings.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { loadMethodology } from '../../src/idi/methodology.js';
import { normalisationCode } from '../../src/idi/sensitivity-core.js';
import { loadBaskets, resolveBasket } from '../../src/prices/basket.js';
import { UserInputError } from '../../src/util/errors.js';
import { ictstat } from '../cli/helpers.js';
import { startBundledServer, type TestServer } from '../api/helpers.js';

const NAMES = ['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__'];

describe('prototype names in the registries (issue 13)', () => {
  it.each(NAMES)('%s is unknown to every registry and lookup table', (n) => {
    expect(loadIndicatorRegistry().find(n)).toBeUndefined();
    expect(loadEconomyRegistry().find(n)).toBeUndefined();
    expect(() => loadGroupings().get(n)).toThrow(UserInputError);
    expect(loadBaskets().get(n)).toBeUndefined();
    expect(() => resolveBasket(n)).toThrow(UserInputError);
    expect(() => loadMethodology(n)).toThrow(UserInputError);
    expect(normalisationCode(n)).toBeUndefined();
    expect(() => compileFormula(`${n}(population)`)).toThrow(/not allowed/);
  });
});

describe('prototype names in the API (issue 13)', () => {
  let s: TestServer;
  beforeAll(async () => {
    // Hundreds of requests per name from one address: the per-client budget (test/api/budget.test.ts) would refuse them first.
    s = await startBundledServer({ clientBudget: false });
  }, 120_000);
  afterAll(() => s.close());
  const get = (url: string) => s.app.inject({ url });

  it.each(NAMES)(
    '%s: refused on every parameter that names something (400/404; on World Bank read routes the envelope with 200, as the World Bank answers), never data or 500',
    async (n) => {
      const e = encodeURIComponent(n);
      const cases: Array<[string, number]> = [
        [`/v2/idi/idi-2017/2016/sensitivity?draws=2&normalisations=${e}`, 400],
        [`/v2/idi/idi-2017/2016/sensitivity?draws=2&normalisations=minmax,${e}`, 400],
        [`/v2/idi/${e}/2016`, 404],
        [`/v2/prices/${e}/2020`, 404],
        [`/v2/country/${e}`, 404],
        [`/v2/country/KEN/indicator/${e}`, 404],
        [`/v2/idi/idi-2017/2016?format=${e}`, 400],
        [`/${e}/v2/country/KEN/indicator/internet_users_pct`, 0], // the language is a path segment: 400 or 404
      ];
      for (const [url, status] of cases) {
        const r = await get(url);
        if (isWorldBankPath(url.split('?')[0]) && r.statusCode === 200) {
          // The World Bank's error envelope, not data.
          const body = JSON.parse(r.body) as Array<{ message?: Array<{ id: string }> }>;
          expect(Array.isArray(body[0]?.message), `${url}: ${r.body.slice(0, 200)}`).toBe(true);
          continue;
        }
        expect(r.statusCode >= 400 && r.statusCode < 500, `${url}: ${r.statusCode} ${r.body.slice(0, 200)}`).toBe(true);
        if (status === 400) expect(r.statusCode, url).toBe(400);
      }
    },
    60_000,
  );
});

describe('prototype names in the CLI (issue 13)', () => {
  it.each(['constructor', '__proto__', 'toString'])(
    '%s: exit 2 with a message, never 70',
    (n) => {
      for (const args of [
        ['idi', 'sensitivity', '--methodology', 'idi-2017', '--year', '2016', '--draws', '2', '--normalisations', n],
        ['idi', '--methodology', n, '--year', '2016'],
        ['groupings', n],
        ['prices', 'compute', '--tariffs', 'test/fixtures/prices/hand-tariffs.csv', '--basket', n, '--year', '2021'],
        ['series', '--economy', 'KEN', '--indicator', n],
        ['series', '--economy', n, '--indicator', 'internet_users_pct'],
      ]) {
        const r = ictstat(args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr).not.toMatch(/internal|\n\s+at /);
      }
    },
    120_000,
  );
});
