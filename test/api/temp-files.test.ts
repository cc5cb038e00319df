/**
 * Issue 13, finding 8: temporary files are owned and removed. `/report/` builds only for paths the report has
 * (a 404 builds nothing); build directories go on shutdown, and on the next start after a kill; submission
 * bodies go on success, on failure, on shutdown, and are swept at start. The server's temporary directory is an
 * option (`tempDir`), so the test watches a private one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBundledServer, startServer } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'ictstat-tempfiles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const entries = (dir: string, prefix: string): string[] => readdirSync(dir).filter((n) => n.startsWith(prefix));
/** The pid of a process that has exited (so no process owns it now). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('temporary files (issue 13)', () => {
  it('a 404 under /report/ builds nothing; a real path builds once; shutdown removes the build', async () => {
    const dir = join(root, 'report');
    mkdirSync(dir);
    const s = await startBundledServer({ tempDir: dir, reportEdition: 2017 });
    try {
      for (const p of ['/report/nope.html', '/report/tables/zzz.exe', '/report/a/b/c', '/report/x.constructor'])
        expect((await s.app.inject({ url: p })).statusCode).toBe(404);
      const reportDirs = entries(dir, 'ictstat-report-');
      // Nothing built: at most the (empty) root of this server's builds.
      for (const d of reportDirs) expect(readdirSync(join(dir, d)).filter((n) => n.startsWith('v'))).toEqual([]);
      expect((await s.app.inject({ url: '/report/index.html' })).statusCode).toBe(200);
      expect(entries(dir, 'ictstat-report-').length).toBe(1);
    } finally {
      await s.close();
    }
    expect(entries(dir, 'ictstat-report-')).toEqual([]);
  }, 180_000);

  it('submission bodies are removed after success and after failure', async () => {
    const dir = join(root, 'submissions');
    mkdirSync(dir);
    let token = '';
    const s = await startServer(
      (store) => {
        token = store.createToken('KEN').token;
      },
      { tempDir: dir },
    );
    try {
      const post = (body: string) =>
        s.app.inject({ url: '/v2/submissions', method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, payload: body });
      expect((await post('economy,indicator,year,value\nKEN,i99H,2019,20\n')).statusCode).toBe(201);
      expect((await post('economy,indicator,year,value\nKEN,i99H,2019,twenty\n')).statusCode).toBe(422);
      expect(entries(dir, 'ictstat-submission-')).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('at start, the directories left by a killed server are swept; those of a live process are kept', async () => {
    const dir = join(root, 'sweep');
    mkdirSync(dir);
    const dead = deadPid();
    const orphans = ['ictstat-report-orphan1', 'ictstat-submission-orphan2'];
    for (const o of orphans) {
      mkdirSync(join(dir, o, 'v3'), { recursive: true });
      writeFileSync(join(dir, o, 'owner'), String(dead));
      writeFileSync(join(dir, o, 'v3', 'body'), 'x'.repeat(1000));
    }
    const live = spawnSync('sh', ['-c', 'echo $PPID'], { encoding: 'utf8' }); // our own parent: alive
    mkdirSync(join(dir, 'ictstat-submission-live'));
    writeFileSync(join(dir, 'ictstat-submission-live', 'owner'), live.stdout.trim() || String(process.pid));
    const s = await startServer(() => undefined, { tempDir: dir });
    try {
      for (const o of orphans) expect(existsSync(join(dir, o)), o).toBe(false);
      expect(existsSync(join(dir, 'ictstat-submission-live'))).toBe(true);
    } finally {
      await s.close();
    }
  });
});
