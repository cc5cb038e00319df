/**
 * A budget per client for every request (issue 13: "concurrency limits per client", "every anonymous request's
 * cost bounded"). Each client (its address — the proxy-given one when `trustProxy` is set — or, for a submission,
 * its token) has a token bucket of cost units: it earns `unitsPerSecond` up to `burst`, and each answer costs what
 * the server spent on it (REQUEST_COST: a request, the bytes written, an answer made by its route rather than sent
 * from memory, a computation started). A request is admitted while the bucket is in credit and the client has
 * fewer than `maxInFlight` requests open; its cost is charged when its answer ends (the bucket may go into debt by
 * one answer); a new client starts with `initial` units, not the whole burst. A refused request gets 429 with `Retry-After`, and the 429 is **delayed** (a tarpit: until the
 * bucket is back in credit, within `tarpitMinMs`-`tarpitMaxMs`), so that a client asking in a closed loop waits
 * instead of asking again at once; at most `tarpitMaxHeld` answers are delayed at once in all (and each counts
 * against its client's `maxInFlight`), beyond which the 429 is sent at once. A reader of ordinary answers from memory at 60 a second
 * spends about 80 units a second: never refused.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';

/** The budget's values (one place: SECURITY.md's table quotes them). */
export const CLIENT_BUDGET = {
  /**
   * Cost units a client earns per second: its sustained rate. 100: about 100 small answers a second from memory,
   * 20 made by their routes, or 800 KiB a second written, per address; a client paging sequentially (wbgapi,
   * wbdata, R WDI) needs a fraction of it. It was 400 (session 6): 20 closed-loop clients then got 1,100-1,500
   * answers a second and took, with the server's work for them, the CPU the event loop needed (SECURITY.md, soak).
   */
  unitsPerSecond: 100,
  /**
   * Units a client may hold (what it may spend at once): 10 s of its rate, enough for a page of a dashboard, an
   * indicator downloaded page by page (about 100 units) or a test suite's quick run of requests from one address.
   * It was 2,000: 20 clients starting at once then spent 40,000 units at full speed.
   */
  burst: 1_000,
  /**
   * Units a client starts with (a client not seen before, or forgotten): 2 s of its rate, growing at the rate to
   * `burst`. 20 clients starting at once at full credit (1,000 units each: 160 MB of answers, or 10 computations
   * each, at once) held the server's event loop for the first 1-2 s of every soak, writing the answers to their
   * sockets (SECURITY.md, soak); a new address is cheap behind a proxy, its credit should not be. A client that
   * pages an indicator (about 100 units) or reads at 60 a second from memory is still never refused.
   */
  initial: 200,
  /** Requests of one client open at once (delayed 429s included). */
  maxInFlight: 8,
  /** A refused request's 429 is sent when the client's bucket is back in credit, at least this late... */
  tarpitMinMs: 250,
  /** ...and at most this late. */
  tarpitMaxMs: 2_000,
  /** Delayed 429s at once, all clients together (beyond: sent at once). */
  tarpitMaxHeld: 256,
  /** Clients tracked (beyond: those at full credit with nothing open are forgotten, then the oldest half). */
  maxClients: 100_000,
};
export type BudgetOptions = Partial<typeof CLIENT_BUDGET>;

/**
 * The budget at `unitsPerSecond` (`serve --client-budget N`): the burst and a new client's credit scale with the
 * rate (the defaults' seconds of it); 0: no budget (a load test from one address).
 */
export function budgetAt(unitsPerSecond: number): BudgetOptions | false {
  if (unitsPerSecond === 0) return false;
  const s = unitsPerSecond / CLIENT_BUDGET.unitsPerSecond;
  return { unitsPerSecond, burst: CLIENT_BUDGET.burst * s, initial: CLIENT_BUDGET.initial * s };
}

/** What an answer costs, in units. */
export const REQUEST_COST = {
  /** Every request (answered from memory, refused, or made). */
  request: 1,
  /** One more unit per this many bytes written to the socket (headers and body, as sent: compressed when it is). */
  bytesPerUnit: 8_192,
  /** The answer was made by its route (parameters, index lookup, serialisation), not sent from memory. */
  made: 4,
  /** The request started a computation: an IDI year, a sensitivity analysis, an as-of version of the index, a report build (a second of the rate). */
  computation: 100,
};

