/**
 * Scales as vega uses them (d3-scale / d3-array semantics): linear with d3's tick algorithm and nice domains,
 * and the sequential colour schemes vega interpolates from its palettes.
 */
const E10 = Math.sqrt(50),
  E5 = Math.sqrt(10),
  E2 = Math.sqrt(2);

/** d3-array's tickSpec: the integer range [i1, i2] and the increment (negative: its inverse) of about `count` ticks. */
function tickSpec(start: number, stop: number, count: number): [number, number, number] {
  const step = (stop - start) / Math.max(0, count),
    power = Math.floor(Math.log10(step)),
    error = step / 10 ** power,
    factor = error >= E10 ? 10 : error >= E5 ? 5 : error >= E2 ? 2 : 1;
  let i1: number, i2: number, inc: number;
  if (power < 0) {
    inc = 10 ** -power / factor;
    i1 = Math.round(start * inc);
    i2 = Math.round(stop * inc);
    if (i1 / inc < start) ++i1;
    if (i2 / inc > stop) --i2;
    inc = -inc;
  } else {
    inc = 10 ** power * factor;
    i1 = Math.round(start / inc);
    i2 = Math.round(stop / inc);
    if (i1 * inc < start) ++i1;
    if (i2 * inc > stop) --i2;
  }
  if (i2 < i1 && 0.5 <= count && count < 2) return tickSpec(start, stop, count * 2);
  return [i1, i2, inc];
}

/** d3's `ticks(start, stop, count)` (start <= stop). */
export function ticks(start: number, stop: number, count: number): number[] {
  if (!(count > 0)) return [];
  if (start === stop) return [start];
  const [i1, i2, inc] = tickSpec(start, stop, count);
  if (!(i2 >= i1)) return [];
  const n = i2 - i1 + 1,
    out = new Array<number>(n);
  for (let i = 0; i < n; ++i) out[i] = inc < 0 ? (i1 + i) / -inc : (i1 + i) * inc;
  return out;
}

/** d3's `tickIncrement`: the step of `ticks` (negative: the inverse of a step below 1). */
export function tickIncrement(start: number, stop: number, count: number): number {
  return tickSpec(start, stop, count)[2];
}

/** d3's `tickStep` (always the step itself). */
export function tickStep(start: number, stop: number, count: number): number {
  const inc = tickIncrement(start, stop, count);
  return inc < 0 ? -1 / -inc : inc;
}

/** A linear map from a domain to a range (clamped or not), with its ticks. */
export interface Linear {
  (v: number): number;
  domain: [number, number];
  range: [number, number];
  ticks(count: number): number[];
}

export function linear(domain: [number, number], range: [number, number]): Linear {
  const [d0, d1] = domain,
    [r0, r1] = range;
  // d3's interpolation, a * (1 - t) + b * t, to the last bit (a tick at x.5 is rounded by it)
  const f = ((v: number): number => {
    if (d1 === d0) return (r0 + r1) / 2;
    const t = (v - d0) / (d1 - d0);
    return r0 * (1 - t) + r1 * t;
  }) as Linear;
  f.domain = domain;
  f.range = range;
  f.ticks = (count) => (d0 <= d1 ? ticks(d0, d1, count) : ticks(d1, d0, count).reverse());
  return f;
}

/** d3-format's `precisionFixed`: the decimals that show a step. */
export const precisionFixed = (step: number): number => Math.max(0, -Math.floor(Math.log10(Math.abs(step)) + 1e-12));

/** A tick label as d3's `tickFormat(start, stop, count)` writes it for a linear scale: fixed decimals of the step, thousands grouped. */
export function tickFormat(start: number, stop: number, count: number): (v: number) => string {
  const digits = precisionFixed(tickStep(start, stop, count));
  return (v) => {
    const s = Math.abs(v).toFixed(digits);
    const [int, frac] = s.split('.');
    const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    // d3 writes the minus sign as U+2212
    return (v < 0 && Number(s) !== 0 ? '\u2212' : '') + grouped + (frac ? `.${frac}` : '');
  };
}

