/**
 * The server's computations that take more than a few milliseconds, in a worker thread so that they never stall
 * the event loop: IDI answers (`/v2/idi/{m}/{y}`), sensitivity analyses (preparation here, the Monte Carlo on a
 * pool of scenario threads this worker keeps) and full builds of the observation index. The worker reads the
 * observations of the version asked from the store through its own connection, and validates and stores
 * submissions through it too (the parse and SQLite's synchronous write with its fsync never block the server); (nothing is prepared on the event
 * loop); answers leave as serialised bodies with their ETag and gzip/brotli encodings (the event loop neither
 * hashes nor compresses them), or for an index as typed arrays (transferred, not copied). Jobs run
 * one at a time, in the order they came.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, threadId } from 'node:worker_threads';
import type { Table } from 'apache-arrow';
import { requiredIndicators } from '../idi/compute.js';
import { loadMethodology } from '../idi/methodology.js';
import { ScenarioPool } from '../idi/sensitivity-pool.js';
import type { SensitivityOptions } from '../idi/sensitivity.js';
import { rankingTable, resultForOutput, sensitivityTable } from '../idi/tables.js';
import { loadGroupings } from '../registry/groupings.js';
import { loadIndicatorRegistry } from '../registry/indicators.js';
import { Store, type SubmissionRecord } from '../store/store.js';
import { submitFile, type SubmitOptions, type SubmitResult } from '../store/submit.js';
import { tableToCsv } from '../table/report-table.js';
import { sensitivityOfRun } from '../usecases/index-run.js';
import { UserInputError } from '../util/errors.js';
import { runOfServer } from './computed.js';
import { buildIndex, derivedTables, packIndex, readDelta, type IndexDelta, type PackedIndex } from './data.js';
import { ApiError } from './errors.js';
import { SCENARIO_THREAD_LIMITS } from './compute-pool.js';
import { encodeNow, type Encoded } from './send.js';
import { lowerThreadPriority } from './priority.js';

lowerThreadPriority(); // below the event loop's priority (priority.ts); its scenario threads inherit it

export type ComputeJob =
  | { kind: 'idi'; job: number; storePath: string; version: number; id: string; wanted: number | 'latest'; previous: boolean }
  | {
      kind: 'sensitivity';
      job: number;
      storePath: string;
      version: number;
      id: string;
      wanted: number | 'latest';
      options: Omit<SensitivityOptions, 'onProgress' | 'pool'>;
      threads: number;
    }
  | { kind: 'index'; job: number; storePath: string; version: number }
  | { kind: 'delta'; job: number; storePath: string; from: number; to: number; maxSeries: number }
  | { kind: 'submit'; job: number; storePath: string; maxPageCount: number; file: string; options: SubmitOptions }
  | { kind: 'warm'; job: number; storePath: string };

/** What the submission route needs of `submitFile`'s result (plain data: it crosses the thread boundary). */
export interface SubmitAnswer {
  outcome: SubmitResult['outcome'];
  report: Record<string, unknown>;
  errors: number;
  otherEconomies?: string[];
  submission?: SubmissionRecord;
}

/** A worker's V8 heap after a job (bytes): what the server's memory figures count per thread. */
export interface WorkerHeap {
  /** Committed to the heap (V8's total_heap_size). */
  total: number;
  used: number;
  /** ArrayBuffers and other memory outside the heap that its objects hold. */
  external: number;
  /** V8's own malloc'd memory. */
  malloced: number;
}

/** Sent with every answer (a few microseconds). */
function heapNow(): WorkerHeap {
  const h = getHeapStatistics();
  return { total: h.total_heap_size, used: h.used_heap_size, external: h.external_memory, malloced: h.malloced_memory };
}

export type ComputeAnswer = (
  | { job: number; threadId: number; json: Encoded; csv: Encoded }
  | { job: number; threadId: number; index: PackedIndex }
  | { job: number; threadId: number; delta: IndexDelta | null }
  | { job: number; threadId: number; submit: SubmitAnswer }
  | { job: number; threadId: number; warm: true }
  | { job: number; threadId: number; error: { api: boolean; kind?: string; user: boolean; code?: string; message: string } }
) & { heap?: WorkerHeap };

let pool: Promise<ScenarioPool> | undefined;
/** The scenario threads, started on the first analysis and kept (warm) for the worker's life. */
async function scenarioPool(threads: number): Promise<ScenarioPool> {
  const p = pool ? await pool.catch(() => undefined) : undefined;
  if (p?.usable) return p;
  pool = ScenarioPool.start(threads, SCENARIO_THREAD_LIMITS);
  return pool;
}