interface Bucket {
  level: number;
  t: number;
  inFlight: number;
}

export type Admission = { ok: true } | { ok: false; reason: 'budget' | 'in-flight'; delayMs: number; retryAfterS: number };

/** The buckets of every client (a clock in ms is injected in tests). */
export class ClientBudget {
  readonly opts: typeof CLIENT_BUDGET;
  private readonly buckets = new Map<string, Bucket>();
  /** Delayed 429s now. */
  held = 0;
  /** Work counted: admitted, refused (for the budget, for in-flight), delayed 429s, 429s sent at once because the tarpit was full, units charged. */
  readonly stats = { admitted: 0, refusedBudget: 0, refusedInFlight: 0, tarpitted: 0, refusedAtOnce: 0, units: 0 };
  constructor(
    opts: BudgetOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.opts = { ...CLIENT_BUDGET, ...opts };
  }

  get clients(): number {
    return this.buckets.size;
  }

  /** The client's units now (refilled). */
  level(key: string): number {
    const b = this.buckets.get(key);
    return b ? this.refill(b) : Math.min(this.opts.initial, this.opts.burst);
  }

  /**
   * May this client's request be answered? When it may, it counts as open until `done`; when it may not, the answer
   * says how long to delay the 429 (0: at once, the tarpit being full or the client having its open requests held)
   * and the Retry-After to send. A delayed refusal counts as open too: `release` it when its 429 is sent.
   */
  admit(key: string): Admission {
    const b = this.bucket(key);
    const level = this.refill(b);
    const inFlight = b.inFlight >= this.opts.maxInFlight;
    if (!inFlight && level > 0) {
      b.inFlight++;
      this.stats.admitted++;
      return { ok: true };
    }
    if (inFlight) this.stats.refusedInFlight++;
    else this.stats.refusedBudget++;
    // A refusal costs its request unit: a client that asks again at once stays in debt.
    b.level -= REQUEST_COST.request;
    this.stats.units += REQUEST_COST.request;
    const untilCredit = level > 0 ? 0 : ((REQUEST_COST.request - level) / this.opts.unitsPerSecond) * 1000;
    const retryAfterS = Math.max(1, Math.ceil(untilCredit / 1000));
    if (inFlight || this.held >= this.opts.tarpitMaxHeld) {
      this.stats.refusedAtOnce++;
      return { ok: false, reason: inFlight ? 'in-flight' : 'budget', delayMs: 0, retryAfterS };
    }
    b.inFlight++;
    this.held++;
    this.stats.tarpitted++;
    const delayMs = Math.round(Math.min(this.opts.tarpitMaxMs, Math.max(this.opts.tarpitMinMs, untilCredit)));
    return { ok: false, reason: 'budget', delayMs, retryAfterS };
  }

  /** An admitted request's answer ended: charge its cost. */
  done(key: string, units: number): void {
    const b = this.bucket(key);
    this.refill(b);
    b.inFlight = Math.max(0, b.inFlight - 1);
    b.level -= units;
    this.stats.units += units;
  }

  /** A delayed 429 was sent (or its client went away). */
  release(key: string): void {
    const b = this.buckets.get(key);
    if (b) b.inFlight = Math.max(0, b.inFlight - 1);
    this.held = Math.max(0, this.held - 1);
  }

  private refill(b: Bucket): number {
    const t = this.now();
    b.level = Math.min(this.opts.burst, b.level + ((t - b.t) / 1000) * this.opts.unitsPerSecond);
    b.t = t;
    return b.level;
  }

  private bucket(key: string): Bucket {
    let b = this.buckets.get(key);
    if (b) return b;
    if (this.buckets.size >= this.opts.maxClients) this.forget();
    b = { level: Math.min(this.opts.initial, this.opts.burst), t: this.now(), inFlight: 0 };
    this.buckets.set(key, b);
    return b;
  }

