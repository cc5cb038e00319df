import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { TopLevelSpec } from 'vega-lite';
import { workerScript } from '../util/bundle.js';
import { renderOwn } from './svg/index.js';

/**
 * The report's chart renderer: our own (src/report/svg) on the calling thread; a chart it does not draw (none of the
 * report's since session 8) goes to vega, on a thread of its own (`start`: beside the main thread, which goes on with
 * the tables meanwhile) or on the calling thread (`here`, what `buildReport` uses). Started first thing, so the engine loads while the data is read; without the built
 * worker script (dist/) the same functions run on the calling thread. A failure in the thread fails the call.
 */
export class RenderThread {
  private next = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  private constructor(
    private readonly worker: Worker | undefined,
    private readonly kind: 'svg',
  ) {
    worker?.on('message', (m: { id?: number; value?: unknown; error?: string }) => {
      if (m.id === undefined) return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`report ${kind} thread: ${m.error}`));
      else p?.resolve(m.value);
    });
    worker?.on('error', (e) => this.fail(e));
    worker?.on('exit', (code) => this.fail(new Error(`the report ${kind} thread exited with code ${code}`)));
  }

  /** No thread: our renderer on the calling thread, and vega (loaded then) only for a chart it does not draw (none of the report's). */
  static here(kind: 'svg'): RenderThread {
    return new RenderThread(undefined, kind);
  }

  static start(kind: 'svg'): RenderThread {
    const script = workerScript('report/render-worker');
    return new RenderThread(existsSync(script) ? new Worker(script, { workerData: { kind } }) : undefined, kind);
  }

  /** A chart's SVG: drawn on this thread by our own renderer (src/report/svg) when it draws that chart, else by vega on the thread. */
  svg(spec: TopLevelSpec, prefix: string): Promise<string> {
    const own = renderOwn(spec, prefix);
    if (own !== undefined) return Promise.resolve(own);
    if (!this.worker) return import('./charts.js').then((m) => m.renderSvg(spec, prefix));
    return this.call({ op: 'svg', spec, prefix }) as Promise<string>;
  }

  private call(request: object): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ id, ...request });
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  /** Stop the thread (pending calls fail). */
  async close(): Promise<void> {
    this.failure ??= new Error(`the report ${this.kind} thread was closed`);
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    await this.worker?.terminate();
  }
}
