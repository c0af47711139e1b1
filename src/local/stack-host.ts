/**
 * The local stack's own process: Azurite, s3rver and the inference endpoints, all on 127.0.0.1.
 * Started by stack.ts (fork with IPC); never imported by the client side, so the client that
 * measures never shares an event loop with the servers it measures.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAzureBlobStore } from '../targets/azure-blob-store';
import { startAzurite } from './azurite';
import { startInferenceServer } from './inference-server';
import { hasLegacyOpenSsl, S3RVER_CREDENTIALS, startS3Server } from './s3-server';
import type { LocalStackConfig, LocalStackOptions, StackHostMessage, StackState } from './stack-types';

interface HostOptions extends LocalStackOptions {
  /** Set for detached stacks: where to write the state file, and keep running without a parent. */
  stateFile?: string;
  logFile?: string;
}

async function main(): Promise<void> {
  const opts: HostOptions = JSON.parse(process.env.CLOUDBENCH_STACK_OPTIONS ?? '{}');
  if (!hasLegacyOpenSsl()) throw new Error('stack host must run with --openssl-legacy-provider (s3rver listings)');
  const ownDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-stack-'));
  fs.mkdirSync(path.join(dataDir, 's3'), { recursive: true });
  fs.mkdirSync(path.join(dataDir, 'azurite'), { recursive: true });

  const region = opts.region ?? 'us-east-1';
  const bucket = opts.bucket ?? 'cloudbench';
  const container = opts.container ?? 'cloudbench';
  const endpointName = opts.endpointName ?? 'cloudbench-detector';
  // Fresh keys per stack: requests signed or keyed with anything else are refused, as in the cloud.
  const sagemakerKeys = {
    accessKeyId: `AKIALOCAL${randomBytes(6).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
  const azuremlKey = randomBytes(24).toString('base64url');

  // A service that fails to start ends this process; its half-written data must not stay behind.
  process.once('exit', (code) => {
    if (code !== 0 && ownDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const [s3, azurite, inference] = await Promise.all([
    startS3Server({ dataDir: path.join(dataDir, 's3'), buckets: [bucket], port: opts.s3Port }),
    startAzurite({ dataDir: path.join(dataDir, 'azurite'), port: opts.blobPort }),
    startInferenceServer({
      port: opts.inferencePort,
      region,
      ...sagemakerKeys,
      endpointName,
      azureKey: azuremlKey,
      instances: opts.instances ?? 1,
      scoreThreshold: opts.scoreThreshold,
      iouThreshold: opts.iouThreshold,
    }),
  ]);
  const blob = createAzureBlobStore({ type: 'azure-blob', connectionString: azurite.connectionString, container });
  await blob.ensureContainer();
  await blob.close();

  const config: LocalStackConfig = {
    s3: { endpoint: s3.endpoint, region, ...S3RVER_CREDENTIALS, bucket },
    azureBlob: { connectionString: azurite.connectionString, container },
    sagemaker: { endpoint: inference.sagemakerEndpoint, region, endpointName, ...sagemakerKeys },
    azureml: { scoringUri: inference.scoringUri, key: azuremlKey },
  };

  let stopping = false;
  const stop = async (code: number) => {
    // SIGINT and SIGTERM (or a disconnect) may all arrive: stop once.
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([s3.close(), azurite.close(), inference.close()]);
    if (opts.stateFile) fs.rmSync(opts.stateFile, { force: true });
    if (ownDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  // An attached stack dies with its parent, so a crashed client never leaves servers behind.
  if (!opts.stateFile) process.on('disconnect', () => stop(0));

  if (opts.stateFile) {
    const state: StackState = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      dataDir,
      logFile: opts.logFile ?? '',
      config,
    };
    fs.writeFileSync(opts.stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
  }
  send({ type: 'ready', config, pid: process.pid, dataDir });
}

function send(msg: StackHostMessage): void {
  if (process.send && process.connected) process.send(msg);
}

/** What went wrong, in words a user can act on. */
function describeStartError(err: NodeJS.ErrnoException & { port?: number }): string {
  if (err.code === 'EADDRINUSE') {
    return `port ${err.port ?? '?'} on 127.0.0.1 is already in use: choose another with --s3-port/--blob-port/--inference-port, or leave the ports ephemeral`;
  }
  if (err.code === 'EACCES') return `not allowed to listen on port ${err.port ?? '?'}: use a port above 1023`;
  return err.message;
}

main().catch((err: NodeJS.ErrnoException) => {
  const message = describeStartError(err);
  send({ type: 'error', message });
  // Without a parent to tell (a detached start whose parent is gone), the log is the only witness.
  if (!process.connected) console.error(`cloudbench stack: ${message}`);
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
