/**
 * baskets peers: the cheapest eligible plan of every economy and year (mobile-data-2gb, 2021-2024) over the
 * synthetic tariff set. Output: plan[yearIndex * economies + e] (row index, -1 = none eligible) and cost.
 * The engine and the JavaScript peers read the parsed columns (parse time reported apart, once); DuckDB reads
 * the same CSV with read_csv (its load time reported apart).
 */
import * as aq from 'arquero';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { allowancesIn, resolveBasket, type SimpleBasket } from '../../src/prices/basket.js';
import { basketCosts, cheapestPerEconomy } from '../../src/prices/kernel.js';
import { PAYMENTS, PLAN_TECHNOLOGIES, SERVICES, type TariffTable } from '../../src/prices/tariffs.js';
import { readBin } from '../bin.js';
import { BASKET_COLUMNS, type BasketsMeta } from '../inputs.js';
import type { Impl } from './types.js';

interface Input {
  meta: BasketsMeta;
  t: TariffTable;
  basket: SimpleBasket;
}

function load(file: string): Input {
  const { meta, arrays } = readBin<BasketsMeta>(file);
  const n = meta.plans;
  const t = {
    ...arrays,
    length: n,
    file: meta.csv,
    economies: meta.economies,
    operators: [],
    plans: [],
    // the synthetic plans are priced in XTS (ISO 4217's testing code), read as the economy's own currency
    currencies: ['XTS'],
    notes: [],
    operator: new Int32Array(n),
    plan: new Int32Array(n),
    currency: new Int32Array(n),
    note: new Int32Array(n),
    line: new Int32Array(n),
    commitmentMonths: new Float64Array(n),
    connectionCharge: new Float64Array(n).fill(Number.NaN),
  } as unknown as TariffTable;
  return { meta, t, basket: resolveBasket(meta.basket).basket as SimpleBasket };
}

const output = (meta: BasketsMeta): { plan: Int32Array; cost: Float64Array } => {
  const size = meta.years.length * meta.economies.length;
  return { plan: new Int32Array(size).fill(-1), cost: new Float64Array(size).fill(NaN) };
};

export const engine: Impl<Input> = {
  async prepare(file) {
    return load(file);
  },
  run({ meta, t, basket }) {
    const out = output(meta),
      nE = meta.economies.length;
    meta.years.forEach((year, yi) => {
      const costs = basketCosts(t, basket, year);
      const best = cheapestPerEconomy(t, costs);
      for (let e = 0; e < nE; e++)
        if (best[e] >= 0) {
          out.plan[yi * nE + e] = best[e];
          out.cost[yi * nE + e] = costs.cost[best[e]];
        }
    });
    return out;
  },
};

// ---------------------------------------------------------------- naive JavaScript: plans as row objects
interface Plan {
  i: number;
  economy: number;
  year: number;
  operatorRank: number;
  service: string;
  payment: string;
  technology: string;
  price: number;
  validityDays: number;
  dataMb: number;
  voiceMin: number;
  sms: number;
  speedKbps: number;
  extraMbPrice: number;
  extraMinPrice: number;
  extraSmsPrice: number;
  addonMb: number;
  addonPrice: number;
  promotional: boolean;
  taxesIncluded: boolean;
  vatRate: number;
}
interface NaiveState {
  plans: Plan[];
  meta: BasketsMeta;
  basket: SimpleBasket;
}

