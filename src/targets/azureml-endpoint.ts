/**
 * Azure ML online endpoint (`POST …/score`, `Authorization: Bearer <key>`) and plain REST scoring
 * app (the study's App Service) adapters. There is no official Node SDK for scoring, so both are
 * the JSON POST client of json-post-endpoint.ts.
 */
import type { AzureMlTargetConfig, HttpTargetConfig } from '../config/targets';
import { createCodec } from '../protocol/codecs';
import { createJsonPostEndpoint } from './json-post-endpoint';
import type { AdapterOptions, InferenceEndpoint } from './types';

/** Where a URL points, without the query (function keys, SAS) or userinfo. */
export function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

export function createAzureMlEndpoint(cfg: AzureMlTargetConfig, opts: AdapterOptions = {}): InferenceEndpoint {
  return createJsonPostEndpoint(
    {
      kind: 'azureml',
      url: cfg.scoringUri,
      location: `${describeUrl(cfg.scoringUri)}${cfg.deployment ? ` (deployment ${cfg.deployment})` : ''}`,
      headers: { Authorization: `Bearer ${cfg.key}`, ...(cfg.deployment ? { 'azureml-model-deployment': cfg.deployment } : {}) },
      codec: createCodec(cfg.codec),
    },
    opts,
  );
}

export function createHttpEndpoint(cfg: HttpTargetConfig, opts: AdapterOptions = {}): InferenceEndpoint {
  return createJsonPostEndpoint({ kind: 'http', url: cfg.url, location: describeUrl(cfg.url), headers: cfg.headers ?? {}, codec: createCodec(cfg.codec) }, opts);
}
