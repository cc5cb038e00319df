/**
 * `ictstat serve` under the server's glibc malloc settings (api/malloc.ts). glibc reads them only as a process
 * starts, so where one is unset (and the C library is glibc) the command runs itself again, once, as a child with
 * them set, and this process only passes signals on and exits as the child does. A setting the deployment gave
 * (any value) is kept. The child stops when this process goes away, even killed (its IPC channel closes).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** Set in the child's environment: it is the server run again under the settings, watched by its parent. */
const RERUN = 'ICTSTAT_SERVE_RERUN';

/** The settings this process lacks (none off glibc: other C libraries ignore them). */
export function missingMallocEnv(settings: Record<string, string>, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  if (process.platform !== 'linux' || !header?.glibcVersionRuntime || env[RERUN] === '1') return {};
  return Object.fromEntries(Object.entries(settings).filter(([k]) => env[k] === undefined));
}

/** This process is the run again: stop (`stop`) when its parent goes away. */
export function watchParent(stop: () => void, env: NodeJS.ProcessEnv = process.env): void {
  if (env[RERUN] === '1' && process.channel) process.once('disconnect', stop);
}

/**
 * Run this command again with `add` in its environment; resolves with the exit code to leave with (128 + the
 * signal's number when the child was killed by one). SIGINT, SIGTERM and SIGHUP sent to this process go to the
 * child (a terminal's Ctrl-C reaches both: the child stops once, whatever it is sent twice).
 */
export function rerunWith(add: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...add, [RERUN]: '1' },
  });
  const pass = (signal: NodeJS.Signals) => () => child.kill(signal);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, pass(s));
  return new Promise((resolve) => {
    child.once('error', (e) => {
      process.stderr.write(`ictstat: cannot start the server process: ${e.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}
