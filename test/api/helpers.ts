import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { CLIENT_BUDGET } from '../../src/api/budget.js';
import { buildServer, type ServerOptions } from '../../src/api/server.js';
import { Store } from '../../src/store/store.js';
import { loadBundledIntoStore } from '../../src/store/submit.js';
import { parseCsvObjects } from '../../src/util/csv-parse.js';
import { sharedDataDir } from '../../src/util/paths.js';

export interface TestServer {
  base: string;
  store: Store;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The budget of a test server unless the test gives one: a test suite asks many requests at once from one address
 * (what it tests is not the budget), so its client starts at the full burst, as a returning client at full credit
 * would, instead of a new client's credit (CLIENT_BUDGET.initial), whatever the machine's speed; the rate and the
 * burst are the defaults. The budget's own tests (budget.test.ts) give theirs.
 */
const ONE_ADDRESS_SUITE: Partial<ServerOptions> = { clientBudget: { initial: CLIENT_BUDGET.burst } };

/** A real HTTP server on an ephemeral loopback port over a fresh store; `seed` fills the store first. */
export async function startServer(seed: (store: Store) => void | Promise<void>, opts: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ictstat-api-'));
  const store = Store.open(join(dir, 'api.db'));
  await seed(store);
  const app = await buildServer({ store, logger: false, ...ONE_ADDRESS_SUITE, ...opts });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    base: address,
    store,
    app,
    async close() {
      await app.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The World Bank error envelope, checked for shape; returns the detail. */
export async function expectWbError(res: Response, status: number, id?: string): Promise<string> {
  const body = (await res.json()) as Array<{ message: Array<{ id: string; key: string; value: string; detail?: string }> }>;
  if (res.status !== status) throw new Error(`status ${res.status}, expected ${status}: ${JSON.stringify(body)}`);
  if (!Array.isArray(body) || !Array.isArray(body[0]?.message) || typeof body[0].message[0].key !== 'string')
    throw new Error(`not the WB envelope: ${JSON.stringify(body)}`);
  if (id !== undefined && body[0].message[0].id !== id) throw new Error(`error id ${body[0].message[0].id}, expected ${id}`);
  const text = JSON.stringify(body);
  if (/\n\s+at |node_modules|\/src\/|\/tmp\//.test(text)) throw new Error(`internals leak in ${text}`);
  return body[0].message[0].detail ?? '';
}

/** A server over the bundled data in a fresh store, as `npm start` serves it. */
export function startBundledServer(opts: Partial<ServerOptions> = {}): Promise<TestServer> {
  return startServer(async (store) => {
    await loadBundledIntoStore(store);
  }, opts);
}

/** The ITU DataHub value of i99H (individuals using the Internet) for an economy and year, read from the source file. */
export function datahubInternetUsers(iso3: string, year: number): number | undefined {
  const text = readFileSync(join(sharedDataDir(), 'itu-datahub/individuals_using_internet.csv'), 'utf8').replace(/^\uFEFF/, '');
  const row = parseCsvObjects(text).rows.find((r) => r.get('seriesCode') === 'i99H' && r.get('entityIso') === iso3 && Number(r.get('dataYear')) === year);
  return row ? Number(row.get('dataValue')) : undefined;
}
