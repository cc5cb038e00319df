import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CHUNK_BYTES } from '../../src/ingest/csv-stream.js';
import { DEFAULT_LIMITS } from '../../src/ingest/ingest.js';
import { WORK_BUDGET, WorkBudget, workLimit } from '../../src/util/work-budget.js';
import { findings, ingest, tempDir } from './helpers.js';

/**
 * Issue 13: a per-submission work budget. The units a read spends are counted (bytes the tokenizer passes over,
 * rescans included, and observations), never timed; the limit is fixed from the file's size before it is read.
 */
const tmp = tempDir('ictstat-work-budget-');
afterAll(() => tmp.cleanup());
const MiB = 1 << 20;
const HEADER = 'economy,indicator,year,value,note\n';

/** Records whose quoted note is just under the 1 MiB record limit: each is carried over ~16 chunks and rescanned. */
function longRecords(name: string, records: number): string {
  const f = join(tmp.dir, name);
  const fd = openSync(f, 'w');
  writeSync(fd, HEADER);
  const note = 'x'.repeat(DEFAULT_LIMITS.maxLineBytes - 100);
  for (let k = 0; k < records; k++) writeSync(fd, `KEN,i99H,${2000 + k},${k + 1},"${note}"\n`);
  closeSync(fd);
  return f;
}

describe('the work budget of a submission (issue 13)', () => {
  it('its limit, worked by hand: 32 units a byte, 1 a row of maxRows, 1 MiB of units for any file', () => {
    expect(WORK_BUDGET).toEqual({ unitsPerByte: 32, unitsPerRow: 1, baseUnits: 1_048_576 });
    // 1,000 bytes, 5,000,000 rows: 32,000 + 5,000,000 + 1,048,576
    expect(workLimit(1000, 5_000_000)).toBe(6_080_576);
    expect(workLimit(1000, 10, { unitsPerByte: 2 })).toBe(2000 + 10 + 1_048_576);
    const b = new WorkBudget(10);
    expect(b.spend(10)).toBe(true);
    expect(b.spend(1)).toBe(false);
    expect(b.exceeded).toBe(true);
  });

  it('a plain file spends exactly its bytes once plus one unit per observation', async () => {
    const body = `${HEADER}KEN,i99H,2019,20,a\nKEN,i99H,2020,21,b\nGHA,i99H,2020,30,\n`;
    const f = tmp.file('plain.csv', body);
    const r = await ingest(f);
    expect(r.status).toBe('accepted');
    expect(r.observationsRead).toBe(3);
    expect(r.work).toEqual({ spent: Buffer.byteLength(body) + 3, limit: 32 * Buffer.byteLength(body) + DEFAULT_LIMITS.maxRows + MiB });
  });

  it('records at the 1 MiB limit are rescanned at most 1 + limit / chunk times: far below the limit', async () => {
    const f = longRecords('long.csv', 4);
    const size = statSync(f).size;
    const r = await ingest(f);
    expect(findings(r, 'work-budget')).toEqual([]);
    // Each record is rescanned as the next chunks arrive: more than once, less than 1 + 16 times.
    const perByte = (r.work.spent - r.observationsRead) / size;
    expect(perByte).toBeGreaterThan(2);
    expect(perByte).toBeLessThan(1 + DEFAULT_LIMITS.maxLineBytes / CHUNK_BYTES);
    expect(r.work.spent).toBeLessThan(r.work.limit / 3);
  });

  it('a read that spends more than its budget stops with a located finding and the submission is rejected', async () => {
    const f = longRecords('over.csv', 4);
    const r = await ingest(f, { workUnitsPerByte: 1, maxRows: 10 });
    const [w] = findings(r, 'work-budget');
    expect(w, JSON.stringify(r.log.sorted())).toBeDefined();
    expect(w.line).toBeGreaterThanOrEqual(2);
    expect(w.message).toMatch(/units of work spent, above the [\d,]+ this file's size allows/);
    expect(r.status).toBe('rejected');
    expect(r.table.numRows).toBe(0);
    expect(r.work.spent).toBeGreaterThan(r.work.limit);
    // It stopped at the first chunk over the limit, not at the end of the file.
    expect(r.work.spent).toBeLessThan(r.work.limit + 2 * (DEFAULT_LIMITS.maxLineBytes + CHUNK_BYTES));
  });

  it('any CSV text spends at most 1 + limit / chunk units a byte plus its observations (fast-check)', async () => {
    const cell = fc.array(fc.constantFrom('K', 'E', 'N', '1', '2', '0', ' ', '"', ',', '.', '\n', '\r', 'é'), { maxLength: 12 }).map((cs) => cs.join(''));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(cell, cell, cell, cell, cell), { maxLength: 40 }), async (rows) => {
        const body = HEADER + rows.map((r) => r.join(',')).join('\n');
        const f = tmp.file('random.csv', body);
        const r = await ingest(f);
        const size = Buffer.byteLength(body);
        expect(r.work.spent).toBeLessThanOrEqual((1 + DEFAULT_LIMITS.maxLineBytes / CHUNK_BYTES) * size + r.observationsRead);
        expect(findings(r, 'work-budget')).toEqual([]);
      }),
      { numRuns: 150, seed: 13 },
    );
  });
});
