import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The package root (where `indicators/` and `datasets/` live), found from this module, built or not. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'ictstat') return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('ictstat package root not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export const indicatorsDir = (): string => join(packageRoot(), 'indicators');
export const datasetsDir = (): string => join(packageRoot(), 'datasets');
/** What `npm run build` derives from the bundled files (the observations snapshot, the formulas compiled ahead). */
export const snapshotDir = (): string => join(packageRoot(), 'dist', 'snapshot');
/** The public data folder beside the package (`../shared/data`); the datasets script lets ICTSTAT_SHARED_DATA point elsewhere. */
export const sharedDataDir = (): string => join(packageRoot(), '..', 'shared', 'data');
