/**
 * http(s) agents that put a deadline on every request made through them and account for it in
 * the current measured call (call-context.ts). Every adapter hands these agents to its SDK
 * (AWS: NodeHttpHandler's httpAgent/httpsAgent; Azure: the request's `agent`; Azure ML: its own
 * client), so one mechanism covers S3, Azure Blob, SageMaker and Azure ML alike.
 *
 * `addRequest` is the agent's hook for each ClientRequest (it is what agent-base and the proxy
 * agents override); it runs synchronously inside `http.request()`, so the measured call's
 * AsyncLocalStorage slot is current there.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { currentCall, type CallState, type TransportFailure } from './call-context';
import { RequestTimeoutError, timeoutLimit, type RequestTimeouts, type TimeoutKind } from './timeouts';

export interface DeadlineAgents {
  http: http.Agent;
  https: https.Agent;
  /** The agent for a URL's protocol. */
  for(url: string | URL): http.Agent;
  destroy(): void;
}

type AddRequest = (req: http.ClientRequest, options: unknown) => void;

/** Agents whose requests outside any measured call (housekeeping: list, delete, …) get `defaults`. */
export function createDeadlineAgents(defaults: RequestTimeouts): DeadlineAgents {
  const options = { keepAlive: true };
  const httpAgent = new http.Agent(options);
  const httpsAgent = new https.Agent(options);
  for (const agent of [httpAgent, httpsAgent]) {
    const original = (agent as unknown as { addRequest: AddRequest }).addRequest.bind(agent);
    (agent as unknown as { addRequest: AddRequest }).addRequest = (req, opts) => {
      watchAttempt(req, currentCall(), defaults);
      original(req, opts);
    };
  }
  return {
    http: httpAgent,
    https: httpsAgent,
    for: (url) => (new URL(String(url)).protocol === 'https:' ? httpsAgent : httpAgent),
    destroy() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/**
 * One HTTP attempt: counts it, arms its deadlines, ends it when the call's signal aborts (adapters
 * whose SDK is not handed the signal rely on this), and notes a transport failure on the call.
 */
function watchAttempt(req: http.ClientRequest, call: CallState | undefined, defaults: RequestTimeouts): void {
  const limits = call?.timeouts ?? defaults;
  if (call) {
    call.attempts += 1;
    call.lastFailure = undefined;
  }
  let response: http.IncomingMessage | undefined;
  let settled = false;
  let connecting = false;
  let connectTimer: NodeJS.Timeout | undefined;

  const note = (failure: TransportFailure) => {
    if (call && !settled) call.lastFailure = failure;
  };
  const settle = () => {
    settled = true;
    clearTimeout(firstByteTimer);
    clearTimeout(totalTimer);
    clearTimeout(connectTimer);
    call?.signal?.removeEventListener('abort', abort);
  };
  const abort = () => {
    if (settled) return;
    settle();
    const err = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    if (response) response.destroy(err);
    else req.destroy(err);
  };
  const expire = (deadline: TimeoutKind, socket?: Socket) => {
    if (settled) return;
    // Any deadline that passes before the connection is up says so: the connection is the cause.
    const err = new RequestTimeoutError(connecting ? 'connect' : deadline, timeoutLimit(limits, deadline));
    note({ code: err.name, message: err.message });
    settle();
    // Into the part the SDK is waiting on: the socket while connecting, the body once it flows.
    if (socket) socket.destroy(err);
    else if (response) response.destroy(err);
    else req.destroy(err);
  };
  if (call?.signal?.aborted) queueMicrotask(abort);
  else call?.signal?.addEventListener('abort', abort, { once: true });
  const firstByteTimer = setTimeout(() => expire('firstByte'), limits.firstByteMs);
  const totalTimer = setTimeout(() => expire('total'), limits.totalMs);

  req.once('socket', (socket: Socket) => {
    if (!socket.connecting) return; // a reused keep-alive socket: nothing to connect
    connecting = true;
    connectTimer = setTimeout(() => expire('connect', socket), limits.connectMs);
    socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => {
      connecting = false;
      clearTimeout(connectTimer);
    });
  });
  req.on('error', (err: NodeJS.ErrnoException) => {
    if (!(err instanceof RequestTimeoutError)) note(transportError(err, response !== undefined));
    settle();
  });
  req.once('close', () => {
    if (!response) settle();
  });
  req.once('response', (res: http.IncomingMessage) => {
    response = res;
    clearTimeout(firstByteTimer);
    res.once('end', settle);
    // Without this listener a reset body nobody reads would be an uncaught error.
    res.on('error', (err: NodeJS.ErrnoException) => {
      if (!(err instanceof RequestTimeoutError)) note(transportError(err, true));
    });
    res.once('close', () => {
      if (!res.complete) {
        note({ code: 'ECONNRESET', message: 'connection closed while receiving the response body' });
        failPipes(res);
      }
      settle();
    });
  });
}

/**
 * Ends with an error every stream the broken response was piped into (Readable keeps them in its
 * state): `pipe` does not pass on a source's error, so such a stream would wait for an end that
 * never comes. node-fetch 2 (under the Google storage client) pipes the response into its own body
 * stream and, on Node ≥ 14, never learns that a Content-Length body ended early.
 */
function failPipes(res: http.IncomingMessage): void {
  const pipes = (res as unknown as { _readableState?: { pipes?: unknown } })._readableState?.pipes;
  for (const dest of Array.isArray(pipes) ? pipes : []) {
    const stream = dest as { destroy?: (err: Error) => void; destroyed?: boolean };
    if (stream.destroy && !stream.destroyed) stream.destroy(Object.assign(new Error('connection closed while receiving the response body'), { code: 'ECONNRESET' }));
  }
}

function transportError(err: NodeJS.ErrnoException, inBody: boolean): TransportFailure {
  const code = err.code && err.code !== 'ERR_STREAM_PREMATURE_CLOSE' ? err.code : 'ECONNRESET';
  const where = inBody ? 'while receiving the response body' : 'before the response';
  return { code, message: `${code} ${where}: ${err.message}` };
}
