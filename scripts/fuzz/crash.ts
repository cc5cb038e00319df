/**
 * Crash safety: real `ictstat` processes (`db submit` of large files, and the server taking POST
 * submissions) are SIGKILLed at seeded random points, restarted, and the store is checked:
 *  - every acknowledged submission is there whole: its row, all of its observations, the same content
 *    (a digest of its observations equals the digest of the file that was sent);
 *  - no partial one: every stored submission has exactly the observations it declares, no observation
 *    without a submission, SQLite's integrity check passes, and every stored submission is one that was sent;
 *  - the server restarts on the same store with no manual step (WAL recovery on open; no lock file of ours).
 * Used by test/crash/crash.test.ts (about ten kills) and `npm run crash-test` (as many as asked).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEconomyRegistry } from '../../src/registry/economies.js';
import { Store } from '../../src/store/store.js';
import { cliEntry } from '../../src/util/bundle.js';
import { mulberry32 } from '../../src/util/random.js';

const BIN = (): string => cliEntry();
const INDICATORS = [
  'hh_computer_pct',
  'hh_internet_pct',
  'internet_users_pct',
  'mobile_owners_pct',
  'pop_cov_2g_pct',
  'pop_cov_3g_pct',
  'pop_cov_4g_pct',
  'ict_skills_pct',
];

export interface CrashOptions {
  dir: string;
  seed: number;
  /** SIGKILLs of `db submit` and of the server. */
  cliKills: number;
  serverKills: number;
  /** Rows of each CLI submission file (economies x indicators x years). */
  cliRows?: number;
  log?: (line: string) => void;
}

export interface CrashReport {
  kills: number;
  /** Runs that ended before the kill (acknowledged), and kills that hit a process at work. */
  acknowledged: number;
  sent: number;
  stored: number;
  /** Stored although unacknowledged (killed after the commit, before the answer): allowed, and whole. */
  storedUnacknowledged: number;
  restarts: number;
  problems: string[];
}

interface Sent {
  sha256: string;
  digest: string;
  rows: number;
}

/** A canonical CSV of distinct (economy, indicator, year) rows with seeded values; returns its digest as the store would compute it. */
function makeFile(path: string, economies: readonly string[], rows: number, rnd: () => number): Sent {
  const lines = ['economy,indicator,year,value'];
  const digestLines: string[] = [];
  const years = Math.max(1, Math.ceil(rows / (economies.length * INDICATORS.length)));
  outer: for (const e of economies)
    for (const ind of INDICATORS)
      for (let k = 0; k < years; k++) {
        if (lines.length > rows) break outer;
        const year = 2025 - k;
        const value = Math.round(1000 + rnd() * 8000) / 100;
        lines.push(`${e},${ind},${year},${value}`);
        digestLines.push(`${e}|${ind}|${year}|${value}`);
      }
  const text = lines.join('\n') + '\n';
  writeFileSync(path, text);
  digestLines.sort();
  return {
    sha256: createHash('sha256').update(text).digest('hex'),
    digest: createHash('sha256').update(digestLines.join('\n')).digest('hex'),
    rows: digestLines.length,
  };
}

function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve({ code: p.exitCode, signal: p.signalCode });
    p.once('exit', (code, signal) => resolve({ code, signal }));
  });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The store's verdict: problems (empty = consistent) and, per stored submission, its content hash and observation digest. */
export function inspectStore(path: string): { problems: string[]; submissions: Map<string, { id: number; digest: string; rows: number }> } {
  const store = Store.open(path); // opening runs WAL recovery, as any restart does
  try {
    const problems = store.consistencyProblems();
    const submissions = new Map<string, { id: number; digest: string; rows: number }>();
    for (const s of store.submissions(1_000_000)) submissions.set(s.sha256, { id: s.id, digest: store.submissionDigest(s.id), rows: s.observations });
    return { problems, submissions };
  } finally {
    store.close();
  }
}

