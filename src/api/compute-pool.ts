/**
 * A worker thread for the server's computations (compute-worker.ts), started on the first job and kept (warm)
 * until the server closes; jobs queue in it, at most `maxQueued` (beyond: 503 with Retry-After). A worker that
 * dies fails its jobs (a 500 for those requests) and is started again on the next one. The server keeps one for
 * IDI answers and full index builds, one for sensitivity analyses and one for submissions, so that none waits
 * behind another. Each runs with a bounded V8 heap (`workerLimits`): a worker that goes beyond it is stopped by V8,
 * its jobs get 503 with Retry-After, and the next job starts a new worker.
 */
import { existsSync } from 'node:fs';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { UserInputError } from '../util/errors.js';
import { workerScript } from '../util/bundle.js';
import type { ComputeAnswer, ComputeJob, WorkerHeap } from './compute-worker.js';
import { ApiError, type WbErrorKind } from './errors.js';
import { encodedFrom } from './send.js';

type Job = ComputeJob extends infer J ? (J extends { job: number } ? Omit<J, 'job'> : never) : never;
type Answer<K> = K extends 'index'
  ? Extract<ComputeAnswer, { index: unknown }>
  : K extends 'delta'
    ? Extract<ComputeAnswer, { delta: unknown }>
    : K extends 'submit'
      ? Extract<ComputeAnswer, { submit: unknown }>
      : K extends 'warm'
        ? Extract<ComputeAnswer, { warm: true }>
        : Extract<ComputeAnswer, { json: unknown }>;

/**
 * V8 limits of each computation worker: a young generation of 8 MiB (V8's default, 3 x 16 MiB semi-spaces, grows
 * per isolate as it allocates, and with four threads and the event loop's own it made the server's resident size
 * climb for the first 30-40 s of a soak before levelling off); the old generation is `workerLimits`'.
 */
export const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

/**
 * What a worker's old generation holds besides its work: its modules, the registries and methodologies (about
 * 30 MiB live after an IDI answer, measured with --trace-gc in the soak), with room for V8 to collect.
 */
export const WORKER_BASE_OLD_MB = 64;

/**
 * A worker's V8 limits when what it holds is bounded by `holdsBytes` (the server sizes it from its caches' and the
 * submission body's byte limits, server.ts): the old generation is the base plus that, in MiB. V8's own default
 * is the process's (gigabytes), so without it one worker could take the machine's memory.
 */
export function workerLimits(holdsBytes: number): ResourceLimits {
  return { ...WORKER_LIMITS, maxOldGenerationSizeMb: WORKER_BASE_OLD_MB + Math.ceil(holdsBytes / 2 ** 20) };
}

/**
 * The scenario threads of the server's sensitivity analyses (started by its sensitivity worker): they hold one
 * analysis's prepared setup (a bank of normalised leaves, economies x indicators x draws, bounded by the draws
 * limit), their ranks written to shared memory outside their heaps: the base alone.
 */
export const SCENARIO_THREAD_LIMITS: ResourceLimits = workerLimits(0);

/** An estimation run's worker (worldbank.ts): the base, and 16 bytes of heap per byte of the series it is sent. */
export const estimatesWorkerLimits = (seriesBytes: number): ResourceLimits => workerLimits(16 * seriesBytes);

export class ComputeWorker {
  private worker: Worker | undefined;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (a: ComputeAnswer) => void; reject: (e: Error) => void }>();
  /**
   * Work counted: jobs sent, the thread id that answered the last one (never the main thread's 0), workers started
   * and workers stopped for going beyond their heap limit; the worker's V8 heap after its last job.
   */
  readonly stats: { jobs: number; lastThreadId: number; started: number; outOfMemory: number; heap?: WorkerHeap } = {
    jobs: 0,
    lastThreadId: -1,
    started: 0,
    outOfMemory: 0,
  };

  constructor(
    readonly name: string,
    readonly maxQueued = Number.POSITIVE_INFINITY,
    private readonly retryAfter = 5,
    private readonly limits: ResourceLimits = workerLimits(0),
  ) {}

  /** Jobs running or waiting. */
  get queued(): number {
    return this.waiting.size;
  }

  /** Run a job (`bounded: false`: never refused, for the server's own work such as an index build). */
  run<J extends Job>(job: J, opts: { bounded?: boolean } = {}): Promise<Answer<J['kind']>> {
    if (opts.bounded !== false && this.waiting.size >= this.maxQueued)
      return Promise.reject(
        new ApiError('busy', `${this.waiting.size} ${this.name} computations are running or waiting; retry in a few seconds`, { retryAfter: this.retryAfter }),
      );
    const w = this.start();
    const id = this.next++;
    this.stats.jobs++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (a: ComputeAnswer) => void, reject });
      w.postMessage({ ...job, job: id });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (!w) return;
    // Let the worker stop its own scenario threads and store connection, then make sure it is gone.
    const gone = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.postMessage({ kind: 'close' });
    await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    await w.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const script = workerScript('api/compute-worker');
    if (!existsSync(script)) throw new Error(`worker script missing: ${script} (run npm run build)`);
    const w = new Worker(script, { resourceLimits: this.limits });
    this.stats.started++;
    w.unref();
    w.on('message', (a: ComputeAnswer) => {
      const p = this.waiting.get(a.job);
      if (!p) return;
      this.waiting.delete(a.job);
      this.stats.lastThreadId = a.threadId;
      if (a.heap) this.stats.heap = a.heap;
      if ('json' in a) return p.resolve({ ...a, json: encodedFrom(a.json), csv: encodedFrom(a.csv) });
      if (!('error' in a)) return p.resolve(a);
      const e = a.error;
      p.reject(
        e.api
          ? new ApiError(e.kind as WbErrorKind, e.message, e.kind === 'busy' ? { retryAfter: this.retryAfter } : undefined)
          : e.user
            ? new UserInputError(e.message, { code: e.code })
            : new Error(e.message),
      );
    });
    const fail = (err: Error): void => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.waiting.values()) p.reject(err);
      this.waiting.clear();
    };
    w.on('error', (err: Error & { code?: string }) => {
      if (err.code !== 'ERR_WORKER_OUT_OF_MEMORY') return fail(err);
      // Beyond its heap limit: V8 stopped it. Its jobs are refused as when the queue is full (503, retry later);
      // the next job starts a new worker.
      this.stats.outOfMemory++;
      fail(new ApiError('busy', `the ${this.name} computation went beyond its memory limit; retry in a few seconds`, { retryAfter: this.retryAfter }));
    });
    w.on('exit', (code) => fail(new Error(`the ${this.name} worker exited with code ${code}`)));
    this.worker = w;
    return w;
  }
}
