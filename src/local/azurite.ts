import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { applyServerTimeouts, type ServerTimeouts } from './server-timeouts';

/** Azurite's well-known development account (documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

interface AzuriteBlobServer {
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
  getHttpServerAddress(): string;
}

export interface RunningAzurite {
  port: number;
  blobEndpoint: string;
  connectionString: string;
  close(): Promise<void>;
}

/**
 * Starts Azurite's Blob service in this process. Uses BlobServer directly: the package entry point
 * imports vscode, and BlobServerFactory reads process.argv. The API-version check is skipped because
 * Azurite 3.35 (the last for Node 20) rejects the versions newer SDKs send. Azurite's telemetry is a
 * CLI feature; the in-process server never starts it.
 */
export async function startAzurite(opts: { dataDir: string; host?: string; port?: number; timeouts?: Partial<ServerTimeouts> }): Promise<RunningAzurite> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const BlobServer = require('azurite/dist/src/blob/BlobServer').default;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const BlobConfiguration = require('azurite/dist/src/blob/BlobConfiguration').default;
  const host = opts.host ?? '127.0.0.1';
  const dir = opts.dataDir;
  fs.mkdirSync(dir, { recursive: true });
  // Positional: host, port, keepAliveTimeout, metadataDBPath, extentDBPath, persistenceArray,
  // enableAccessLog, accessLogWriteStream, enableDebugLog, debugLogFilePath, loose,
  // skipApiVersionCheck, cert, key, pwd, oauth, disableProductStyleUrl, isMemoryPersistence
  const cfg = new BlobConfiguration(
    host, opts.port ?? 0, 5,
    path.join(dir, '__azurite_db_blob__.json'), path.join(dir, '__azurite_db_blob_extent__.json'),
    [{ locationId: 'Default', locationPath: path.join(dir, 'blobs'), maxConcurrency: 10 }],
    false, undefined, false, undefined, false, true, '', '', '', undefined, false, false,
  );
  const server: AzuriteBlobServer = new BlobServer(cfg);
  // Azurite builds its own http.Server; the same client timeouts as our servers go on it before it listens.
  const httpServer = (server as unknown as { httpServer?: http.Server }).httpServer;
  if (!httpServer) throw new Error('Azurite: no http server to put request timeouts on (unexpected version)');
  applyServerTimeouts(httpServer, opts.timeouts);
  await server.start();
  const address = server.getHttpServerAddress(); // "http://127.0.0.1:PORT"
  const port = Number(new URL(address).port);
  const blobEndpoint = `http://${host}:${port}/${AZURITE_ACCOUNT}`;
  return {
    port,
    blobEndpoint,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`,
    close: () => server.close(),
  };
}
