/**
 * The report's world map, projected once at build time (scripts/build-map.ts, `npm run build`): the Natural Earth
 * 1:110m countries of the world-atlas package under the Equal Earth projection fitted to the chart's size, exactly
 * as vega projects them at render time (its projection, adaptive resampling and antimeridian clipping), stored as
 * GeoJSON in pixel coordinates rounded as vega's path strings round them (3 decimals). The geometry never depends on
 * the data (only the fills do), so the chart draws it with the identity projection and vega only writes the path
 * strings: the same SVG, without the projection's cost on every report. Antarctica (M49 010) is left out, as the
 * map always left it out (no economy has its code). Without the file (no build) the chart projects the atlas at
 * render time, as before.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../util/paths.js';
import { installedVersion } from './vendor.js';

/** The map chart's plot size in pixels (the projection is fitted to it). */
export const MAP_WIDTH = 760;
export const MAP_HEIGHT = 380;
/** Left out of the map (and of the fit): Antarctica. */
const LEFT_OUT = '010';

export interface ProjectedFeature {
  type: 'Feature';
  /** M49 code (absent for the few shapes the atlas gives none, e.g. Kosovo, Somaliland). */
  id?: string;
  properties: { name: string };
  geometry: { type: 'Polygon'; coordinates: number[][][] };
}

export interface ProjectedWorld {
  /** What it was made from: `world-atlas@<version> countries-110m vega@<version>`, projection, size; checked before use. */
  atlas: string;
  projection: 'equalEarth';
  width: number;
  height: number;
  features: ProjectedFeature[];
}

export const worldMapFile = (): string => join(packageRoot(), 'dist', 'vendor', 'world-110m-equal-earth.json');
// (the outlines are vega's projection of the atlas: a change of either makes the file stale)
const atlasKey = (): string => `world-atlas@${installedVersion('world-atlas') ?? '?'} countries-110m vega@${installedVersion('vega') ?? '?'}`;

let worldTopo: object | undefined;
/** Natural Earth countries at 1:110m from the world-atlas package (TopoJSON; ids are M49 codes). */
export function worldAtlas(): object {
  worldTopo ??= JSON.parse(readFileSync(createRequire(import.meta.url).resolve('world-atlas/countries-110m.json'), 'utf8')) as object;
  return worldTopo;
}

let projected: ProjectedWorld | null | undefined;
/** The projected map made by the build, when it is there and was made from the installed atlas at the chart's size; else undefined. */
export function projectedWorld(): ProjectedWorld | undefined {
  if (projected === undefined) {
    projected = null;
    const file = worldMapFile();
    if (existsSync(file)) {
      const w = JSON.parse(readFileSync(file, 'utf8')) as ProjectedWorld;
      if (w.atlas === atlasKey() && w.projection === 'equalEarth' && w.width === MAP_WIDTH && w.height === MAP_HEIGHT) projected = w;
    }
  }
  return projected ?? undefined;
}

/** What this uses of vega (its `read` and `projection`), typed as it is used. */
interface GeoEngine {
  read: (data: unknown, schema: { type: 'topojson'; feature: string }) => Array<{ id?: string; properties?: { name?: string }; geometry: unknown }>;
  projection: (type: string) => () => {
    fitSize: (size: [number, number], collection: object) => unknown;
    path: { context: (c: unknown) => (f: object) => unknown };
  };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Project the atlas as vega does for the chart (`projection: {type: 'equalEarth'}` fitted to the map's size over
 * the countries drawn): vega's own projection and path generator, recorded at the path context, so each ring is the
 * point sequence vega's path string is written from (closed again for GeoJSON), in the same order.
 */
export function projectWorld(engine: typeof import('vega')): ProjectedWorld {
  const vega = engine as unknown as GeoEngine;
  const countries = vega.read(worldAtlas(), { type: 'topojson', feature: 'countries' }).filter((f) => f.id !== LEFT_OUT);
  const proj = vega.projection('equalearth')();
  proj.fitSize([MAP_WIDTH, MAP_HEIGHT], { type: 'FeatureCollection', features: countries });
  let rings: number[][][] = [],
    ring: number[][] | undefined;
  const close = (): void => {
    if (!ring) return;
    ring.push(ring[0]);
    rings.push(ring);
    ring = undefined;
  };
  const recorder = {
    moveTo: (x: number, y: number): void => {
      close();
      ring = [[round3(x), round3(y)]];
    },
    lineTo: (x: number, y: number): void => {
      ring!.push([round3(x), round3(y)]);
    },
    closePath: close,
    arc: (): void => {
      throw new Error('world map: a point geometry in the atlas (the map has polygons only)');
    },
  };
  const path = proj.path.context(recorder);
  const features = countries.map((f): ProjectedFeature => {
    rings = [];
    path(f);
    if (ring) throw new Error(`world map: an open ring in feature ${f.id}`);
    return {
      type: 'Feature',
      ...(f.id === undefined ? {} : { id: f.id }),
      properties: { name: f.properties?.name ?? '' },
      geometry: { type: 'Polygon', coordinates: rings },
    };
  });
  proj.path.context(null);
  return { atlas: atlasKey(), projection: 'equalEarth', width: MAP_WIDTH, height: MAP_HEIGHT, features };
}
