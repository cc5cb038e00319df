/**
 * The price-basket tables of an edition, from the published basket values in the observations
 * (`price_<basket>_{usd,ppp,gni_pct}`): per basket and economy, group medians and means (through
 * `aggregatePanels`, i.e. THE group kernel), the economies meeting each affordability target
 * (`meetingTarget`) and the change between two years.
 */
import { DataType, type Table, type Vector } from 'apache-arrow';
import { aggregatePanelStats, aggregatePanels, type AggregateRow, type BasketPanel } from '../prices/aggregate.js';
import { loadAggregationSpec, panelsFromObservations, registryGroupSpecs } from '../prices/aggregate-input.js';
import { loadBaskets } from '../prices/basket.js';
import { loadTargets, meetingTarget } from '../prices/targets.js';
import { loadIndicatorRegistry } from '../registry/indicators.js';
import type { Column, ReportTable } from '../table/report-table.js';
import { own } from '../util/lookup.js';
import { dictionaryStrings, isValidRow, rowValues } from '../table/data-view.js';

export const UNIT_LABEL: Record<string, string> = { usd: 'USD', ppp: 'PPP$', gni_pct: '% GNI p.c.' };
const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface PriceContext {
  table: Table;
  /** The price year (the edition's data year). */
  year: number;
  name: (iso3: string) => string;
  lang: string;
  notes: string[];
}

export interface PriceData {
  panels: BasketPanel[];
  /** Baskets with a value in the price year, in registry order. */
  baskets: string[];
  basketName: (id: string) => string;
  /** Observation notes by indicator id, economy and year. */
  note: (basket: string, unit: string, iso3: string, year: number) => string;
  value: (basket: string, unit: string, iso3: string, year: number) => number | null;
  /** Group medians (balanced, ITU's rule) of % GNI p.c. over all years of each basket in the price year. */
  mediansOverTime: AggregateRow[];
}

export function priceData(ctx: PriceContext): PriceData {
  const registry = loadIndicatorRegistry();
  // (the readers below select the price indicators by their dictionary codes: no copy of their rows first)
  const table = ctx.table;
  const panels = panelsFromObservations(table);
  const byKey = new Map(panels.map((p) => [`${p.basket}|${p.unit}`, p]));
  const order = registry.indicators.filter((d) => d.basket).map((d) => d.basket!);
  const baskets = [...new Set(order)].filter((b) => ['usd', 'ppp', 'gni_pct'].some((u) => hasYear(byKey.get(`${b}|${u}`), ctx.year)));
  const all = loadBaskets();
  const idOf = new Map(registry.indicators.filter((d) => d.basket).map((d) => [`${d.basket}|${d.basketUnit}`, d.id]));
  // Observation notes of the price indicators (e.g. "experimental", a footnote of a --data file).
  const notes = new Map<string, string>();
  const wanted = new Set(idOf.values());
  const ind = table.getChild('indicator')!,
    eco = table.getChild('economy')!,
    yr = table.getChild('year')!,
    nt = table.getChild('note');
  if (nt && !notesByCodes(table, wanted, notes))
    for (const i of rowsWithText(nt)) {
      const n = nt.get(i) as string | null;
      if (!n) continue;
      const id = ind.get(i) as string;
      if (wanted.has(id)) notes.set(`${id}|${eco.get(i)}|${yr.get(i)}`, n);
    }
  // each panel's economies by code (the tables ask for thousands of values)
  const economyIndex = new Map(panels.map((p) => [p, new Map(p.economies.map((e, k) => [e, k]))]));
  const value = (basket: string, unit: string, iso3: string, year: number): number | null => {
    const p = byKey.get(`${basket}|${unit}`);
    if (!p) return null;
    const e = economyIndex.get(p)!.get(iso3) ?? -1,
      y = p.years.indexOf(year);
    if (e < 0 || y < 0) return null;
    const v = p.values[e * p.years.length + y];
    return Number.isNaN(v) ? null : v;
  };
  const spec = loadAggregationSpec();
  const gni = panels.filter((p) => p.unit === 'gni_pct' && baskets.includes(p.basket));
  const groups = registryGroupSpecs(new Set(gni.flatMap((p) => p.economies)), spec).filter(
    (g) => g.grouping === 'World' || g.grouping.startsWith('itu-region'),
  );
  return {
    panels,
    baskets,
    basketName: (id) => all.get(id)?.name ?? id,
    note: (basket, unit, iso3, year) => notes.get(`${idOf.get(`${basket}|${unit}`)}|${iso3}|${year}`) ?? '',
    value,
    mediansOverTime: aggregatePanels(gni, groups, { stat: 'median', balanced: true }),
  };
}

