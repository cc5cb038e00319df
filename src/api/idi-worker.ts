/**
 * Computes IDI answers (`/v2/idi/{methodology}/{year}`) in a worker thread, so that a computation (a few hundred
 * milliseconds) never stalls the server's event loop: it receives the observations of the methodology's indicators
 * as Arrow IPC and answers with the JSON and CSV bodies.
 */
import { parentPort } from 'node:worker_threads';
import { tableFromIPC } from 'apache-arrow';
import { loadMethodology } from '../idi/methodology.js';
import { rankingTable, resultForOutput } from '../idi/tables.js';
import { loadGroupings } from '../registry/groupings.js';
import { loadIndicatorRegistry } from '../registry/indicators.js';
import { tableToCsv } from '../table/report-table.js';
import { UserInputError } from '../util/errors.js';
import { runOfServer } from './computed.js';
import { ApiError } from './errors.js';

export interface IdiJob {
  job: number;
  id: string;
  wanted: number | 'latest';
  previous: boolean;
  ipc: Uint8Array;
}
export type IdiAnswer =
  | { job: number; json: string; csv: string }
  | { job: number; error: { api: boolean; kind?: string; user: boolean; code?: string; message: string } };

parentPort!.on('message', (m: IdiJob) => {
  try {
    const indicators = loadIndicatorRegistry(),
      groupings = loadGroupings();
    const methodology = loadMethodology(m.id, indicators);
    const r = runOfServer(methodology, m.wanted, tableFromIPC(m.ipc), indicators, groupings, m.previous).result;
    const result = { ...r, methodology: { ...r.methodology, file: `${m.id}.json` } }; // the server's path stays on the server
    parentPort!.postMessage({
      job: m.job,
      json: JSON.stringify(resultForOutput(result)),
      csv: tableToCsv(rankingTable(result as Parameters<typeof rankingTable>[0], m.previous)),
    } satisfies IdiAnswer);
  } catch (e) {
    parentPort!.postMessage({
      job: m.job,
      error: {
        api: e instanceof ApiError,
        kind: (e as ApiError).kind,
        user: e instanceof UserInputError,
        code: (e as UserInputError).code,
        message: (e as Error).message,
      },
    } satisfies IdiAnswer);
  }
});