  /** Forget clients at full credit with nothing open (they are as if new); if that is not enough, the oldest half of the idle ones. */
  private forget(): void {
    for (const [k, b] of this.buckets) if (b.inFlight === 0 && this.refill(b) >= this.opts.burst) this.buckets.delete(k);
    if (this.buckets.size < this.opts.maxClients * 0.9) return;
    let n = this.buckets.size / 2;
    for (const [k, b] of this.buckets) {
      if (n-- <= 0) break;
      if (b.inFlight === 0) this.buckets.delete(k);
    }
  }
}

const CHARGE = Symbol('ictstat.budgetCharge');
type Charged = FastifyRequest & { [CHARGE]?: number };

/** This request started a computation (IDI, sensitivity, an as-of version, a report build): it costs REQUEST_COST.computation more. */
export function chargeComputation(req: FastifyRequest): void {
  const r = req as Charged;
  r[CHARGE] = (r[CHARGE] ?? 0) + REQUEST_COST.computation;
}

/**
 * The client a request is counted against: a submission's bearer token (its SHA-256; the submission route checks
 * it, and failed authentications have their own limits per address), else the client address (`req.ip`: the
 * socket's, or with `trustProxy` the one the trusted proxy gives).
 */
export function clientKey(req: FastifyRequest): string {
  const auth = req.method === 'POST' ? req.headers.authorization : undefined;
  if (auth?.startsWith('Bearer ') && auth.length < 200 && req.url.toLowerCase().startsWith('/v2/submissions'))
    return `t:${createHash('sha256').update(auth.slice(7)).digest('base64url')}`;
  return `a:${req.ip}`;
}

/**
 * The budget as the server's first hook after the Host check (before answers from memory). `fromMemory(req)` says
 * whether the answer was sent from memory (answers.ts); the cost is charged when the answer's socket work ends.
 */
export function registerClientBudget(
  app: FastifyInstance,
  budget: ClientBudget,
  fromMemory: (req: FastifyRequest) => boolean,
  refusalHeaders: (url: string | undefined) => Record<string, string> = () => ({}),
  /** Requests not counted: the server's own, while it warms before it listens. */
  exempt: () => boolean = () => false,
  /** The refusal in a protocol's own error format (SDMX clients get an SDMX error message); undefined: the envelope. */
  refusalIn: (req: FastifyRequest, detail: string) => { type: string; body: string } | undefined = () => undefined,
): void {
  app.addHook('onRequest', (req, reply, done) => {
    if (exempt()) return done();
    const key = clientKey(req);
    const a = budget.admit(key);
    const res = reply.raw;
    if (a.ok) {
      const socket = req.raw.socket;
      const written0 = socket?.bytesWritten ?? 0;
      res.once('close', () => {
        const bytes = Math.max(0, (socket?.bytesWritten ?? written0) - written0);
        const units =
          REQUEST_COST.request + Math.floor(bytes / REQUEST_COST.bytesPerUnit) + (fromMemory(req) ? 0 : REQUEST_COST.made) + ((req as Charged)[CHARGE] ?? 0);
        budget.done(key, units);
      });
      return done();
    }
    const refuse = () => {
      if (res.destroyed || res.headersSent) return;
      const detail =
        a.reason === 'in-flight'
          ? `at most ${budget.opts.maxInFlight} requests at a time per client; retry in ${a.retryAfterS} s`
          : `this client has used its budget (${budget.opts.unitsPerSecond} units a second, see SECURITY.md); retry in ${a.retryAfterS} s`;
      const own = refusalIn(req, detail);
      reply
        .code(429)
        .headers(refusalHeaders(req.url))
        .header('retry-after', String(a.retryAfterS))
        .type(own?.type ?? 'application/json; charset=utf-8')
        .send(own?.body ?? JSON.stringify(errorBody('rateLimited', detail)));
    };
    if (a.delayMs === 0) return refuse();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      budget.release(key);
    };
    const timer = setTimeout(() => {
      release();
      refuse();
    }, a.delayMs);
    res.once('close', release); // the client went away: its slot is free at once
  });
}
