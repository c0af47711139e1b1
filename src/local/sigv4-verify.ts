/**
 * Server-side AWS Signature Version 4 check for the local SageMaker runtime endpoint and the local
 * S3 (s3rver checks only the access key of a V4 request, not its signature).
 *
 * Instead of re-implementing the canonicalisation rules we re-sign the received request with the
 * same signer the SDKs use (@smithy/signature-v4) and compare signatures. Two traps handled here:
 * - the signer trusts an `x-amz-content-sha256` header as the payload hash, so we always put the
 *   hash *we* computed from the received body there (a lying header then fails the comparison);
 * - the signer would sign every header it is given, so it only gets the headers the client listed
 *   in SignedHeaders (and `signableHeaders` lets a client sign ones it normally skips).
 * The raw, still URL-encoded path is passed on: the signer encodes it again, exactly as the client
 * did when it signed (non-S3 services double-encode).
 */
import { timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import type { HttpRequest, QueryParameterBag } from '@smithy/types';

/** AWS's 403 error types for authentication failures, as sent in `x-amzn-ErrorType`. */
export type SigV4ErrorType =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException';

export type SigV4Outcome =
  | { ok: true; accessKeyId: string }
  | { ok: false; errorType: SigV4ErrorType; message: string };

export interface SigV4VerifierOptions {
  region: string;
  service: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Allowed clock difference between client and server; AWS allows 15 minutes. */
  maxSkewMs?: number;
  /** Encode the path again when signing: true for every AWS service but S3 (default true). */
  uriEscapePath?: boolean;
}

export interface ReceivedRequest {
  method: string;
  /** Raw request target as received: path (still URL-encoded) and query. */
  url: string;
  /** Node's `rawHeaders` (name, value, name, value, …), so duplicates are joined AWS-style. */
  rawHeaders: string[];
  /** Hex SHA-256 of the received body (S3: the client's `x-amz-content-sha256`, which S3 signs as given). */
  payloadSha256: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SHA256_HEADER = 'x-amz-content-sha256';
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export function createSigV4Verifier(opts: SigV4VerifierOptions): (req: ReceivedRequest) => Promise<SigV4Outcome> {
  const maxSkewMs = opts.maxSkewMs ?? 15 * 60_000;
  const signer = new SignatureV4({
    credentials: opts.credentials,
    region: opts.region,
    service: opts.service,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false, // never add a payload-hash header the client did not send
    uriEscapePath: opts.uriEscapePath ?? true,
  });
  const fail = (errorType: SigV4ErrorType, message: string): SigV4Outcome => ({ ok: false, errorType, message });

  return async (req) => {
    const headers = joinHeaders(req.rawHeaders);
    const auth = headers['authorization'];
    if (!auth) return fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
    const parsed = parseAuthorization(auth);
    if ('error' in parsed) return fail('IncompleteSignatureException', parsed.error);
    const { accessKeyId, scopeDate, scopeRegion, scopeService, signedHeaders, signature } = parsed;

    if (accessKeyId !== opts.credentials.accessKeyId) {
      return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    if (scopeRegion !== opts.region) {
      return fail('InvalidSignatureException', `Credential should be scoped to a valid region, not '${scopeRegion}'.`);
    }
    if (scopeService !== opts.service) {
      return fail('InvalidSignatureException', `Credential should be scoped to correct service: '${opts.service}'.`);
    }
    const amzDate = headers['x-amz-date'];
    const signingDate = amzDate ? parseAmzDate(amzDate) : undefined;
    if (!amzDate || !signingDate || !signedHeaders.includes('x-amz-date')) {
      return fail('IncompleteSignatureException', "Authorization requires a signed 'X-Amz-Date' header in the form yyyyMMddTHHmmssZ.");
    }
    if (amzDate.slice(0, 8) !== scopeDate) {
      return fail('InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}'.`);
    }
    const skew = signingDate.getTime() - Date.now();
    if (Math.abs(skew) > maxSkewMs) {
      const when = skew < 0 ? 'Signature expired' : 'Signature not yet current';
      return fail('InvalidSignatureException', `${when}: ${amzDate} is outside the allowed ${maxSkewMs / 60_000} min window around ${toAmzDate(new Date())}.`);
    }
    if (!signedHeaders.includes('host')) {
      return fail('InvalidSignatureException', "'Host' must be a signed header.");
    }

    const signed: Record<string, string> = {};
    for (const name of signedHeaders) {
      if (headers[name] !== undefined) signed[name] = headers[name];
    }
    // Always our own hash; only signed when the client signed it (see header comment).
    signed[SHA256_HEADER] = req.payloadSha256;
    const { path, query } = splitTarget(req.url);
    const request: HttpRequest = {
      method: req.method,
      protocol: 'http:',
      hostname: headers['host'] ?? '',
      path,
      query,
      headers: signed,
    };
    const resigned = await signer.sign(request, {
      signingDate,
      signableHeaders: new Set(signedHeaders),
      unsignableHeaders: signedHeaders.includes(SHA256_HEADER) ? undefined : new Set([SHA256_HEADER]),
    });
    const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers['authorization']))?.[1] ?? '';
    const expectedList = /SignedHeaders=([^,\s]+)/.exec(String(resigned.headers['authorization']))?.[1] ?? '';
    const same =
      expectedList === signedHeaders.join(';') &&
      signature.length === expected.length &&
      timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
    return same ? { ok: true, accessKeyId } : fail('InvalidSignatureException', MISMATCH);
  };
}

interface ParsedAuthorization {
  accessKeyId: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string): ParsedAuthorization | { error: string } {
  const m = /^(\S+)\s+(.*)$/.exec(header.trim());
  if (!m || m[1] !== ALGORITHM) return { error: `Authorization header must use the ${ALGORITHM} algorithm.` };
  const params = new Map<string, string>();
  for (const part of m[2].split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !params.get(k));
  if (missing.length) {
    return { error: missing.map((k) => `Authorization header requires '${k}' parameter.`).join(' ') + ` Authorization=${header}` };
  }
  const scope = params.get('Credential')!.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    return { error: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/aws4_request." };
  }
  return {
    accessKeyId: scope[0],
    scopeDate: scope[1],
    scopeRegion: scope[2],
    scopeService: scope[3],
    signedHeaders: params.get('SignedHeaders')!.split(';').map((h) => h.trim().toLowerCase()),
    signature: params.get('Signature')!.toLowerCase(),
  };
}

/** Lower-cased names; repeated headers joined with ',' as SigV4 canonicalisation expects. */
function joinHeaders(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    out[name] = name in out ? `${out[name]},${raw[i + 1]}` : raw[i + 1];
  }
  return out;
}

function splitTarget(url: string): { path: string; query: QueryParameterBag } {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query: QueryParameterBag = {};
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
      const prev = query[k];
      query[k] = prev === undefined || prev === null ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
  }
  return { path, query };
}

function parseAmzDate(v: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function toAmzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
