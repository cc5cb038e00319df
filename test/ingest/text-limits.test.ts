/**
 * Issue 13, finding 9: memory is bounded whatever the input. Notes and sources have length limits (the
 * `text-too-long` rule: 2,000 characters for a note, 1,000 for a source; the longest in the bundled data are
 * 902 and 445), in every format; a finding keeps only the start of the offending text. The server's cache of
 * computed answers (IDI years, baskets) is an LRU bounded by bytes.
 */
import { tableToIPC, tableFromArrays } from 'apache-arrow';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ObservationCache } from '../../src/api/data.js';
import { Store } from '../../src/store/store.js';
import { findings, ingest, tempDir } from './helpers.js';

const tmp = tempDir('ictstat-text-limits-');
afterAll(() => tmp.cleanup());
const HEAD = 'economy,indicator,year,value,note,source\n';

describe('note and source length limits (issue 13)', () => {
  it('a note of 2,000 characters is accepted; 2,001 is a text-too-long error on its line, column note; the finding keeps 200', async () => {
    const ok = await ingest(tmp.file('ok.csv', `${HEAD}KEN,i99H,2019,20,${'n'.repeat(2000)},${'s'.repeat(1000)}\n`));
    expect(ok.status).toBe('accepted');
    const bad = await ingest(
      tmp.file('bad.csv', `${HEAD}KEN,i99H,2019,20,ok,ok\nKEN,i99H,2020,21,${'n'.repeat(2001)},ok\nKEN,i99H,2021,22,ok,${'s'.repeat(1001)}\n`),
    );
    expect(bad.status).toBe('rejected');
    const f = findings(bad, 'text-too-long');
    expect(f.map((x) => [x.line, x.column])).toEqual([
      [3, 'note'],
      [4, 'source'],
    ]);
    expect(f[0].message).toMatch(/2,001 characters.*at most 2,000/);
    expect(String(f[0].value).length).toBeLessThanOrEqual(201);
    const kept = await ingest(tmp.file('bad2.csv', `${HEAD}KEN,i99H,2019,20,ok,ok\nKEN,i99H,2020,21,${'n'.repeat(500_000)},ok\n`), {
      acceptValid: true,
      rejectsFile: join(tmp.dir, 'rejects.csv'),
    });
    expect(kept.status).toBe('accepted');
    expect(kept.accepted).toBe(1);
  });

  it('the same rule for JSON and Arrow submissions', async () => {
    const json = await ingest(tmp.file('long.json', JSON.stringify([{ economy: 'KEN', indicator: 'i99H', year: 2019, value: 20, note: 'n'.repeat(5000) }])));
    expect(findings(json, 'text-too-long').map((x) => x.column)).toEqual(['note']);
    const arrow = await ingest(
      tmp.file(
        'long.arrow',
        tableToIPC(tableFromArrays({ economy: ['KEN'], indicator: ['i99H'], year: [2019], value: [20], source: ['s'.repeat(5000)] }), 'file'),
      ),
    );
    expect(findings(arrow, 'text-too-long').map((x) => x.column)).toEqual(['source']);
  });
});

describe('the computed-answer cache is bounded by bytes (issue 13)', () => {
  it('100 answers of 100 KB under a 1 MB budget: at most about 1 MB held, the least recently used recomputed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ictstat-memo-'));
    const store = Store.open(join(dir, 's.db'));
    try {
      const cache = new ObservationCache(store, { maxComputedBytes: 1 << 20 });
      let computes = 0;
      const answer = (k: number) =>
        cache.memo(1, `idi|${k}`, () => {
          computes++;
          return String(k).padEnd(50_000, 'x');
        });
      for (let k = 0; k < 100; k++) answer(k);
      expect(cache.memoBytes).toBeLessThanOrEqual((1 << 20) + 100_100);
      expect(computes).toBe(100);
      answer(99); // recent: kept
      expect(computes).toBe(100);
      answer(0); // evicted long ago: computed again
      expect(computes).toBe(101);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
