/**
 * The Vertex AI online prediction protocol on the local inference server:
 * `POST /v1/projects/{p}/locations/{l}/endpoints/{e}:predict` — `{"instances":[{"b64": …}]}` in,
 * `{"predictions":[…], "deployedModelId", "model", "modelDisplayName", "modelVersionId"}` out, as
 * Vertex wraps a custom container's answer; and `:rawPredict` — the image bytes in, the
 * container's own JSON out with the `X-Vertex-AI-*` headers. Requests need
 * `Authorization: Bearer <the stack's token>`; errors carry Google's JSON error shape
 * `{"error":{"code","message","status"}}`.
 */
import type http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { ImageDecodeError } from './detector';
import { clientGone, headerValue, readBody, sendJson, sha256 } from './http-io';
import { isUnavailable, toScoringResponse, type Scorer } from './scorer';

export interface VertexProtocolOptions {
  project: string;
  location: string;
  endpointId: string;
  /** The bearer token every request must carry (what google-auth-library would fetch in the cloud). */
  token: string;
  /** Public endpoints' request limit (Vertex AI docs: 1.5 MB for the shared public endpoint). */
  maxBodyBytes?: number;
}

export const VERTEX_MAX_BODY_BYTES = 1_572_864;
/** The deployed model's id on the local endpoint (Vertex ids are numeric strings). */
export const LOCAL_DEPLOYED_MODEL_ID = '1000000000000000001';
const ROUTE = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/endpoints\/([^/:]+):(predict|rawPredict)$/;

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** Is this a Vertex AI route? */
export function isVertexPath(pathname: string): boolean {
  return pathname.startsWith('/v1/projects/');
}

export function createVertexHandler(opts: VertexProtocolOptions, scorer: Scorer): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  const tokenDigest = sha256(opts.token);
  const limit = opts.maxBodyBytes ?? VERTEX_MAX_BODY_BYTES;
  const resourceName = `projects/${opts.project}/locations/${opts.location}/endpoints/${opts.endpointId}`;
  const modelName = `projects/${opts.project}/locations/${opts.location}/models/cloudbench-detector`;

  const fail = (res: http.ServerResponse, code: number, message: string, headers: Record<string, string> = {}) =>
    sendJson(res, code, { error: { code, message, status: STATUS_NAMES[code] ?? 'UNKNOWN' } }, headers);

  /** One image through the detector, in the container's own response shape. */
  async function detect(image: Buffer, res: http.ServerResponse): Promise<object> {
    return toScoringResponse(scorer.model, await scorer.detect(image, clientGone(res)));
  }

  function failFromError(res: http.ServerResponse, err: unknown): void {
    if (err instanceof ImageDecodeError) return fail(res, 400, `The model server rejected the instance: ${err.message}`);
    if (isUnavailable(err)) return fail(res, 503, 'The service is currently unavailable.');
    fail(res, 500, `Internal error encountered: ${(err as Error).message}`);
  }

  return async (req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    const m = ROUTE.exec(pathname);
    if (!m) {
      req.resume();
      return fail(res, 404, `The requested URL ${pathname} was not found on this server.`);
    }
    if (req.method !== 'POST') {
      req.resume();
      return fail(res, 405, `Method ${req.method} is not allowed on ${pathname}; use POST.`, { Allow: 'POST' });
    }
    const body = await readBody(req, limit);
    // Authentication first, as Google's front end does: a caller without the token learns nothing.
    const auth = /^Bearer\s+(.+)$/i.exec(headerValue(req, 'authorization') ?? '');
    if (!auth || !timingSafeEqual(sha256(auth[1].trim()), tokenDigest)) {
      return fail(res, 401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', {
        'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/"',
      });
    }
    const [, project, location, endpointId, method] = m;
    if (`projects/${project}/locations/${location}/endpoints/${endpointId}` !== resourceName) {
      return fail(res, 404, `Endpoint \`projects/${project}/locations/${location}/endpoints/${endpointId}\` not found.`);
    }
    if (body.buffer === undefined) return fail(res, 400, `Request payload size exceeds the limit: ${limit} bytes.`);
    const headers = { 'X-Vertex-AI-Endpoint-Id': opts.endpointId, 'X-Vertex-AI-Deployed-Model-Id': LOCAL_DEPLOYED_MODEL_ID };

    if (method === 'rawPredict') {
      if (body.size === 0) return fail(res, 400, 'The request body is empty: send the image bytes.');
      try {
        return sendJson(res, 200, await detect(body.buffer, res), headers);
      } catch (err) {
        return failFromError(res, err);
      }
    }

    let instances: unknown;
    try {
      instances = (JSON.parse(body.buffer.toString('utf8')) as { instances?: unknown }).instances;
    } catch {
      return fail(res, 400, 'Invalid JSON payload received: the body is not JSON.');
    }
    if (!Array.isArray(instances) || instances.length === 0) return fail(res, 400, 'Invalid JSON payload received: "instances" must be a non-empty list.');
    const images: Buffer[] = [];
    for (const [i, inst] of instances.entries()) {
      const b64 = (inst as { b64?: unknown } | null)?.b64;
      if (typeof b64 !== 'string' || b64.length === 0) return fail(res, 400, `instances[${i}] must be {"b64": "<base64 image>"}.`);
      images.push(Buffer.from(b64, 'base64'));
    }
    try {
      const predictions: object[] = [];
      for (const image of images) predictions.push(await detect(image, res));
      sendJson(res, 200, { predictions, deployedModelId: LOCAL_DEPLOYED_MODEL_ID, model: modelName, modelDisplayName: scorer.model, modelVersionId: '1' }, headers);
    } catch (err) {
      failFromError(res, err);
    }
  };
}
