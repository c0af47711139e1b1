/**
 * Local inference endpoint speaking three real wire protocols on one node:http server:
 * - SageMaker runtime InvokeEndpoint: `POST /endpoints/{name}/invocations`, SigV4-signed;
 * - Azure ML online endpoint scoring: `POST /score`, `Authorization: Bearer <key>`;
 * - Vertex AI online prediction: `POST /v1/projects/…/endpoints/…:predict | :rawPredict` (vertex-protocol.ts);
 * plus `GET /ping` (the health route SageMaker containers expose).
 * All answer `ScoringResponse` JSON (Vertex: inside its envelope) from a pool of MB3-CenterNet detectors in worker threads.
 * Every reply, error or not, is JSON: the AWS SDK fails to deserialise anything else.
 */
import http from 'node:http';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { clientGone, headerValue, readBody, sendJson, sha256 } from './http-io';
import type { AddressInfo } from 'node:net';
import { ImageDecodeError } from './detector';
import type { AutoscalePolicy } from './autoscale-policy';
import type { DetectorThreadsSetting } from './detector-threads';
import { createInferencePool } from './inference-pool';
import { serverTimeouts, type ServerTimeouts } from './server-timeouts';
import { createSigV4Verifier } from './sigv4-verify';
import { isUnavailable, toScoringResponse, type Scorer } from './scorer';
import { createVertexHandler, isVertexPath, type VertexProtocolOptions } from './vertex-protocol';

export interface InferenceServerOptions {
  /** Default 127.0.0.1; the stack never listens beyond loopback unless told to. */
  host?: string;
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  endpointName: string;
  azureKey: string;
  /** Serve the Vertex AI predict protocol too (vertex-protocol.ts). */
  vertex?: VertexProtocolOptions;
  /** Detector worker threads (endpoint instances). Default 1. */
  instances?: number;
  /** Scale the instances with demand instead (see autoscale-policy.ts). */
  autoscale?: AutoscalePolicy;
  /** Wasm threads per instance (detector-threads.ts). Default: CLOUDBENCH_DETECTOR_THREADS, else 'auto'. */
  threads?: DetectorThreadsSetting;
  scoreThreshold?: number;
  iouThreshold?: number;
  /** Largest accepted body; default 6 MiB, SageMaker's real-time payload limit. */
  maxBodyBytes?: number;
  timeouts?: Partial<ServerTimeouts>;
}

export interface InferenceServer {
  port: number;
  /** Base URL for the SageMaker runtime client's `endpoint` option. */
  sagemakerEndpoint: string;
  /** Azure ML style scoring URI (…/score). */
  scoringUri: string;
  /** The Vertex AI API endpoint (what `https://{location}-aiplatform.googleapis.com` is in the cloud). */
  vertexApiEndpoint: string;
  model: string;
  instances: number;
  /** Wasm threads per instance. */
  threads: number;
  close(): Promise<void>;
}

export type { Scorer } from './scorer';

export type InferenceProtocolOptions = Pick<
  InferenceServerOptions,
  'region' | 'accessKeyId' | 'secretAccessKey' | 'endpointName' | 'azureKey' | 'maxBodyBytes' | 'vertex'
>;

export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;
/** Placeholder account in AWS-shaped messages and ARNs. */
const ACCOUNT_ID = '000000000000';
const PRODUCTION_VARIANT = 'AllTraffic';
const DEFAULT_DEPLOYMENT = 'default';

