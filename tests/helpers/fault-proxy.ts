/**
 * A fault-injecting HTTP proxy for tests: sits on 127.0.0.1 between a client and one service of
 * the local stack, forwards requests verbatim (Host header included, so signatures still verify),
 * and injects the fault a decider picks for each request: a 503 in the service's own error shape,
 * a reset before the response or halfway through its body, a stall before the response or in its
 * body, or a flipped byte in a downloaded body. Every request and the fault it got is logged, so a
 * test can account for each one.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export const FAULTS = ['ok', 'status503', 'resetBeforeResponse', 'resetMidBody', 'stallBeforeResponse', 'stallMidBody', 'flipByte'] as const;
export type Fault = (typeof FAULTS)[number];
export type ServiceShape = 's3' | 'azure-blob' | 'sagemaker' | 'azureml' | 'gcs' | 'vertex';

export interface ProxiedRequest {
  method: string;
  /** Path and query as sent, decoded: `/bucket/dir/name.jpg?x-id=GetObject`. */
  path: string;
  bodySha256: string;
  bodyBytes: number;
  /** 1 for the first request with this method, path and body, 2 for its first retry, … */
  occurrence: number;
}

export interface ProxyLogEntry extends ProxiedRequest {
  /** The fault actually applied (a body fault on an empty body is logged as the reset it became). */
  fault: Fault;
}

export interface FaultProxy {
  url: string;
  log: ProxyLogEntry[];
  close(): Promise<void>;
}

export type Decider = (r: ProxiedRequest) => Fault;

/** Same seed, same request → same fault, whatever order concurrent requests arrive in. */
export function seededDecider(seed: number, rates: Partial<Record<Fault, number>>, applies: (r: ProxiedRequest) => boolean = () => true): Decider {
  return (r) => {
    if (!applies(r)) return 'ok';
    const h = createHash('sha256').update(`${seed}\0${r.method}\0${r.path}\0${r.bodySha256}\0${r.occurrence}`).digest();
    let u = h.readUInt32BE(0) / 2 ** 32;
    for (const fault of FAULTS) {
      const p = rates[fault] ?? 0;
      if (u < p) return fault;
      u -= p;
    }
    return 'ok';
  };
}

function busy(shape: ServiceShape): { headers: Record<string, string>; body: string } {
  switch (shape) {
    case 's3':
      return {
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>FAULT</RequestId></Error>',
      };
    case 'azure-blob':
      return {
        headers: { 'content-type': 'application/xml', 'x-ms-error-code': 'ServerBusy' },
        body: '<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>The server is currently unable to receive requests. Please retry your request.</Message></Error>',
      };
    case 'sagemaker':
      return { headers: { 'content-type': 'application/json', 'x-amzn-ErrorType': 'ServiceUnavailable' }, body: '{"message":"Service is unavailable."}' };
    case 'azureml':
      return { headers: { 'content-type': 'application/json' }, body: '{"error":{"code":"ServiceUnavailable","message":"The deployment is busy."}}' };
    case 'gcs':
      return { headers: { 'content-type': 'application/json' }, body: '{"error":{"code":503,"message":"Backend Error","errors":[{"message":"Backend Error","domain":"global","reason":"backendError"}]}}' };
    case 'vertex':
      return { headers: { 'content-type': 'application/json' }, body: '{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}' };
  }
}

/** What a 503 of each service becomes in a request row (the code the official SDK reports). */
export const BUSY_ERROR_CODES: Record<ServiceShape, string> = {
  s3: 'SlowDown',
  'azure-blob': 'ServerBusy',
  sagemaker: 'ServiceUnavailable',
  azureml: 'ServiceUnavailable',
  gcs: 'backendError',
  vertex: 'UNAVAILABLE',
};

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export async function startFaultProxy(upstream: string, shape: ServiceShape, decide: Decider): Promise<FaultProxy> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  const log: ProxyLogEntry[] = [];
  const seen = new Map<string, number>();
  const held = new Set<Socket>();

  const server = http.createServer((req, res) => {
    // A client that gives up mid-request (its own deadline) is not the proxy's failure.
    handle(req, res).catch(() => req.socket.destroy());
  });
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readAll(req);
    const path = decodeURIComponent(req.url ?? '/');
    // A multipart body (GCS simple uploads) has a fresh random boundary per attempt: the same upload retried must count as the same request.
    const boundary = /boundary=["']?([^"';\s]+)/.exec(String(req.headers['content-type'] ?? ''))?.[1];
    const bodySha256 = createHash('sha256').update(boundary ? body.toString('latin1').split(boundary).join('BOUNDARY') : body).digest('hex');
    const id = `${req.method} ${path} ${bodySha256}`;
    const occurrence = (seen.get(id) ?? 0) + 1;
    seen.set(id, occurrence);
    const request: ProxiedRequest = { method: req.method ?? 'GET', path, bodySha256, bodyBytes: body.length, occurrence };
    let fault = req.method === 'HEAD' ? 'ok' : decide(request);
    const entry: ProxyLogEntry = { ...request, fault };
    log.push(entry);

    if (fault === 'status503') {
      const b = busy(shape);
      res.writeHead(503, { ...b.headers, 'content-length': String(Buffer.byteLength(b.body)) });
      res.end(b.body);
      return;
    }
    if (fault === 'resetBeforeResponse') {
      req.socket.destroy();
      return;
    }
    if (fault === 'stallBeforeResponse') {
      held.add(req.socket);
      return;
    }

    const reply = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
        readAll(r).then((body) => resolve({ status: r.statusCode ?? 502, headers: r.headers, body }), reject);
      });
      up.on('error', reject);
      up.end(body);
    }).catch(() => undefined);
    if (!reply) {
      res.writeHead(502).end();
      return;
    }
    const headers = { ...reply.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(reply.body.length);

    if ((fault === 'resetMidBody' || fault === 'stallMidBody') && reply.body.length < 2) {
      // Nothing to cut in half: the response is lost after the service handled the request.
      entry.fault = fault = 'resetBeforeResponse';
      req.socket.destroy();
      return;
    }
    if (fault === 'flipByte' && !(req.method === 'GET' && reply.status === 200 && reply.body.length > 0)) entry.fault = fault = 'ok';

    res.writeHead(reply.status, headers);
    if (fault === 'resetMidBody' || fault === 'stallMidBody') {
      res.write(reply.body.subarray(0, reply.body.length >> 1));
      if (fault === 'resetMidBody') setTimeout(() => req.socket.destroy(), 5);
      else held.add(req.socket);
      return;
    }
    if (fault === 'flipByte') {
      const flipped = Buffer.from(reply.body);
      flipped[flipped.length >> 1] ^= 0xff;
      res.end(flipped);
      return;
    }
    res.end(reply.body);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    async close() {
      for (const s of held) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
