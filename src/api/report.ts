import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';
import { ApiError } from './errors.js';
import { own } from '../util/lookup.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.svg': 'image/svg+xml', '.csv': 'text/csv; charset=utf-8', '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The report page allows its own inline styles and scripts (sorting, filtering) and nothing from elsewhere. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `/report/`: the MIS edition regenerated from the store's current data (`ictstat report`, the same builder),
 * built on the first request and again when a submission has changed the store. Files are served from the
 * build's own directory only.
 */
export function registerReportRoutes(app: FastifyInstance, store: Store, edition: number): void {
  let built: { version: number; dir: string } | undefined;
  let building: Promise<{ version: number; dir: string }> | undefined;
  const root = mkdtempSync(join(tmpdir(), 'ictstat-report-'));
  const current = async (): Promise<string> => {
    const version = store.version();
    if (built?.version === version) return built.dir;
    building ??= (async () => {
      const { buildReport } = await import('../report/build.js');
      const dir = join(root, `v${version}`);
      if (!existsSync(join(dir, 'index.html'))) await buildReport({ edition, out: dir, source: { kind: 'store', path: store.path } });
      return { version, dir };
    })().finally(() => { building = undefined; });
    built = await building;
    return built.dir;
  };
  // /report and /report/ are one route (trailing slashes ignored): send the browser to the page itself, so that
  // its relative links (tables, workbook) resolve under /report/.
  app.get('/report', async (_req, reply) => reply.redirect('/report/index.html'));
  app.get('/report/*', async (req, reply) => {
    const rel = (req.params as { '*': string })['*'] || 'index.html'; // already decoded by the router: not decoded twice
    const dir = await current();
    const file = resolve(dir, rel);
    // Only files inside the build directory; no dot segments, no hidden files.
    if (!file.startsWith(dir + sep) || rel.split('/').some((p) => p.startsWith('.')) || !existsSync(file) || !statSync(file).isFile())
      throw new ApiError('endpointNotFound', `no report file ${rel.slice(0, 100)}`);
    const type = own(TYPES, extname(file)) ?? 'application/octet-stream';
    if (type.startsWith('text/html')) reply.header('content-security-policy', REPORT_CSP).header('x-frame-options', 'DENY');
    return reply.type(type).send(readFileSync(file));
  });
}
