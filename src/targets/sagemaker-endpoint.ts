/**
 * SageMaker real-time endpoint adapter: InvokeEndpoint through the official SDK, so signing,
 * retries and keep-alive behave exactly as in a client of the real service.
 */
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { SageMakerTargetConfig } from '../config/targets';
import type { InferenceEndpoint, InferenceResult } from './types';
import { recorder, startCall } from './measure';
import { parseScoringResponse } from './scoring-response';

export function createSageMakerEndpoint(cfg: SageMakerTargetConfig): InferenceEndpoint {
  const client = new SageMakerRuntimeClient({
    region: cfg.region,
    // Absent: the SDK resolves the regional AWS endpoint / the default credential chain.
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    // A copy: the SDK writes tracking fields ($source) into the credentials object it is given.
    ...(cfg.credentials ? { credentials: { ...cfg.credentials } } : {}),
  });
  const location = `sagemaker://${cfg.endpointName} (${cfg.region}${cfg.endpoint ? `, ${cfg.endpoint}` : ''})`;

  return {
    kind: 'sagemaker',
    location,
    async invoke(image: Buffer, contentType: string): Promise<InferenceResult> {
      const call = startCall();
      const record = recorder(call, image.length);
      try {
        const out = await client.send(
          new InvokeEndpointCommand({
            EndpointName: cfg.endpointName,
            Body: image,
            ContentType: contentType,
            Accept: 'application/json',
            CustomAttributes: cfg.customAttributes,
          }),
        );
        const attempts = out.$metadata.attempts ?? 1;
        const text = out.Body ? Buffer.from(out.Body).toString('utf8') : '';
        const parsed = parseScoringResponse(text);
        if (!parsed.ok) return { record: record(false, attempts, { errorCode: 'InvalidResponse', errorMessage: parsed.error }) };
        return { record: record(true, attempts), response: parsed.value };
      } catch (err) {
        const e = err as Error & { code?: string; $metadata?: { attempts?: number } };
        // Service errors carry their modelled name (ModelError, ValidationError, …); network
        // failures their errno code (ECONNREFUSED, …).
        const errorCode = e.name && e.name !== 'Error' ? e.name : (e.code ?? 'Error');
        return { record: record(false, e.$metadata?.attempts ?? 1, { errorCode, errorMessage: e.message }) };
      }
    },
    async close(): Promise<void> {
      client.destroy();
    },
  };
}
