import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fork, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { BACKGROUND_NICE } from './priority.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorResponse, registerRoutes, route, type Param, type RouteSpec } from './routes.js';
import { UserInputError } from '../util/errors.js';
import { workerScript } from '../util/bundle.js';
import type { Store } from '../store/store.js';
import { ApiError } from './errors.js';
import { ownedTempDir } from '../util/owned-temp.js';
import { REPORT_PATH, readEncodedIndex, readReportFile, reportType } from './report-files.js';
import { sendEncoded, type Encoded } from './send.js';
import { chargeComputation } from './budget.js';
import type { ComputeGate } from './gate.js';

/** The shortest time between two builds of the report (the current build is served meanwhile). */
export const REBUILD_INTERVAL_MS = 60_000;

/**
 * `buildReport` in a child process: the server's event loop keeps answering while the report is built, and the
 * build's memory (hundreds of MiB at its peak) goes back to the system when the process ends, instead of staying
 * in the server's heap. The child ends itself if the server goes away (its IPC channel closes).
 */
function buildInWorker(edition: number, out: string, storePath: string): Promise<void> {
  const args = [workerScript('api/report-worker'), JSON.stringify({ edition, out, storePath })];
  return startBuild(args).then(
    (child) =>
      new Promise<void>((resolve, reject) => {
        let answered = false;
        child.once('message', (m: { ok: boolean; userError?: boolean; message?: string; code?: string }) => {
          answered = true;
          if (m.ok) resolve();
          else reject(m.userError ? new UserInputError(m.message ?? 'the report cannot be built', { code: m.code }) : new Error(m.message));
        });
        child.once('error', reject);
        child.once('exit', (code) => {
          if (!answered) reject(new Error(`the report build exited with code ${code}`));
        });
      }),
  );
}

/**
 * The report build's process, at BACKGROUND_NICE from its first instruction where there is a `nice` program (POSIX):
 * on Linux nice is per thread and a new thread takes its creator's, so a process that lowered itself once running
 * would have started threads (V8's, libuv's) and loaded its modules at the server's priority. Without `nice`
 * (Windows, or not installed) it is forked and lowers its own priority first thing (report-worker.ts).
 */
function startBuild(args: string[]): Promise<ChildProcess> {
  const stdio: StdioOptions = ['ignore', 'ignore', 'inherit', 'ipc'];
  const forked = () => fork(args[0], args.slice(1), { stdio, execArgv: [] });
  if (process.platform === 'win32') return Promise.resolve(forked());
  return new Promise((resolve, reject) => {
    const child = spawn('nice', ['-n', String(BACKGROUND_NICE), process.execPath, ...args], { stdio });
    child.once('spawn', () => resolve(child));
    child.once('error', (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? resolve(forked()) : reject(e)));
  });
}

