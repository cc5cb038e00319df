#!/usr/bin/env node
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyCliV8Flags, isStaleBundleEntry } from '../util/bundle.js';
import { packageRoot } from '../util/paths.js';

// The command is the first argument (`serve` keeps V8's defaults); global options come after it.
applyCliV8Flags(process.argv[2]);

// The bundle (dist/cli) older than dist/src runs dist/src, saying so: never code older than the sources built last.
if (isStaleBundleEntry(import.meta.url)) {
  process.stderr.write('ictstat: the CLI bundle (dist/cli) is older than dist/src; running dist/src (npm run build rebuilds the bundle)\n');
  await import(pathToFileURL(join(packageRoot(), 'dist', 'src', 'cli', 'main.js')).href);
} else {
  const { main } = await import('./program.js');
  process.exitCode = await main(process.argv);
}
