/**
 * SageMaker real-time endpoint adapter: InvokeEndpoint through the official SDK, so signing,
 * retries and keep-alive behave exactly as in a client of the real service. Requests go through
 * the deadline agents (deadline-agent.ts), which bound and count every attempt.
 */
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { SageMakerTargetConfig } from '../config/targets';
import { trackCall } from './call-context';
import { createDeadlineAgents } from './deadline-agent';
import { callRecord, startCall } from './measure';
import { createRetryStrategy, DEFAULT_RETRY } from './retry';
import { createCodec } from '../protocol/codecs';
import { InvalidResponseError } from '../protocol/scoring';
import { DEFAULT_TIMEOUTS } from './timeouts';
import type { AdapterOptions, InferenceEndpoint, InferenceResult } from './types';

export function createSageMakerEndpoint(cfg: SageMakerTargetConfig, opts: AdapterOptions = {}): InferenceEndpoint {
  const timeouts = opts.timeouts?.inference ?? DEFAULT_TIMEOUTS;
  const agents = createDeadlineAgents(timeouts);
  const client = new SageMakerRuntimeClient({
    region: cfg.region,
    // Absent: the SDK resolves the regional AWS endpoint / the default credential chain.
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    // A copy: the SDK writes tracking fields ($source) into the credentials object it is given.
    ...(cfg.credentials ? { credentials: { ...cfg.credentials } } : {}),
    requestHandler: new NodeHttpHandler({ httpAgent: agents.http, httpsAgent: agents.https }),
    retryStrategy: createRetryStrategy(opts.retry ?? DEFAULT_RETRY),
  });
  const codec = createCodec(cfg.codec);
  const location = `sagemaker://${cfg.endpointName} (${cfg.region}${cfg.endpoint ? `, ${cfg.endpoint}` : ''})`;

  return {
    kind: 'sagemaker',
    location,
    async invoke(image: Buffer, contentType: string, { signal } = {}): Promise<InferenceResult> {
      const clock = startCall();
      const request = codec.encode(image, contentType);
      const outcome = await trackCall(timeouts, signal, async () => {
        const out = await client.send(
          new InvokeEndpointCommand({
            EndpointName: cfg.endpointName,
            Body: request.body,
            ContentType: request.contentType,
            Accept: 'application/json',
            CustomAttributes: cfg.customAttributes,
          }),
          { abortSignal: signal },
        );
        const parsed = codec.decode(out.Body ? Buffer.from(out.Body).toString('utf8') : '', image);
        if (!parsed.ok) throw new InvalidResponseError(parsed.error);
        return parsed.value;
      });
      return { record: callRecord(clock, request.body.length, outcome), response: outcome.value };
    },
    async close(): Promise<void> {
      client.destroy();
      agents.destroy();
    },
  };
}
