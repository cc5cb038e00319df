import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built `ictstat` command (test/global-setup.ts builds dist/ when sources changed). */
export function ictstat(args: string[], opts: { cwd?: string; input?: string } = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, input: opts.input, encoding: 'utf8', maxBuffer: 256 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** No stack frames or internal paths leak to the user. */
export function expectNoStackTrace(r: Run): void {
  if (/\n\s+at .+:\d+:\d+/.test(r.stderr) || /node_modules|dist\/src/.test(r.stderr)) throw new Error(`stack trace in stderr:\n${r.stderr}`);
}
