import { parentPort } from 'node:worker_threads';
import { prepareScenarios, rankStatistics, rankStatisticsWidth, scenarioRanks, type PreparedScenarios, type ScenarioSetup } from './sensitivity-core.js';

/**
 * A worker of the scenario pool: says it is ready; prepares each setup it is sent (kept until the next one);
 * ranks each range of scenarios it is sent into the shared output, then (when asked) writes the statistics of a range
 * of economies over the shared ranks, and answers with the job and the range.
 */
let prepared: PreparedScenarios | undefined,
  preparedId = -1;
type Message =
  | { setup: ScenarioSetup; setupId: number }
  | {
      job: number;
      setupId: number;
      u: Float64Array;
      out: Int32Array;
      from: number;
      to: number;
      stats?: { Nd: number; values: Float64Array; e0: number; e1: number };
    };
parentPort!.on('message', (m: Message) => {
  if ('setup' in m) {
    prepared = prepareScenarios(m.setup);
    preparedId = m.setupId;
    return;
  }
  if (!prepared || preparedId !== m.setupId) throw new Error(`range for setup ${m.setupId}, but setup ${preparedId} is prepared`);
  const nE = prepared.setup.economies;
  if (m.to > m.from) scenarioRanks(prepared, m.u, m.from, m.to, m.out, m.from * nE);
  const st = m.stats;
  if (st)
    rankStatistics(
      m.out,
      nE,
      st.Nd,
      prepared.setup.factors.length,
      st.e0,
      st.e1,
      st.values.subarray(st.e0 * rankStatisticsWidth(prepared.setup.factors.length)),
    );
  parentPort!.postMessage({ job: m.job, from: m.from, to: m.to, stats: st !== undefined });
});
parentPort!.postMessage({ ready: true });
