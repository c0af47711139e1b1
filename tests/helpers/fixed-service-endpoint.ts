/**
 * An inference endpoint with a known capacity, for load tests: the real protocol handler (Azure ML
 * `POST /score` with a bearer key, SageMaker InvokeEndpoint) in front of a scorer that serves
 * `instances` requests at a time, each taking exactly `serviceMs`, others queueing FIFO. Capacity
 * is instances / serviceMs requests per ms. `stall(ms)` holds every instance for that long, as a
 * garbage-collection pause or a node failover would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInferenceRequestHandler } from '../../src/local/inference-server';

export const FIXED_KEY = 'fixed-service-key';

export interface FixedServiceEndpoint {
  scoringUri: string;
  /** Requests answered so far. */
  served(): number;
  stall(ms: number): void;
  close(): Promise<void>;
}

export async function startFixedServiceEndpoint(opts: { serviceMs: number; instances: number }): Promise<FixedServiceEndpoint> {
  let busy = 0;
  let served = 0;
  let stalledUntil = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    busy -= 1;
    queue.shift()?.();
  };
  const handler = createInferenceRequestHandler(
    { region: 'us-east-1', accessKeyId: 'x', secretAccessKey: 'x', endpointName: 'fixed', azureKey: FIXED_KEY },
    {
      model: 'fixed-service',
      async detect() {
        if (busy >= opts.instances) await new Promise<void>((resolve) => queue.push(resolve));
        busy += 1;
        const start = performance.now();
        const wait = Math.max(opts.serviceMs, stalledUntil - start);
        await new Promise((resolve) => setTimeout(resolve, wait));
        served += 1;
        release();
        return { detections: [], inferenceMs: opts.serviceMs, width: 1, height: 1, instances: opts.instances };
      },
    },
  );
  const server = http.createServer(handler);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    scoringUri: `http://127.0.0.1:${port}/score`,
    served: () => served,
    stall(ms) {
      stalledUntil = performance.now() + ms;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