/**
 * The notes of the wanted indicators into `notes` (`indicator|economy|year`), read from the dictionary codes of a
 * one-batch table (each distinct string decoded once, no Vector.get per row); false for another layout (nothing read).
 */
function notesByCodes(table: Table, wanted: ReadonlySet<string>, notes: Map<string, string>): boolean {
  if (table.batches.length !== 1) return false;
  const col = (name: string) => table.getChild(name)?.data[0];
  const nt = col('note'),
    ind = col('indicator'),
    eco = col('economy'),
    yr = col('year');
  if (!nt?.dictionary || !ind?.dictionary || !eco?.dictionary || !yr || ind.nullCount > 0 || eco.nullCount > 0 || yr.nullCount > 0) return false;
  if (!(DataType.isInt(yr.type) && yr.type.bitWidth <= 32)) return false;
  const texts = dictionaryStrings(nt),
    ids = dictionaryStrings(ind),
    economies = dictionaryStrings(eco);
  const noteCodes = rowValues<Int32Array>(nt),
    indCodes = rowValues<Int32Array>(ind),
    ecoCodes = rowValues<Int32Array>(eco),
    years = rowValues<Int16Array | Int32Array>(yr);
  const want = Uint8Array.from(ids, (id) => (id !== null && wanted.has(id) ? 1 : 0));
  // (the validity bits read here: a null note keeps some code, and most rows have none)
  const bits = nt.nullCount > 0 ? nt.nullBitmap : null,
    off = nt.offset;
  for (let i = 0; i < noteCodes.length; i++) {
    const n = texts[noteCodes[i]];
    if (!n || !want[indCodes[i]] || (bits && ((bits[(off + i) >> 3] >> ((off + i) & 7)) & 1) === 0)) continue;
    notes.set(`${ids[indCodes[i]]}|${economies[ecoCodes[i]]}|${years[i]}`, n);
  }
  return true;
}

/** The rows of a string column that may hold text, in order: of a one-batch dictionary column, those with a non-null code (read from the validity bits), else all. */
function rowsWithText(col: Vector): Iterable<number> {
  if (col.data.length !== 1 || !DataType.isDictionary(col.type)) return Array.from({ length: col.length }, (_, i) => i);
  const d = col.data[0];
  if (d.nullCount === d.length) return [];
  if (d.nullCount === 0 || !d.nullBitmap) return Array.from({ length: d.length }, (_, i) => i);
  const rows: number[] = [];
  for (let i = 0; i < d.length; i++) if (isValidRow(d, i)) rows.push(i);
  return rows;
}

function hasYear(p: BasketPanel | undefined, year: number): boolean {
  if (!p) return false;
  const y = p.years.indexOf(year);
  if (y < 0) return false;
  for (let e = 0; e < p.economies.length; e++) if (!Number.isNaN(p.values[e * p.years.length + y])) return true;
  return false;
}

/** A panel restricted to one year (for single-year group figures). */
function sliceYear(p: BasketPanel, year: number): BasketPanel | undefined {
  const y = p.years.indexOf(year);
  if (y < 0) return undefined;
  return { ...p, years: [year], values: Float64Array.from(p.economies, (_, e) => p.values[e * p.years.length + y]) };
}

