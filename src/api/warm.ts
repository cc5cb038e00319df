/**
 * The server warm before it listens: its first clients, arriving at once, would otherwise meet cold code (every
 * route's functions not yet compiled by V8, the workers' modules not loaded) and answers not yet made, and the
 * event loop would be short of CPU in their first seconds, when new connections wait to be accepted behind it
 * (SECURITY.md, soak). Before `listen`, the server asks itself (Fastify's inject: no socket, no client budget) what
 * is asked most: the IDI of the report's methodology for its recent years, one small sensitivity analysis of it
 * (the sensitivity worker and its scenario threads started), series of the current version in JSON, CSV and
 * SDMX, a World Bank page over every economy, the indexes of the latest as-of versions (what `asof` readers of
 * recent revisions ask; in the index cache, bounded by its bytes) and an as-of read; the report's build is started
 * and not waited for (a child process at low priority). The answers made are held as the clients' would be.
 */
import type { FastifyInstance } from 'fastify';
import type { ObservationIndex } from './data.js';

/** How much is warmed (one place). */
export const WARM = {
  /** IDI years of the report's methodology: its latest year with enough data and the years before it. */
  idiYears: 13,
  /** Draws of the sensitivity analysis that starts its worker and scenario threads (the smallest allowed is 2). */
  sensitivityDraws: 20,
  /** Indicators and economies of the series asked (each in every format). */
  indicators: 4,
  economies: 8,
  /** As-of versions whose index is made (moved from the current one): the store's latest revisions before it. */
  asOfVersions: 10,
  /** Requests at once to the server itself (the computations queue in their workers anyway). */
  concurrency: 8,
};

export interface WarmResult {
  requests: number;
  /** Requests answered with a status other than 2xx/404 (a year without data is a 404, and warm). */
  failed: number;
  ms: number;
}

const SDMX_CSV = 'application/vnd.sdmx.data+csv;version=2.0.0';

/** The series asked, from the current index (its first indicators and economies), and an as-of date if any. */
export function warmPaths(idx: ObservationIndex, asOf: string | undefined): Array<{ url: string; accept?: string }> {
  const paths: Array<{ url: string; accept?: string }> = [];
  for (const [indicator, byEconomy] of [...idx.rows].slice(0, WARM.indicators)) {
    const economies = [...byEconomy.keys()].slice(0, WARM.economies);
    for (const e of economies) for (const format of ['json', 'csv']) paths.push({ url: `/v2/country/${e}/indicator/${indicator}?format=${format}` });
    paths.push({ url: `/v2/country/${economies.join(';')}/indicator/${indicator}`, accept: SDMX_CSV });
    paths.push({ url: `/v2/country/all/indicator/${indicator}?mrv=1&per_page=1000&format=json` });
    if (asOf) paths.push({ url: `/v2/country/${economies[0]}/indicator/${indicator}?format=json&asof=${encodeURIComponent(asOf)}` });
  }
  return paths;
}

/** Warm `app` (before it listens): see the module's comment. The report's build runs on after it returns. */
export async function warmServer(app: FastifyInstance, o: { methodology: string; index: ObservationIndex; asOf?: string }): Promise<WarmResult> {
  const t0 = performance.now();
  let requests = 0,
    failed = 0;
  // Compressed, as clients ask (an answer's encodings are made once it is held), but the latest IDI as is (read here).
  const ask = async (url: string, accept?: string, encoding = 'gzip, br'): Promise<string> => {
    requests++;
    const r = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': encoding, ...(accept ? { accept } : {}) } });
    if (r.statusCode >= 300 && r.statusCode !== 404) failed++;
    return r.statusCode === 200 ? r.body : '';
  };
  const inTurn = async (paths: Array<{ url: string; accept?: string }>): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: WARM.concurrency }, async () => {
        while (next < paths.length) {
          const p = paths[next++];
          await ask(p.url, p.accept);
        }
      }),
    );
  };
  void app.inject({ method: 'GET', url: '/report/index.html' }).catch(() => undefined); // the report's build, in its child process
  const m = encodeURIComponent(o.methodology);
  let latest: number | undefined;
  try {
    latest = (JSON.parse(await ask(`/v2/idi/${m}/latest`, undefined, 'identity')) as { year?: number }).year;
  } catch {
    latest = undefined; // no year with enough data: nothing of the IDI to warm
  }
  const idi = latest === undefined ? [] : Array.from({ length: WARM.idiYears - 1 }, (_, k) => ({ url: `/v2/idi/${m}/${latest - 1 - k}` }));
  const sensitivity = latest === undefined ? [] : [{ url: `/v2/idi/${m}/${latest}/sensitivity?draws=${WARM.sensitivityDraws}` }];
  await inTurn([...sensitivity, ...idi, ...warmPaths(o.index, o.asOf)]);
  return { requests, failed, ms: Math.round(performance.now() - t0) };
}
