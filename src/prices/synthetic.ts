/**
 * SYNTHETIC tariff plans, for tests and benchmarks — never real prices. Every plan is priced in the ISO 4217
 * code XTS ("reserved for testing") and its note says "synthetic", so a synthetic file cannot pass for data.
 *
 * Distribution (seeded, deterministic for a given seed and size; mulberry32 PRNG):
 *  - economies: the ITU Member States of the registry; years `from`..`to`.
 *  - per economy: 1-4 mobile operators (uniform) and 1-2 fixed operators, rank 1 = largest; an economy price
 *    level L ~ log-normal(ln 10, 0.8) (units of XTS per GB of mobile data).
 *  - mobile plan (75% of plans): validity from {1, 7, 30, 30, 30, 90} days; data from {0, 100, 500, 1000, 2000,
 *    5000, 10000, unlimited} MB (unlimited 5%); voice from {0, 50, 100, 300, unlimited} min; SMS {0, 20, 100,
 *    unlimited}; technology 3G 20% / 4G 65% / 5G 10% / 2G 5%; price = L x (data GB^0.7 + voice/200 + 0.3) x
 *    validity/30 x (1 + 0.15 x rank) x log-normal(0, 0.25); prepaid 70%; out-of-bundle MB price 60% of plans,
 *    add-on packs 40%, extra minute and SMS prices 70%; promotional 10%; taxes not included 15% (VAT 5-25%).
 *  - fixed plan (25%): 30 days, data unlimited 70% else {5000, 20000, 100000} MB, speed from {128, 512, 2048,
 *    10240, 51200, 102400} kbit/s; price = 3 x L x (1 + log2(speed / 256) / 4) x log-normal(0, 0.3); 12-month
 *    commitment 50%.
 * The size is exact: `plans` rows, spread evenly over economies x operators x years.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { loadEconomyRegistry } from '../registry/economies.js';
import { csvRow } from '../util/csv.js';
import { OPTIONAL_TARIFF_COLUMNS, TARIFF_COLUMNS } from './tariffs.js';
import { mulberry32 } from '../util/random.js';

export interface SyntheticOptions {
  seed: number;
  plans: number;
  from: number;
  to: number;
  economies?: string[];
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Calls `row` with each synthetic plan's cells (TARIFF_COLUMNS order). */
export function generateSyntheticTariffs(opts: SyntheticOptions, row: (cells: Array<string | number>) => void): number {
  const rnd = mulberry32(opts.seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const economies =
    opts.economies ??
    loadEconomyRegistry()
      .memberStates()
      .map((e) => e.iso3)
      .sort();
  const years: number[] = [];
  for (let y = opts.from; y <= opts.to; y++) years.push(y);
  const ops = economies.map((iso3) => ({
    iso3,
    level: Math.exp(Math.log(10) + 0.8 * normal()),
    mobile: 1 + Math.floor(rnd() * 4),
    fixed: 1 + Math.floor(rnd() * 2),
  }));
  const slots = ops.reduce((s, o) => s + o.mobile + o.fixed, 0) * years.length;
  const perSlot = Math.max(1, Math.ceil(opts.plans / slots));
  let written = 0;
  for (const year of years)
    for (const o of ops)
      for (let op = 0; op < o.mobile + o.fixed; op++) {
        const fixed = op >= o.mobile;
        const rank = fixed ? op - o.mobile + 1 : op + 1;
        const operator = `${fixed ? 'Fixed' : 'Mobile'} operator ${rank} (synthetic)`;
        for (let k = 0; k < perSlot && written < opts.plans; k++, written++) {
          const promotional = rnd() < 0.1,
            taxesIncluded = rnd() >= 0.15;
          const vat = taxesIncluded ? '' : 5 + Math.floor(rnd() * 21);
          if (!fixed) {
            const validity = pick(rnd, [1, 7, 30, 30, 30, 90]);
            const unlimited = rnd() < 0.05;
            const data = unlimited ? Infinity : pick(rnd, [0, 100, 500, 1000, 2000, 5000, 10000]);
            const voice = pick(rnd, [0, 50, 100, 300, Infinity]);
            const sms = pick(rnd, [0, 20, 100, Infinity]);
            const tech = rnd() < 0.05 ? '2G' : rnd() < 0.21 ? '3G' : rnd() < 0.885 ? '4G' : '5G';
            const gb = Number.isFinite(data) ? data / 1000 : 30;
            const v = Number.isFinite(voice) ? voice : 1000;
            const price = round2(o.level * (gb ** 0.7 + v / 200 + 0.3) * (validity / 30) * (1 + 0.15 * rank) * Math.exp(0.25 * normal()));
            const addon = rnd() < 0.4;
            row([
              o.iso3,
              year,
              operator,
              rank,
              `Mobile plan ${k + 1}`,
              'mobile',
              rnd() < 0.7 ? 'prepaid' : 'postpaid',
              'XTS',
              price,
              validity,
              unlimited ? 'unlimited' : data || '',
              Number.isFinite(voice) ? voice || '' : 'unlimited',
              Number.isFinite(sms) ? sms || '' : 'unlimited',
              '',
              tech,
              rnd() < 0.6 ? round2((o.level / 1000) * 2 * Math.exp(0.3 * normal())) : '',
              rnd() < 0.7 ? round2(o.level / 50) : '',
              rnd() < 0.7 ? round2(o.level / 100) : '',
              addon ? pick(rnd, [100, 500, 1000]) : '',
              addon ? round2(o.level * 0.8 * Math.exp(0.2 * normal())) : '',
              promotional ? 'true' : 'false',
              taxesIncluded ? 'true' : 'false',
              vat,
              '',
              'synthetic',
            ]);
          } else {
            const speed = pick(rnd, [128, 512, 2048, 10240, 51200, 102400]);
            const price = round2(3 * o.level * (1 + Math.log2(speed / 256) / 4 + 0.5) * Math.exp(0.3 * normal()));
            row([
              o.iso3,
              year,
              operator,
              rank,
              `Fixed plan ${k + 1}`,
              'fixed',
              'postpaid',
              'XTS',
              price,
              30,
              rnd() < 0.7 ? 'unlimited' : pick(rnd, [5000, 20000, 100000]),
              '',
              '',
              speed,
              'fixed',
              '',
              '',
              '',
              '',
              '',
              promotional ? 'true' : 'false',
              taxesIncluded ? 'true' : 'false',
              vat,
              rnd() < 0.5 ? 12 : '',
              'synthetic',
            ]);
          }
        }
      }
  return written;
}

/** Write a synthetic tariff CSV (buffered writes). Returns the number of plans. */
export function writeSyntheticTariffs(file: string, opts: SyntheticOptions): number {
  const fd = openSync(file, 'w');
  let buf: string[] = [csvRow(TARIFF_COLUMNS.filter((c) => !OPTIONAL_TARIFF_COLUMNS.includes(c)))];
  let size = 0;
  try {
    const n = generateSyntheticTariffs(opts, (cells) => {
      const line = cells.join(',') + '\n'; // no synthetic cell holds a comma, quote or line break
      buf.push(line);
      size += line.length;
      if (size > 1 << 20) {
        writeSync(fd, buf.join(''));
        buf = [];
        size = 0;
      }
    });
    writeSync(fd, buf.join(''));
    return n;
  } finally {
    closeSync(fd);
  }
}
