/**
 * The local stack's own process: Azurite, s3rver, the Cloud Storage endpoint and the inference
 * endpoints, all on 127.0.0.1.
 * Started by stack.ts (fork with IPC); never imported by the client side, so the client that
 * measures never shares an event loop with the servers it measures.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAzureBlobStore } from '../targets/azure-blob-store';
import { startAzurite } from './azurite';
import { availableCores } from './detector-threads';
import { startGcsServer } from './gcs-server';
import { startInferenceServer } from './inference-server';
import { hasLegacyOpenSsl, S3RVER_CREDENTIALS, startS3Server } from './s3-server';
import type { LocalStackConfig, LocalStackOptions, StackHostMessage, StackState } from './stack-types';

interface HostOptions extends LocalStackOptions {
  /** Set for detached stacks: where to write the state file, and keep running without a parent. */
  stateFile?: string;
  logFile?: string;
}

const opts: HostOptions = JSON.parse(process.env.CLOUDBENCH_STACK_OPTIONS ?? '{}');

// An attached stack belongs to the process that started it: it ends when that process is gone,
// at any moment, start-up included (before the servers are up there is nothing to close).
if (!opts.stateFile) {
  process.on('disconnect', () => void stopHost(0));
  // Gone already while this module was loading: there is no one to serve.
  if (!process.connected) setImmediate(() => void stopHost(0));
  // Lives in its own process group (stack.ts), so a Ctrl-C or a Jupyter kernel interrupt sent to
  // the parent's group does not reach it; if one does arrive anyway, the owner decides, not us.
  process.on('SIGINT', () => {});
}

/** What stopping must undo; filled in as start-up gets further. */
const cleanups: Array<() => Promise<unknown> | unknown> = [];
let stopping = false;
async function stopHost(code: number): Promise<never> {
  // SIGTERM, SIGINT and a disconnect may all arrive: stop once.
  if (!stopping) {
    stopping = true;
    for (const undo of cleanups.splice(0).reverse()) await Promise.resolve().then(undo).catch(() => undefined);
  }
  process.exit(code);
}

async function main(): Promise<void> {
  if (!hasLegacyOpenSsl()) throw new Error('stack host must run with --openssl-legacy-provider (s3rver listings)');
  const ownDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-stack-'));
  // Retried: a service still starting may be writing into it from libuv's thread pool meanwhile.
  const removeDataDir = () => fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  if (ownDataDir) cleanups.push(removeDataDir);
  fs.mkdirSync(path.join(dataDir, 's3'), { recursive: true });
  fs.mkdirSync(path.join(dataDir, 'azurite'), { recursive: true });
  fs.mkdirSync(path.join(dataDir, 'gcs'), { recursive: true });

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
  // An OAuth-looking token ("ya29." is Google's access-token prefix) the Vertex route requires.
  const vertexToken = `ya29.local-${randomBytes(24).toString('base64url')}`;
  const gcpProject = opts.gcpProject ?? 'cloudbench-local';
  const gcpLocation = opts.gcpLocation ?? 'us-central1';
  const vertexEndpointId = '1234567890';

  // However the process ends (a failed start, a stop mid-start), its own data must not stay behind.
  process.once('exit', () => {
    if (ownDataDir) removeDataDir();
  });
  // Each service is registered for closing as soon as it is up, so a stop during start-up closes it.
  const started = <T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> =>
    p.then((service) => {
      cleanups.push(() => service.close());
      return service;
    });
  const [s3, azurite, gcs, inference] = await Promise.all([
    started(startS3Server({ dataDir: path.join(dataDir, 's3'), buckets: [bucket], port: opts.s3Port, region, timeouts: opts.serverTimeouts })),
    started(startAzurite({ dataDir: path.join(dataDir, 'azurite'), port: opts.blobPort, timeouts: opts.serverTimeouts })),
    started(startGcsServer({ dataDir: path.join(dataDir, 'gcs'), port: opts.gcsPort, buckets: [bucket], timeouts: opts.serverTimeouts })),
    started(startInferenceServer({
      port: opts.inferencePort,
      region,
      ...sagemakerKeys,
      endpointName,
      azureKey: azuremlKey,
      vertex: { project: gcpProject, location: gcpLocation, endpointId: vertexEndpointId, token: vertexToken },
      instances: opts.instances ?? 1,
      ...(opts.autoscale ? { autoscale: opts.autoscale } : {}),
      threads: opts.detectorThreads,
      scoreThreshold: opts.scoreThreshold,
      iouThreshold: opts.iouThreshold,
      timeouts: opts.serverTimeouts,
    })),
  ]);
  if (stopping) return;
  const blob = createAzureBlobStore({ type: 'azure-blob', connectionString: azurite.connectionString, container });
  await blob.ensureContainer();
  await blob.close();

  const config: LocalStackConfig = {
    s3: { endpoint: s3.endpoint, region, ...S3RVER_CREDENTIALS, bucket },
    azureBlob: { connectionString: azurite.connectionString, container },
    sagemaker: { endpoint: inference.sagemakerEndpoint, region, endpointName, ...sagemakerKeys },
    azureml: { scoringUri: inference.scoringUri, key: azuremlKey },
    gcs: { apiEndpoint: gcs.apiEndpoint, projectId: gcpProject, bucket },
    vertex: {
      apiEndpoint: inference.vertexApiEndpoint,
      endpoint: `projects/${gcpProject}/locations/${gcpLocation}/endpoints/${vertexEndpointId}`,
      accessToken: vertexToken,
    },
    detector: { model: inference.model, threadsPerInstance: inference.threads, cores: availableCores() },
  };

  process.on('SIGTERM', () => void stopHost(0));
  // A detached stack (its own session, no owner) stops on SIGINT too: `kill -INT` is a user's way.
  if (opts.stateFile) process.on('SIGINT', () => void stopHost(0));

  if (opts.stateFile) {
    const stateFile = opts.stateFile;
    cleanups.push(() => fs.rmSync(stateFile, { force: true }));
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
    return `port ${err.port ?? '?'} on 127.0.0.1 is already in use: choose another with --s3-port/--blob-port/--gcs-port/--inference-port, or leave the ports ephemeral`;
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
