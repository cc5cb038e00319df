import { parentPort, workerData } from 'node:worker_threads';
import { scenarioRanks, type ScenarioSetup } from './sensitivity-core.js';

/** A worker computes the ranks of a range of scenarios and sends them back (transferring the buffer). */
const { setup, u, from, to } = workerData as { setup: ScenarioSetup; u: Float64Array; from: number; to: number };
const ranks = scenarioRanks(setup, u, from, to);
parentPort!.postMessage(ranks, [ranks.buffer as ArrayBuffer]);