export function priceTables(ctx: PriceContext, d: PriceData): ReportTable[] {
  const P = ctx.year;
  const code: Column = { key: 'code', label: 'Code', type: 'text' };
  const economy: Column = { key: 'economy', label: 'Economy', type: 'text', lang: ctx.lang };
  const num = (key: string, label: string, decimals = 2): Column => ({ key, label, type: 'number', decimals });
  const base = [
    `Published basket values (ITU ICT price baskets) as in the data: US$, PPP$ and % of monthly GNI per capita; each basket definition only in the years it was in force.`,
    ...ctx.notes,
  ];
  const tables: ReportTable[] = [];

  // Per basket: every economy with a value in the price year, ranked by affordability (% GNI p.c., lowest first).
  for (const b of d.baskets) {
    const econs = new Set<string>();
    for (const u of ['usd', 'ppp', 'gni_pct']) {
      const p = d.panels.find((q) => q.basket === b && q.unit === u);
      if (p) for (const e of p.economies) if (d.value(b, u, e, P) !== null) econs.add(e);
    }
    const rows = [...econs].map((e) => ({
      code: e,
      economy: ctx.name(e),
      usd: d.value(b, 'usd', e, P),
      ppp: d.value(b, 'ppp', e, P),
      gni_pct: d.value(b, 'gni_pct', e, P),
      note: [...new Set(['gni_pct', 'usd', 'ppp'].map((u) => d.note(b, u, e, P)).filter(Boolean))].join('; '),
    }));
    const gniSorted = rows
      .map((r) => r.gni_pct)
      .filter((v): v is number => v !== null)
      .sort((x, y) => x - y);
    const ranked = rows
      .map((r) => ({ ...r, rank: r.gni_pct === null ? null : gniSorted.indexOf(r.gni_pct) + 1 }))
      .sort((x, y) => (x.rank ?? Infinity) - (y.rank ?? Infinity) || cmpStr(x.code, y.code));
    tables.push({
      id: `prices-${b}`,
      sheet: b, // basket ids fit in a sheet name (31 characters); the title has the year
      title: `${d.basketName(b)}, ${P}`,
      columns: [
        code,
        economy,
        num('usd', 'USD'),
        num('ppp', 'PPP$'),
        num('gni_pct', '% GNI p.c.'),
        { key: 'rank', label: 'Rank', type: 'integer' },
        { key: 'note', label: 'Note', type: 'text' },
      ],
      rows: ranked,
      notes: [
        `Basket ${b}: ${ranked.length} economies with a value in ${P}; rank by % of GNI p.c. (1 = most affordable; ties share the better rank; economies without a % GNI value are not ranked).`,
        ...base,
      ],
    });
  }

  // Group medians and means in the price year (every economy with a value that year: not balanced).
  const spec = loadAggregationSpec();
  const yearPanels = d.panels
    .filter((p) => d.baskets.includes(p.basket))
    .map((p) => sliceYear(p, P))
    .filter((p): p is BasketPanel => p !== undefined);
  const groups = registryGroupSpecs(new Set(yearPanels.flatMap((p) => p.economies)), spec);
  const [med, means] = aggregatePanelStats(yearPanels, groups, ['median', 'mean'], false);
  const mean = new Map(means.map((r) => [`${r.basket}|${r.unit}|${r.grouping}|${r.group}`, r.value]));
  const unitOrder = ['usd', 'ppp', 'gni_pct'];
  med.sort((x, y) => d.baskets.indexOf(x.basket) - d.baskets.indexOf(y.basket) || unitOrder.indexOf(x.unit) - unitOrder.indexOf(y.unit));
  tables.push({
    id: 'prices-groups',
    sheet: `Price groups ${P}`,
    title: `Price baskets ${P}: medians and means by group (World, ITU regions, LDC, LLDC, SIDS, income groups)`,
    columns: [
      { key: 'basket', label: 'Basket', type: 'text' },
      { key: 'unit', label: 'Unit', type: 'text' },
      { key: 'grouping', label: 'Grouping', type: 'text' },
      { key: 'group', label: 'Group', type: 'text' },
      { key: 'n', label: 'Economies', type: 'integer' },
      num('median', 'Median'),
      num('mean', 'Mean'),
    ],
    rows: med.map((r) => ({
      basket: r.basket,
      unit: own(UNIT_LABEL, r.unit) ?? r.unit,
      grouping: r.grouping,
      group: r.group,
      n: r.n,
      median: r.value,
      mean: mean.get(`${r.basket}|${r.unit}|${r.grouping}|${r.group}`) ?? null,
    })),
    notes: [
      `Unweighted medians and simple means over the economies with a value in ${P}, through the group kernel (src/stats/groups.ts). Groups: ${spec.registry.groupings.join(', ')} from the registry (current classification, not the one of ${P}); World = every economy with a value. ITU's historical medians are balanced over all years (ictstat prices aggregate --balanced); these are not.`,
      ...base,
    ],
  });

  // Affordability targets in force in the price year.
  const targets = loadTargets();
  const gniPanels = d.panels.filter((p) => p.unit === 'gni_pct');
  const met = meetingTarget(targets, gniPanels, new Set([P]));
  const tName = new Map(targets.map((t) => [t.id, t]));
  tables.push({
    id: 'prices-targets',
    sheet: `Targets ${P}`,
    title: `Affordability targets, ${P}: economies meeting each target`,
    columns: [
      { key: 'target', label: 'Target', type: 'text' },
      { key: 'threshold', label: 'Threshold (% GNI p.c.)', type: 'text' },
      { key: 'basket', label: 'Basket', type: 'text' },
      { key: 'evaluated', label: 'Economies evaluated', type: 'integer' },
      { key: 'meeting', label: 'Economies meeting', type: 'integer' },
      num('share', 'Share meeting (%)', 1),
    ],
    rows: met.map((m) => ({
      target: m.target,
      threshold: `${tName.get(m.target)!.comparison} ${tName.get(m.target)!.threshold_pct_gni}`,
      basket: m.basket,
      evaluated: m.evaluated,
      meeting: m.meeting.length,
      share: (100 * m.meeting.length) / m.evaluated,
    })),
    notes: [
      ...targets.map((t) => `${t.id}: ${t.name} (${t.source})${t.unverified ? `; unverified: ${Object.values(t.unverified).join('; ')}` : ''}`),
      ...(met.length ? [] : [`No target applies to the baskets with values in ${P}.`]),
      ...base,
    ],
  });
  tables.push({
    id: 'prices-targets-economies',
    sheet: `Targets ${P} economies`,
    title: `Affordability targets, ${P}: the economies meeting them`,
    columns: [{ key: 'target', label: 'Target', type: 'text' }, { key: 'basket', label: 'Basket', type: 'text' }, code, economy, num('gni_pct', '% GNI p.c.')],
    rows: met.flatMap((m) =>
      m.meeting
        .map((e) => ({ target: m.target, basket: m.basket, code: e, economy: ctx.name(e), gni_pct: d.value(m.basket, 'gni_pct', e, P) }))
        .sort((x, y) => (x.gni_pct ?? 0) - (y.gni_pct ?? 0) || cmpStr(x.code, y.code)),
    ),
    notes: [`Per target and basket, the economies whose ${P} value meets the threshold, most affordable first.`, ...base],
  });

  // Change between the previous and the price year, for baskets with the same definition in both years.
  const changeRows: ReportTable['rows'] = [];
  const noPrev: string[] = [];
  for (const b of d.baskets) {
    const econs = new Set<string>();
    for (const u of ['usd', 'gni_pct']) for (const e of d.panels.find((q) => q.basket === b && q.unit === u)?.economies ?? []) econs.add(e);
    let n = 0;
    for (const e of [...econs].sort()) {
      const u0 = d.value(b, 'usd', e, P - 1),
        u1 = d.value(b, 'usd', e, P),
        g0 = d.value(b, 'gni_pct', e, P - 1),
        g1 = d.value(b, 'gni_pct', e, P);
      if ((u0 === null || u1 === null) && (g0 === null || g1 === null)) continue;
      n++;
      const rel = (a: number | null, c: number | null): number | null => (a !== null && c !== null && a !== 0 ? (100 * (c - a)) / a : null);
      changeRows.push({
        basket: b,
        code: e,
        economy: ctx.name(e),
        usd_prev: u0,
        usd: u1,
        usd_change_pct: rel(u0, u1),
        gni_prev: g0,
        gni: g1,
        gni_change: g0 !== null && g1 !== null ? g1 - g0 : null,
        gni_change_pct: rel(g0, g1),
      });
    }
    if (!n) noPrev.push(b);
  }
  tables.push({
    id: 'prices-change',
    sheet: `Price change ${P - 1}-${P}`,
    title: `Price baskets: change ${P - 1} to ${P}`,
    columns: [
      { key: 'basket', label: 'Basket', type: 'text' },
      code,
      economy,
      num('usd_prev', `USD ${P - 1}`),
      num('usd', `USD ${P}`),
      num('usd_change_pct', 'USD change (%)', 1),
      num('gni_prev', `% GNI ${P - 1}`),
      num('gni', `% GNI ${P}`),
      num('gni_change', 'Change (% points)'),
      num('gni_change_pct', '% GNI change (%)', 1),
    ],
    rows: changeRows,
    notes: [
      `Economies with a value in both ${P - 1} and ${P} under the same basket definition; relative change = (${P} - ${P - 1}) / ${P - 1} x 100. Values come from one release each; revisions between releases are not changes.`,
      ...(noPrev.length ? [`No ${P - 1} value under the same definition (the basket started in ${P} or has no earlier data): ${noPrev.join(', ')}.`] : []),
      ...base,
    ],
  });
  return tables;
}
