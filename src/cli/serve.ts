/** `ictstat serve`: the HTTP API over the store (loading the bundled data first when the store is empty). */
import { Option, type Command } from 'commander';
import { serverStorePath } from './data-source.js';
import { UserInputError } from '../util/errors.js';
import { formatFinding } from '../ingest/findings.js';
import { integer, year } from './options.js';

/** `--trust-proxy`: "true", or a comma-separated list of addresses/CIDRs (Fastify's trustProxy). */
function trustProxy(v: string): boolean | string[] {
  if (v === 'true') return true;
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!list.length || list.some((a) => !/^[0-9A-Fa-f.:]{2,45}(?:\/\d{1,3})?$|^(?:loopback|linklocal|uniquelocal)$/.test(a)))
    throw new UserInputError(`--trust-proxy: "${v.slice(0, 80)}" is not "true" or a comma-separated list of addresses or CIDRs (e.g. 127.0.0.1,10.0.0.0/8)`);
  return list;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the API (World Bank v2 and SDMX series, IDI, price baskets, submissions) from the store')
    .option('--port <n>', 'TCP port (0: any free port)', integer('--port', 0, 65535), 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--tariffs <file>', 'tariff plans: /v2/prices computes baskets from them and /explain works (default: published basket values)')
    .option('--store <file>', 'the store (default: ICTSTAT_DB, else ./data/ictstat.db)')
    .option('--no-load', 'do not load the bundled data into an empty store')
    .option('--no-warm', 'listen without warming first (the common answers, workers and code are then made on the first requests)')
    .option('--report-edition <year>', 'the MIS edition served at /report/ (built on the first request, rebuilt after submissions)', year, 2017)
    .addOption(
      new Option('--log-level <level>', 'log level of the JSON logs on standard output')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'silent'])
        .default('info'),
    )
    .option('--max-body <bytes>', 'largest submission body', integer('--max-body', 1))
    .option(
      '--trust-proxy <addresses>',
      'behind a reverse proxy: the proxy addresses or CIDRs (comma-separated) whose X-Forwarded-For gives the client address, or "true" for any (default: X-Forwarded-For ignored)',
      trustProxy,
    )
    .option('--submissions-per-minute <n>', 'submissions each token may make per minute (default 30)', integer('--submissions-per-minute', 1))
    .option(
      '--client-budget <units>',
      'cost units each client earns per second (default 100, the burst 10 s of it, the credit of a new client 2 s; see SECURITY.md); 0: no per-client budget (a load test from one address)',
      integer('--client-budget', 0),
    )
    .action(async (o) => {
      // glibc's malloc settings are read as a process starts: where unset, this command runs again with them.
      const [{ SERVER_MALLOC_ENV }, { missingMallocEnv, rerunWith, watchParent }] = await Promise.all([import('../api/malloc.js'), import('./malloc-env.js')]);
      const missing = missingMallocEnv(SERVER_MALLOC_ENV);
      if (Object.keys(missing).length) process.exit(await rerunWith(missing));
      const [{ Store }, { loadBundledIntoStore }, { buildServer }, { budgetAt }] = await Promise.all([
        import('../store/store.js'),
        import('../store/submit.js'),
        import('../api/server.js'),
        import('../api/budget.js'),
      ]);
      const store = Store.open(serverStorePath(o.store));
      if (o.load && store.version() === 0) {
        process.stderr.write(`ictstat: the store ${store.path} is empty: loading the bundled data (once)...\n`);
        const r = await loadBundledIntoStore(store);
        process.stderr.write(`ictstat: loaded ${r.submission.observations.toLocaleString('en')} observations as submission #${r.submission.id}\n`);
      }
      let tariffs;
      if (o.tariffs) {
        const { readTariffs } = await import('../prices/tariffs.js');
        const r = await readTariffs(o.tariffs);
        if (r.log.errors > 0)
          throw new UserInputError(
            `${o.tariffs}: rejected by validation:\n` +
              r.log
                .sorted()
                .filter((f) => f.severity === 'error')
                .slice(0, 10)
                .map(formatFinding)
                .join('\n'),
          );
        tariffs = r.table;
      }
      const app = await buildServer({
        store,
        tariffs,
        reportEdition: o.reportEdition,
        trustProxy: o.trustProxy,
        ...(o.clientBudget === undefined ? {} : { clientBudget: budgetAt(o.clientBudget) }),
        logger: { level: o.logLevel },
        limits: {
          ...(o.maxBody ? { maxBodyBytes: o.maxBody } : {}),
          ...(o.submissionsPerMinute ? { ratePerToken: o.submissionsPerMinute, rateWindowMs: 60_000 } : {}),
        },
      });
      let address: string;
      try {
        await app.ready();
        if (o.warm) await app.ictstatWarm(); // before it listens: its first clients meet answers made and code compiled (warm.ts)
        address = await app.listen({ port: o.port, host: o.host });
      } catch (e) {
        store.close();
        if (e instanceof UserInputError) throw e; // the store's fault (corrupt, unreadable), found while indexing it
        throw new UserInputError(`cannot listen on ${o.host}:${o.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      // Stopped once, however often it is asked (a terminal's Ctrl-C reaches this process and its parent, which passes it on).
      let stopping: Promise<void> | undefined;
      const stop = (): Promise<void> =>
        (stopping ??= (async () => {
          await app.close();
          store.close();
          process.exit(0);
        })());
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      watchParent(stop);
      // Said once it is ready to be stopped too (a supervisor that reads this line may signal at once).
      process.stderr.write(`ictstat: serving ${store.path} at ${address} (docs: ${address}/docs)\n`);
      await new Promise(() => undefined); // serve until a signal
    });
}
