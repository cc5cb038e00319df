import { parentPort } from 'node:worker_threads';
import { prepareScenarios, scenarioRanks, type PreparedScenarios, type ScenarioSetup } from './sensitivity-core.js';

/**
 * A worker of the scenario pool: says it is ready; prepares each setup it is sent (kept until the next one);
 * ranks each range of scenarios it is sent into the shared output, and answers with the job and the range.
 */
let prepared: PreparedScenarios | undefined,
  preparedId = -1;
type Message = { setup: ScenarioSetup; setupId: number } | { job: number; setupId: number; u: Float64Array; out: Int32Array; from: number; to: number };
parentPort!.on('message', (m: Message) => {
  if ('setup' in m) {
    prepared = prepareScenarios(m.setup);
    preparedId = m.setupId;
    return;
  }
  if (!prepared || preparedId !== m.setupId) throw new Error(`range for setup ${m.setupId}, but setup ${preparedId} is prepared`);
  scenarioRanks(prepared, m.u, m.from, m.to, m.out, m.from * prepared.setup.economies);
  parentPort!.postMessage({ job: m.job, from: m.from, to: m.to });
});
parentPort!.postMessage({ ready: true });
