/**
 * Our chart renderer (src/report/svg) against vega, its oracle: every chart it draws, from the specs of the 2017
 * report, of the 2024 report (the IDI from 2023: scores out of 100, no ranks) and of a small hand-made input, is
 * compared mark by mark with vega's scenegraph of the same spec (test/report/svg-oracle.ts): view size and origin,
 * map paths and fills per country, rule ends, symbol centres, sizes and shapes, line vertices, axis tick, grid and
 * label positions, legend gradient and labels, titles, within 0.5 px. Not compared: font metrics (both use vega's
 * width estimate, as no canvas is there), aria labels, element nesting and classes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ChartInputs, chartSpecs } from '../../src/report/charts.js';
import { composeReport } from '../../src/report/compose.js';
import { renderOwn, sceneOf } from '../../src/report/svg/index.js';
import { scheme, tickFormat, ticks } from '../../src/report/svg/scale.js';
import { estimateWidth } from '../../src/report/svg/text.js';
import { compareScenes, vegaScene } from './svg-oracle.js';

/** The charts our renderer draws: all six of the report's. */
const OWN = ['idi-by-region', 'idi-map', 'idi-rank-intervals', 'idi-vs-affordability', 'internet-use-estimates', 'price-medians'];

/** The specs a report sends to be rendered (captured, nothing rendered). */
async function reportSpecs(edition: number): Promise<Map<string, object>> {
  const specs = new Map<string, object>();
  const svg = {
    svg: (spec: object, id: string) => {
      specs.set(id, spec);
      return Promise.resolve('');
    },
    close: async () => {},
  };
  const out = mkdtempSync(join(tmpdir(), 'ictstat-svg-oracle-'));
  await composeReport({ edition, out, sensitivityDraws: 100 }, { svg: svg as never, pool: Promise.resolve(undefined) });
  return specs;
}

async function expectSameAsVega(spec: object, id: string): Promise<void> {
  const ours = sceneOf(spec, id);
  expect(ours, `our renderer draws ${id}`).toBeDefined();
  expect(compareScenes(ours!, await vegaScene(spec))).toEqual([]);
}

for (const edition of [2017, 2024])
  describe(`the ${edition} report's charts, ours against vega's`, () => {
    let specs: Map<string, object>;
    beforeAll(async () => {
      specs = await reportSpecs(edition);
    }, 120_000);
    it('draws every chart of the report itself (the rank intervals only for a ranked index)', () => {
      const drawn = [...specs.keys()].filter((id) => renderOwn(specs.get(id), id) !== undefined);
      expect(drawn.sort()).toEqual(edition === 2017 ? [...OWN].sort() : OWN.filter((id) => id !== 'idi-rank-intervals').sort());
      expect(specs.size).toBe(drawn.length);
    });
    it('internet use: a legend entry for each group as well as for estimate and nowcast (the groups had none)', () => {
      const scene = sceneOf(specs.get('internet-use-estimates'), 'internet-use-estimates')!;
      const labels = scene.items.filter((it) => it.role === 'legend-label').map((it) => (it as { text: string }).text);
      expect(labels).toEqual(['Africa', 'Americas', 'Arab States', 'Asia & Pacific', 'CIS', 'Europe', 'World', 'estimate', 'nowcast']);
      expect(scene.items.find((it) => it.role === 'legend-title')).toMatchObject({ text: 'Group' });
    });
    for (const id of OWN)
      it(`${id}: every mark where vega puts it`, async () => {
        if (!specs.has(id)) return expect(edition).toBe(2024); // no ranks from 2023, so no rank intervals
        await expectSameAsVega(specs.get(id)!, id);
      });
  });