/** vega's palettes (vega-scale src/palettes.js) of the sequential schemes used here. */
const PALETTES = { blues: 'cfe1f2bed8eca8cee58fc1de74b2d75ba3cf4592c63181bd206fb2125ca40a4a90' } as const;

const rgbString = (c: readonly number[]): string => `rgb(${c.map((x) => Math.max(0, Math.min(255, Math.round(x) || 0))).join(', ')})`;

/** A vega sequential scheme at t in [0, 1]: d3's piecewise RGB interpolation over the palette, written as d3-color writes it. */
export function scheme(name: keyof typeof PALETTES): (t: number) => string {
  const hex = PALETTES[name],
    colors: number[][] = [];
  for (let i = 0; i < hex.length; i += 6) colors.push([0, 2, 4].map((k) => Number.parseInt(hex.slice(i + k, i + k + 2), 16)));
  const n = colors.length - 1;
  return (t) => {
    const u = Math.max(0, Math.min(1, t)) * n,
      i = Math.max(0, Math.min(n - 1, Math.floor(u))),
      f = u - i;
    return rgbString(colors[i].map((a, k) => a + (colors[i + 1][k] - a) * f));
  };
}

/** A base-10 log scale over a domain made nice (whole powers of ten), as vega-lite's `scale: {type: 'log'}` has it. */
export function log10Nice(min: number, max: number, range: [number, number]): Linear & { labelled: (v: number) => boolean } {
  const d0 = 10 ** Math.floor(Math.log10(min)),
    d1 = 10 ** Math.ceil(Math.log10(max));
  const l0 = Math.log10(d0),
    l1 = Math.log10(d1);
  const f = ((v: number): number => range[0] + ((Math.log10(v) - l0) / (l1 - l0)) * (range[1] - range[0])) as Linear & { labelled: (v: number) => boolean };
  f.domain = [d0, d1];
  f.range = range;
  // d3's log ticks: every multiple 1-9 of each power when the decades are fewer than the count, else the powers
  f.ticks = (count) => {
    const i = Math.round(l0),
      j = Math.round(l1),
      out: number[] = [];
    if (j - i < count) {
      for (let p = i; p <= j; ++p)
        for (let k = 1; k < 10; ++k) {
          const t = p < 0 ? k / 10 ** -p : k * 10 ** p;
          if (t >= d0 && t <= d1) out.push(t);
        }
    } else for (const e of ticks(i, j, Math.min(j - i, count))) out.push(10 ** e);
    return out;
  };
  // d3's log tickFormat(10): of each decade's multiples only those up to max(1, 10 x 10 / number of ticks) are labelled
  const k = Math.max(1, 100 / f.ticks(10).length);
  f.labelled = (v) => {
    let m = v / 10 ** Math.round(Math.log10(v));
    if (m * 10 < 10 - 0.5) m *= 10;
    return m <= k;
  };
  return f;
}

/** A number as vega labels a log axis: as many decimals as it has (none spurious), thousands grouped. */
export function formatFloat(v: number): string {
  const s = String(Number(v.toPrecision(12)));
  const [int, frac] = s.split('.');
  return (int.startsWith('-') ? '\u2212' : '') + int.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? `.${frac}` : '');
}

/** d3's `linear.nice(count)` of [start, stop] (start <= stop): the domain widened to whole tick steps, as vega's `nice: true` (count 10). */
export function niceDomain(start: number, stop: number, count = 10): [number, number] {
  let prestep: number | undefined;
  for (let i = 0; i < 10; ++i) {
    const step = tickIncrement(start, stop, count);
    if (step === prestep || !Number.isFinite(step) || step === 0) break;
    if (step > 0) {
      start = Math.floor(start / step) * step;
      stop = Math.ceil(stop / step) * step;
    } else {
      start = Math.ceil(start * step) / step;
      stop = Math.floor(stop * step) / step;
    }
    prestep = step;
  }
  return [start, stop];
}