export async function runCrashCampaign(o: CrashOptions): Promise<CrashReport> {
  const log = o.log ?? (() => undefined);
  const rnd = mulberry32(o.seed);
  const db = join(o.dir, 'crash.db');
  const env = { ...process.env, ICTSTAT_DB: db };
  const sent = new Map<string, Sent>();
  const acked = new Set<string>();
  const report: CrashReport = { kills: 0, acknowledged: 0, sent: 0, stored: 0, storedUnacknowledged: 0, restarts: 0, problems: [] };
  const economies = loadEconomyRegistry()
    .all()
    .filter((e) => e.ituMember)
    .map((e) => e.iso3);

  const check = (when: string): void => {
    const { problems, submissions } = inspectStore(db);
    for (const p of problems) report.problems.push(`${when}: ${p}`);
    for (const sha of acked) {
      const s = submissions.get(sha);
      if (!s) report.problems.push(`${when}: acknowledged submission ${sha.slice(0, 12)} is missing`);
    }
    for (const [sha, s] of submissions) {
      const f = sent.get(sha);
      if (!f) {
        report.problems.push(`${when}: stored submission #${s.id} was never sent`);
        continue;
      }
      if (s.digest !== f.digest || s.rows !== f.rows)
        report.problems.push(`${when}: submission #${s.id} differs from what was sent (${s.rows} rows, ${f.rows} sent)`);
    }
    report.stored = submissions.size;
    report.storedUnacknowledged = [...submissions.keys()].filter((sha) => !acked.has(sha)).length;
  };

  // 1. The CLI: `db submit` of large multi-economy files, killed at a random point of its run.
  const cliRows = o.cliRows ?? 40_000;
  let fullRunMs = 0;
  // A run that ends before its kill time is a clean run (checked like the others) and does not count as a
  // kill: runs go on until cliKills kills have landed (at most three times as many runs), so that the number of
  // kills does not depend on how loaded the machine is.
  let cliKills = 0;
  for (let k = 0; cliKills < o.cliKills && k <= 3 * o.cliKills; k++) {
    const file = join(o.dir, `cli-${k}.csv`);
    const f = makeFile(file, economies, cliRows, rnd);
    sent.set(f.sha256, f);
    report.sent++;
    const t0 = Date.now();
    const p = spawn(process.execPath, [BIN(), 'db', 'submit', file, '--by', 'crash-test'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr!.on('data', (d) => {
      stderr += d;
    });
    // Run 0 is not killed: it measures how long a whole run takes, so the kills fall inside later runs.
    const delay = k === 0 ? Infinity : Math.round(fullRunMs * (0.1 + 0.8 * rnd()));
    const timer = Number.isFinite(delay) ? setTimeout(() => p.kill('SIGKILL'), delay) : undefined;
    const r = await exited(p);
    clearTimeout(timer);
    if (k === 0) fullRunMs = Date.now() - t0;
    if (r.signal === 'SIGKILL') {
      report.kills++;
      cliKills++;
    }
    if (r.code === 0 && /stored as submission #\d+/.test(stderr)) {
      acked.add(f.sha256);
      report.acknowledged++;
    } else if (r.signal !== 'SIGKILL') report.problems.push(`cli run ${k}: exit ${r.code}: ${stderr.slice(0, 300)}`);
    log(`cli ${k}: ${r.signal ?? `exit ${r.code}`} after ${Date.now() - t0} ms${Number.isFinite(delay) ? ` (kill at ${delay} ms)` : ''}`);
    check(`after cli run ${k}`);
  }

  // 2. The server: POST submissions in a loop, killed at a random point, restarted on the same store.
  const tokenStore = Store.open(db);
  const token = tokenStore.createToken('KEN', 'crash-test').token;
  tokenStore.close();
  const kenRows = INDICATORS.length * 60;
  for (let k = 0; k < o.serverKills + 1; k++) {
    const t0 = Date.now();
    const server = spawn(process.execPath, [BIN(), 'serve', '--port', '0', '--no-load', '--log-level', 'silent', '--submissions-per-minute', '100000'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start within 30 s: ${stderr}`)), 30_000);
      server.stderr!.on('data', (d) => {
        stderr += d;
        const m = / at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      server.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code}) before serving: ${stderr}`));
      });
    });
    if (k > 0) report.restarts++;
    const health = await fetch(`${base}/healthz`);
    if (health.status !== 200) report.problems.push(`server start ${k}: /healthz ${health.status}`);
    log(`server ${k}: serving at ${base} after ${Date.now() - t0} ms`);
    if (k === o.serverKills) {
      // The last start only proves the restart; shut down cleanly.
      server.kill('SIGTERM');
      await exited(server);
      break;
    }
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const file = join(o.dir, `post-${k}-${i}.csv`);
        const f = makeFile(file, ['KEN'], kenRows, rnd);
        sent.set(f.sha256, f);
        report.sent++;
        try {
          const res = await fetch(`${base}/v2/submissions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
            body: (await import('node:fs')).readFileSync(file),
          });
          const body = await res.text();
          if (res.status === 201) {
            acked.add(f.sha256);
            report.acknowledged++;
          } else report.problems.push(`server ${k}: POST ${res.status}: ${body.slice(0, 200)}`);
        } catch {
          return; // the server was killed mid-request: not acknowledged
        }
      }
    })();
    await sleep(Math.round(100 + rnd() * 1500));
    server.kill('SIGKILL');
    stop = true;
    await exited(server);
    await writer;
    report.kills++;
    check(`after server kill ${k}`);
  }
  check('at the end');
  return report;
}
