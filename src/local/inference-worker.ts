/**
 * Worker-thread entry point: one detector per thread, one request at a time (the pool only sends
 * a new request after the previous reply), so one worker = as many busy cores as its wasm threads.
 * Messages are defined in inference-pool.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createDetector, type Detector } from './detector';
import type { InferenceWorkerData, WorkerReply, WorkerRequest, SerializedError } from './inference-pool';

function serialize(err: unknown): SerializedError {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  return { name: e.name, message: e.message, code: typeof code === 'string' ? code : undefined };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('inference-worker must run in a worker thread');
  const reply = (m: WorkerReply) => port.postMessage(m);
  const data = workerData as InferenceWorkerData;

  let detector: Detector;
  try {
    detector = await createDetector(data.detector);
  } catch (err) {
    reply({ type: 'init-error', error: serialize(err) });
    return;
  }

  port.on('message', (msg: WorkerRequest) => {
    if (msg.type !== 'detect') return;
    // Structured clone turns the Buffer into a plain Uint8Array: re-wrap without copying.
    const image = Buffer.from(msg.image.buffer, msg.image.byteOffset, msg.image.byteLength);
    detector.detect(image).then(
      (result) => reply({ type: 'result', id: msg.id, result }),
      (err: unknown) => reply({ type: 'error', id: msg.id, error: serialize(err) }),
    );
  });
  reply({ type: 'ready', model: detector.model, threads: detector.threads });
}

void main();
