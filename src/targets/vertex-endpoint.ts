/**
 * Vertex AI online prediction (`POST {apiEndpoint}/v1/{endpoint}:predict | :rawPredict`) with a
 * bearer token from google-auth-library: Application Default Credentials, a service-account key
 * file, or a fixed access token. The Node aiplatform SDK is a gRPC client; the REST method is what
 * `gcloud ai endpoints predict` and the docs' curl examples call, so it goes through the same JSON
 * POST client as Azure ML (json-post-endpoint.ts), with the Vertex codec around :predict.
 */
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import { VERTEX_ENDPOINT_NAME, type VertexTargetConfig } from '../config/targets';
import { createCodec } from '../protocol/codecs';
import { createJsonPostEndpoint } from './json-post-endpoint';
import type { AdapterOptions, InferenceEndpoint } from './types';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Where the endpoint's region serves the API: https://{location}-aiplatform.googleapis.com. */
function vertexApiEndpoint(endpoint: string): string {
  const location = VERTEX_ENDPOINT_NAME.exec(endpoint)?.[2];
  if (!location) throw new Error(`vertex endpoint must be projects/{project}/locations/{location}/endpoints/{id}, got ${JSON.stringify(endpoint)}`);
  return `https://${location}-aiplatform.googleapis.com`;
}

/** An Authorization header source: a fixed token never refreshes; otherwise the library caches and refreshes. */
function tokenSource(cfg: VertexTargetConfig): () => Promise<string> {
  if (cfg.accessToken) {
    const client = new OAuth2Client();
    client.setCredentials({ access_token: cfg.accessToken });
    return async () => (await client.getAccessToken()).token ?? cfg.accessToken!;
  }
  const auth = new GoogleAuth({ scopes: [SCOPE], ...(cfg.keyFilename ? { keyFilename: cfg.keyFilename } : {}) });
  return async () => {
    const token = await auth.getAccessToken();
    if (!token) throw Object.assign(new Error('google-auth-library returned no access token (run `gcloud auth application-default login`, or set keyFilename)'), { name: 'NoCredentials' });
    return token;
  };
}

export function createVertexEndpoint(cfg: VertexTargetConfig, opts: AdapterOptions = {}): InferenceEndpoint {
  const method = cfg.method ?? 'predict';
  const base = (cfg.apiEndpoint ?? vertexApiEndpoint(cfg.endpoint)).replace(/\/+$/, '');
  const token = tokenSource(cfg);
  return createJsonPostEndpoint(
    {
      kind: 'vertex',
      url: `${base}/v1/${cfg.endpoint}:${method}`,
      location: `${base}/v1/${cfg.endpoint}:${method}`,
      headers: async () => ({ Authorization: `Bearer ${await token()}` }),
      codec: createCodec(cfg.codec ?? { type: method === 'predict' ? 'vertex' : 'cloudbench' }),
    },
    opts,
  );
}