export const naive: Impl<NaiveState> = {
  async prepare(file) {
    const { meta, t, basket } = load(file);
    const plans: Plan[] = [];
    for (let i = 0; i < t.length; i++)
      plans.push({
        i,
        economy: t.economy[i],
        year: t.year[i],
        operatorRank: t.operatorRank[i],
        service: SERVICES[t.service[i]],
        payment: PAYMENTS[t.payment[i]],
        technology: PLAN_TECHNOLOGIES[t.technology[i]],
        price: t.price[i],
        validityDays: t.validityDays[i],
        dataMb: t.dataMb[i],
        voiceMin: t.voiceMin[i],
        sms: t.sms[i],
        speedKbps: t.speedKbps[i],
        extraMbPrice: t.extraMbPrice[i],
        extraMinPrice: t.extraMinPrice[i],
        extraSmsPrice: t.extraSmsPrice[i],
        addonMb: t.addonMb[i],
        addonPrice: t.addonPrice[i],
        promotional: t.promotional[i] === 1,
        taxesIncluded: t.taxesIncluded[i] === 1,
        vatRate: t.vatRate[i],
      });
    return { plans, meta, basket };
  },
  run({ plans, meta, basket: b }) {
    const out = output(meta),
      nE = meta.economies.length,
      month = b.month_days;
    meta.years.forEach((year, yi) => {
      const allow = allowancesIn(b, year);
      const ofYear = plans.filter((p) => p.year === year);
      const minRank = new Map<number, number>();
      for (const p of ofYear) if (p.service === b.service) minRank.set(p.economy, Math.min(minRank.get(p.economy) ?? Infinity, p.operatorRank));
      const best = new Map<number, { p: Plan; cost: number }>();
      for (const p of ofYear) {
        if (p.service !== b.service || (b.exclude_promotions && p.promotional) || !b.technologies.includes(p.technology as never)) continue;
        const minSpeed = b.min_speed_kbps ?? 0;
        if ((minSpeed > 0 && Number.isNaN(p.speedKbps)) || p.speedKbps < minSpeed) continue;
        if (b.payment_rule !== 'cheapest' && p.payment !== b.payment_rule) continue;
        if (b.operator_rule === 'largest' && p.operatorRank !== minRank.get(p.economy)) continue;
        const k = p.validityDays < month ? Math.ceil(month / p.validityDays) : b.longer_validity === 'prorate' ? month / p.validityDays : 1;
        const base = p.price * k;
        const dataShort = Math.max(0, allow.data_mb - p.dataMb * k),
          voiceShort = Math.max(0, allow.voice_min - p.voiceMin * k),
          smsShort = Math.max(0, allow.sms - p.sms * k);
        let dataCost = 0;
        if (dataShort > 0) {
          const viaAddon = Math.ceil(dataShort / p.addonMb) * p.addonPrice,
            viaExtra = dataShort * p.extraMbPrice;
          if (viaAddon <= viaExtra || (!Number.isNaN(viaAddon) && Number.isNaN(viaExtra))) dataCost = viaAddon;
          else if (!Number.isNaN(viaExtra)) dataCost = viaExtra;
          else continue;
        }
        const voiceCost = voiceShort > 0 ? voiceShort * p.extraMinPrice : 0,
          smsCost = smsShort > 0 ? smsShort * p.extraSmsPrice : 0;
        if (Number.isNaN(voiceCost) || Number.isNaN(smsCost)) continue;
        const cost = (base + dataCost + voiceCost + smsCost) * (p.taxesIncluded ? 1 : 1 + p.vatRate / 100);
        const cur = best.get(p.economy);
        if (!cur || cost < cur.cost || (cost === cur.cost && p.operatorRank < cur.p.operatorRank)) best.set(p.economy, { p, cost });
      }
      for (const [e, { p, cost }] of best) {
        out.plan[yi * nE + e] = p.i;
        out.cost[yi * nE + e] = cost;
      }
    });
    return out;
  },
};

// ---------------------------------------------------------------- arquero: columns, verbs and a per-group pick
interface AqState {
  t: aq.ColumnTable;
  meta: BasketsMeta;
  basket: SimpleBasket;
}

