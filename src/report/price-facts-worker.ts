import { parentPort, threadId } from 'node:worker_threads';
import { type PriceFactsRequest, priceAndFacts } from './price-facts.js';

/**
 * The report's thread of the price sections and Facts and Figures (src/report/price-facts-thread.ts): its modules
 * load as it starts, beside the report's; it reads the observations it needs from the source it is sent and answers
 * with the plain data of `priceAndFacts`, the function the report's thread would call, so the bytes are the same.
 */
parentPort!.on('message', (m: { id: number; request: PriceFactsRequest }) => {
  priceAndFacts(m.request)
    .then((value) => parentPort!.postMessage({ id: m.id, value, threadId }))
    .catch((err: unknown) => parentPort!.postMessage({ id: m.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});
