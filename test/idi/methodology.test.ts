import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundledMethodologies, compileMethodology, loadMethodology, NORMALISATION_CODES, type MethodologySpec } from '../../src/idi/methodology.js';
import { UserInputError } from '../../src/util/errors.js';
import { expectNoStackTrace, type Run } from '../cli/helpers.js';
import { ictstatAsync } from './helpers.js';

const BUNDLED = ['idi-2011', 'idi-2015', 'idi-2016', 'idi-2017', 'idi-2023', 'idi-2024', 'idi-2025'];

describe('bundled methodologies', () => {
  it('are the four MIS editions and the three editions of the IDI from 2023', () => {
    expect(bundledMethodologies()).toEqual(BUNDLED);
  });

  it.each(BUNDLED)("%s loads, and every node's weights sum to 1 in the compiled arrays", (id) => {
    const m = loadMethodology(id);
    const N = m.parent.length;
    expect(m.spec.id).toBe(id);
    expect(m.firstNode).toBe(m.indicators.length);
    expect(m.ids[N - 1]).toBe(id);
    expect(m.parent[N - 1]).toBe(-1);
    for (let e = 0; e < N - 1; e++) expect(m.parent[e]).toBeGreaterThan(e); // children before parents: one pass aggregates the tree
    for (let e = m.firstNode; e < N; e++) {
      let sum = 0,
        children = 0;
      for (let c = 0; c < N; c++)
        if (m.parent[c] === e) {
          sum += m.weight[c];
          children++;
        }
      expect(children, `${m.ids[e]} has children`).toBeGreaterThan(0);
      expect(sum, `weights under ${m.ids[e]}`).toBeCloseTo(1, 6);
    }
    expect(new Set(m.indicators).size).toBe(m.indicators.length);
  });

  it('idi-2017 compiles to the published structure: 11 ratio/log-ratio leaves, bandwidth log10 reference 6.33, 0.4/0.4/0.2', () => {
    const m = loadMethodology('idi-2017');
    expect(m.indicators).toHaveLength(11);
    const bw = m.indicators.indexOf('intl_bw_per_user');
    expect(m.method[bw]).toBe(NORMALISATION_CODES['log-ratio']);
    expect(m.p1[bw]).toBeCloseTo(6.33, 2);
    expect(m.ids.slice(m.firstNode)).toEqual(['access', 'use', 'skills', 'idi-2017']);
    expect(Array.from(m.weight.slice(m.firstNode, m.firstNode + 3))).toEqual([0.4, 0.4, 0.2]);
    expect(m.spec.scale).toBe(10);
  });

  it.each([
    ['idi-2015', 5.98],
    ['idi-2016', 5.99],
    ['idi-2017', 6.33],
  ])('%s: bandwidth log reference %s', (id, log) => {
    const m = loadMethodology(id as string);
    expect(m.p1[m.indicators.indexOf('intl_bw_per_user')]).toBeCloseTo(log as number, 2);
  });

  it("idi-2011 uses adult literacy and the worked example's mobile reference of 170", () => {
    const m = loadMethodology('idi-2011');
    expect(m.indicators).toContain('adult_literacy_pct');
    expect(m.indicators).not.toContain('mean_years_schooling');
    expect(m.p1[m.indicators.indexOf('mobile_cell_p100')]).toBe(170);
    expect(m.p1[m.indicators.indexOf('intl_bw_per_user')]).toBeCloseTo(5.45, 2);
  });

  it('idi-2024 is 10 indicators in two pillars on 0-100; only its imputation (not in the report) is unverified, with reasons', () => {
    const m = loadMethodology('idi-2024');
    expect(m.indicators).toHaveLength(10);
    expect(m.spec.scale).toBe(100);
    const root = m.parent.length - 1;
    expect(m.ids.filter((_, e) => m.parent[e] === root)).toEqual(['universal', 'meaningful']);
    expect(m.unverified.map((u) => u.path)).toEqual(m.spec.imputation!.map((_, k) => `/imputation/${k}`));
    for (const u of m.unverified) expect(u.reason).not.toBe('(no reason given)');
  });
});

// ---------- bad files ----------

