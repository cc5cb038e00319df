#!/usr/bin/env node
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { applyCliV8Flags, bundleDir, isStaleBundleEntry, setsCliV8Flags } from '../util/bundle.js';
import { useCodeCache } from '../util/code-cache.js';
import { packageRoot } from '../util/paths.js';

// The command is the first argument (`serve` keeps V8's defaults); global options come after it.
const command = process.argv[2];
applyCliV8Flags(command);

// No top-level await: the bundle is CommonJS (scripts/build-cli.ts), so that its chunks can compile with a code cache.
if (isStaleBundleEntry(import.meta.url)) {
  // The bundle (dist/cli) older than dist/src runs dist/src, saying so: never code older than the sources built last.
  process.stderr.write('ictstat: the CLI bundle (dist/cli) is older than dist/src; running dist/src (npm run build rebuilds the bundle)\n');
  void import(pathToFileURL(join(packageRoot(), 'dist', 'src', 'cli', 'main.js')).href);
} else {
  // ICTSTAT_CODE_CACHE: `off` compiles every chunk from source (to measure the cache), `stats` says what the cache
  // did, `produce` writes the caches (npm run build, src/util/code-cache.ts).
  const mode = process.env.ICTSTAT_CODE_CACHE;
  if (setsCliV8Flags(command) && mode !== 'off' && fileURLToPath(import.meta.url).startsWith(bundleDir() + sep)) {
    const stats = useCodeCache('cli', { produce: mode === 'produce' });
    if (mode === 'stats') process.on('exit', () => process.stderr.write(`code cache: ${JSON.stringify(stats ?? null)}\n`));
  }
  void import('./program.js').then(async ({ main }) => {
    process.exitCode = await main(process.argv);
  });
}
