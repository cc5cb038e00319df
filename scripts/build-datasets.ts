/**
 * `npm run datasets`: converts ../shared/data into the committed `datasets/` folder and regenerates the
 * economy, entity and grouping files in `indicators/`. Deterministic: same input, byte-identical output.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot, sharedDataDir } from '../src/util/paths.js';
import { buildAllFiles } from './datasets/build.js';

async function main(): Promise<void> {
  const shared = process.env.ICTSTAT_SHARED_DATA ?? sharedDataDir();
  const root = packageRoot();
  const { files, report } = await buildAllFiles(shared);
  // Generated folders are rewritten whole, so a file no longer produced does not linger.
  for (const dir of ['datasets', 'indicators/groupings']) rmSync(join(root, dir), { recursive: true, force: true });
  for (const [path, content] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  process.stdout.write(report);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
export { main };
