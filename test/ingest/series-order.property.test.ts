import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FindingLog } from '../../src/ingest/findings.js';
import { checkSubmission, seriesRuns, sortBySeriesAndYear } from '../../src/ingest/validate.js';
import { loadIndicatorRegistry } from '../../src/registry/indicators.js';
import { ObservationBuilder } from '../../src/table/observations.js';

describe('the row order of the submission rules', () => {
  // Small key ranges sort in one pass by (series, year); large ones (many economies) by year, then by series.
  it.each([
    [6, 500],
    [200_000, 40],
  ])('is (economy, indicator, year), ties in file order: the same as a comparison sort (economy codes up to %i, property)', (maxEcon, numRuns) => {
    const row = fc.record({ e: fc.integer({ min: 0, max: maxEcon }), i: fc.integer({ min: 0, max: 4 }), y: fc.integer({ min: 1960, max: 2026 }) });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 300 }), (rows) => {
        const econ = Int32Array.from(rows, (r) => r.e),
          ind = Int32Array.from(rows, (r) => r.i),
          year = Int16Array.from(rows, (r) => r.y);
        const expected = rows.map((_, k) => k).sort((a, b) => rows[a].e - rows[b].e || rows[a].i - rows[b].i || rows[a].y - rows[b].y || a - b);
        expect([...sortBySeriesAndYear(econ, ind, year, 5)]).toEqual(expected);
      }),
      { numRuns },
    );
  });

  // The shortcut for files already grouped by series (each series one run of rising years): its runs, in turn, are
  // the comparison sort's order; any other file (a series in two runs, a year repeated or going back) gets null.
  it('of a file grouped by series is its runs sorted by series; other files have no runs (property)', () => {
    const series = fc.record({
      e: fc.integer({ min: 0, max: 8 }),
      i: fc.integer({ min: 0, max: 4 }),
      years: fc.uniqueArray(fc.integer({ min: 1960, max: 2026 }), { minLength: 1, maxLength: 12 }),
    });
    const file = fc.record({
      series: fc.uniqueArray(series, { selector: (s) => `${s.e},${s.i}`, maxLength: 20 }),
      // Mostly grouped: years sorted within a series; sometimes a year repeated, unsorted, or a series split in two.
      spoil: fc.constantFrom('none', 'none', 'none', 'repeat', 'unsorted', 'split'),
      at: fc.nat(),
    });
    let grouped = 0,
      spoiled = 0;
    fc.assert(
      fc.property(file, ({ series: ss, spoil, at }) => {
        const rows: Array<{ e: number; i: number; y: number }> = [];
        for (const s of ss) for (const y of [...s.years].sort((a, b) => a - b)) rows.push({ e: s.e, i: s.i, y });
        if (spoil === 'repeat' && rows.length > 0) {
          const k = at % rows.length;
          rows.splice(k + 1, 0, { ...rows[k] });
        } else if (spoil === 'unsorted' && rows.length > 1) {
          const k = at % (rows.length - 1);
          if (rows[k].e === rows[k + 1].e && rows[k].i === rows[k + 1].i) [rows[k], rows[k + 1]] = [rows[k + 1], rows[k]];
        } else if (spoil === 'split' && rows.length > 1) rows.push({ ...rows[0], y: 2030 });
        const econ = Int32Array.from(rows, (r) => r.e),
          ind = Int32Array.from(rows, (r) => r.i),
          year = Int16Array.from(rows, (r) => r.y);
        const expected = rows.map((_, k) => k).sort((a, b) => rows[a].e - rows[b].e || rows[a].i - rows[b].i || rows[a].y - rows[b].y || a - b);
        const isGrouped = rows.every(
          (r, k) =>
            k === 0 || (r.e === rows[k - 1].e && r.i === rows[k - 1].i ? r.y > rows[k - 1].y : !rows.slice(0, k).some((q) => q.e === r.e && q.i === r.i)),
        );
        const runs = seriesRuns(econ, ind, year, 5);
        if (!isGrouped) {
          spoiled++;
          expect(runs).toBeNull();
          return;
        }
        grouped++;
        expect(runs).not.toBeNull();
        const order: number[] = [];
        for (let k = 0; k < runs!.length; k += 2) for (let r = runs![k]; r < runs![k + 1]; r++) order.push(r);
        expect(order).toEqual(expected);
      }),
      { numRuns: 500 },
    );
    expect(grouped).toBeGreaterThan(100);
    expect(spoiled).toBeGreaterThan(50);
  });

  // checkSubmission on a grouped file takes the shortcut; the same rows and one spoiling series after them (a new
  // economy, last in the order, given twice for one year: a duplicate) take the sort. Both must say the same, the
  // duplicate aside: the jumps (in order, every field), the unit hints and the keep-mask.
  it('gives the same findings and keep-mask whether or not a grouped file takes the shortcut (property)', () => {
    const indicators = loadIndicatorRegistry();
    const inds = ['internet_users_pct', 'mobile_cell_subs', 'hh_computer_pct'];
    const series = fc.record({
      e: fc.constantFrom('KEN', 'GHA', 'FRA', 'BRA'),
      i: fc.integer({ min: 0, max: inds.length - 1 }),
      points: fc.uniqueArray(fc.record({ y: fc.integer({ min: 1960, max: 2026 }), v: fc.constantFrom(0.2, 0.9, 5, 12, 40, 300, 5000, 0) }), {
        selector: (p) => p.y,
        minLength: 1,
        maxLength: 10,
      }),
    });
    const economies = { classify: () => ({ kind: 'unknown' as const, suggestions: [] }) };
    fc.assert(
      fc.property(fc.uniqueArray(series, { selector: (s) => `${s.e},${s.i}`, maxLength: 12 }), (ss) => {
        const run = (spoil: boolean) => {
          const b = new ObservationBuilder(16);
          let line = 1;
          const add = (e: string, i: string, y: number, v: number) => b.appendCodes(b.code('economy', e), b.code('indicator', i), y, v, -1, -1, -1, ++line);
          for (const s of ss) for (const p of [...s.points].sort((a, c) => a.y - c.y)) add(s.e, inds[s.i], p.y, p.v);
          if (spoil) {
            add('ZZZ', 'population', 2000, 1000);
            add('ZZZ', 'population', 2000, 1000);
          }
          const log = new FindingLog();
          const keep = checkSubmission(b, { file: 'f.csv', indicators, economies, log, jumpFactor: 10 });
          return {
            keep: [...keep],
            findings: log.examples,
            grouped: seriesRuns(b.column('economy'), b.column('indicator'), b.column('year'), b.dictionary('indicator').length) !== null,
          };
        };
        const a = run(false),
          b = run(true);
        expect(a.grouped).toBe(true);
        expect(b.grouped).toBe(false);
        expect(b.keep).toEqual([...a.keep, 1, 0]);
        expect(b.findings.filter((f) => f.rule !== 'duplicate')).toEqual(a.findings);
        expect(b.findings.filter((f) => f.rule === 'duplicate')).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });
});