export async function startInferenceServer(opts: InferenceServerOptions): Promise<InferenceServer> {
  const pool = await createInferencePool({
    instances: opts.instances ?? 1,
    ...(opts.autoscale ? { autoscale: opts.autoscale } : {}),
    threads: opts.threads,
    scoreThreshold: opts.scoreThreshold,
    iouThreshold: opts.iouThreshold,
  });
  const server = http.createServer(serverTimeouts(opts.timeouts), createInferenceRequestHandler(opts, pool));
  // Outlive client idle timeouts so a reused keep-alive socket is rarely closed under a request.
  server.keepAliveTimeout = 65_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await pool.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const base = `http://${formatHost(opts.host ?? '127.0.0.1')}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    port,
    sagemakerEndpoint: base,
    scoringUri: `${base}/score`,
    vertexApiEndpoint: base,
    model: pool.model,
    instances: pool.instances,
    threads: pool.threads,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections(); // keep-alive sockets would otherwise hold close() open
        await closed;
        await pool.close();
      })();
      return closing;
    },
  };
}

/** The request handler alone, so the wire protocols can be exercised with any Scorer. */
export function createInferenceRequestHandler(
  opts: InferenceProtocolOptions,
  scorer: Scorer,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const verify = createSigV4Verifier({
    region: opts.region,
    service: 'sagemaker',
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
  });
  const azureKeyDigest = sha256(opts.azureKey);
  const vertex = opts.vertex ? createVertexHandler(opts.vertex, scorer) : undefined;

  async function sagemaker(req: http.IncomingMessage, res: http.ServerResponse, encodedName: string): Promise<void> {
    const requestId = randomUUID();
    const fail = (status: number, errorType: string, body: object) =>
      sendJson(res, status, body, { 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': errorType });

    const body = await readBody(req, maxBodyBytes);
    // Authentication comes first, as on AWS: an unsigned request learns nothing about endpoints.
    const auth = await verify({
      method: req.method ?? 'POST',
      url: req.url ?? '/',
      rawHeaders: req.rawHeaders,
      payloadSha256: body.sha256,
    });
    if (!auth.ok) return fail(403, auth.errorType, { message: auth.message });

    let name: string;
    try {
      name = decodeURIComponent(encodedName);
    } catch {
      name = encodedName;
    }
    if (name !== opts.endpointName) {
      return fail(400, 'ValidationError', { message: `Endpoint ${name} of account ${ACCOUNT_ID} not found.` });
    }
    // Real SageMaker rejects oversize payloads at the front end (HTTP 413) before any container
    // sees them; the SDKs surface the error type, so ValidationError keeps it a typed client error.
    if (body.buffer === undefined) {
      return fail(413, 'ValidationError', {
        message: `Request payload of ${body.size} bytes exceeds the ${maxBodyBytes}-byte limit for real-time InvokeEndpoint.`,
      });
    }
    if (body.size === 0) {
      return fail(400, 'ValidationError', {
        message: "1 validation error detected: Value at 'body' failed to satisfy constraint: Member must not be empty (send the image bytes).",
      });
    }

    const logGroup = `/aws/sagemaker/Endpoints/${name}`;
    try {
      const result = await scorer.detect(body.buffer, clientGone(res));
      sendJson(res, 200, toScoringResponse(scorer.model, result), {
        'x-amzn-RequestId': requestId,
        'X-Amzn-Invoked-Production-Variant': PRODUCTION_VARIANT,
        ...instanceHeader(result.instance),
      });
    } catch (err) {
      if (isUnavailable(err)) {
        return fail(503, 'ServiceUnavailable', { message: 'The endpoint is shutting down or has no healthy instance.' });
      }
      // Whatever the container answers with a non-2xx status comes back from SageMaker as 424
      // ModelError, carrying the container's status and body: an undecodable image is the
      // container's 400 (client error), anything else its 500.
      const clientError = err instanceof ImageDecodeError;
      const status = clientError ? 400 : 500;
      const code = clientError ? err.code : 'InferenceFailed';
      const originalMessage = JSON.stringify({ error: { code, message: (err as Error).message } });
      const kind = clientError ? 'client' : 'server';
      fail(424, 'ModelError', {
        Message:
          `Received ${kind} error (${status}) from primary with message "${originalMessage}". ` +
          `See https://${opts.region}.console.aws.amazon.com/cloudwatch/home?region=${opts.region}#logEventViewer:group=${logGroup} ` +
          `in account ${ACCOUNT_ID} for more information.`,
        OriginalStatusCode: status,
        OriginalMessage: originalMessage,
        LogStreamArn: `arn:aws:logs:${opts.region}:${ACCOUNT_ID}:log-group:${logGroup}`,
        ErrorCode: code,
      });
    }
  }

  async function azureml(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const headers = {
      'x-request-id': requestId,
      'x-ms-request-id': requestId,
      'azureml-model-deployment': headerValue(req, 'azureml-model-deployment') ?? DEFAULT_DEPLOYMENT,
    };
    const fail = (status: number, code: string, message: string, extra: Record<string, string> = {}) =>
      sendJson(res, status, { error: { code, message } }, { ...headers, ...extra });

    const body = await readBody(req, maxBodyBytes);
    const m = /^Bearer\s+(.+)$/i.exec(headerValue(req, 'authorization') ?? '');
    if (!m || !timingSafeEqual(sha256(m[1].trim()), azureKeyDigest)) {
      return fail(401, 'Unauthorized', 'A valid endpoint key is required: send "Authorization: Bearer <key>".', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    if (body.buffer === undefined) {
      return fail(413, 'PayloadTooLarge', `Request body of ${body.size} bytes exceeds the ${maxBodyBytes}-byte limit.`);
    }
    if (body.size === 0) return fail(400, 'EmptyBody', 'The request body is empty: send the image bytes.');
    try {
      const result = await scorer.detect(body.buffer, clientGone(res));
      sendJson(res, 200, toScoringResponse(scorer.model, result), { ...headers, ...instanceHeader(result.instance) });
    } catch (err) {
      if (err instanceof ImageDecodeError) return fail(400, err.code, err.message);
      if (isUnavailable(err)) {
        return fail(503, 'ServiceUnavailable', 'The deployment is shutting down or has no healthy instance.');
      }
      fail(500, 'ModelError', `Inference failed: ${(err as Error).message}`);
    }
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const pathname = (req.url ?? '/').split('?')[0];
    const invocation = /^\/endpoints\/([^/]+)\/invocations$/.exec(pathname);
    if (invocation) {
      if (req.method !== 'POST') return methodNotAllowed(req, res, 'POST', true);
      return sagemaker(req, res, invocation[1]);
    }
    if (pathname === '/score') {
      if (req.method !== 'POST') return methodNotAllowed(req, res, 'POST', false);
      return azureml(req, res);
    }
    if (vertex && isVertexPath(pathname)) return vertex(req, res);
    if (pathname === '/metrics') {
      if (req.method !== 'GET') return methodNotAllowed(req, res, 'GET', false);
      req.resume();
      return sendJson(res, 200, { model: scorer.model, ...(scorer.stats?.() ?? {}) });
    }
    if (pathname === '/ping') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(req, res, 'GET, HEAD', false);
      req.resume();
      return sendJson(res, 200, { status: 'Healthy', model: scorer.model });
    }
    req.resume();
    const sagemakerish = pathname.startsWith('/endpoints/');
    sendJson(
      res,
      404,
      sagemakerish ? { message: `No route for ${req.method} ${pathname}` } : { error: { code: 'NotFound', message: `No route for ${req.method} ${pathname}` } },
      sagemakerish ? { 'x-amzn-ErrorType': 'UnknownOperationException' } : {},
    );
  }

  return (req, res) => {
    route(req, res).catch((err: unknown) => {
      // Only reached on bugs or aborted requests; still answer JSON if the socket is usable.
      sendJson(res, 500, { message: `Internal error: ${(err as Error).message}` }, { 'x-amzn-ErrorType': 'InternalFailure' });
    });
  };
}

/** Which worker answered: lets tests and benchmarks see the instances at work. */
function instanceHeader(instance: number | undefined): Record<string, string> {
  return instance === undefined ? {} : { 'x-cloudbench-instance': String(instance) };
}

function methodNotAllowed(req: http.IncomingMessage, res: http.ServerResponse, allow: string, aws: boolean): void {
  req.resume();
  const message = `Method ${req.method} is not allowed on ${req.url}; use ${allow}.`;
  sendJson(res, 405, aws ? { message } : { error: { code: 'MethodNotAllowed', message } }, {
    Allow: allow,
    ...(aws ? { 'x-amzn-ErrorType': 'UnknownOperationException' } : {}),
  });
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