/** A small valid methodology; each bad case mutates a fresh copy. */
const base = (): MethodologySpec => ({
  id: 'tiny',
  name: 'Tiny',
  source: 'test',
  scale: 10,
  components: [
    {
      id: 'access',
      name: 'Access',
      weight: 0.5,
      components: [
        { indicator: 'internet_users_pct', weight: 0.5, normalise: { method: 'ratio', reference: 100 } },
        { indicator: 'intl_bw_per_user', weight: 0.5, normalise: { method: 'log-ratio', reference: 2158212 } },
      ],
    },
    { id: 'use', name: 'Use', weight: 0.5, components: [{ indicator: 'fixed_bb_p100', weight: 1, normalise: { method: 'goalposts', lower: 0, upper: 60 } }] },
  ],
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
const leafAt = (d: Doc, i: number, j: number): Doc => d.components[i].components[j];

/** [name, mutation, JSON path the error must name, what the error must say] */
const BAD: Array<[string, (d: Doc) => void, string, RegExp]> = [
  [
    'unknown indicator (with did-you-mean)',
    (d) => {
      leafAt(d, 0, 0).indicator = 'internet_user_pct';
    },
    '/components/0/components/0/indicator',
    /unknown indicator "internet_user_pct"; did you mean "internet_users_pct"/,
  ],
  [
    'weights of a node not summing to 1',
    (d) => {
      leafAt(d, 0, 0).weight = 0.6;
    },
    '/components/0/components',
    /weights .* sum to 1\.1, not 1/,
  ],
  [
    'top-level weights not summing to 1',
    (d) => {
      d.components[1].weight = 0.25;
    },
    '/components',
    /sum to 0\.75, not 1/,
  ],
  [
    'ratio without reference',
    (d) => {
      delete leafAt(d, 0, 0).normalise.reference;
    },
    '/components/0/components/0/normalise',
    /missing "reference"/,
  ],
  [
    'log-ratio without reference',
    (d) => {
      delete leafAt(d, 0, 1).normalise.reference;
    },
    '/components/0/components/1/normalise',
    /reference.*log10Reference/,
  ],
  [
    'goalposts without upper',
    (d) => {
      delete leafAt(d, 1, 0).normalise.upper;
    },
    '/components/1/components/0/normalise',
    /missing "upper"/,
  ],
  [
    'goalposts with lower >= upper',
    (d) => {
      leafAt(d, 1, 0).normalise.lower = 60;
    },
    '/components/1/components/0/normalise',
    /lower < upper \(got 60 and 60\)/,
  ],
  [
    'goalposts on ln(x + 1) with lower <= -1',
    (d) => {
      Object.assign(leafAt(d, 1, 0).normalise, { transform: 'ln1p', lower: -1 });
    },
    '/components/1/components/0/normalise',
    /ln\(x \+ 1\) goalposts need lower > -1/,
  ],
  [
    'goalposts with both log and transform',
    (d) => {
      Object.assign(leafAt(d, 1, 0).normalise, { transform: 'ln1p', log: true, lower: 1 });
    },
    '/components/1/components/0/normalise',
    /give "log" \(log10\) or "transform", not both/,
  ],
  [
    'an unknown transform',
    (d) => {
      Object.assign(leafAt(d, 1, 0).normalise, { transform: 'sqrt' });
    },
    '/components/1/components/0/normalise/transform',
    /must be one of "ln1p"/,
  ],
  [
    'duplicate component ids',
    (d) => {
      d.components[1].id = 'access';
    },
    '/components/1/id',
    /duplicate component id "access" \(also at \/components\/0\)/,
  ],
  [
    'duplicate indicator',
    (d) => {
      leafAt(d, 1, 0).indicator = 'internet_users_pct';
    },
    '/components/1/components/0/indicator',
    /internet_users_pct is already used at \/components\/0\/components\/0/,
  ],
  [
    'duplicate indicator through an alias',
    (d) => {
      leafAt(d, 1, 0).indicator = 'INTERNET_USERS_PCT';
    },
    '/components/1/components/0/indicator',
    /already used/,
  ],
  [
    'unknown property',
    (d) => {
      leafAt(d, 0, 0).normalise.refrence = 100;
    },
    '/components/0/components/0/normalise',
    /unknown property "refrence"/,
  ],
  [
    'unknown property of a node',
    (d) => {
      d.components[0].wieght = 0.5;
    },
    '/components/0',
    /unknown property "wieght"/,
  ],
  [
    'weight as a string',
    (d) => {
      leafAt(d, 0, 0).weight = '0.5';
    },
    '/components/0/components/0/weight',
    /must be number/,
  ],
  [
    'unknown normalisation method',
    (d) => {
      leafAt(d, 0, 0).normalise.method = 'ratios';
    },
    '/components/0/components/0/normalise/method',
    /must be one of "ratio", "log-ratio"/,
  ],
  [
    'a direction the method ignores (ratio with direction -1)',
    (d) => {
      leafAt(d, 0, 0).normalise.direction = -1;
    },
    '/components/0/components/0/normalise/direction',
    /ratio has no direction/,
  ],
];

describe('bad methodology files: one clear error each, naming the JSON path and the problem', () => {
  it.each(BAD)('%s', (_name, mutate, path, what) => {
    const d = base();
    mutate(d);
    let err: unknown;
    try {
      compileMethodology(d, 'bad.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserInputError);
    const lines = (err as Error).message.split('\n');
    expect(lines[0]).toBe('bad.json: invalid methodology:');
    expect(lines.slice(1), (err as Error).message).toHaveLength(1);
    expect(lines[1]).toContain(`${path}: `);
    expect(lines[1]).toMatch(what);
  });

  it('the valid base compiles (so each error above is caused by its mutation alone)', () => {
    expect(compileMethodology(base(), 'ok.json').indicators).toEqual(['internet_users_pct', 'intl_bw_per_user', 'fixed_bb_p100']);
  });

  it('two independent problems give two lines, one each', () => {
    const d: Doc = base();
    leafAt(d, 0, 0).indicator = 'nope_pct';
    d.components[1].id = 'access';
    expect(() => compileMethodology(d, 'bad.json')).toThrow(/unknown indicator "nope_pct"[^\n]*\n[^\n]*duplicate component id/);
  });
});

describe('bad methodology files through `ictstat idi`: exit code 2, the error, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-methodology-'));
  const write = (name: string, text: string): string => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const cli = (methodology: string, ...more: string[]): Promise<Run> => ictstatAsync(['idi', '--methodology', methodology, '--year', '2016', ...more]);
  const CLI_BAD = BAD.filter(([name]) => !/alias|top-level|of a node|normalisation method|log-ratio|direction/.test(name)); // the rest are checked in-process above
  const files = {
    broken: write('broken.json', '{ "id": "tiny", "components": [ }'),
    missing: join(dir, 'no-such-methodology.json'),
    data: write('tiny-data.csv', 'economy,indicator,year,value\nKOR,internet_users_pct,2022,97\n'),
  };
  // The CLI runs are independent: start them all at once.
  let runs: Record<string, Run>;
  beforeAll(async () => {
    const jobs: Array<[string, Promise<Run>]> = CLI_BAD.map(([name, mutate]) => {
      const d = base();
      mutate(d);
      return [name, cli(write(`${name.replace(/\W+/g, '-')}.json`, JSON.stringify(d, null, 2)))];
    });
    jobs.push(
      ['broken', cli(files.broken)],
      ['missing', cli(files.missing)],
      ['unknown id', cli('idi2017')],
      ['idi-2024', ictstatAsync(['idi', '--methodology', 'idi-2024', '--year', '2022', '--data', files.data])],
    );
    runs = Object.fromEntries(await Promise.all(jobs.map(async ([k, p]) => [k, await p] as const)));
  });

  it.each(CLI_BAD)('%s', (name, _mutate, path, what) => {
    const r = runs[name];
    expectNoStackTrace(r);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${path}: `);
    expect(r.stderr).toMatch(what);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(2); // "ictstat: <file>: invalid methodology:", the problem, nothing else
  });

  it('invalid JSON', () => {
    const r = runs.broken;
    expectNoStackTrace(r);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(files.broken);
    expect(r.stderr).toMatch(/not valid JSON/);
  });

  it('a missing file', () => {
    const r = runs.missing;
    expectNoStackTrace(r);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown methodology ".*no-such-methodology\.json"/);
  });

  it('an unknown bundled id, with a suggestion', () => {
    const r = runs['unknown id'];
    expectNoStackTrace(r);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown methodology "idi2017".*did you mean idi-2017/);
  });

  it('idi-2024 prints each unverified value as a warning on stderr, and still computes (scores, no rank column)', () => {
    const r = runs['idi-2024'];
    expectNoStackTrace(r);
    expect(r.code).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => /^warning: idi-2024\/.* is unverified: /.test(l));
    expect(warnings.length).toBe(loadMethodology('idi-2024').unverified.length);
    expect(r.stderr).toContain("warning: idi-2024/imputation/0 is unverified: ITU's imputation algorithm is not published in our sources");
    expect(r.stdout.split('\n')[0]).toBe('economy,name,score,universal,meaningful,coverage,imputed,estimated,note');
  });
});
