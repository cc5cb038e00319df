/**
 * Report charts as SVG from vega-lite specs: drawn by our own renderer (src/report/svg; all of the report's charts),
 * else rendered in Node by vega (headless `View`, renderer "none", `toSVG`), which is also
 * our renderer's test oracle: no browser and no canvas (text widths are vega's estimate). Element ids are renumbered with a
 * per-chart prefix, so several charts can be inlined in one page and the output does not depend on how
 * many charts the process rendered before.
 */
import type { TopLevelSpec } from 'vega-lite';
import { importVendored } from './vendor.js';
import { MAP_HEIGHT, MAP_WIDTH, type ProjectedWorld, projectedWorld, worldAtlas } from './world-map.js';

export interface Chart {
  id: string;
  title: string;
  /** What the chart shows and from which data, for the page and the notes. */
  caption: string;
  svg: string;
  /** The vega-lite spec (data inline), kept for reproducibility (written beside the SVG). */
  spec: TopLevelSpec;
}

const FONT = 'Helvetica, Arial, sans-serif';
const CONFIG = {
  font: FONT,
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e5e5e5' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' as const, fontWeight: 'bold' as const },
};

let engines: Promise<{ vega: typeof import('vega'); compile: typeof import('vega-lite').compile }> | undefined;
/** vega and vega-lite, loaded once on first use (a process that only builds specs, e.g. the report's main thread, never loads them). */
export function chartEngines(): Promise<{ vega: typeof import('vega'); compile: typeof import('vega-lite').compile }> {
  engines ??= importVendored('vega', () => Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, compile: vl.compile })));
  return engines;
}

export type ChartEngines = Awaited<ReturnType<typeof chartEngines>>;

export async function renderSvg(spec: TopLevelSpec, prefix: string): Promise<string> {
  return renderWith(await chartEngines(), spec, prefix);
}

