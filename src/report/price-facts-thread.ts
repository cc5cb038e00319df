import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { DataSource } from '../usecases/data-source.js';
import { workerScript } from '../util/bundle.js';
import type { PriceFacts, PriceFactsRequest } from './price-facts.js';

/**
 * The thread of the report's price sections and Facts and Figures (src/report/price-facts-worker.ts), started first
 * thing by `buildReport` so that its modules load while the report's load, then sent its request as soon as the data
 * year is known: it reads its observations and computes while the report's thread runs the index and the scenario
 * ranks run on theirs. This module stays light (build.ts imports it before the report's code).
 */
export class PriceFactsThread {
  private next = 0;
  private readonly pending = new Map<number, { resolve: (v: { value: PriceFacts; threadId: number }) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: { id: number; value?: PriceFacts; threadId?: number; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`report prices and facts thread: ${m.error}`));
      else p?.resolve({ value: m.value!, threadId: m.threadId! });
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`the report's prices and facts thread exited with code ${code}`)));
  }

  /** The thread, or undefined without the built worker script (dist/): the report then computes these on its own thread. */
  static start(): PriceFactsThread | undefined {
    const script = workerScript('report/price-facts-worker');
    if (!existsSync(script)) return undefined;
    try {
      return new PriceFactsThread(new Worker(script));
    } catch {
      return undefined;
    }
  }

  /**
   * Whether the thread can compute from this source: one it can be sent and that is cheap to read twice (the bundled
   * snapshot; not files to ingest, a store, or a table in memory, which the report's thread reads once for both).
   */
  static serves(source: DataSource): boolean {
    return source.kind === 'bundled' && !source.extra?.length;
  }

  /** The sections, with the id of the thread that computed them. A failure in the thread fails the call. */
  compute(request: PriceFactsRequest): Promise<{ value: PriceFacts; threadId: number }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, request });
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  /** Stop the thread (pending calls fail). */
  async close(): Promise<void> {
    this.fail(new Error("the report's prices and facts thread was closed"));
    await this.worker.terminate();
  }
}
