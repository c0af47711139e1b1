/** Starting, finding and stopping the local stack's host process (see stack-host.ts). */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../errors';
import { cacheRoot } from '../paths';
import { isProcessAlive } from '../processes';
import { detectorThreadsFromEnv } from './detector-threads';
import type { LocalStackConfig, LocalStackOptions, StackHostMessage, StackState } from './stack-types';

export type { LocalStackConfig, LocalStackOptions, StackState } from './stack-types';

export interface LocalStack {
  config: LocalStackConfig;
  /** The host process; the servers and detector workers all live in it. */
  pid: number;
  stop(): Promise<void>;
}

// The host runs what we run: compiled JavaScript from dist/, or TypeScript through tsx from src/.
const FROM_SOURCE = path.extname(__filename) === '.ts';
const HOST_ENTRY = path.join(__dirname, `stack-host${FROM_SOURCE ? '.ts' : '.js'}`);
const READY_TIMEOUT_MS = 60_000;

function hostExecArgv(): string[] {
  // tsx by absolute URL, so the host starts whatever the caller's working directory is.
  return ['--openssl-legacy-provider', ...(FROM_SOURCE ? ['--import', pathToFileURL(require.resolve('tsx')).href] : [])];
}

function waitForReady(child: ChildProcess): Promise<Extract<StackHostMessage, { type: 'ready' }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new UserError(`local stack did not start within ${READY_TIMEOUT_MS / 1000} s`));
    }, READY_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (msg: StackHostMessage) => {
      cleanup();
      if (msg.type === 'ready') resolve(msg);
      else reject(new UserError(`local stack failed to start: ${msg.message}`));
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new UserError(`local stack exited before it was ready (${signal ?? `exit code ${code}`})`));
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The options with the detector threads setting read here, so a bad one fails before anything starts. */
function withThreadsSetting(opts: LocalStackOptions): LocalStackOptions {
  return { ...opts, detectorThreads: opts.detectorThreads ?? detectorThreadsFromEnv() };
}

/**
 * Starts Azurite, s3rver and the inference endpoints on 127.0.0.1 in a child process and resolves
 * once every service answers. The stack stops with `stop()`, or when this process exits.
 */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const child = fork(HOST_ENTRY, [], {
    execArgv: hostExecArgv(),
    env: { ...process.env, CLOUDBENCH_STACK_OPTIONS: JSON.stringify(withThreadsSetting(opts)) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Its own process group: a Ctrl-C in a terminal, or a Jupyter kernel interrupt (sent to the
    // kernel's whole group), is the owner's to handle; the stack lives until stop() or its owner's end.
    detached: true,
  });
  const ready = await waitForReady(child);
  let stopped: Promise<void> | undefined;
  return {
    config: ready.config,
    pid: ready.pid,
    stop() {
      stopped ??= (async () => {
        child.kill('SIGTERM');
        await waitForExit(child, 10_000);
      })();
      return stopped;
    },
  };
}

/** Folder holding the detached stack's state file and log. */
export function stackStateDir(): string {
  return process.env.CLOUDBENCH_STATE_DIR ?? cacheRoot();
}

function stateFile(): string {
  return path.join(stackStateDir(), 'stack.json');
}

/** The detached stack, if one is running (a stale state file is removed). */
export function readStackState(): StackState | undefined {
  let state: StackState;
  try {
    state = JSON.parse(fs.readFileSync(stateFile(), 'utf8'));
  } catch {
    return undefined;
  }
  if (!isProcessAlive(state.pid)) {
    fs.rmSync(stateFile(), { force: true });
    return undefined;
  }
  return state;
}

/** Starts a stack that outlives this process (`cloudbench stack up --detach`). */
export async function startDetachedStack(opts: LocalStackOptions = {}): Promise<StackState> {
  const options = withThreadsSetting(opts);
  const existing = readStackState();
  if (existing) {
    throw new UserError(`a local stack is already running (pid ${existing.pid}, since ${existing.startedAt}); stop it with \`cloudbench stack down\`, or use it: \`cloudbench stack status\``);
  }
  fs.mkdirSync(stackStateDir(), { recursive: true });
  const logFile = path.join(stackStateDir(), 'stack.log');
  const log = fs.openSync(logFile, 'w');
  const child = fork(HOST_ENTRY, [], {
    execArgv: hostExecArgv(),
    env: {
      ...process.env,
      CLOUDBENCH_STACK_OPTIONS: JSON.stringify({ ...options, stateFile: stateFile(), logFile }),
    },
    detached: true,
    stdio: ['ignore', log, log, 'ipc'],
  });
  fs.closeSync(log);
  try {
    await waitForReady(child);
  } finally {
    if (child.connected) child.disconnect();
    child.unref();
  }
  const state = readStackState();
  if (!state) throw new UserError(`local stack started but wrote no state file; see ${logFile}`);
  return state;
}

/** Stops the detached stack. Returns false when none was running. */
export async function stopDetachedStack(timeoutMs = 15_000): Promise<boolean> {
  const state = readStackState();
  if (!state) return false;
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(state.pid)) {
    if (Date.now() > deadline) {
      process.kill(state.pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  fs.rmSync(stateFile(), { force: true });
  return true;
}

/** Asks each service of a stack whether it answers (any HTTP reply counts). */
export async function probeStack(config: LocalStackConfig): Promise<Record<string, boolean>> {
  const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(config.azureBlob.connectionString)?.[1] ?? '';
  const targets: Record<string, string> = {
    s3: config.s3.endpoint,
    azureBlob: blobEndpoint,
    sagemaker: `${config.sagemaker.endpoint}/ping`,
    azureml: config.azureml.scoringUri,
    gcs: `${config.gcs.apiEndpoint}/storage/v1/b/${encodeURIComponent(config.gcs.bucket)}`,
    vertex: `${config.vertex.apiEndpoint}/v1/${config.vertex.endpoint}:predict`,
  };
  const out: Record<string, boolean> = {};
  await Promise.all(
    Object.entries(targets).map(async ([name, url]) => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
        await res.arrayBuffer();
        out[name] = true;
      } catch {
        out[name] = false;
      }
    }),
  );
  return out;
}
