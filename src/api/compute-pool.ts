/**
 * A worker thread for the server's computations (compute-worker.ts), started on the first job and kept (warm)
 * until the server closes; jobs queue in it, at most `maxQueued` (beyond: 503 with Retry-After). A worker that
 * dies fails its jobs (a 500 for those requests) and is started again on the next one. The server keeps one for
 * IDI answers and full index builds, one for sensitivity analyses and one for submissions, so that none waits
 * behind another.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { UserInputError } from '../util/errors.js';
import { workerScript } from '../util/bundle.js';
import type { ComputeAnswer, ComputeJob } from './compute-worker.js';
import { ApiError, type WbErrorKind } from './errors.js';
import { encodedFrom } from './send.js';

type Job = ComputeJob extends infer J ? (J extends { job: number } ? Omit<J, 'job'> : never) : never;
type Answer<K> = K extends 'index'
  ? Extract<ComputeAnswer, { index: unknown }>
  : K extends 'submit'
    ? Extract<ComputeAnswer, { submit: unknown }>
    : K extends 'warm'
      ? Extract<ComputeAnswer, { warm: true }>
      : Extract<ComputeAnswer, { json: unknown }>;

/**
 * V8 limits of each computation worker: a young generation of 8 MiB (V8's default, 3 x 16 MiB semi-spaces, grows
 * per isolate as it allocates, and with four threads and the event loop's own it made the server's resident size
 * climb for the first 30-40 s of a soak before levelling off; the old generation, where what the worker keeps
 * lives, is not limited).
 */
export const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

export class ComputeWorker {
  private worker: Worker | undefined;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (a: ComputeAnswer) => void; reject: (e: Error) => void }>();
  /** Work counted: jobs sent, and the thread id that answered the last one (never the main thread's 0). */
  readonly stats = { jobs: 0, lastThreadId: -1 };

  constructor(
    readonly name: string,
    readonly maxQueued = Number.POSITIVE_INFINITY,
    private readonly retryAfter = 5,
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
    const w = new Worker(script, { resourceLimits: WORKER_LIMITS });
    w.unref();
    w.on('message', (a: ComputeAnswer) => {
      const p = this.waiting.get(a.job);
      if (!p) return;
      this.waiting.delete(a.job);
      this.stats.lastThreadId = a.threadId;
      if ('json' in a) return p.resolve({ ...a, json: encodedFrom(a.json), csv: encodedFrom(a.csv) });
      if (!('error' in a)) return p.resolve(a);
      const e = a.error;
      p.reject(e.api ? new ApiError(e.kind as WbErrorKind, e.message) : e.user ? new UserInputError(e.message, { code: e.code }) : new Error(e.message));
    });
    const fail = (err: Error): void => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.waiting.values()) p.reject(err);
      this.waiting.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the ${this.name} worker exited with code ${code}`)));
    this.worker = w;
    return w;
  }
}
