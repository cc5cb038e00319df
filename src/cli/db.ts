/** `ictstat db ...` and `ictstat token ...`: the embedded store and the API's submission tokens. */
import { Option, type Command } from 'commander';
import { loadEconomyRegistry } from '../registry/economies.js';
import type { Store } from '../store/store.js';
import { UserInputError } from '../util/errors.js';
import { serverStorePath } from './data-source.js';

const out = (s: string): void => {
  process.stdout.write(s);
};

const STORE_OPTION = ['--store <file>', 'the store (default: ICTSTAT_DB, else ./data/ictstat.db)'] as const;

/** The store (SQLite, and the ingest under submissions) loads when a db command runs, not when the command table is built. */
async function withStore<T>(flag: string | undefined, fn: (store: Store) => Promise<T> | T): Promise<T> {
  const { Store } = await import('../store/store.js');
  const store = Store.open(serverStorePath(flag));
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description(`the embedded store (SQLite at --store, ICTSTAT_DB, else ./data/ictstat.db): every accepted submission kept`);

  db.command('load')
    .description('load the bundled datasets as a vintage (idempotent: the same content is not stored twice)')
    .option('--json', 'print the result as JSON')
    .option(...STORE_OPTION)
    .action((o) =>
      withStore(o.store, async (store) => {
        const t0 = Date.now();
        const r = await (await import('../store/submit.js')).loadBundledIntoStore(store);
        const s = r.submission;
        if (o.json) return out(JSON.stringify({ path: store.path, duplicate: r.duplicate, submission: { ...s, findings: undefined } }, null, 2) + '\n');
        if (r.duplicate)
          out(`bundled data (sha256 ${r.sha256.slice(0, 12)}) already stored as submission #${s.id}, received ${s.receivedAt}: no new revision\n`);
        else
          out(
            `loaded ${s.observations.toLocaleString('en')} bundled observations as submission #${s.id} (vintage ${s.vintage}) into ${store.path} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
          );
      }),
    );

  db.command('status')
    .description('what the store holds: schema version, submissions, observations, the latest submission, tokens')
    .option('--json', 'print the status as JSON')
    .option(...STORE_OPTION)
    .action((o) =>
      withStore(o.store, (store) => {
        const s = store.status();
        if (o.json) return out(JSON.stringify({ ...s, latest: s.latest && { ...s.latest, findings: undefined } }, null, 2) + '\n');
        out(
          `store:          ${s.path}\nschema version: ${s.schemaVersion}\nsubmissions:    ${s.submissions}\n` +
            `observations:   ${s.currentObservations.toLocaleString('en')} current (${s.observationRows.toLocaleString('en')} rows with revisions), ${s.economies} economies, ${s.indicators} indicators\n` +
            `latest:         ${s.latest ? `#${s.latest.id} ${s.latest.receivedAt} by ${s.latest.submittedBy}${s.latest.economy ? ` (${s.latest.economy})` : ''}${s.latest.vintage ? `, vintage ${s.latest.vintage}` : ''}` : 'none (run `ictstat db load`)'}\n` +
            `active tokens:  ${s.activeTokens}\n`,
        );
      }),
    );

  db.command('submit')
    .description('validate a submission file and, when accepted, store it as a new revision (a rejected file changes nothing)')
    .argument('<file>', 'a submission file in any format `ingest` reads')
    .option('--economy <code>', 'only accept rows of this economy (as a token scoped to it would)')
    .option('--vintage <label>', 'a label for this revision (e.g. "2025-Q1")')
    .option('--by <name>', 'who submits (default: cli:$USER)')
    .option('--json', 'print the validation report as JSON')
    .option(...STORE_OPTION)
    .action((file: string, o) =>
      withStore(o.store, async (store) => {
        const economy = o.economy ? loadEconomyRegistry().resolve(o.economy).iso3 : undefined;
        const r = await (await import('../store/submit.js')).submitFile(store, file, {
          economy,
          vintage: o.vintage,
          submittedBy: o.by ?? `cli:${process.env.USER ?? 'unknown'}`,
        });
        if (o.json)
          out(
            JSON.stringify(
              {
                outcome: r.outcome,
                submission: r.submission ? { ...r.submission, findings: undefined } : null,
                otherEconomies: r.otherEconomies,
                report: r.report,
              },
              null,
              2,
            ) + '\n',
          );
        else out((await import('../ingest/report.js')).formatIngestReport(r.ingest) + '\n');
        switch (r.outcome) {
          case 'rejected':
            process.stderr.write('ictstat: rejected: the store is unchanged\n');
            process.exitCode = 2;
            break;
          case 'forbidden':
            throw new UserInputError(`${file} holds rows of ${r.otherEconomies!.join(', ')}, not only ${economy}: nothing stored`);
          case 'duplicate':
            process.stderr.write(`ictstat: the same content is already stored as submission #${r.submission!.id}: no new revision\n`);
            break;
          default:
            process.stderr.write(`ictstat: stored as submission #${r.submission!.id} (${r.submission!.observations} observations)\n`);
        }
      }),
    );

  const token = program.command('token').description('bearer tokens for POST /v2/submissions, each scoped to one economy (only a hash is stored)');
  token
    .command('create')
    .description('create a token for one economy and print it once')
    .requiredOption('--economy <code>', 'the economy the token may submit data for (ISO3, ISO2 or M49)')
    .option('--label <text>', 'who the token is for (e.g. "KEN NSO, J. Doe")')
    .option(...STORE_OPTION)
    .action((o) =>
      withStore(o.store, (store) => {
        const economy = loadEconomyRegistry().resolve(o.economy).iso3;
        const t = store.createToken(economy, o.label);
        out(t.token + '\n');
        process.stderr.write(
          `ictstat: token #${t.id} for ${economy} created; it is shown only now (the store keeps a SHA-256 of it). Revoke with \`ictstat token revoke ${t.id}\`\n`,
        );
      }),
    );
  token
    .command('revoke')
    .description('revoke a token by its id')
    .argument('<id>', 'the token id (see `ictstat token list`)')
    .option(...STORE_OPTION)
    .action((id: string, o) =>
      withStore(o.store, (store) => {
        if (!/^\d+$/.test(id)) throw new UserInputError(`token id must be a whole number, not "${id}"`);
        if (!store.revokeToken(Number(id))) throw new UserInputError(`no active token #${id}`);
        out(`token #${id} revoked\n`);
      }),
    );
  token
    .command('list')
    .description('list tokens (id, economy, label, created, revoked); never the tokens themselves')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option(...STORE_OPTION)
    .action((o) =>
      withStore(o.store, (store) => {
        const list = store.tokens();
        if (o.format === 'json') return out(JSON.stringify(list, null, 2) + '\n');
        for (const t of list) out(`#${t.id}\t${t.economy}\t${t.createdAt}\t${t.revokedAt ? `revoked ${t.revokedAt}` : 'active'}\t${t.label ?? ''}\n`);
      }),
    );
}
