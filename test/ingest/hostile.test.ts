import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.js';
import { cliEntry } from '../../src/util/bundle.js';

const CLI = cliEntry();
const tmp = tempDir('ictstat-hostile-');
afterAll(() => tmp.cleanup());

function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestSource(p));
    else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

beforeAll(() => {
  // Build once if dist is missing or older than the sources (tsc emits even when another part of the tree has type errors).
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < newestSource(join(ROOT, 'src'))) {
    spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT], { cwd: ROOT, encoding: 'utf8' });
  }
  expect(existsSync(CLI), `${CLI} not built`).toBe(true);
}, 60_000);

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'ingest', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ICTSTAT_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, out: r.stdout + r.stderr };
}

/** The common contract: the expected exit code, never 70, no stack frames, the file named with the rule. */
function expectClean(r: ReturnType<typeof run>, code: number, file: string, rule?: string) {
  expect(r.code, r.out).toBe(code);
  expect(r.code).not.toBe(70);
  expect(r.stderr).not.toMatch(/^\s+at .+[(:]\d+/m);
  expect(r.out).not.toMatch(/internal error/);
  const status = r.stdout.split('\n')[0];
  expect(status).toBe(`${file}: ${code === 0 ? 'ACCEPTED' : 'REJECTED'} ${status.slice(status.indexOf('('))}`);
  if (rule) expect(r.stdout).toContain(`[${rule}]`);
  if (rule) expect(r.stdout).toMatch(new RegExp(`^\\s+\\S+ error\\s+${rule}:`, 'm'));
}

describe('CLI on hostile input (exit 2, one clear message, no stack trace, never 70)', () => {
  it('empty file', () => {
    const f = tmp.file('empty.csv', '');
    expectClean(run(f), 2, f, 'empty-file');
  });

  it('header only', () => {
    const f = tmp.file('header.csv', 'economy,indicator,year,value\n');
    expectClean(run(f), 2, f, 'no-data-rows');
  });

  it('text in a value, with the cell named', () => {
    const f = tmp.file('text.csv', 'economy,indicator,year,value\nKEN,i99H,2019,twenty\n');
    const r = run(f);
    expectClean(r, 2, f, 'not-a-number');
    expect(r.stdout).toContain(`${f}:2: error: column "value", value "twenty"`);
  });

  it('Latin-1 valid file: accepted (exit 0) with the encoding warning; --out writes UTF-8', () => {
    const f = tmp.file('latin1.csv', Buffer.from("economy,indicator,year,value,note\nCIV,i99H,2019,36.5,Côte d'Ivoire\n", 'latin1'));
    const out = join(tmp.dir, 'latin1.out.csv');
    const r = run(f, '--out', out);
    expectClean(r, 0, f);
    expect(r.stdout).toMatch(/Latin-1/);
    expect(r.stdout).toContain('[encoding]');
    const written = spawnSync('cat', [out], { encoding: 'utf8' }).stdout;
    expect(written).toContain("Côte d'Ivoire");
  });

  it('binary noise', () => {
    const b = Buffer.alloc(100_000);
    let s = 7;
    for (let i = 0; i < b.length; i++) b[i] = (s = (s * 1664525 + 1013904223) >>> 0) >>> 24;
    const f = tmp.file('noise.csv', b);
    expectClean(run(f), 2, f, 'binary-file');
  });

  it('a 50 MB CSV with one very long line: stopped at that line, quickly', () => {
    const f = join(tmp.dir, 'long-line.csv');
    const fd = openSync(f, 'w');
    writeSync(fd, 'economy,indicator,year,value,note\nKEN,i99H,2019,20,ok\nKEN,i99H,2020,21,"');
    const chunk = Buffer.alloc(1 << 20, 'x');
    for (let i = 0; i < 50; i++) writeSync(fd, chunk);
    writeSync(fd, '"\nKEN,i99H,2021,22,ok\n');
    closeSync(fd);
    expect(statSync(f).size).toBeGreaterThan(50 * 2 ** 20);
    const t0 = Date.now();
    const r = run(f);
    expectClean(r, 2, f, 'line-too-long');
    expect(r.stdout).toContain(`${f}:3: error:`);
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 30_000);

  it('a file that does not exist: one line on stderr naming it, exit 2', () => {
    const f = join(tmp.dir, 'nope.csv');
    const r = run(f);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`ictstat: ${f}: cannot read file: no such file`);
  });

  it('a directory: exit 2, not 70', () => {
    const r = run(tmp.dir);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`ictstat: ${tmp.dir}: not a file`);
  });
});