describe('a small hand-made input', () => {
  const inputs: ChartInputs = {
    edition: 2017,
    dataYear: 2016,
    indexLabel: 'IDI',
    scale: 10,
    ranked: [
      { code: 'ISL', name: 'Iceland', m49: '352', region: 'Europe', score: 8.9 },
      { code: 'KEN', name: 'Kenya', m49: '404', region: 'Africa', score: 2.91 },
      { code: 'NGA', name: 'Nigeria', m49: '566', region: 'Africa', score: 2.6 },
      { code: 'ZAF', name: 'South Africa', m49: '710', region: 'Africa', score: 4.96 },
      { code: 'BRA', name: 'Brazil', m49: '076', region: 'Americas', score: 5 },
      { code: 'XKX', name: 'Kosovo & <others>', m49: null, region: null, score: 4 },
    ],
    // (Kosovo has no region: "Other", grey in the scatter; South Africa's 0 is left out, as a log scale must)
    affordability: {
      basket: 'fbb',
      basketName: 'Fixed-broadband basket',
      values: new Map([
        ['ISL', 1.2],
        ['KEN', 25],
        ['BRA', 3.4],
        ['XKX', 0.5],
        ['NGA', 80],
        ['ZAF', 0],
      ]),
    },
    // four baskets (two rows of the 3-column grid), one with a long name (its header overhangs its cell), years apart per basket
    medians: [
      { basket: 'fbb', group: 'World', year: 2015, value: 5.2 },
      { basket: 'fbb', group: 'World', year: 2016, value: 4.1 },
      { basket: 'fbb', group: 'Africa', year: 2015, value: 31 },
      { basket: 'fbb', group: 'Africa', year: 2016, value: 24.5 },
      { basket: 'mob', group: 'Europe', year: 2016, value: 0.4 },
      { basket: 'mob', group: 'Europe', year: 2017, value: 0.35 },
      { basket: 'mob', group: 'World', year: 2017, value: 1.9 },
      { basket: 'long', group: 'CIS', year: 2018, value: 2 },
      { basket: 'long', group: 'World', year: 2018, value: 3 },
      { basket: 'long', group: 'World', year: 2019, value: 2.5 },
      { basket: 'long', group: 'World', year: 2020, value: 2.25 },
      { basket: 'last', group: 'Americas', year: 2019, value: 12 },
      { basket: 'last', group: 'Americas', year: 2020, value: 9 },
    ],
    basketName: (id) => (id === 'long' ? 'A very long basket name (with many words in its header, 2 GB + 140 min)' : id),
    // (a group outside the colour domain is drawn by neither)
    internetUse: [
      { group: 'World', year: 2015, value: 40, estimatedShare: 0.1, nowcast: false },
      { group: 'World', year: 2016, value: 45.5, estimatedShare: 0.2, nowcast: true },
      { group: 'Africa', year: 2016, value: 20, estimatedShare: 0.6, nowcast: true },
      { group: 'Africa', year: 2015, value: 18, estimatedShare: 0.5, nowcast: false },
      { group: 'Elsewhere', year: 2015, value: 60, estimatedShare: 0, nowcast: false },
    ],
    rankIntervals: {
      draws: 10,
      scenarios: 40,
      seed: 1,
      factors: ['weights'],
      rows: [
        { code: 'ISL', name: 'Iceland', rank: 1, median: 1, p05: 1, p95: 2 },
        { code: 'BRA', name: 'Brazil', rank: 2, median: 2.5, p05: 2, p95: 4 },
        { code: 'XKX', name: 'Kosovo', rank: 3, median: 3, p05: 2, p95: 4 },
        { code: 'KEN', name: 'Kenya', rank: 4, median: 4, p05: 3, p95: 4 },
      ],
    },
  };
  const charts = chartSpecs(inputs);
  for (const id of OWN)
    it(`${id}: the same picture as vega's`, async () => {
      await expectSameAsVega(charts.find((c) => c.id === id)!.spec, id);
    });
  it('fills a country from vega\'s "blues" at its score (by hand: 5 of 10 is the palette\'s middle colour #5ba3cf)', () => {
    const svg = renderOwn(charts.find((c) => c.id === 'idi-map')!.spec, 'idi-map')!;
    expect(svg).toContain('aria-label="IDI 2017: 5" ');
    expect(svg).toMatch(/aria-label="IDI 2017: 5" d="[^"]+" fill="rgb\(91, 163, 207\)"/);
    expect(svg).toContain('<linearGradient id="idi-map-1"');
  });
  it('draws the boxplot by hand: Africa 2.6, 2.91, 4.96 gives the quartiles 2.755 and 3.935 (R-7) and the mean 3.49, at 56 px a point', () => {
    const scene = sceneOf(charts.find((c) => c.id === 'idi-by-region')!.spec, 'idi-by-region')!;
    const rects = scene.items.filter((i) => i.type === 'rect' && i.fill === '#e15759');
    expect(rects).toHaveLength(1);
    const box = rects[0] as { x: number; width: number };
    expect(box.x).toBeCloseTo(2.755 * 56, 9);
    expect(box.width).toBeCloseTo((3.935 - 2.755) * 56, 9);
    const mean = scene.items.find((i) => i.role === 'mark-mean') as { x: number; width: number };
    expect(mean.x + mean.width / 2).toBeCloseTo((10.47 / 3) * 56, 9);
  });
  it('scatter: an economy without a region is "Other", filled grey and named in the legend', () => {
    const scene = sceneOf(charts.find((c) => c.id === 'idi-vs-affordability')!.spec, 'idi-vs-affordability')!;
    const pts = scene.items.filter((i) => i.type === 'symbol' && i.role !== 'legend-symbol') as { fill?: string }[];
    expect(pts).toHaveLength(5);
    expect(pts.every((p) => typeof p.fill === 'string' && p.fill.length > 0)).toBe(true);
    expect(pts.filter((p) => p.fill === '#9d9d9d')).toHaveLength(1);
    const labels = scene.items.filter((it) => it.role === 'legend-label').map((it) => (it as { text: string }).text);
    expect(labels).toEqual(['Africa', 'Americas', 'Arab States', 'Asia & Pacific', 'CIS', 'Europe', 'Other']);
  });
  it('places the rank intervals by hand: x = rank / (n + 1) * 760, y = (rank - 1) / (n - 1) * 320 (rank 1 on top)', () => {
    const scene = sceneOf(charts.find((c) => c.id === 'idi-rank-intervals')!.spec, 'idi-rank-intervals')!;
    const pts = scene.items.filter((i) => i.type === 'symbol');
    expect(pts.map((p) => [p.x, p.y])).toEqual([
      [152, 0],
      [304, (1.5 / 3) * 320],
      [456, (2 / 3) * 320],
      [608, 320],
    ]);
    const svg = renderOwn(charts.find((c) => c.id === 'idi-rank-intervals')!.spec, 'idi-rank-intervals')!;
    expect(svg).toContain('stroke-dasharray="4,3"');
  });
});

