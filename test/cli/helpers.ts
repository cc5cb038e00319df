import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cliEntry } from '../../src/util/bundle.js';

export const ROOT = join(import.meta.dirname, '..', '..');
/** What the `ictstat` bin runs: the CLI bundle (dist/cli/main.js). */
export const BIN = cliEntry();

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built `ictstat` command (test/global-setup.ts builds dist/ and the bundle when sources changed). */
export function ictstat(args: string[], opts: { cwd?: string; input?: string } = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, input: opts.input, encoding: 'utf8', maxBuffer: 256 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** No stack frames or internal paths leak to the user. */
export function expectNoStackTrace(r: Run): void {
  if (/\n\s+at .+:\d+:\d+/.test(r.stderr) || /node_modules|dist\/src/.test(r.stderr)) throw new Error(`stack trace in stderr:\n${r.stderr}`);
}
