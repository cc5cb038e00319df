import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../util/paths.js';
import type { ScenarioSetup } from './sensitivity-core.js';

/**
 * Worker threads that each prepare a scenario setup once (its bank of normalised leaves) and then rank ranges
 * of scenarios on request. The scenario matrix and the output live in shared memory: a range is a message of
 * two numbers each way, nothing is copied. Ranges go to whichever worker is free, in chunks small enough to
 * balance the cores and report progress; every scenario's ranks depend only on its own row, so the
 * output is identical to one thread's whatever the split.
 *
 * A pool lives as long as its owner wants: the CLI starts one per run, a server or a benchmark keeps one warm.
 */
export class ScenarioPool {
  private job: { onDone: (from: number, to: number, worker: Worker) => void; onError: (e: Error) => void } | null = null;
  private closed = false;

  private constructor(private readonly workers: Worker[], private readonly economies: number) {
    for (const w of workers) {
      w.on('message', (m: { from: number; to: number }) => this.job?.onDone(m.from, m.to, w));
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => { if (!this.closed) this.fail(new Error(`sensitivity worker exited with code ${code}`)); });
    }
  }

  static async start(setup: ScenarioSetup, threads: number): Promise<ScenarioPool> {
    const script = join(packageRoot(), 'dist', 'src', 'index', 'sensitivity-worker.js');
    if (!existsSync(script)) throw new Error(`worker script missing: ${script} (run npm run build)`);
    const workers = Array.from({ length: Math.max(1, Math.floor(threads)) }, () => new Worker(script, { workerData: { setup } }));
    try {
      await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve()); // "ready": the worker has prepared the setup
        w.once('error', reject);
      })));
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new ScenarioPool(workers, setup.economies);
  }

  get size(): number { return this.workers.length; }

  /** Ranks of scenarios [0, S) of `u` (S x factors): ranks[s * economies + e], 0 = not ranked. */
  ranks(u: Float64Array, S: number, onProgress?: (done: number, total: number) => void): Promise<Int32Array> {
    if (this.closed) return Promise.reject(new Error('the scenario pool is closed'));
    if (this.job) return Promise.reject(new Error('the scenario pool is busy'));
    const nE = this.economies;
    const out = new Int32Array(new SharedArrayBuffer(S * nE * Int32Array.BYTES_PER_ELEMENT));
    const shared = new Float64Array(new SharedArrayBuffer(u.byteLength));
    shared.set(u);
    // Guided chunks: large while much is left (few messages), smaller towards the end so that the workers
    // finish together.
    const chunkOf = (left: number): number => Math.min(left, Math.max(64, Math.ceil(left / (this.workers.length * 4))));
    let next = 0, done = 0;
    return new Promise<Int32Array>((resolve, reject) => {
      const feed = (w: Worker): void => {
        if (next >= S) return;
        const from = next, to = next + chunkOf(S - next);
        next = to;
        w.postMessage({ u: shared, out, from, to });
      };
      this.job = {
        onDone: (from, to, w) => {
          done += to - from;
          onProgress?.(done, S);
          if (done === S) { this.job = null; resolve(out); } else feed(w);
        },
        onError: (e) => { this.job = null; reject(e); },
      };
      if (S === 0) { this.job = null; resolve(out); return; }
      for (const w of this.workers) feed(w);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fail(e: Error): void {
    const job = this.job;
    this.job = null;
    job?.onError(e);
  }
}
