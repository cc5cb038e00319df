import { parentPort, workerData } from 'node:worker_threads';
import type { TopLevelSpec } from 'vega-lite';
import type { ReportTable } from '../table/report-table.js';

/**
 * A report render thread (src/report/render-pool.ts): loads its engine at once (vega and vega-lite for `svg`,
 * exceljs for `xlsx`) while the main thread reads the data, says it is ready, then renders what it is sent with
 * the same functions the main thread would call, so the bytes are the same.
 */
type Request = { id: number; op: 'svg'; spec: TopLevelSpec; prefix: string } | { id: number; op: 'xlsx'; tables: ReportTable[] };
const kind = (workerData as { kind: 'svg' | 'xlsx' }).kind;
const engine =
  kind === 'svg'
    ? import('./charts.js').then(async (m) => {
        await m.chartEngines();
        return { svg: m.renderSvg };
      })
    : import('./xlsx.js').then((m) => ({ xlsx: m.tablesToXlsx }));
const e: { svg?: (spec: TopLevelSpec, prefix: string) => Promise<string>; xlsx?: (tables: readonly ReportTable[]) => Promise<Uint8Array> } = await engine;
parentPort!.on('message', (m: Request) => {
  const done =
    m.op === 'svg'
      ? e.svg!(m.spec, m.prefix).then((svg) => parentPort!.postMessage({ id: m.id, value: svg }))
      : e.xlsx!(m.tables).then((bytes) => parentPort!.postMessage({ id: m.id, value: bytes }, [bytes.buffer as ArrayBuffer]));
  done.catch((err: unknown) => parentPort!.postMessage({ id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});
parentPort!.postMessage({ ready: true });
