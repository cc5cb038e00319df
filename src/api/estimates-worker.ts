/**
 * The world and regional estimates of one indicator under the World Bank aggregate codes, computed in a worker
 * thread (a second or two of CPU on the bundled data) so that the server's event loop keeps answering: the
 * observations it needs come in as Arrow IPC, each code's rows go back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { tableFromIPC } from 'apache-arrow';
import { worldBankAggregateFigures } from '../usecases/estimates.js';
import { UserInputError } from '../util/errors.js';
import { lowerThreadPriority } from './priority.js';

lowerThreadPriority();

export interface EstimatesJob {
  codes: string[];
  indicator: string;
  from: number;
  to: number;
  label: string;
  ipc: Uint8Array;
}
export type EstimatesAnswer =
  | {
      ok: true;
      aggregates: Array<{ code: string; grouping: string; group: string; note?: string; membership: boolean }>;
      rows: Array<[string, Array<Record<string, string | number | null | undefined>>]>;
    }
  | { ok: false; userError: boolean; message: string; code?: string };

const job = workerData as EstimatesJob;
worldBankAggregateFigures(job.codes, {
  indicator: job.indicator,
  from: job.from,
  to: job.to,
  source: { kind: 'observations', table: tableFromIPC(job.ipc), label: job.label },
})
  .then(({ aggregates, rows }) =>
    parentPort!.postMessage({
      ok: true,
      aggregates: aggregates.map((a) => ({ code: a.code, grouping: a.grouping, group: a.group, note: a.note, membership: !!a.userGrouping })),
      rows: [...rows],
    } satisfies EstimatesAnswer),
  )
  .catch((e: unknown) =>
    parentPort!.postMessage({
      ok: false,
      userError: e instanceof UserInputError,
      message: (e as Error).message,
      code: (e as UserInputError).code,
    } satisfies EstimatesAnswer),
  );
