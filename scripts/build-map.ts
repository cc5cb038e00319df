/**
 * `npm run build` (before the vendor bundle, whose code cache renders the map from this file): the report's world
 * map projected once, `dist/vendor/world-110m-equal-earth.json` (src/report/world-map.ts says what and why), by
 * vega itself (the installed packages; the bundle is the same code).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { projectWorld, worldMapFile } from '../src/report/world-map.js';

const started = Date.now();
const world = projectWorld(await import('vega'));
const file = worldMapFile();
mkdirSync(dirname(file), { recursive: true });
writeFileSync(`${file}.tmp`, JSON.stringify(world));
renameSync(`${file}.tmp`, file);
const points = world.features.reduce((n, f) => n + f.geometry.coordinates.reduce((m, r) => m + r.length, 0), 0);
process.stdout.write(
  `map: ${world.features.length} countries, ${points.toLocaleString('en')} points projected (${world.projection}, ${world.width}x${world.height}) in ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
);
