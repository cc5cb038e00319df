import { existsSync } from 'node:fs';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { workerScript } from '../util/bundle.js';
import { rankStatisticsWidth, type ScenarioSetup } from './sensitivity-core.js';

/**
 * Worker threads that rank ranges of Monte Carlo scenarios. A pool outlives its analyses: the server keeps one
 * for all its sensitivity requests (warm threads, compiled kernels), the CLI starts one per command. Each
 * analysis sends its setup once to every worker, which prepares it (its bank of normalised leaves); the
 * scenario matrix and the output live in shared memory, so a range is a message of a few numbers each way.
 * Ranges go to whichever worker is free, in guided chunks (large first, small at the end, so the workers finish
 * together); every scenario's ranks depend only on its own row, so the output is identical to one thread's
 * whatever the split.
 *
 * Failure is final: a worker that dies or throws fails the analysis under way, and the pool refuses new ones
 * (its owner starts another). Closing the pool fails the analysis under way.
 */
interface Job {
  id: number;
  /** A range ranked (and, with `stats`, the statistics of its economies written). */
  onDone: (from: number, to: number, worker: Worker, stats: boolean) => void;
  onError: (e: Error) => void;
}

export class ScenarioPool {
  private job: Job | null = null;
  private jobs = 0;
  private setupSent: ScenarioSetup | undefined;
  private setups = 0;
  private failure: Error | undefined;
  private closed = false;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (m: { job: number; from: number; to: number; stats?: boolean }) => {
        if (this.job && m.job === this.job.id) this.job.onDone(m.from, m.to, w, m.stats === true);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`a sensitivity worker exited with code ${code}`));
      });
    }
  }

  /**
   * `resourceLimits`: each thread's V8 heap (the server bounds them, compute-pool.ts); a thread beyond it is stopped
   * by V8 and fails the analysis under way with `ERR_WORKER_OUT_OF_MEMORY`. Without, V8's defaults (the CLI's).
   */
  static async start(threads: number, resourceLimits?: ResourceLimits): Promise<ScenarioPool> {
    const script = workerScript('idi/sensitivity-worker');
    if (!existsSync(script)) throw new Error(`worker script missing: ${script} (run npm run build)`);
    const workers = Array.from({ length: Math.max(1, Math.floor(threads)) }, () => new Worker(script, resourceLimits ? { resourceLimits } : {}));
    const cleanups: Array<() => void> = [];
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              const ready = (): void => resolve();
              const exited = (code: number): void => reject(new Error(`a sensitivity worker exited with code ${code} while starting`));
              w.once('message', ready);
              w.once('error', reject);
              w.once('exit', exited);
              cleanups.push(() => {
                w.off('message', ready);
                w.off('error', reject);
                w.off('exit', exited);
              });
            }),
        ),
      );
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    } finally {
      for (const c of cleanups) c();
    }
    return new ScenarioPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }
  /** False once closed or failed: start another. */
  get usable(): boolean {
    return !this.closed && !this.failure;
  }

  /** Ranks of scenarios [0, S) of `u` (S x factors) under `setup`: ranks[s * economies + e], 0 = not ranked. */
  async ranks(setup: ScenarioSetup, u: Float64Array, S: number, onProgress?: (done: number, total: number) => void): Promise<Int32Array> {
    return (await this.run(setup, u, S, onProgress)).ranks;
  }

  /**
   * `rankStatistics` (src/idi/sensitivity-core.ts) of every economy over the scenario ranks of [0, S) (N base draws):
   * the workers rank, then summarise ranges of economies from the shared ranks. One worker does both in one range,
   * so that its caller's thread need not be free between the two.
   */
  async rankStatistics(
    setup: ScenarioSetup,
    u: Float64Array,
    S: number,
    Nd: number,
    onProgress?: (done: number, total: number) => void,
  ): Promise<Float64Array> {
    if (!(Number.isInteger(Nd) && Nd >= 1 && S === Nd * (setup.factors.length + 2)))
      throw new Error(`rankStatistics: ${S} scenarios are not N x (factors + 2) for N = ${Nd} and ${setup.factors.length} factors`);
    return (await this.run(setup, u, S, onProgress, Nd)).stats!;
  }

  private run(
    setup: ScenarioSetup,
    u: Float64Array,
    S: number,
    onProgress: ((done: number, total: number) => void) | undefined,
    Nd?: number,
  ): Promise<{ ranks: Int32Array; stats?: Float64Array }> {
    if (this.closed) return Promise.reject(new Error('the scenario pool is closed'));
    if (this.failure) return Promise.reject(new Error(`the scenario pool failed earlier: ${this.failure.message}`));
    if (this.job) return Promise.reject(new Error('the scenario pool is busy'));
    const nE = setup.economies;
    const out = new Int32Array(new SharedArrayBuffer(S * nE * Int32Array.BYTES_PER_ELEMENT));
    const stats =
      Nd === undefined ? undefined : new Float64Array(new SharedArrayBuffer(nE * rankStatisticsWidth(setup.factors.length) * Float64Array.BYTES_PER_ELEMENT));
    if (S === 0 || (stats && nE === 0)) return Promise.resolve({ ranks: out, stats });
    const shared = new Float64Array(new SharedArrayBuffer(u.byteLength));
    shared.set(u);
    if (setup !== this.setupSent) {
      // each worker prepares it once; messages to a worker arrive in order
      this.setups++;
      for (const w of this.workers) w.postMessage({ setup, setupId: this.setups });
      this.setupSent = setup;
    }
    const id = ++this.jobs;
    const one = this.workers.length === 1;
    // One worker: every range at once (the caller's thread may be busy and not feed it the next); else guided chunks.
    const chunkOf = (left: number): number => (one ? left : Math.min(left, Math.max(64, Math.ceil(left / (this.workers.length * 4)))));
    const statsOf = (e0: number, e1: number) => (stats ? { Nd: Nd!, values: stats, e0, e1 } : undefined);
    let next = 0,
      done = 0,
      statsLeft = 0;
    return new Promise((resolve, reject) => {
      const feed = (w: Worker): void => {
        if (next >= S) return;
        const from = next,
          to = next + chunkOf(S - next);
        next = to;
        // (one worker, one range: the statistics follow the ranks in the same message)
        w.postMessage({ job: id, setupId: this.setups, u: shared, out, from, to, stats: one ? statsOf(0, nE) : undefined });
      };
      const finish = (): void => {
        this.job = null;
        resolve({ ranks: out, stats });
      };
      this.job = {
        id,
        onDone: (from, to, w, withStats) => {
          if (withStats && !one) {
            if (--statsLeft === 0) finish();
            return;
          }
          done += to - from;
          try {
            onProgress?.(done, S);
          } catch (e) {
            this.job = null;
            reject(e as Error);
            return;
          }
          if (done < S) feed(w);
          else if (!stats || one) finish();
          else {
            // every scenario ranked: each worker summarises a range of economies
            const k = Math.min(this.workers.length, nE);
            statsLeft = k;
            for (let j = 0; j < k; j++)
              this.workers[j].postMessage({
                job: id,
                setupId: this.setups,
                u: shared,
                out,
                from: S,
                to: S,
                stats: statsOf(Math.floor((j * nE) / k), Math.floor(((j + 1) * nE) / k)),
              });
          }
        },
        onError: (e) => {
          this.job = null;
          reject(e);
        },
      };
      for (const w of this.workers) feed(w);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const job = this.job;
    this.job = null;
    job?.onError(new Error('the scenario pool was closed during an analysis'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const job = this.job;
    this.job = null;
    job?.onError(e);
  }
}
