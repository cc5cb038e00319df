import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ChartInputs, mapShapes, renderSvg, worldMapSpec } from '../../src/report/charts.js';
import { MAP_HEIGHT, MAP_WIDTH, type ProjectedWorld, projectedWorld, projectWorld, worldAtlas, worldMapFile } from '../../src/report/world-map.js';
import { installedVersion } from '../../src/report/vendor.js';
import { packageRoot } from '../../src/util/paths.js';

/**
 * The report's world map projected once by the build (dist/vendor/world-110m-equal-earth.json, issue 14): the file is
 * what projecting the installed atlas gives, the projection is Equal Earth fitted to the chart (checked against the
 * formulas written here), and the chart drawn from it is the chart vega draws from the atlas.
 */
/** A package's version from its own package.json (world-atlas has no entry point to resolve). */
const version = (name: string): string =>
  (JSON.parse(readFileSync(join(packageRoot(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const atlasKey = (): string => `world-atlas@${version('world-atlas')} countries-110m vega@${version('vega')}`;

function ensureMap(): ProjectedWorld {
  const read = (): ProjectedWorld | undefined =>
    existsSync(worldMapFile()) ? (JSON.parse(readFileSync(worldMapFile(), 'utf8')) as ProjectedWorld) : undefined;
  // (made again when missing or made by an earlier build from other packages)
  if (read()?.atlas !== atlasKey()) execFileSync(process.execPath, [join(packageRoot(), 'dist', 'scripts', 'build-map.js')], { stdio: 'ignore' });
  return read()!;
}

/** Equal Earth (Šavrič, Patterson and Jenny 2018, eq. 2-3) on the unit sphere, angles in degrees. */
function equalEarth(lon: number, lat: number): [number, number] {
  const [A1, A2, A3, A4] = [1.340264, -0.081106, 0.000893, 0.003796];
  const M = Math.sqrt(3) / 2;
  const l = (lon * Math.PI) / 180,
    t = Math.asin(M * Math.sin((lat * Math.PI) / 180)),
    t2 = t * t,
    t6 = t2 * t2 * t2;
  return [(l * Math.cos(t)) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2))), t * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))];
}

/** The atlas's countries in order as longitude/latitude rings, decoded from the TopoJSON here (quantized, delta-encoded arcs). */
function atlasRings(): Array<{ id?: string; rings: number[][][] }> {
  const topo = worldAtlas() as {
    transform: { scale: [number, number]; translate: [number, number] };
    arcs: number[][][];
    objects: { countries: { geometries: Array<{ id?: string; type: string; arcs: number[][] | number[][][] }> } };
  };
  const [sx, sy] = topo.transform.scale,
    [tx, ty] = topo.transform.translate;
  const arcs = topo.arcs.map((arc) => {
    let x = 0,
      y = 0;
    return arc.map(([dx, dy]) => [(x += dx) * sx + tx, (y += dy) * sy + ty]);
  });
  const ring = (ids: number[]): number[][] =>
    ids.flatMap((i, k) => {
      const a = i >= 0 ? arcs[i] : [...arcs[~i]].reverse();
      return k === 0 ? a : a.slice(1);
    });
  return topo.objects.countries.geometries.map((g) => ({
    id: g.id,
    rings: ((g.type === 'Polygon' ? [g.arcs] : g.arcs) as number[][][]).flatMap((p) => p.map(ring)),
  }));
}

const inputs: ChartInputs = {
  edition: 2017,
  dataYear: 2016,
  indexLabel: 'IDI',
  scale: 10,
  // Kenya, Brazil, Fiji and Russia (both cross or touch the antimeridian), Norway, Australia, Canada
  ranked: [
    ['KEN', '404', 2.91],
    ['BRA', '076', 5.99],
    ['FJI', '242', 4.49],
    ['RUS', '643', 7.07],
    ['NOR', '578', 8.47],
    ['AUS', '036', 8.24],
    ['CAN', '124', 7.77],
  ].map(([code, m49, score]) => ({ code: code as string, name: code as string, m49: m49 as string, region: 'Europe', score: score as number })),
  affordability: undefined,
  medians: [],
  basketName: (id) => id,
};