export const arquero: Impl<AqState> = {
  async prepare(file) {
    const { meta, t, basket } = load(file);
    const cols: Record<string, ArrayLike<number>> = { i: Int32Array.from({ length: t.length }, (_, i) => i) };
    for (const c of BASKET_COLUMNS) cols[c] = t[c];
    return { t: aq.table(cols), meta, basket };
  },
  run({ t, meta, basket: b }) {
    const out = output(meta),
      nE = meta.economies.length;
    const years = meta.years;
    const allow = years.map((y) => allowancesIn(b, y));
    const techs = b.technologies.map((x) => PLAN_TECHNOLOGIES.indexOf(x));
    const params = {
      service: SERVICES.indexOf(b.service),
      years,
      dataMb: allow.map((a) => a.data_mb),
      voice: allow.map((a) => a.voice_min),
      sms: allow.map((a) => a.sms),
      techs,
      minSpeed: b.min_speed_kbps ?? 0,
      payment: b.payment_rule === 'cheapest' ? -1 : PAYMENTS.indexOf(b.payment_rule),
      month: b.month_days,
      prorate: b.longer_validity === 'prorate',
      noPromo: b.exclude_promotions,
      largest: b.operator_rule === 'largest',
    };
    const largest = t
      .params(params)
      .filter((d: R, $: R) => op.includes($.years, d.year) && d.service === $.service)
      .groupby('economy', 'year')
      .rollup({ minRank: (d: R) => op.min(d.operatorRank) });
    const picked = t
      .params(params)
      .filter(
        (d: R, $: R) =>
          op.includes($.years, d.year) &&
          d.service === $.service &&
          !($.noPromo && d.promotional) &&
          op.includes($.techs, d.technology) &&
          !($.minSpeed > 0 && op.is_nan(d.speedKbps)) &&
          !(d.speedKbps < $.minSpeed) &&
          ($.payment < 0 || d.payment === $.payment),
      )
      .join(
        largest,
        [
          ['economy', 'year'],
          ['economy', 'year'],
        ],
        [aq.all(), ['minRank']],
      )
      .filter((d: R, $: R) => !$.largest || d.operatorRank === d.minRank)
      .derive({ yi: (d: R, $: R) => op.indexof($.years, d.year) })
      .derive({ k: (d: R, $: R) => (d.validityDays < $.month ? op.ceil($.month / d.validityDays) : $.prorate ? $.month / d.validityDays : 1) })
      .derive({
        base: (d: R) => d.price * d.k,
        dataShort: (d: R, $: R) => op.greatest(0, $.dataMb[d.yi] - d.dataMb * d.k),
        voiceShort: (d: R, $: R) => op.greatest(0, $.voice[d.yi] - d.voiceMin * d.k),
        smsShort: (d: R, $: R) => op.greatest(0, $.sms[d.yi] - d.sms * d.k),
      })
      .derive({ viaAddon: (d: R) => op.ceil(d.dataShort / d.addonMb) * d.addonPrice, viaExtra: (d: R) => d.dataShort * d.extraMbPrice })
      .derive({
        dataCost: (d: R) => (d.dataShort > 0 ? (d.viaAddon <= d.viaExtra || (!op.is_nan(d.viaAddon) && op.is_nan(d.viaExtra)) ? d.viaAddon : d.viaExtra) : 0),
        voiceCost: (d: R) => (d.voiceShort > 0 ? d.voiceShort * d.extraMinPrice : 0),
        smsCost: (d: R) => (d.smsShort > 0 ? d.smsShort * d.extraSmsPrice : 0),
      })
      .filter((d: R) => !op.is_nan(d.dataCost) && !op.is_nan(d.voiceCost) && !op.is_nan(d.smsCost))
      .derive({ cost: (d: R) => (d.base + d.dataCost + d.voiceCost + d.smsCost) * (d.taxesIncluded ? 1 : 1 + d.vatRate / 100) })
      .groupby('economy', 'yi')
      .orderby('cost', 'operatorRank', 'i')
      .filter(() => op.row_number() === 1);
    const e = picked.array('economy'),
      yi = picked.array('yi'),
      i = picked.array('i'),
      cost = picked.array('cost');
    for (let r = 0; r < e.length; r++) {
      out.plan[(yi[r] as number) * nE + (e[r] as number)] = i[r] as number;
      out.cost[(yi[r] as number) * nE + (e[r] as number)] = cost[r] as number;
    }
    return out;
  },
};
const op = aq.op;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type R = any;

// ---------------------------------------------------------------- DuckDB: read_csv into a table, then one query
interface DuckState {
  db: DuckDBInstance;
  con: DuckDBConnection;
  sql: string;
  meta: BasketsMeta;
}
const num = (c: string): string => `CASE WHEN ${c} = 'unlimited' THEN 'inf'::DOUBLE ELSE TRY_CAST(nullif(${c}, '') AS DOUBLE) END`;

