import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { bundleKey, installedVersion, vendorDir } from '../../src/report/vendor.js';
import { normaliseIds } from '../../src/report/charts.js';
import { packageRoot } from '../../src/util/paths.js';

/**
 * The report's engines as single-file bundles (dist/vendor, issue 14): the same code as the packages, so a chart
 * and a workbook come out byte for byte the same from either; a bundle records the versions it was built from.
 */
const bundle = (name: string): string => join(vendorDir(), `${name}.mjs`);
function ensureBundles(): void {
  if (!existsSync(bundle('vega')) || !existsSync(bundle('exceljs')) || !existsSync(join(vendorDir(), 'vendor.json')))
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
    expect(meta.exceljs).toBe(`exceljs@${pkg('exceljs')}`);
    expect(bundleKey('exceljs')).toBe(meta.exceljs);
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
    const b = (await import(pathToFileURL(bundle('vega')).href)) as { vega: typeof import('vega'); compile: typeof import('vega-lite').compile };
    const fromBundle = await render(b.vega, b.compile);
    const fromPackages = await render(await import('vega'), (await import('vega-lite')).compile);
    expect(fromBundle).toContain('<svg');
    expect(fromBundle).toBe(fromPackages);
  });

  it('a workbook written by the bundled exceljs has the packages’ parts, byte for byte', async () => {
    ensureBundles();
    type ExcelJS = typeof import('exceljs');
    const write = async (E: ExcelJS): Promise<Record<string, Uint8Array>> => {
      const wb = new E.Workbook();
      wb.created = wb.modified = new Date(Date.UTC(2000, 0, 1));
      const ws = wb.addWorksheet('T', { views: [{ state: 'frozen', ySplit: 1 }] });
      ws.columns = [
        { header: 'economy', key: 'e', width: 10 },
        { header: 'value', key: 'v', width: 8, style: { numFmt: '0.00' } },
      ];
      ws.addRow(['KEN', 1.25]);
      ws.addRow(['UGA', null]);
      const parts = unzipSync(new Uint8Array(await wb.xlsx.writeBuffer({ zip: { compression: 'STORE' } } as never)));
      return parts;
    };
    const fromBundle = await write(((await import(pathToFileURL(bundle('exceljs')).href)) as { default: ExcelJS }).default);
    const fromPackage = await write((await import('exceljs')).default);
    expect(Object.keys(fromBundle).sort()).toEqual(Object.keys(fromPackage).sort());
    expect(Object.keys(fromBundle)).toContain('xl/worksheets/sheet1.xml');
    for (const k of Object.keys(fromPackage)) expect(Buffer.from(fromBundle[k]).equals(Buffer.from(fromPackage[k])), k).toBe(true);
  });
});