/** One chart by the given engines (the build's code-cache warm-up renders with the bundle it is making). */
export async function renderWith({ vega, compile }: ChartEngines, spec: TopLevelSpec, prefix: string): Promise<string> {
  const vg = compile({ ...spec, config: { ...CONFIG, ...(spec as { config?: object }).config } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none', logLevel: vega.Error });
  try {
    return normaliseIds(await view.toSVG(), prefix);
  } finally {
    view.finalize();
  }
}

/** Renumber every id (and its url(#id) / href="#id" references) as prefix-1, prefix-2, ... in order of appearance. */
export function normaliseIds(svg: string, prefix: string): string {
  const map = new Map<string, string>();
  for (const m of svg.matchAll(/\bid="([^"]+)"/g)) if (!map.has(m[1])) map.set(m[1], `${prefix}-${map.size + 1}`);
  if (!map.size) return svg;
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id) => `id="${map.get(id)}"`)
    .replace(/url\(#([^)#(\s"']+)\)/g, (s, id) => (map.has(id) ? `url(#${map.get(id)})` : s))
    .replace(/href="#([^"]+)"/g, (s, id) => (map.has(id) ? `href="#${map.get(id)}"` : s));
}

export interface ChartInputs {
  edition: number;
  dataYear: number;
  indexLabel: string;
  scale: number;
  /** Ranked economies: code, name, M49, region, score. */
  /** The economies with a score (for a ranked index: the ranked ones). */
  ranked: Array<{ code: string; name: string; m49: string | null; region: string | null; score: number }>;
  /** The index reports scores only (ITU's IDI from 2023): captions say "economies with a score", never "ranked". */
  unranked?: boolean;
  /** Fixed-broadband basket of the price year, % GNI p.c., by economy (may be empty). */
  affordability: { basket: string; basketName: string; values: Map<string, number> } | undefined;
  /** Balanced group medians of % GNI p.c. over the years (World and ITU regions). */
  medians: Array<{ basket: string; group: string; year: number; value: number }>;
  basketName: (id: string) => string;
  /** World and ITU-region estimates of Internet use (Facts and Figures), with the estimated share of each. */
  internetUse?: Array<{ group: string; year: number; value: number; estimatedShare: number; nowcast: boolean }>;
  /** The sensitivity analysis of the ranks (undefined when switched off): per ranked economy, its rank, median rank and 5th-95th percentile interval. */
  rankIntervals?: {
    draws: number;
    scenarios: number;
    seed: number;
    factors: string[];
    rows: Array<{ code: string; name: string; rank: number; median: number; p05: number; p95: number }>;
  };
}

const REGION_COLORS = {
  domain: ['Africa', 'Americas', 'Arab States', 'Asia & Pacific', 'CIS', 'Europe', 'World'],
  range: ['#e15759', '#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#333333'],
};
/** Economies without an ITU region (the scatter's "Other"). */
const OTHER_COLOR = '#9d9d9d';
/** A basket's name up to its first colon or comma ("Fixed-broadband sub-basket (IPB): entry-level plan, ..." -> "Fixed-broadband sub-basket (IPB)"). */
const shortName = (name: string): string => {
  const s = name.split(/[:,]/)[0].trim();
  return (s.match(/\(/g)?.length ?? 0) > (s.match(/\)/g)?.length ?? 0) ? `${s})` : s;
};
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** The report's charts as SVG: their specs (`chartSpecs`), each rendered by `render` (default: vega on this thread). */
export async function buildCharts(c: ChartInputs, render: (spec: TopLevelSpec, prefix: string) => Promise<string> = renderSvg): Promise<Chart[]> {
  const charts = chartSpecs(c);
  const svgs = await Promise.all(charts.map((ch) => render(ch.spec, ch.id)));
  charts.forEach((ch, k) => {
    ch.svg = svgs[k];
  });
  return charts;
}

/** The report's charts with their vega-lite specs, not yet rendered (svg ''): no vega needed. */
export function chartSpecs(c: ChartInputs): Chart[] {
  const charts: Chart[] = [];
  const L = c.indexLabel;
  const withRegion = c.ranked.filter((e) => e.region);

  const byRegion: TopLevelSpec = {
    title: `${L} ${c.edition} by ITU region`,
    width: 560,
    height: 230,
    data: { values: withRegion.map((e) => ({ region: e.region, score: r3(e.score), economy: e.name })) },
    layer: [
      {
        mark: { type: 'boxplot', extent: 'min-max', size: 18, median: { color: 'black' } },
        encoding: {
          y: { field: 'region', type: 'nominal', title: null, sort: REGION_COLORS.domain },
          x: { field: 'score', type: 'quantitative', title: `${L} ${c.edition} (data year ${c.dataYear})`, scale: { domain: [0, c.scale] } },
          color: { field: 'region', type: 'nominal', scale: REGION_COLORS, legend: null },
        },
      },
      {
        mark: { type: 'tick', color: 'black', thickness: 2, size: 22 },
        encoding: { y: { field: 'region', type: 'nominal', sort: REGION_COLORS.domain }, x: { aggregate: 'mean', field: 'score', type: 'quantitative' } },
      },
    ],
  };
  charts.push({
    id: 'idi-by-region',
    title: `${L} by ITU region`,
    caption: `Distribution of the ${L} ${c.edition} of the ${withRegion.length} ${c.unranked ? 'economies with a score' : 'ranked economies'} in each ITU region: box from the first to the third quartile, whiskers to the minimum and maximum, black tick = regional average.`,
    spec: byRegion,
    svg: '',
  });

  if (c.affordability?.values.size) {
    const pts = c.ranked
      .filter((e) => c.affordability!.values.has(e.code) && c.affordability!.values.get(e.code)! > 0)
      .map((e) => ({ economy: e.name, code: e.code, region: e.region ?? 'Other', score: r3(e.score), gni_pct: r3(c.affordability!.values.get(e.code)!) }));
    const scatter: TopLevelSpec = {
      title: `${L} ${c.edition} and fixed-broadband affordability, ${c.dataYear}`,
      width: 560,
      height: 320,
      data: { values: pts },
      mark: { type: 'circle', size: 36, opacity: 0.8 },
      encoding: {
        x: { field: 'gni_pct', type: 'quantitative', scale: { type: 'log' }, title: `${c.affordability.basketName}: % of monthly GNI p.c. (log scale)` },
        y: { field: 'score', type: 'quantitative', title: `${L} ${c.edition}`, scale: { domain: [0, c.scale] } },
        color: {
          field: 'region',
          type: 'nominal',
          // an economy without an ITU region is "Other", in grey, listed only when there is one (else vega leaves it unfilled)
          scale: pts.some((p) => p.region === 'Other')
            ? { domain: [...REGION_COLORS.domain.slice(0, 6), 'Other'], range: [...REGION_COLORS.range.slice(0, 6), OTHER_COLOR] }
            : { domain: REGION_COLORS.domain.slice(0, 6), range: REGION_COLORS.range.slice(0, 6) },
          title: 'ITU region',
        },
      },
    };
    charts.push({
      id: 'idi-vs-affordability',
      title: `${L} against fixed-broadband affordability`,
      caption: `${pts.length} economies with both an ${L} ${c.edition} and a ${c.dataYear} value of the basket ${c.affordability.basket}; lower = more affordable.`,
      spec: scatter,
      svg: '',
    });
  }

  if (c.medians.length) {
    const baskets = [...new Set(c.medians.map((m) => m.basket))];
    const lines: TopLevelSpec = {
      title: `Price basket medians over time by group (% of monthly GNI p.c.)`,
      data: { values: c.medians.map((m) => ({ basket: shortName(c.basketName(m.basket)), group: m.group, year: m.year, value: r3(m.value) })) },
      facet: {
        field: 'basket',
        type: 'nominal',
        title: null,
        sort: baskets.map((b) => shortName(c.basketName(b))),
        header: { labelLimit: 0, labelFontSize: 12, labelFontWeight: 'bold' },
      },
      columns: 3,
      spec: {
        width: 230,
        height: 150,
        mark: { type: 'line', point: { size: 18 } },
        encoding: {
          x: { field: 'year', type: 'ordinal', title: null },
          y: { field: 'value', type: 'quantitative', title: 'median, % GNI p.c.' },
          color: { field: 'group', type: 'nominal', scale: REGION_COLORS, title: 'Group' },
          strokeWidth: { condition: { test: "datum.group === 'World'", value: 3 }, value: 1.5 },
        },
      },
      resolve: { scale: { x: 'independent', y: 'independent' } },
    };
    charts.push({
      id: 'price-medians',
      title: 'Price basket medians over time',
      caption: `Unweighted medians of % of monthly GNI p.c. of each basket in force in ${c.dataYear}, World and ITU regions, balanced over the years the basket has values (ITU's rule for its historical medians).`,
      spec: lines,
      svg: '',
    });
  }

  if (c.internetUse?.length) {
    const years = [...new Set(c.internetUse.map((x) => x.year))];
    const lines: TopLevelSpec = {
      title: `Individuals using the Internet, World and ITU regions, ${years[0]}-${years[years.length - 1]} (%)`,
      width: 560,
      height: 260,
      data: {
        values: c.internetUse.map((x) => ({
          group: x.group,
          year: x.year,
          value: r3(x.value),
          estimated: r3(x.estimatedShare * 100),
          nowcast: x.nowcast ? 'nowcast' : 'estimate',
        })),
      },
      layer: [
        {
          mark: { type: 'line' },
          encoding: {
            x: { field: 'year', type: 'ordinal', title: null },
            y: { field: 'value', type: 'quantitative', title: '% of the population', scale: { domain: [0, 100] } },
            color: { field: 'group', type: 'nominal', scale: REGION_COLORS, title: 'Group' },
            strokeWidth: { condition: { test: "datum.group === 'World'", value: 3 }, value: 1.5 },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 30 },
          encoding: {
            x: { field: 'year', type: 'ordinal' },
            y: { field: 'value', type: 'quantitative' },
            // the groups' legend (on the lines alone, vega-lite would merge it into the shape legend, which has no colour)
            color: { field: 'group', type: 'nominal', scale: REGION_COLORS, title: 'Group' },
            shape: { field: 'nowcast', type: 'nominal', scale: { domain: ['estimate', 'nowcast'], range: ['circle', 'triangle-up'] }, title: null },
          },
        },
      ],
    };
    charts.push({
      id: 'internet-use-estimates',
      title: 'Internet use, World and ITU regions (Facts and Figures)',
      caption: `Population-weighted estimates as ITU computes them: every economy of the group, the missing ones estimated first (interpolation, trend, hot-deck on GNI per capita, regression). Triangles: nowcasts (less than half of the group's population has reported). The table facts-internet-use gives the share of each figure that rests on estimated values.`,
      spec: lines,
      svg: '',
    });
  }

  if (c.rankIntervals?.rows.length) {
    const ri = c.rankIntervals,
      n = ri.rows.length;
    const intervals: TopLevelSpec = {
      title: `${L} ${c.edition}: rank intervals under uncertainty`,
      width: 760,
      height: 320,
      data: { values: ri.rows.map((r) => ({ economy: r.name, code: r.code, rank: r.rank, median: r.median, p05: r.p05, p95: r.p95 })) },
      layer: [
        {
          mark: { type: 'rule', color: '#9db7d5', strokeWidth: 2 },
          encoding: {
            x: { field: 'rank', type: 'quantitative', title: `published rank (1 = highest ${L})`, scale: { domain: [0, n + 1], nice: false } },
            y: {
              field: 'p05',
              type: 'quantitative',
              title: 'rank: median and 5th-95th percentile',
              scale: { reverse: true, domain: [1, Math.max(n, ...ri.rows.map((r) => r.p95))], nice: false },
            },
            y2: { field: 'p95' },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 14, color: '#1f4e79' },
          encoding: { x: { field: 'rank', type: 'quantitative' }, y: { field: 'median', type: 'quantitative' } },
        },
        {
          mark: { type: 'line', color: '#e15759', strokeDash: [4, 3], strokeWidth: 1 },
          data: {
            values: [
              { rank: 1, diagonal: 1 },
              { rank: n, diagonal: n },
            ],
          },
          encoding: { x: { field: 'rank', type: 'quantitative' }, y: { field: 'diagonal', type: 'quantitative' } },
        },
      ],
    };
    charts.push({
      id: 'idi-rank-intervals',
      title: `${L} rank intervals`,
      caption: `Each of the ${n} ranked economies at its published rank: the median (dot) and the 5th-95th percentile interval (bar) of its rank over a Monte Carlo of ${ri.draws.toLocaleString('en')} x 2 scenarios (${ri.scenarios.toLocaleString('en')} in all for the Sobol indices, seed ${ri.seed}) varying ${ri.factors.join(', ')}. On the dashed line the median equals the published rank.`,
      spec: intervals,
      svg: '',
    });
  }

  const world = projectedWorld();
  const map = worldMapSpec(c, world);
  charts.push({
    id: 'idi-map',
    title: `${L} world map`,
    caption: `${L} ${c.edition} by economy (Natural Earth 1:110m boundaries from the world-atlas package, joined on the UN M49 code); grey = ${c.unranked ? 'no score' : 'not ranked'} or not among the map's ${mapShapes(world)} shapes (the atlas's countries without Antarctica).`,
    spec: map,
    svg: '',
  });

  return charts;
}

/** The shapes the map draws: the atlas's countries without Antarctica (M49 010), as projected or as vega will project them. */
export function mapShapes(world: ProjectedWorld | undefined): number {
  if (world) return world.features.length;
  const topo = worldAtlas() as { objects: { countries: { geometries: Array<{ id?: string }> } } };
  return topo.objects.countries.geometries.filter((g) => g.id !== '010').length;
}

/**
 * The world map: with the map the build projected (src/report/world-map.ts), the identity projection over its pixel
 * coordinates (no fit: scale 1, no translation), so vega only writes the path strings; without it (undefined), the
 * atlas projected by vega at render time. The same picture either way.
 */
export function worldMapSpec(c: ChartInputs, world: ProjectedWorld | undefined): TopLevelSpec {
  const L = c.indexLabel;
  const scores = c.ranked.filter((e) => e.m49).map((e) => ({ m49: e.m49, economy: e.name, score: r3(e.score) }));
  // the projected outlines once in the spec (both layers name them: a spec half the size to send and compare)
  const countries = world ? { name: 'countries' } : { values: worldAtlas() as never, format: { type: 'topojson' as const, feature: 'countries' } };
  // vega-lite clips the marks of a projection it does not fit; a fitted one (the atlas) is not clipped
  const noClip = world ? { clip: false } : {};
  return {
    title: `${L} ${c.edition}: world map`,
    ...(world ? { datasets: { countries: world.features as never } } : {}),
    width: MAP_WIDTH,
    height: MAP_HEIGHT,
    projection: world ? { type: 'identity', scale: 1, translate: [0, 0] } : { type: 'equalEarth' },
    layer: [
      {
        data: countries,
        // (the projected map has no Antarctica)
        ...(world ? {} : { transform: [{ filter: "datum.id !== '010'" }] }),
        mark: { type: 'geoshape', fill: '#dddddd', stroke: 'white', strokeWidth: 0.4, ...noClip },
      },
      {
        data: countries,
        transform: [{ lookup: 'id', from: { data: { values: scores }, key: 'm49', fields: ['score', 'economy'] } }, { filter: 'isValid(datum.score)' }],
        mark: { type: 'geoshape', stroke: 'white', strokeWidth: 0.4, ...noClip },
        encoding: { color: { field: 'score', type: 'quantitative', title: `${L} ${c.edition}`, scale: { scheme: 'blues', domain: [0, c.scale] } } },
      },
    ],
  };
}
