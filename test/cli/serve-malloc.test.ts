/**
 * `ictstat serve` under the server's glibc malloc settings (src/cli/malloc-env.ts): where they are unset it runs
 * itself again as a child with them; a setting given is kept; the child stops with its parent, signalled or killed.
 * Processes and environments read from /proc (Linux with glibc, where the settings mean something).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVER_MALLOC_ENV } from '../../src/api/malloc.js';
import { BIN } from './helpers.js';

const glibc = process.platform === 'linux' && !!(process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
const dir = mkdtempSync(join(tmpdir(), 'ictstat-serve-malloc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment of a process, as it started. */
const environ = (pid: number): Record<string, string> =>
  Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
/** The child processes of a process (every thread's). */
const children = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
/** Polled until true (at most `polls` times 20 ms): the assertion is on the state reached, not on time. */
async function until(done: () => boolean, polls = 1_500): Promise<boolean> {
  for (let i = 0; i < polls && !done(); i++) await new Promise((r) => setTimeout(r, 20));
  return done();
}

/** `ictstat serve` on an empty store of its own, with this environment (the MALLOC settings of this process left out). */
function serve(name: string, extra: Record<string, string>): { proc: ChildProcess; address: Promise<string>; exit: Promise<number | null> } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in SERVER_MALLOC_ENV) && k !== 'ICTSTAT_SERVE_RERUN')) as Record<
    string,
    string
  >;
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--store', join(dir, `${name}.db`), '--no-load', '--no-warm', '--log-level', 'silent'], {
    env: { ...env, ...extra },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const address = new Promise<string>((resolve, reject) => {
    proc.stderr!.on('data', (c: Buffer) => {
      err += c;
      const m = / at (http:\/\/\S+) /.exec(err);
      if (m) resolve(m[1]);
    });
    proc.once('exit', () => reject(new Error(`serve exited before serving:\n${err}`)));
  });
  return { proc, address, exit: new Promise((r) => proc.once('exit', (code) => r(code))) };
}

describe.runIf(glibc)('serve under the malloc settings', () => {
  it('unset: runs itself again with them; SIGTERM to it stops both, exit 0', async () => {
    const s = serve('unset', {});
    const base = await s.address;
    const [child] = children(s.proc.pid!);
    expect(child).toBeGreaterThan(0);
    const env = environ(child);
    for (const [k, v] of Object.entries(SERVER_MALLOC_ENV)) {
      expect(env[k]).toBe(v);
      expect(environ(s.proc.pid!)[k]).toBeUndefined();
    }
    expect((await fetch(`${base}/openapi.json`)).status).toBe(200); // the child is the server
    s.proc.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(await until(() => !existsSync(`/proc/${child}`))).toBe(true);
  }, 60_000);

  it('given (any value): kept, and no second process', async () => {
    const s = serve('given', { MALLOC_ARENA_MAX: '4', MALLOC_MMAP_THRESHOLD_: '262144' });
    await s.address;
    expect(children(s.proc.pid!).filter((c) => readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'node')).toEqual([]);
    expect(environ(s.proc.pid!).MALLOC_ARENA_MAX).toBe('4');
    s.proc.kill('SIGINT');
    expect(await s.exit).toBe(0);
  }, 60_000);

  it('the parent killed (SIGKILL): the server it started stops too', async () => {
    const s = serve('killed', {});
    await s.address;
    const [child] = children(s.proc.pid!);
    expect(environ(child).MALLOC_ARENA_MAX).toBe(SERVER_MALLOC_ENV.MALLOC_ARENA_MAX);
    s.proc.kill('SIGKILL');
    await s.exit;
    expect(await until(() => !existsSync(`/proc/${child}`) || readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.startsWith('Z'))).toBe(true);
  }, 60_000);
});
