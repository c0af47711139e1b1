/** Small HTTP plumbing shared by the local endpoints' wire protocols (inference-server.ts, vertex-protocol.ts). */
import { createHash } from 'node:crypto';
import type http from 'node:http';

/** Aborted when the client hangs up before the response is sent: the scorer can drop the request if it has not started it. */
export function clientGone(res: http.ServerResponse): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}

export interface ReceivedBody {
  /** The body, or undefined when it exceeded the limit (it was drained, not kept). */
  buffer?: Buffer;
  size: number;
  /** Hex SHA-256 of every received byte (SigV4 needs it even for oversize bodies). */
  sha256: string;
}

/**
 * Reads the whole body, hashing as it goes. Past the limit the bytes are drained and dropped
 * rather than the socket cut, so the client still reads our 413 instead of a connection reset.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<ReceivedBody> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      hash.update(chunk);
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () =>
      resolve({ buffer: size <= limit ? Buffer.concat(chunks, size) : undefined, size, sha256: hash.digest('hex') }),
    );
    req.on('error', reject);
    // A client that hangs up mid-body must not leave this promise (and its handler) pending.
    req.on('close', () => {
      if (!req.complete) reject(new Error('request aborted by the client'));
    });
  });
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(data.length) });
  res.end(data);
}

export function headerValue(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
