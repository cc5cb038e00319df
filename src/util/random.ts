/**
 * Seeded pseudo-random numbers (SplitMix32 mixing), so that every Monte Carlo draw and every synthetic
 * dataset is reproducible from its seed, whichever thread computes it.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed derived from several numbers (e.g. a base seed, a draw index and a factor index). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    const x = Math.floor(p * 4294967296) ^ (p >>> 0);
    h = Math.imul(h ^ x, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Standard normal variate (Box-Muller). */
export function normal(rand: () => number): number {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** log of the gamma(shape, 1) variate that gamma() draws from the same random numbers: finite where gamma() underflows to 0 (tiny shapes). */
export function logGamma(shape: number, rand: () => number): number {
  if (shape < 1) return logGamma(shape + 1, rand) + Math.log(rand() || Number.MIN_VALUE) / shape;
  return Math.log(gamma(shape, rand));
}

/** Gamma(shape, 1) variate (Marsaglia and Tsang; shape < 1 by the boost u^(1/shape)). */
export function gamma(shape: number, rand: () => number): number {
  if (shape < 1) return gamma(shape + 1, rand) * (rand() || Number.MIN_VALUE) ** (1 / shape);
  const d = (3 * shape - 1) / 3,
    c = 1 / Math.sqrt(9 * d); // Marsaglia-Tsang: d is the shape less a third
  for (;;) {
    let x: number, v: number;
    do {
      x = normal(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}