export const duckdb: Impl<DuckState> = {
  async prepare(file) {
    const { meta, basket: b } = load(file);
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    // The table keeps the file's row order (DuckDB preserves insertion order), so rowid is the plan's index.
    await con.run(`CREATE TABLE plans AS SELECT economy, year::INTEGER AS year, operator_rank::INTEGER AS operator_rank, service, payment, technology,
      price::DOUBLE AS price, validity_days::DOUBLE AS validity_days, ${['data_mb', 'voice_min', 'sms'].map((c) => `coalesce(${num(c)}, 0) AS ${c}`).join(', ')}, /* allowances: empty = none */
      ${['speed_kbps', 'extra_mb_price', 'extra_min_price', 'extra_sms_price', 'addon_mb', 'addon_price', 'vat_rate'].map((c) => `${num(c)} AS ${c}`).join(', ')},
      promotional = 'true' AS promotional, taxes_included = 'true' AS taxes_included
      FROM read_csv('${meta.csv}', header = true, all_varchar = true)`);
    const allow = meta.years.map((y) => ({ y, a: allowancesIn(b, y) }));
    const yearly = (f: (a: { data_mb: number; voice_min: number; sms: number }) => number): string =>
      `CASE year ${allow.map(({ y, a }) => `WHEN ${y} THEN ${f(a)}`).join(' ')} END`;
    const month = b.month_days,
      minSpeed = b.min_speed_kbps ?? 0;
    const sql = `
WITH largest AS (SELECT economy, year, min(operator_rank) AS min_rank FROM plans WHERE service = '${b.service}' GROUP BY economy, year),
eligible AS (
  SELECT p.*, p.rowid AS i, CASE WHEN validity_days < ${month} THEN ceil(${month} / validity_days) ELSE ${b.longer_validity === 'prorate' ? `${month} / validity_days` : '1'} END AS k
  FROM plans p JOIN largest l USING (economy, year)
  WHERE year IN (${meta.years.join(', ')}) AND service = '${b.service}' ${b.exclude_promotions ? 'AND NOT promotional' : ''}
    AND technology IN (${b.technologies.map((x) => `'${x}'`).join(', ')})
    ${minSpeed > 0 ? `AND speed_kbps IS NOT NULL AND speed_kbps >= ${minSpeed}` : ''}
    ${b.payment_rule !== 'cheapest' ? `AND payment = '${b.payment_rule}'` : ''}
    ${b.operator_rule === 'largest' ? 'AND operator_rank = l.min_rank' : ''}),
shortfalls AS (
  SELECT *, price * k AS base, greatest(0, ${yearly((a) => a.data_mb)} - data_mb * k) AS data_short,
    greatest(0, ${yearly((a) => a.voice_min)} - voice_min * k) AS voice_short, greatest(0, ${yearly((a) => a.sms)} - sms * k) AS sms_short FROM eligible),
costs AS (
  SELECT *, CASE WHEN data_short > 0 THEN
      CASE WHEN ceil(data_short / addon_mb) * addon_price <= data_short * extra_mb_price OR extra_mb_price IS NULL THEN ceil(data_short / addon_mb) * addon_price
           ELSE data_short * extra_mb_price END ELSE 0 END AS data_cost,
    CASE WHEN voice_short > 0 THEN voice_short * extra_min_price ELSE 0 END AS voice_cost,
    CASE WHEN sms_short > 0 THEN sms_short * extra_sms_price ELSE 0 END AS sms_cost FROM shortfalls)
SELECT economy, year, arg_min(i, (cost, operator_rank, i)) AS i, min(cost) AS cost FROM (
  SELECT economy, year, i, operator_rank, (base + data_cost + voice_cost + sms_cost) * CASE WHEN taxes_included THEN 1 ELSE 1 + vat_rate / 100 END AS cost
  FROM costs WHERE data_cost IS NOT NULL AND voice_cost IS NOT NULL AND sms_cost IS NOT NULL)
GROUP BY economy, year`;
    return { db, con, sql, meta };
  },
  async run({ con, sql, meta }) {
    const out = output(meta),
      nE = meta.economies.length;
    const index = new Map(meta.economies.map((e, k) => [e, k]));
    const reader = await con.runAndReadAll(sql);
    const [es, ys, is, cs] = reader.getColumns() as unknown as [string[], number[], Array<number | bigint>, number[]];
    for (let r = 0; r < es.length; r++) {
      const col = meta.years.indexOf(ys[r]) * nE + index.get(es[r])!;
      out.plan[col] = Number(is[r]);
      out.cost[col] = cs[r];
    }
    return out;
  },
  close({ con, db }) {
    con.closeSync();
    db.closeSync();
  },
};
