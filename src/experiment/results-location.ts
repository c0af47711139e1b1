/**
 * Where shard run folders go and come from (`--results-to`, `cloudbench merge <url>`): an object
 * store URL read into the adapter config of its SDK, with each SDK's standard credentials:
 *   s3://bucket/prefix               AWS default chain; AWS_REGION; AWS_ENDPOINT_URL_S3 for S3-compatible stores
 *   az://account/container/prefix    AZURE_STORAGE_CONNECTION_STRING (account key or SAS)
 *   gs://bucket/prefix               Application Default Credentials; STORAGE_EMULATOR_HOST for an emulator
 * Light on purpose (no SDK loads): the CLI checks the URL before a run starts.
 */
import type { StorageTargetConfig } from '../config/targets';
import { UserError } from '../errors';

export interface ResultsLocation {
  url: string;
  /** The URL of the bucket or container itself, ending in '/'. */
  root: string;
  target: StorageTargetConfig;
  /** Key prefix inside the bucket or container, '' or ending in '/'. */
  prefix: string;
}

export function isResultsUrl(text: string): boolean {
  return /^(s3|az|gs):\/\//i.test(text);
}

export interface ResultsUrlParts {
  scheme: 's3' | 'az' | 'gs';
  /** The bucket (s3, gs) or the storage account (az). */
  host: string;
  /** az only. */
  container: string | null;
  /** The key prefix, without leading or trailing '/' ('' for none). */
  prefix: string;
}

/** The URL's parts, checked for shape only (no credentials needed: `k8s job` checks it for the pods). */
export function resultsUrlParts(url: string, flag = '--results-to'): ResultsUrlParts {
  const m = /^(s3|az|gs):\/\/([^/\s?#]+)(\/[^\s?#]*)?$/i.exec(url.trim());
  const parts = (m?.[3] ?? '').split('/').filter(Boolean);
  const scheme = m?.[1].toLowerCase() as ResultsUrlParts['scheme'] | undefined;
  if (!m || !scheme || (scheme === 'az' && parts.length === 0)) {
    throw new UserError(`${flag} is "${url}": give s3://bucket/prefix, az://account/container/prefix or gs://bucket/prefix`);
  }
  const container = scheme === 'az' ? parts.shift()! : null;
  return { scheme, host: m[2], container, prefix: parts.join('/') };
}

export function parseResultsUrl(url: string, env: NodeJS.ProcessEnv = process.env, flag = '--results-to'): ResultsLocation {
  const { scheme, host, container, prefix } = resultsUrlParts(url, flag);
  let target: StorageTargetConfig;
  if (scheme === 's3') {
    const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
    target = { type: 's3', bucket: host, region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1', ...(endpoint ? { endpoint, forcePathStyle: true } : {}) };
  } else if (scheme === 'gs') {
    const emulator = env.STORAGE_EMULATOR_HOST || undefined;
    target = { type: 'gcs', bucket: host, ...(emulator ? { apiEndpoint: emulator } : {}) };
  } else {
    const connectionString = env.AZURE_STORAGE_CONNECTION_STRING;
    if (!connectionString) throw new UserError(`${flag} ${url}: set AZURE_STORAGE_CONNECTION_STRING (an account key or SAS connection string for account ${host})`);
    const account = /(?:^|;)\s*AccountName=([^;]+)/i.exec(connectionString)?.[1];
    if (account && account !== host) throw new UserError(`${flag} ${url} names account ${host}, but AZURE_STORAGE_CONNECTION_STRING is for account ${account}`);
    target = { type: 'azure-blob', container: container!, connectionString };
  }
  const root = `${scheme}://${host}/${target.type === 'azure-blob' ? `${target.container}/` : ''}`;
  return { url: url.trim(), root, target, prefix: prefix ? `${prefix}/` : '' };
}