/** The report page allows its own inline styles and scripts (sorting, filtering) and nothing from elsewhere. */
const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface ReportCtx {
  file(rel: string, reply: FastifyReply): Promise<unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: route specs differ in their parameter types; the list holds any of them
export const REPORT_ROUTES: ReadonlyArray<RouteSpec<any, ReportCtx>> = [
  // /report and /report/ are one route (trailing slashes ignored): send the browser to the page itself, so that
  // its relative links (tables, workbook) resolve under /report/.
  route({
    paths: ['/report'],
    summary: 'redirects to /report/index.html',
    params: {},
    responses: { 302: { description: 'to the MIS report' } },
    worldBankErrors: false,
    handler: (_ctx: ReportCtx, _a, _req, reply) => reply.redirect('/report/index.html'),
  }),
  route({
    paths: ['/report/{path*}'],
    summary:
      "the MIS report edition of `serve --report-edition`, regenerated from the store's current data (built on first request and after a submission changes the store)",
    params: {
      path: {
        name: 'path',
        in: 'path',
        description: 'a file of the report build (index.html, report.json, mis-YYYY.xlsx, tables/*.csv|md|html, charts/*.svg)',
        schema: { type: 'string' },
        // already decoded by the router: not decoded twice
        parse: (req) => req.params['*'] || 'index.html',
      } as Param<string>,
    },
    responses: {
      200: { description: 'a file of the report' },
      404: errorResponse('no such file in the report build'),
    },
    worldBankErrors: false,
    handler: (ctx: ReportCtx, a, _req, reply) => ctx.file(a.path, reply),
  }),
];

/**
 * `/report/`: the MIS edition regenerated from the store's current data (`ictstat report`, the same builder),
 * built on the first request for one of its files and again when a submission has changed the store. Files are
 * served from the build's own directory only. A path the report cannot have is a 404 without a build; only the
 * current build is kept, in a directory this server owns and removes on shutdown (a killed server's directory is
 * swept by the next start, see util/owned-temp.ts).
 */
/** Report builds done, and report files read from a build (each once per build; the soak and tests count them). */
export const reportStats = { builds: 0, fileReads: 0 };

export function registerReportRoutes(
  app: FastifyInstance,
  store: Store,
  edition: number,
  tempDir: string,
  gate: ComputeGate,
  /** The store's current version (the server asks it once per turn of the event loop). */
  storeVersion: () => number = () => store.version(),
): () => string | undefined {
  let built: { version: number; dir: string } | undefined;
  let building: Promise<{ version: number; dir: string }> | undefined;
  let root: string | undefined;
  let builtAt = 0;
  const removing = new Set<Promise<unknown>>();
  // The current build's files as they are sent (body, encodings made by the build, ETag), each read once, by absolute
  // path; emptied when a new build is served. Bounded by one build's files (about 4 MB with their encodings).
  const files = new Map<string, Promise<Encoded>>();
  let filesDir: string | undefined;
  let encodedIndex: ReturnType<typeof readEncodedIndex> | undefined;
  const current = async (): Promise<string> => {
    const version = storeVersion();
    if (built?.version === version) return built.dir;
    // A newer store version is built at most once per interval: frequent submissions cost one build a minute.
    if (built && Date.now() - builtAt < REBUILD_INTERVAL_MS) return built.dir;
    building ??= (async () => {
      root ??= ownedTempDir(tempDir, 'ictstat-report-');
      const dir = join(root, `v${version}`);
      if (!existsSync(join(dir, 'index.html'))) {
        // Through the gate of the anonymous computations (gate.ts): never beside another one.
        await gate.run('report', () => {
          reportStats.builds++;
          return buildInWorker(edition, dir, store.path);
        });
      }
      builtAt = Date.now();
      // Earlier versions' builds are not served any more: removed in libuv's pool (a build is hundreds of files; a
      // synchronous removal held the event loop when a rebuild ended), awaited on close.
      for (const old of readdirSync(root))
        if (old.startsWith('v') && old !== `v${version}`) {
          const gone = rm(join(root, old), { recursive: true, force: true }).catch(() => undefined);
          removing.add(gone);
          void gone.finally(() => removing.delete(gone));
        }
      return { version, dir };
    })().finally(() => {
      building = undefined;
    });
    built = await building;
    return built.dir;
  };
  app.addHook('onClose', async () => {
    await building?.catch(() => undefined);
    await Promise.all(removing);
    if (root) rmSync(root, { recursive: true, force: true });
  });
  const serveFile: ReportCtx['file'] = async (rel, reply) => {
    // Only the names the builder writes start a build (src/report/build.ts): anything else is a 404 at no cost.
    if (!REPORT_PATH.test(rel)) throw new ApiError('endpointNotFound', `no report file ${rel.slice(0, 100)}`);
    const idle = building === undefined;
    const next = current();
    if (idle && building !== undefined) chargeComputation(reply.request); // this request started a build
    const dir = await next;
    if (filesDir !== dir) {
      [filesDir, encodedIndex] = [dir, readEncodedIndex(dir)];
      files.clear();
    }
    const file = resolve(dir, rel);
    let sent = files.get(file);
    if (!sent) {
      // Only files inside the build directory; no dot segments, no hidden files.
      if (!file.startsWith(dir + sep) || rel.split('/').some((p) => p.startsWith('.')) || !existsSync(file) || !statSync(file).isFile())
        throw new ApiError('endpointNotFound', `no report file ${rel.slice(0, 100)}`);
      const index = encodedIndex ?? readEncodedIndex(dir);
      sent = index.then((i) => {
        reportStats.fileReads++;
        return readReportFile(dir, rel, i);
      });
      files.set(file, sent);
      // A read that failed (the build removed meanwhile) is not kept.
      sent.catch(() => files.get(file) === sent && files.delete(file));
    }
    let e: Encoded;
    try {
      e = await sent;
    } catch {
      throw new ApiError('endpointNotFound', `no report file ${rel.slice(0, 100)}`);
    }
    const type = reportType(rel);
    if (type.startsWith('text/html')) reply.header('content-security-policy', REPORT_CSP).header('x-frame-options', 'DENY');
    return sendEncoded(reply.request, reply, e, type);
  };
  registerRoutes(app, REPORT_ROUTES, { file: serveFile });
  // The data version of what /report/ serves now (its answers are held under it), or undefined while a build is due.
  return () => (built && !building && (built.version === storeVersion() || Date.now() - builtAt < REBUILD_INTERVAL_MS) ? `r${built.version}` : undefined);
}
