/**
 * A scoring endpoint reached by a JSON/bytes POST without an SDK (Azure ML online endpoints, plain
 * REST apps, Vertex AI prediction): a keep-alive HTTP(S) client that retries what the cloud SDKs
 * retry (429 and 503, honouring Retry-After; resets and timeouts) with the AWS SDK's standard
 * backoff strategy (retry.ts), and sends every attempt through the deadline agents
 * (deadline-agent.ts). The codec encodes the request and decodes the answer.
 */
import http from 'node:http';
import https from 'node:https';
import { isTransportFailure, trackCall } from './call-context';
import { createDeadlineAgents } from './deadline-agent';
import { callRecord, startCall } from './measure';
import { createRetryStrategy, DEFAULT_RETRY, retrying, type AttemptResult } from './retry';
import type { Codec } from '../protocol/codecs';
import { InvalidResponseError, snippet } from '../protocol/scoring';
import { DEFAULT_TIMEOUTS } from './timeouts';
import type { ScoringResponse } from '../protocol/scoring';
import type { AdapterOptions, InferenceEndpoint, InferenceKind, InferenceResult } from './types';

const RETRY_STATUSES = new Set([429, 503]);

export interface JsonPostTarget {
  kind: InferenceKind;
  url: string;
  /** Human-readable location; never the query (keys, SAS) or userinfo. */
  location: string;
  /** Headers of every request; a function is asked before each call (a bearer token that refreshes). */
  headers: Record<string, string> | (() => Promise<Record<string, string>>);
  codec: Codec;
}

interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function createJsonPostEndpoint(t: JsonPostTarget, opts: AdapterOptions): InferenceEndpoint {
  const { kind, codec } = t;
  const target = new URL(t.url);
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') throw new Error(`${kind} endpoint URL must be http(s), got ${target.protocol}`);
  const timeouts = opts.timeouts?.inference ?? DEFAULT_TIMEOUTS;
  const agents = createDeadlineAgents(timeouts);
  const agent = secure ? agents.https : agents.http;
  const strategy = createRetryStrategy(opts.retry ?? DEFAULT_RETRY);

  function post(body: Buffer, contentType: string, extraHeaders: Record<string, string>, signal: AbortSignal | undefined): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          agent,
          signal,
          headers: { Accept: 'application/json', ...extraHeaders, 'Content-Type': contentType, 'Content-Length': String(body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  return {
    kind,
    location: t.location,
    async invoke(image: Buffer, contentType: string, { signal } = {}): Promise<InferenceResult> {
      const clock = startCall();
      const request = codec.encode(image, contentType);
      type Attempt = { response?: ScoringResponse; error?: Error };
      const outcome = await trackCall(timeouts, signal, async (call) => {
        // Inside the call, as the AWS SDK resolves credentials inside send(): a token refresh is part of what a caller waits for.
        const extraHeaders = typeof t.headers === 'function' ? await t.headers() : t.headers;
        const last = await retrying<Attempt>(
          strategy,
          async (): Promise<AttemptResult<Attempt>> => {
            let reply: HttpReply;
            try {
              reply = await post(request.body, request.contentType, extraHeaders, signal);
            } catch (err) {
              return { done: false, retry: isTransportFailure(call) ? 'TRANSIENT' : null, value: { error: err as Error } };
            }
            if (reply.status >= 200 && reply.status < 300) {
              const parsed = codec.decode(reply.text, image);
              return parsed.ok ? { done: true, value: { response: parsed.value } } : { done: true, value: { error: new InvalidResponseError(parsed.error) } };
            }
            const error = serviceError(reply);
            if (!RETRY_STATUSES.has(reply.status)) return { done: false, retry: null, value: { error } };
            return { done: false, retry: reply.status === 429 ? 'THROTTLING' : 'TRANSIENT', value: { error }, retryAfterMs: retryAfterMs(reply.headers['retry-after']) };
          },
          () => signal?.aborted === true,
        );
        if (last.error) throw last.error;
        return last.response!;
      });
      return { record: callRecord(clock, request.body.length, outcome), response: outcome.value };
    },
    async close(): Promise<void> {
      agents.destroy();
    },
  };
}

/** The error of a non-2xx reply, named by the JSON error body's code (`{error:{code}}` or `{code}`), else `HTTP_<status>`. */
function serviceError(reply: HttpReply): Error {
  let code: unknown;
  let message: unknown;
  try {
    const j = JSON.parse(reply.text) as { error?: unknown; code?: unknown; message?: unknown };
    const inner = typeof j.error === 'object' && j.error !== null ? (j.error as { code?: unknown; message?: unknown }) : undefined;
    // Google's shape carries a numeric code and a status name (UNAUTHENTICATED, NOT_FOUND): the name says more.
    const innerStatus = (inner as { status?: unknown } | undefined)?.status;
    code = (typeof inner?.code === 'string' ? inner.code : innerStatus) ?? j.code ?? (typeof j.error === 'string' ? j.error : undefined);
    message = inner?.message ?? j.message;
  } catch {
    // not JSON: fall through to the status code and a text snippet
  }
  const error = new Error(typeof message === 'string' && message ? message : `HTTP ${reply.status}: ${snippet(reply.text) || '(empty body)'}`);
  error.name = typeof code === 'string' && code ? code : `HTTP_${reply.status}`;
  return error;
}

function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  const seconds = v !== undefined ? Number(v) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