const numbers = (svg: string): number[] => [...svg.matchAll(/\bd="([^"]*)"/g)].flatMap((m) => (m[1].match(/-?\d+(\.\d+)?(e-?\d+)?/g) ?? []).map(Number));

describe('the world map projected at build time', () => {
  it('the file equals vega’s projection of the installed atlas, and is used', async () => {
    const file = ensureMap();
    expect(file.features.length).toBe(176); // the atlas's 177 countries without Antarctica
    expect(file.features.some((f) => f.id === '010')).toBe(false);
    expect(file).toEqual(projectWorld(await import('vega')));
    expect(projectedWorld()).toEqual(file);
    // the caption counts what is drawn: the same 176 shapes projected or from the atlas (was a fixed 177)
    expect(mapShapes(file)).toBe(176);
    expect(mapShapes(undefined)).toBe(176);
  });

  it('records the installed atlas and the vega that projected it (either changed makes the file stale)', async () => {
    expect(installedVersion('world-atlas')).toBe(version('world-atlas'));
    const made = projectWorld(await import('vega'));
    expect(made.atlas).toBe(atlasKey());
  });

  it('is Equal Earth fitted to the chart’s size: every atlas vertex off the antimeridian, projected by the formulas here, is a point of its country', () => {
    const file = ensureMap();
    const countries = atlasRings().filter((c) => c.id !== '010');
    expect(countries.map((c) => c.id)).toEqual(file.features.map((f) => f.id));
    // the fit: the countries' extent scaled into MAP_WIDTH x MAP_HEIGHT (the narrower fit), centred, y downwards
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const { rings } of countries)
      for (const r of rings)
        for (const [lon, lat] of r) {
          const [x, y] = equalEarth(lon, lat);
          [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
        }
    const k = Math.min(MAP_WIDTH / (x1 - x0), MAP_HEIGHT / (y1 - y0));
    const px = (lon: number, lat: number): [number, number] => {
      const [x, y] = equalEarth(lon, lat);
      return [MAP_WIDTH / 2 + k * (x - (x0 + x1) / 2), MAP_HEIGHT / 2 - k * (y - (y0 + y1) / 2)];
    };
    expect(k * (y1 - y0)).toBeLessThan(MAP_HEIGHT); // the world is wider than the chart: it spans the width
    let checked = 0,
      worst = 0;
    for (const [i, f] of file.features.entries()) {
      const pts = f.geometry.coordinates.flat();
      for (const r of countries[i].rings)
        for (const [lon, lat] of r) {
          if (Math.abs(lon) > 179) continue;
          const [x, y] = px(lon, lat);
          worst = Math.max(worst, Math.min(...pts.map(([u, v]) => Math.hypot(u - x, v - y))));
          checked++;
        }
    }
    expect(checked).toBeGreaterThan(9000);
    // within the file's rounding to 0.001 px (0.0007 seen): the fit of the outline is the fit of the vertices here
    expect(worst).toBeLessThan(0.002);
  });

  it('the chart drawn from it is the chart vega draws from the atlas, byte for byte', async () => {
    const world = ensureMap();
    const fromAtlas = await renderSvg(worldMapSpec(inputs, undefined), 'm');
    const fromFile = await renderSvg(worldMapSpec(inputs, world), 'm');
    const [a, b] = [numbers(fromAtlas), numbers(fromFile)];
    expect(a.length).toBeGreaterThan(20_000); // both layers' outlines (grey world, the 7 economies in colour)
    expect(b.length).toBe(a.length);
    expect(Math.max(...a.map((x, i) => Math.abs(x - b[i])))).toBeLessThanOrEqual(0.001);
    expect(fromFile).toBe(fromAtlas);
    expect((fromFile.match(/<path[^>]*fill="#dddddd"/g) ?? []).length).toBe(176);
    expect((fromFile.match(/<path[^>]*fill="rgb/g) ?? []).length).toBe(7); // the economies with a score
  });
});
