import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleFile, bundleKey, cacheFile, fittingCache, installedVersion, loadVendored, runBundle, sourceHash, vendorDir } from '../../src/report/vendor.js';
import { CLI_V8_FLAGS } from '../../src/util/bundle.js';
import { normaliseIds } from '../../src/report/charts.js';
import { packageRoot } from '../../src/util/paths.js';

/**
 * The report's chart engine as a single-file bundle (dist/vendor, issue 14): the same code as the packages, so a
 * chart comes out byte for byte the same from either; a bundle records the versions it was built from.
 */
function ensureBundles(): void {
  if (!existsSync(bundleFile('vega')) || !existsSync(join(vendorDir(), 'vendor.json')))
    execFileSync(process.execPath, [join(packageRoot(), 'dist', 'scripts', 'build-vendor.js')], { stdio: 'ignore' });
}

describe('vendored report engines', () => {
  it('vendor.json records the installed versions of the bundled packages', () => {
    ensureBundles();
    const meta = JSON.parse(readFileSync(join(vendorDir(), 'vendor.json'), 'utf8')) as Record<string, string>;
    const pkg = (name: string): string =>
      (JSON.parse(readFileSync(join(packageRoot(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    expect(installedVersion('vega')).toBe(pkg('vega'));
    expect(meta.vega).toBe(`vega@${pkg('vega')} vega-lite@${pkg('vega-lite')}`);
    expect(bundleKey('vega')).toBe(meta.vega);
    expect(Object.keys(meta).sort()).toEqual(['probe', 'probe.cli', 'vega', 'vega.cache', 'vega.cli.cache']);
    expect(meta['vega.cache']).toBe(sourceHash(readFileSync(bundleFile('vega'), 'utf8')));
    expect(meta['vega.cli.cache']).toBe(meta['vega.cache']);
  });

  it('the code cache is taken by this V8 and a cache of other bytes is rejected, not fatal', () => {
    ensureBundles();
    const source = readFileSync(bundleFile('vega'), 'utf8');
    const good = runBundle<{ compile: unknown }>(bundleFile('vega'), source, readFileSync(cacheFile('vega')));
    expect(good.cached).toBe(true);
    expect(typeof good.exports.compile).toBe('function');
    const bad = runBundle<{ compile: unknown }>(bundleFile('vega'), source, Buffer.from('not a code cache'));
    expect(bad.cached).toBe(false);
    expect(bad.script.cachedDataRejected).toBe(true);
    expect(typeof bad.exports.compile).toBe('function');
  });

  it('the cache made under V8’s defaults is the one this process takes; a process under the CLI’s flags takes the other', () => {
    ensureBundles();
    const meta = JSON.parse(readFileSync(join(vendorDir(), 'vendor.json'), 'utf8')) as Record<string, string>;
    expect(fittingCache(meta)).toBe('');
    expect(loadVendored('vega')?.cacheFlags).toBe('');
    const script = `import { setFlagsFromString } from 'node:v8';
      const flags = process.argv[1] === 'cli' ? ${JSON.stringify(CLI_V8_FLAGS)} : ['--interrupt-budget=500000'];
      for (const f of flags) setFlagsFromString(f);
      const { loadVendored } = await import(${JSON.stringify(join(packageRoot(), 'dist', 'src', 'report', 'vendor.js'))});
      const b = loadVendored('vega');
      process.stdout.write(JSON.stringify({ flags: b.cacheFlags ?? null, cached: b.cached, compile: typeof b.exports.compile }));`;
    const run = (which: string): unknown => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, which], { encoding: 'utf8' }));
    expect(run('cli')).toEqual({ flags: 'cli', cached: true, compile: 'function' });
    // flags no cache was made for: none is offered (V8 would reject it), the bundle compiles as usual
    expect(run('other')).toEqual({ flags: null, cached: false, compile: 'function' });
  });

  it('a chart rendered by the bundled vega equals the packages’ SVG', async () => {
    ensureBundles();
    const spec = {
      width: 200,
      height: 100,
      data: {
        values: [
          { a: 'x', b: 1 },
          { a: 'y', b: 3.5 },
          { a: 'z', b: 2 },
        ],
      },
      mark: 'bar',
      encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } },
    };
    const render = async (vega: typeof import('vega'), compile: typeof import('vega-lite').compile): Promise<string> => {
      const view = new vega.View(vega.parse(compile(spec as never).spec), { renderer: 'none' });
      const svg = normaliseIds(await view.toSVG(), 'c');
      view.finalize();
      return svg;
    };
    const b = runBundle<{ vega: typeof import('vega'); compile: typeof import('vega-lite').compile }>(
      bundleFile('vega'),
      readFileSync(bundleFile('vega'), 'utf8'),
      readFileSync(cacheFile('vega')),
    ).exports;
    const fromBundle = await render(b.vega, b.compile);
    const fromPackages = await render(await import('vega'), (await import('vega-lite')).compile);
    expect(fromBundle).toContain('<svg');
    expect(fromBundle).toBe(fromPackages);
  });
});
