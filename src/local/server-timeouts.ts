/**
 * How long the local stack's servers wait for a client, so a half-sent request cannot hold a
 * socket (and a slot of the detector) forever: all headers within `headersMs`, the whole request
 * within `requestMs`, checked every `checkMs` (Node's own default check runs every 30 s).
 */
import type http from 'node:http';

export interface ServerTimeouts {
  headersMs: number;
  requestMs: number;
  checkMs: number;
}

export const DEFAULT_SERVER_TIMEOUTS: Readonly<ServerTimeouts> = Object.freeze({ headersMs: 10_000, requestMs: 120_000, checkMs: 1_000 });

/** Options for http.createServer. */
export function serverTimeouts(t: Partial<ServerTimeouts> = {}): http.ServerOptions {
  const v = { ...DEFAULT_SERVER_TIMEOUTS, ...t };
  return { headersTimeout: v.headersMs, requestTimeout: v.requestMs, connectionsCheckingInterval: v.checkMs };
}

/** The same limits on a server someone else created (Azurite), before it starts listening. */
export function applyServerTimeouts(server: http.Server, t: Partial<ServerTimeouts> = {}): void {
  const v = { ...DEFAULT_SERVER_TIMEOUTS, ...t };
  server.headersTimeout = v.headersMs;
  server.requestTimeout = v.requestMs;
  // Read when the server starts listening (setupConnectionsTracking), so it must be set before.
  (server as http.Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = v.checkMs;
}
