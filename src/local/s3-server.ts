import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSigV4Verifier, type SigV4ErrorType } from './sigv4-verify';
import { serverTimeouts, type ServerTimeouts } from './server-timeouts';

/** s3rver accepts only this key pair (anything else is 403 InvalidAccessKeyId). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface RunningS3 {
  port: number;
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts s3rver in this process, with the given buckets created.
 * The process must run with --openssl-legacy-provider: s3rver encrypts ListObjectsV2 continuation
 * tokens with DES, which OpenSSL 3 refuses otherwise (truncated listings would fail with 500).
 */
export async function startS3Server(opts: {
  dataDir: string;
  buckets: string[];
  host?: string;
  port?: number;
  region: string;
  timeouts?: Partial<ServerTimeouts>;
}): Promise<RunningS3> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver');
  const host = opts.host ?? '127.0.0.1';
  const s3rver = new S3rver({
    address: host,
    port: opts.port ?? 0,
    directory: opts.dataDir,
    silent: true,
    configureBuckets: opts.buckets.map((name) => ({ name })),
  });
  await s3rver.configureBuckets();
  // Our own listen instead of s3rver.run(): run() never rejects, a busy port becomes an
  // unhandled 'error' event that kills the process.
  const httpServer = http.createServer(serverTimeouts(opts.timeouts));
  const handle = s3rver.callback();
  const authenticate = createS3Authenticator(opts.region);
  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    authenticate(req).then(
      (refusal) => (refusal ? sendS3Error(res, 403, refusal.code, refusal.message) : handle(req, res)),
      (err: Error) => sendS3Error(res, 500, 'InternalError', err.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port ?? 0, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const address = httpServer.address() as AddressInfo;
  return {
    port: address.port,
    endpoint: `http://${host}:${address.port}`,
    async close() {
      // Keep-alive sockets would hold close() open until the clients time out.
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      s3rver.logger?.exceptions?.unhandle?.();
      s3rver.logger?.close?.();
    },
  };
}

/** True when this process can run s3rver's paginated listings. */
export function hasLegacyOpenSsl(): boolean {
  const crypto = require('node:crypto') as typeof import('node:crypto');
  try {
    crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

const S3_ERROR_CODES: Record<SigV4ErrorType, string> = {
  MissingAuthenticationTokenException: 'AccessDenied',
  IncompleteSignatureException: 'AuthorizationHeaderMalformed',
  UnrecognizedClientException: 'InvalidAccessKeyId',
  InvalidSignatureException: 'SignatureDoesNotMatch',
};

/**
 * What s3rver leaves open, closed in front of it, as S3 does: a request without an Authorization
 * header is refused (AccessDenied), a SigV4 header is verified in full against the stack's keys
 * (s3rver checks only the key id), and a SigV2 header goes on to s3rver, which verifies it.
 * Query-string authentication (presigned URLs) is refused: s3rver checks neither its signature
 * nor, without X-Amz-Algorithm, anything at all, and cloudbench never presigns.
 */
function createS3Authenticator(region: string): (req: http.IncomingMessage) => Promise<{ code: string; message: string } | undefined> {
  const verify = createSigV4Verifier({ region, service: 's3', credentials: S3RVER_CREDENTIALS, uriEscapePath: false });
  return async (req) => {
    const auth = req.headers.authorization;
    if (!auth) {
      return {
        code: 'AccessDenied',
        message: 'Anonymous access is not allowed: sign the request with the stack\'s S3 keys in an Authorization header (the local S3 takes no presigned URLs).',
      };
    }
    if (!auth.startsWith('AWS4-HMAC-SHA256')) return undefined;
    const payload = req.headers['x-amz-content-sha256'];
    if (typeof payload !== 'string') {
      return { code: 'InvalidRequest', message: 'Missing required header for this request: x-amz-content-sha256' };
    }
    const outcome = await verify({ method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders, payloadSha256: payload });
    return outcome.ok ? undefined : { code: S3_ERROR_CODES[outcome.errorType], message: outcome.message };
  };
}

function sendS3Error(res: http.ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) return;
  const escape = (t: string) => t.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escape(message)}</Message></Error>`;
  // The request body is not read: ask the client to close rather than drain it.
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' });
  res.end(body);
}
