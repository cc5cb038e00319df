import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { INPUT_FORMATS, type InputFormat } from '../../src/ingest/formats/index.js';
import { findings, ingest, ROOT, rows, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const FORMATS_DIR = join(ROOT, 'src', 'ingest', 'formats');

/**
 * A format the project does not have, written the way a new file in src/ingest/formats/ would be: tab-separated
 * canonical columns. Passing it in `formats` (before CSV) is all it takes; nothing else changes.
 */
const tsv: InputFormat = {
  name: 'tsv',
  description: 'tab-separated economy, indicator, year, value',
  recognises: (s, head) => s.kind === 'text' && Buffer.from(head).toString('utf8').split('\n', 1)[0].includes('\t'),
  stoppedAs: () => 'tsv',
  async read(ctx) {
    const lines = readFileSync(ctx.path, 'utf8').split('\n');
    const header = lines[0].split('\t').map((h) => h.trim());
    const at = (name: string): number => header.indexOf(name);
    for (let k = 1; k < lines.length; k++) {
      if (lines[k].trim() === '') continue;
      const cells = lines[k].split('\t');
      ctx.accept({
        line: k + 1,
        economy: cells[at('economy')],
        indicator: cells[at('indicator')],
        year: cells[at('year')],
        value: cells[at('value')],
        economyColumn: 'economy',
        indicatorColumn: 'indicator',
        yearColumn: 'year',
        valueColumn: 'value',
      });
    }
    return { format: 'tsv' };
  },
};

describe('input formats as a registry', () => {
  it('every file of src/ingest/formats/ (but the registry and the interface) is one registered format, under its own name', async () => {
    const files = readdirSync(FORMATS_DIR)
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'format.ts')
      .sort();
    expect(files.length).toBe(INPUT_FORMATS.length);
    for (const f of files) {
      const mod = (await import(pathToFileURL(join(FORMATS_DIR, f)).href)) as Record<string, InputFormat>;
      const exported = Object.values(mod).filter((v) => typeof v === 'object' && v !== null && 'recognises' in v);
      expect(exported.length, f).toBe(1);
      expect(INPUT_FORMATS).toContain(exported[0]);
      expect(`${exported[0].name}.ts`).toBe(f);
    }
    expect(new Set(INPUT_FORMATS.map((f) => f.name)).size).toBe(INPUT_FORMATS.length);
  });

  it('ingest.ts names no format: no switch over the sniffed kind, no format name', () => {
    const src = readFileSync(join(ROOT, 'src', 'ingest', 'ingest.ts'), 'utf8');
    const body = src.slice(src.indexOf('export async function ingestFile'));
    expect(body).not.toMatch(/sniffed\.kind|switch \(/);
    for (const f of INPUT_FORMATS) expect(body, f.name).not.toContain(`'${f.name}'`);
    for (const f of INPUT_FORMATS) expect(body).not.toContain(`formats/${f.name}.js`);
  });

  it('a new format is one object: a tab-separated file is read, validated and located through the same rules', async () => {
    const file = tmp.file(
      'obs.tsv',
      'economy\tindicator\tyear\tvalue\nKEN\tinternet_users_pct\t2019\t22.6688\nGHA\tinternet_users_pct\t2021\t68\nKEM\tinternet_users_pct\t2021\t5\n',
    );
    const before = await ingest(file, { acceptValid: true, rejectsFile: join(tmp.dir, 'r1.csv') });
    // Without it, the registry's CSV reader finds no layout in a one-column header.
    expect(before.format).toBe('unknown');
    expect(findings(before, 'unknown-format')).toHaveLength(1);

    const r = await ingest(file, { acceptValid: true, rejectsFile: join(tmp.dir, 'r2.csv'), formats: [tsv, ...INPUT_FORMATS] });
    expect(r.format).toBe('tsv');
    expect(rows(r.table, ['economy', 'year', 'value', 'line'])).toEqual([
      { economy: 'KEN', year: 2019, value: 22.6688, line: 2 },
      { economy: 'GHA', year: 2021, value: 68, line: 3 },
    ]);
    const bad = findings(r, 'unknown-economy');
    expect(bad.map((f) => [f.line, f.column, f.value])).toEqual([[4, 'economy', 'KEM']]);
  });

  it('the registry order puts refusals first and the CSV reader (any text) last', () => {
    expect(INPUT_FORMATS[0].name).toBe('empty');
    expect(INPUT_FORMATS.at(-1)!.name).toBe('csv');
  });
});
