/**
 * One worker thread for IDI answers, started on the first request and kept (warm) until the server closes; jobs
 * queue in it. A worker that dies fails its jobs (a 500 for those requests) and is started again on the next one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { UserInputError } from '../util/errors.js';
import { packageRoot } from '../util/paths.js';
import { ApiError, type WbErrorKind } from './errors.js';
import type { IdiAnswer, IdiJob } from './idi-worker.js';

export class IdiWorker {
  private worker: Worker | undefined;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (a: { json: string; csv: string }) => void; reject: (e: Error) => void }>();

  run(job: Omit<IdiJob, 'job'>): Promise<{ json: string; csv: string }> {
    const w = this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ ...job, job: id } satisfies IdiJob, [job.ipc.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const script = join(packageRoot(), 'dist', 'src', 'api', 'idi-worker.js');
    if (!existsSync(script)) throw new Error(`worker script missing: ${script} (run npm run build)`);
    const w = new Worker(script);
    w.unref();
    w.on('message', (a: IdiAnswer) => {
      const p = this.waiting.get(a.job);
      if (!p) return;
      this.waiting.delete(a.job);
      if ('json' in a) return p.resolve(a);
      const e = a.error;
      p.reject(e.api ? new ApiError(e.kind as WbErrorKind, e.message) : e.user ? new UserInputError(e.message, { code: e.code }) : new Error(e.message));
    });
    const fail = (err: Error): void => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.waiting.values()) p.reject(err);
      this.waiting.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the IDI worker exited with code ${code}`)));
    this.worker = w;
    return w;
  }
}
