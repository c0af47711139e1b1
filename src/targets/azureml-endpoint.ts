/**
 * Azure ML online endpoint (`POST …/score`, `Authorization: Bearer <key>`) and plain REST scoring
 * app (the study's App Service) adapters. There is no official Node SDK for scoring, so this is a
 * keep-alive HTTP(S) client with the retry behaviour the Azure SDKs have: up to 3 attempts on
 * 429 / 503 / connection resets, short exponential backoff with jitter, honouring Retry-After.
 */
import http from 'node:http';
import https from 'node:https';
import type { AzureMlTargetConfig, HttpTargetConfig } from '../config/targets';
import type { InferenceEndpoint, InferenceKind, InferenceResult } from './types';
import { recorder, startCall } from './measure';
import { parseScoringResponse, snippet } from './scoring-response';

const MAX_ATTEMPTS = 3;
const RETRY_STATUSES = new Set([429, 503]);
const RETRY_ERRNOS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
const BASE_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;
/** Per attempt; generous because a cold cloud instance can take seconds. */
const ATTEMPT_TIMEOUT_MS = 60_000;

export function createAzureMlEndpoint(cfg: AzureMlTargetConfig): InferenceEndpoint {
  return createJsonPostEndpoint('azureml', cfg.scoringUri, {
    Authorization: `Bearer ${cfg.key}`,
    ...(cfg.deployment ? { 'azureml-model-deployment': cfg.deployment } : {}),
  });
}

export function createHttpEndpoint(cfg: HttpTargetConfig): InferenceEndpoint {
  return createJsonPostEndpoint('http', cfg.url, cfg.headers ?? {});
}

interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function createJsonPostEndpoint(kind: InferenceKind, url: string, extraHeaders: Record<string, string>): InferenceEndpoint {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') throw new Error(`${kind} endpoint URL must be http(s), got ${url}`);
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  // Never show the query (function keys, SAS) or userinfo.
  const location = `${target.origin}${target.pathname}${kind === 'azureml' && extraHeaders['azureml-model-deployment'] ? ` (deployment ${extraHeaders['azureml-model-deployment']})` : ''}`;

  function post(body: Buffer, contentType: string): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          agent,
          headers: { Accept: 'application/json', ...extraHeaders, 'Content-Type': contentType, 'Content-Length': String(body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(ATTEMPT_TIMEOUT_MS, () =>
        req.destroy(Object.assign(new Error(`no response within ${ATTEMPT_TIMEOUT_MS} ms`), { code: 'RequestTimeout' })),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  return {
    kind,
    location,
    async invoke(image: Buffer, contentType: string): Promise<InferenceResult> {
      const call = startCall();
      const record = recorder(call, image.length);

      for (let attempt = 1; ; attempt++) {
        let reply: HttpReply;
        try {
          reply = await post(image, contentType);
        } catch (err) {
          const e = err as Error & { code?: string };
          if (attempt < MAX_ATTEMPTS && e.code && RETRY_ERRNOS.has(e.code)) {
            await sleep(backoffMs(attempt));
            continue;
          }
          return { record: record(false, attempt, { errorCode: e.code ?? e.name, errorMessage: e.message }) };
        }

        if (reply.status >= 200 && reply.status < 300) {
          const parsed = parseScoringResponse(reply.text);
          if (!parsed.ok) return { record: record(false, attempt, { errorCode: 'InvalidResponse', errorMessage: parsed.error }) };
          return { record: record(true, attempt), response: parsed.value };
        }
        if (attempt < MAX_ATTEMPTS && RETRY_STATUSES.has(reply.status)) {
          await sleep(backoffMs(attempt, reply.headers['retry-after']));
          continue;
        }
        const { code, message } = describeError(reply);
        return { record: record(false, attempt, { errorCode: code, errorMessage: message }) };
      }
    },
    async close(): Promise<void> {
      agent.destroy();
    },
  };
}

/** errorCode from the JSON error body (`{error:{code}}` or `{code}`), else `HTTP_<status>`. */
function describeError(reply: HttpReply): { code: string; message: string } {
  let code: unknown;
  let message: unknown;
  try {
    const j = JSON.parse(reply.text) as { error?: unknown; code?: unknown; message?: unknown };
    const inner = typeof j.error === 'object' && j.error !== null ? (j.error as { code?: unknown; message?: unknown }) : undefined;
    code = inner?.code ?? j.code ?? (typeof j.error === 'string' ? j.error : undefined);
    message = inner?.message ?? j.message;
  } catch {
    // not JSON: fall through to the status code and a text snippet
  }
  return {
    code: typeof code === 'string' && code ? code : `HTTP_${reply.status}`,
    message: typeof message === 'string' && message ? message : `HTTP ${reply.status}: ${snippet(reply.text) || '(empty body)'}`,
  };
}

function backoffMs(attempt: number, retryAfter?: string | string[]): number {
  const ra = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
  const seconds = ra !== undefined ? Number(ra) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_BACKOFF_MS);
  const exp = BASE_BACKOFF_MS * 2 ** (attempt - 1);
  return Math.min(exp * (0.5 + Math.random()), MAX_BACKOFF_MS);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
