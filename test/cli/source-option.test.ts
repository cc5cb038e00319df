import { beforeAll, describe, expect, it } from 'vitest';
import { loadBundled, readManifest } from '../../src/ingest/bundled.js';
import { expectNoStackTrace, type Run } from './helpers.js';
import { ictstatAsync } from '../idi/helpers.js';

describe('--source: bundled sources by name (a DataSource option)', () => {
  let runs: Record<string, Run>;
  beforeAll(async () => {
    const base = ['idi', '--methodology', 'idi-2024', '--year', '2022'];
    const jobs: Array<[string, Promise<Run>]> = [
      ['unknown', ictstatAsync([...base, '--source', 'itu-idi-2024-anex2'])],
      ['with data', ictstatAsync([...base, '--source', 'itu-idi-2024-annex2', '--data', 'x.csv'])],
    ];
    runs = Object.fromEntries(await Promise.all(jobs.map(async ([k, p]) => [k, await p] as const)));
  });

  it('an unknown source: exit 2, the known ones and a suggestion, no stack trace', () => {
    const r = runs.unknown;
    expectNoStackTrace(r);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /unknown bundled source "itu-idi-2024-anex2": the bundled sources are itu-datahub, .*itu-idi-2024-annex2; did you mean itu-idi-2024-annex2\?/,
    );
  });

  it('--source with --data is refused (it names bundled sources)', () => {
    expect(runs['with data'].code).toBe(2);
    expect(runs['with data'].stderr).toMatch(/--source names bundled sources; it cannot be combined with --data/);
  });

  it('the annex 2 source is outside the default precedence: the default load never reads it; naming it reads only it', async () => {
    const m = readManifest();
    expect(m.precedence).not.toContain('itu-idi-2024-annex2');
    expect(m.namedOnly).toEqual(['itu-idi-2024-annex2']);
    const only = await loadBundled({ indicators: ['internet_users_pct'], sources: ['itu-idi-2024-annex2'] });
    const sources = new Set(only.getChild('source')!.toArray() as string[]);
    expect([...sources]).toEqual(['ITU IDI 2024, Annex 2']);
    expect(only.numRows).toBe(165);
    const all = await loadBundled({ indicators: ['internet_users_pct'], ignoreSnapshot: true });
    expect((all.getChild('source')!.toArray() as string[]).includes('ITU IDI 2024, Annex 2')).toBe(false);
  });
});
