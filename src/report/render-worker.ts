import { parentPort } from 'node:worker_threads';
import type { TopLevelSpec } from 'vega-lite';

/**
 * The report's chart thread (src/report/render-pool.ts): loads vega and vega-lite at once while the main thread
 * reads the data, says it is ready, then renders what it is sent with the same function the main thread would
 * call, so the bytes are the same.
 */
type Request = { id: number; op: 'svg'; spec: TopLevelSpec; prefix: string };
// No top-level await: the CLI bundle is CommonJS (scripts/build-cli.ts).
void import('./charts.js').then(async ({ chartEngines, renderSvg }) => {
  await chartEngines();
  parentPort!.on('message', (m: Request) => {
    renderSvg(m.spec, m.prefix)
      .then((svg) => parentPort!.postMessage({ id: m.id, value: svg }))
      .catch((err: unknown) => parentPort!.postMessage({ id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
  });
  parentPort!.postMessage({ ready: true });
});