describe('scales and text, as d3 and vega have them', () => {
  it("ticks: d3's steps of 1, 2 or 5 times a power of ten", () => {
    expect(ticks(0, 188, 19)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180]);
    expect(ticks(1, 187, 8)).toEqual([20, 40, 60, 80, 100, 120, 140, 160, 180]);
    expect(ticks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(0, 1, 4)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
  it("tick labels: the decimals of the step, thousands grouped, d3's minus sign", () => {
    const f = tickFormat(0, 1, 4);
    expect([0, 0.2, 1].map(f)).toEqual(['0.0', '0.2', '1.0']);
    expect(tickFormat(0, 20000, 5)(10000)).toBe('10,000');
    expect(tickFormat(-10, 10, 5)(-5)).toBe('\u22125');
  });
  it("text width: vega's estimate without a canvas, ~~(0.8 x characters x font size)", () => {
    expect(estimateWidth('Asia & Pacific', 11)).toBe(123);
    expect(estimateWidth('IDI 2017', 12)).toBe(76);
  });
  it('blues: the palette at its ends', () => {
    const c = scheme('blues');
    expect([c(0), c(1), c(-1), c(2)]).toEqual(['rgb(207, 225, 242)', 'rgb(10, 74, 144)', 'rgb(207, 225, 242)', 'rgb(10, 74, 144)']);
  });
});
