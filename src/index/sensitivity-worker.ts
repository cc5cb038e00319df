import { parentPort, workerData } from 'node:worker_threads';
import { prepareScenarios, scenarioRanks, type ScenarioSetup } from './sensitivity-core.js';

/**
 * A worker of the scenario pool: prepares the setup once, says it is ready, then ranks each range of
 * scenarios it is sent, writing into the shared output, and answers with the range.
 */
const prepared = prepareScenarios((workerData as { setup: ScenarioSetup }).setup);
const nE = prepared.setup.economies;
parentPort!.on('message', ({ u, out, from, to }: { u: Float64Array; out: Int32Array; from: number; to: number }) => {
  scenarioRanks(prepared, u, from, to, out, from * nE);
  parentPort!.postMessage({ from, to });
});
parentPort!.postMessage({ ready: true });
