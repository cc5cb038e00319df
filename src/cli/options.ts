import { InvalidArgumentError } from 'commander';

/** Option parsers shared by every command, so that a flag means the same thing everywhere. */

/** A whole number within [min, max]. */
export function integer(name: string, min = -Infinity, max = Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a whole number${Number.isFinite(min) ? ` from ${min}` : ''}${Number.isFinite(max) ? ` to ${max}` : ''}`);
    return n;
  };
}

export const positiveNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number >= 0');
  return n;
};

/** A four-digit year. */
export const year = (v: string): number => {
  if (!/^\d{4}$/.test(v.trim())) throw new InvalidArgumentError('must be a year (YYYY)');
  return Number(v);
};

/** A repeatable option (`--data a.csv --data b.csv`): file names are kept whole, commas and all. */
export const repeatable = (v: string, prev: string[] = []): string[] => [...prev, v];

/** A list option: comma-separated and repeatable (`--groups itu-region,income`). */
export const commaList = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];
