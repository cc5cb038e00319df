/** A peer in a process of its own (see peer.ts); prints one JSON line: {load_ms, first_ms, times_ms, peak_rss_mb}. */
import { runPeer, type PeerArgs } from './peer.js';

const result = await runPeer(JSON.parse(process.argv[2]) as PeerArgs);
process.stdout.write(JSON.stringify(result) + '\n');
