/**
 * How a run stops early. Two levels, as in most long-running tools: the first Ctrl-C (SIGINT,
 * SIGTERM, a Jupyter kernel interrupt) asks it to stop after the requests in flight, which end
 * within their deadlines; a second one aborts those requests too (their batch is not sealed and is
 * measured again on resume). Either way the run is marked `interrupted` and stays resumable.
 */

export type InterruptStage = 'stop' | 'abort';

export interface Interrupts {
  /** Aborted on the first interrupt: start no new request. */
  readonly stop: AbortSignal;
  /** Aborted on the second: end the requests in flight now. */
  readonly abort: AbortSignal;
  dispose(): void;
}

export interface InterruptOptions {
  /** The caller's own stop signal (same meaning as a first Ctrl-C). */
  signal?: AbortSignal;
  /** The caller's own abort signal (same meaning as a second Ctrl-C). */
  abortSignal?: AbortSignal;
  /** Listen to SIGINT/SIGTERM while the run lasts (the default). */
  handleSignals?: boolean;
  onInterrupt?: (stage: InterruptStage) => void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function watchInterrupts(opts: InterruptOptions): Interrupts {
  const stop = new AbortController();
  const abort = new AbortController();
  const escalate = () => {
    if (!stop.signal.aborted) {
      stop.abort();
      opts.onInterrupt?.('stop');
    } else if (!abort.signal.aborted) {
      abort.abort();
      opts.onInterrupt?.('abort');
    }
  };
  const onStop = () => {
    if (!stop.signal.aborted) escalate();
  };
  const onAbort = () => {
    onStop();
    if (!abort.signal.aborted) escalate();
  };
  opts.signal?.addEventListener('abort', onStop);
  opts.abortSignal?.addEventListener('abort', onAbort);
  if (opts.signal?.aborted) onStop();
  if (opts.abortSignal?.aborted) onAbort();
  // While these listeners exist Node does not exit on SIGINT: the run ends itself, cleanly.
  // Added on the next turn, never synchronously: tslab runs a notebook cell's synchronous part
  // under vm's breakOnSigint, and a SIGINT listener added inside that window leaves the process
  // with the default action afterwards, so the next kernel interrupt would kill the kernel.
  let listening = false;
  let disposed = false;
  const listen = setImmediate(() => {
    if (disposed || opts.handleSignals === false) return;
    listening = true;
    for (const s of SIGNALS) process.on(s, escalate);
  });
  return {
    stop: stop.signal,
    abort: abort.signal,
    dispose() {
      disposed = true;
      clearImmediate(listen);
      opts.signal?.removeEventListener('abort', onStop);
      opts.abortSignal?.removeEventListener('abort', onAbort);
      if (listening) for (const s of SIGNALS) process.off(s, escalate);
    },
  };
}
