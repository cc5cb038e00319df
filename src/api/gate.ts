/**
 * One core's worth of anonymous computations at a time (issue 13): the IDI years, sensitivity analyses (with their
 * scenario threads), as-of versions of the index and report builds that anonymous requests start each run in a
 * worker thread or a child process, and on a two-core machine those together took both cores and left the event
 * loop waiting for a CPU. They now pass through one gate: at most `running` at once, the others wait their turn
 * (in the order they came), at most `maxQueued` of them; beyond, the request gets 503 with Retry-After. The
 * server's own work (its index builds, submissions' validation and write) does not pass through it.
 */
import { ApiError } from './errors.js';

/** The gate's values (one place: SECURITY.md's limits table quotes them). */
export const COMPUTE_GATE = {
  /** Computations running at once: one core's worth (a sensitivity analysis runs its scenarios on one thread). */
  running: 1,
  /** Computations waiting their turn at most (beyond: 503). */
  maxQueued: 64,
  /** The Retry-After of a refusal, seconds. */
  retryAfterS: 5,
};
export type GateOptions = Partial<typeof COMPUTE_GATE>;

export class ComputeGate {
  readonly opts: typeof COMPUTE_GATE;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** Computations of each kind running or waiting. */
  private readonly ofKind = new Map<string, number>();
  /** Work counted: computations admitted (at once or after waiting), that waited, refused; the longest queue; per kind admitted. */
  readonly stats = { admitted: 0, waited: 0, refused: 0, maxQueued: 0, byKind: {} as Record<string, number> };
  constructor(opts: GateOptions = {}) {
    this.opts = { ...COMPUTE_GATE, ...opts };
  }

  /** Computations running now. */
  get running(): number {
    return this.active;
  }

  /** Computations waiting now. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Run `work` when the gate lets it (`kind` names it in the stats); refused (503) when the queue is full, or when
   * `maxOfKind` computations of its kind are running or waiting already.
   */
  async run<T>(kind: string, work: () => Promise<T>, maxOfKind = Number.POSITIVE_INFINITY): Promise<T> {
    const mine = this.ofKind.get(kind) ?? 0;
    if (mine >= maxOfKind || (this.active >= this.opts.running && this.waiting.length >= this.opts.maxQueued)) {
      this.stats.refused++;
      const n = mine >= maxOfKind ? `${mine} ${kind}` : `${this.active + this.waiting.length}`;
      throw new ApiError('busy', `${n} computations are running or waiting; retry in a few seconds`, { retryAfter: this.opts.retryAfterS });
    }
    this.ofKind.set(kind, mine + 1);
    if (this.active >= this.opts.running) {
      this.stats.waited++;
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        this.stats.maxQueued = Math.max(this.stats.maxQueued, this.waiting.length);
      });
    } else this.active++;
    this.stats.admitted++;
    this.stats.byKind[kind] = (this.stats.byKind[kind] ?? 0) + 1;
    try {
      return await work();
    } finally {
      const left = (this.ofKind.get(kind) ?? 1) - 1;
      if (left > 0) this.ofKind.set(kind, left);
      else this.ofKind.delete(kind);
      // The slot passes to the next in line (it stays taken), or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
