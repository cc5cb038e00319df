import { execFileSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { changedInputs, cliEntry, readBundleManifest } from '../src/util/bundle.js';

/** CLI tests run the built `dist/` and the CLI bundle (`dist/cli`); rebuild them when any source is newer than the build. */
export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  const built = join(root, 'dist', 'src', 'cli', 'main.js');
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  let rebuilt = false;
  if (!existsSync(built) || statSync(built).mtimeMs < Math.max(newest(join(root, 'src')), newest(join(root, 'scripts')))) {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
    rebuilt = true;
  }
  // The bundled-data snapshot (npm run build writes it): again after a rebuild or when the datasets changed.
  const snapshot = join(root, 'dist', 'snapshot', 'bundled.json');
  if (rebuilt || !existsSync(snapshot) || statSync(snapshot).mtimeMs < newest(join(root, 'datasets')))
    execFileSync(process.execPath, [join(root, 'dist', 'scripts', 'build-snapshot.js')], { stdio: 'inherit' });
  // The CLI bundle (what the tests spawn): again when it is missing or any of its inputs changed since it was built.
  const bundle = readBundleManifest();
  if (!existsSync(cliEntry()) || !bundle?.bundled || changedInputs(bundle).length > 0)
    execFileSync(process.execPath, [join(root, 'dist', 'scripts', 'build-cli.js')], { stdio: 'inherit' });
}