let store: Store | undefined;
const storeAt = (path: string): Store => {
  if (store?.path !== path) {
    store?.close();
    store = Store.open(path);
  }
  return store;
};
/**
 * The observations of a methodology's indicators per version (one read per computed version): those of the newest
 * two versions kept, for jobs of the version being computed and of the one before; older versions are never asked
 * again (their answers are kept by the server), and each table is tens of MiB.
 */
const tables = new Map<string, Table>();
function observationsOf(path: string, version: number, ids: readonly string[]): Table {
  const key = `${version}|${ids.join(',')}`;
  let t = tables.get(key);
  if (!t) {
    t = storeAt(path).observationTable({ version, indicators: ids });
    tables.set(key, t);
    // The newest two versions (any methodology), and never more than 8 tables.
    const versions = [...new Set([...tables.keys()].map((k) => Number(k.slice(0, k.indexOf('|')))))].sort((a, b) => b - a);
    for (const k of tables.keys()) if (Number(k.slice(0, k.indexOf('|'))) < (versions[1] ?? versions[0])) tables.delete(k);
    while (tables.size > 8) tables.delete(tables.keys().next().value!);
  }
  return t;
}

async function answer(m: ComputeJob): Promise<ComputeAnswer> {
  if (m.kind === 'warm') {
    storeAt(m.storePath);
    return { job: m.job, threadId, warm: true };
  }
  if (m.kind === 'submit') {
    const s = storeAt(m.storePath);
    if (s.maxPageCount() !== m.maxPageCount) s.setMaxPageCount(m.maxPageCount); // the server's size limit holds here too
    const r = await submitFile(s, m.file, m.options);
    return {
      job: m.job,
      threadId,
      submit: { outcome: r.outcome, report: r.report, errors: r.ingest.log.errors, otherEconomies: r.otherEconomies, submission: r.submission },
    };
  }
  if (m.kind === 'delta') return { job: m.job, threadId, delta: readDelta(m.from, m.to, storeAt(m.storePath), m.maxSeries) ?? null };
  if (m.kind === 'index') {
    const s = storeAt(m.storePath);
    const table = s.observationTable({ version: m.version });
    return { job: m.job, threadId, index: packIndex(buildIndex(table, derivedTables(table), m.version, s)) };
  }
  const indicators = loadIndicatorRegistry(),
    groupings = loadGroupings();
  const methodology = loadMethodology(m.id, indicators);
  const table = observationsOf(m.storePath, m.version, [...new Set(requiredIndicators(methodology, indicators))].sort());
  if (m.kind === 'idi') {
    const r = runOfServer(methodology, m.wanted, table, indicators, groupings, m.previous).result;
    const result = { ...r, methodology: { ...r.methodology, file: `${m.id}.json` } }; // the server's path stays on the server
    return {
      job: m.job,
      threadId,
      json: encodeNow(JSON.stringify(resultForOutput(result))),
      csv: encodeNow(tableToCsv(rankingTable(result as Parameters<typeof rankingTable>[0], m.previous))),
    };
  }
  const run = runOfServer(methodology, m.wanted, table, indicators, groupings);
  const r = await sensitivityOfRun(run, { ...m.options, pool: await scenarioPool(m.threads) });
  const { names, ...rest } = r;
  const body = {
    methodology: m.id,
    ...rest,
    economies: rest.economies.map(({ economy, ...e }) => ({ economy, name: names.get(economy) ?? economy, ...e })),
  };
  return { job: m.job, threadId, json: encodeNow(JSON.stringify(body)), csv: encodeNow(tableToCsv(sensitivityTable({ methodology: m.id, ...r }))) };
}

let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (m: ComputeJob | { kind: 'close' }) => {
  if (m.kind === 'close') {
    void (async () => {
      await (await pool?.catch(() => undefined))?.close();
      store?.close();
      parentPort!.close();
    })();
    return;
  }
  queue = queue.then(() =>
    answer(m).then(
      (a) => parentPort!.postMessage({ ...a, heap: heapNow() }, 'index' in a ? transferables(a.index) : []),
      (e: unknown) =>
        parentPort!.postMessage({
          job: m.job,
          threadId,
          // A scenario thread beyond its heap limit: refused as when this worker is (503, retry later).
          error:
            (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? {
                  api: true,
                  kind: 'busy',
                  user: false,
                  message: 'the sensitivity analysis went beyond its memory limit; retry in a few seconds',
                }
              : {
                  api: e instanceof ApiError,
                  kind: (e as ApiError).kind,
                  user: e instanceof UserInputError,
                  code: (e as UserInputError).code,
                  message: (e as Error).message,
                },
          heap: heapNow(),
        } satisfies ComputeAnswer),
    ),
  );
});

function transferables(p: PackedIndex): ArrayBuffer[] {
  return [p.year, p.value, p.submission, p.stored, p.economy, p.indicator, p.note, p.source, p.derivedFrom, p.seriesRows, p.series].map(
    (a) => a.buffer as ArrayBuffer,
  );
}
