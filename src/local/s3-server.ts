import http from 'node:http';
import type { AddressInfo } from 'node:net';

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
  const httpServer = http.createServer();
  httpServer.on('request', s3rver.callback());
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
