/**
 * Builds the MIS report in a worker thread (`/report/`), so that a build (seconds of CPU) never stalls the
 * server's event loop: the worker reads the store through its own connection and writes the build directory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildReport } from '../report/build.js';
import { UserInputError } from '../util/errors.js';

const { edition, out, storePath } = workerData as { edition: number; out: string; storePath: string };
buildReport({ edition, out, source: { kind: 'store', path: storePath } })
  .then(() => parentPort!.postMessage({ ok: true }))
  .catch((e: unknown) =>
    parentPort!.postMessage({ ok: false, userError: e instanceof UserInputError, message: (e as Error).message, code: (e as UserInputError).code }),
  );
