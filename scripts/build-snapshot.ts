/**
 * `npm run build` (after tsc): the bundled datasets as one binary snapshot, `dist/snapshot/bundled.arrow`, with
 * `bundled.json` (the content hash of the datasets it was built from, rows, indicators). The observations are read
 * from the CSV files through ingest (every rule) and merged by the manifest's precedence, as `loadBundled` does; the
 * loader uses the snapshot only while its hash is the datasets' (test/ingest/snapshot.test.ts proves them equal).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tableToIPC } from 'apache-arrow';
import { bundledContentHash, indicatorRuns, loadBundled, snapshotPaths, type SnapshotMeta } from '../src/ingest/bundled.js';
import { precompiledValidatorPath, precompiledValidatorSource, validatedAheadPath, validatedAheadRecord } from '../src/idi/methodology.js';
import { formulaSource } from '../src/registry/formula.js';
import { ipcLayout } from '../src/table/ipc-layout.js';
import { loadIndicatorRegistry } from '../src/registry/indicators.js';

const started = Date.now();
const table = await loadBundled({ ignoreSnapshot: true });
const { arrow, meta } = snapshotPaths();
mkdirSync(dirname(arrow), { recursive: true });
// Written to temporary names, then renamed: a reader never sees half a snapshot.
const bytes = tableToIPC(table, 'file');
writeFileSync(arrow + '.tmp', bytes);
const indicators = [...new Set(table.getChild('indicator')!.toArray() as string[])].sort();
const snapshotMeta: SnapshotMeta = {
  contentHash: bundledContentHash(),
  rows: table.numRows,
  indicators,
  runs: indicatorRuns(table),
  arrowBytes: bytes.byteLength,
  layout: ipcLayout(bytes),
};
writeFileSync(meta + '.tmp', JSON.stringify(snapshotMeta, null, 2) + '\n');
// The bundled registry's formulas generated ahead (src/registry/formula.ts), so deriving one loads no parser.
const formulas = loadIndicatorRegistry()
  .indicators.flatMap((d) => (d.derived ? [formulaSource(d.derived.formula)] : []))
  .sort((a, b) => (a.expression < b.expression ? -1 : a.expression > b.expression ? 1 : 0));
const formulasPath = join(dirname(arrow), 'formulas.json');
writeFileSync(formulasPath + '.tmp', JSON.stringify({ formulas }, null, 2) + '\n');
// The methodology validator compiled ahead (Ajv standalone), used only while its schema key matches.
writeFileSync(precompiledValidatorPath() + '.tmp', precompiledValidatorSource());
renameSync(precompiledValidatorPath() + '.tmp', precompiledValidatorPath());
// The bundled methodologies validated against that schema, by hash (a file with the same bytes skips the validator at load).
writeFileSync(validatedAheadPath() + '.tmp', JSON.stringify(validatedAheadRecord(), null, 2) + '\n');
renameSync(validatedAheadPath() + '.tmp', validatedAheadPath());
renameSync(arrow + '.tmp', arrow);
renameSync(meta + '.tmp', meta);
renameSync(formulasPath + '.tmp', formulasPath);
process.stdout.write(
  `snapshot: ${table.numRows.toLocaleString('en')} observations of ${indicators.length} indicators in ${arrow}, ${formulas.length} formulas compiled ahead (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
);
