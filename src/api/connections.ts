/**
 * Bounds on open connections (issue 13): one client opening connections by the hundred must not take the sockets
 * and the event loop's accepts that new clients need. In all, at most `maxConnections` (Node's own
 * `server.maxConnections`: beyond it a new connection is closed at once); per socket address, at most `perAddress`
 * (beyond: closed at once, before any byte of it is read). Behind a reverse proxy every connection comes from the
 * proxy's address, so the per-address bound applies only without `trustProxy`; then the per-client bound is the
 * budget's open requests per client (budget.ts `maxInFlight`, keyed by the address the proxy gives).
 */
import type { Server } from 'node:http';

/** The bounds' values (one place: SECURITY.md's limits table quotes them). */
export const CONNECTION_LIMITS = {
  /** Open connections at once, all clients together. */
  maxConnections: 1_024,
  /** Open connections at once from one socket address (without trustProxy). */
  perAddress: 64,
};
export type ConnectionLimits = typeof CONNECTION_LIMITS;

/** Work counted: connections open now, accepted, closed at once for their address's bound, for the server's bound. */
export interface ConnectionStats {
  open: number;
  accepted: number;
  refusedPerAddress: number;
  refusedTotal: number;
}

/** Apply the bounds to `server` (`perAddress: false`: the total only, behind a proxy). */
export function limitConnections(server: Server, limits: ConnectionLimits, perAddress: boolean): ConnectionStats {
  const stats: ConnectionStats = { open: 0, accepted: 0, refusedPerAddress: 0, refusedTotal: 0 };
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => {
    stats.refusedTotal++;
  });
  const open = new Map<string, number>();
  // After node:http's own listener: a socket closed here is cleaned up as any the client resets.
  server.on('connection', (socket) => {
    const a = socket.remoteAddress ?? '';
    const n = open.get(a) ?? 0;
    if (perAddress && n >= limits.perAddress) {
      stats.refusedPerAddress++;
      socket.destroy();
      return;
    }
    stats.accepted++;
    stats.open++;
    open.set(a, n + 1);
    socket.once('close', () => {
      stats.open--;
      const left = (open.get(a) ?? 1) - 1;
      if (left > 0) open.set(a, left);
      else open.delete(a);
    });
  });
  return stats;
}
