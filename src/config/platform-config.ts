/** The `platforms:` part of an experiment config: each platform's storage and inference target, parsed with clear errors. */
import { parseCodec } from './codec';
import { VERTEX_ENDPOINT_NAME, type InferenceTargetConfig, type PlatformConfig, type StorageTargetConfig } from './targets';
import { ConfigError, type Field } from './validate';

/** A platform as written in the config: a full definition, or a platform of the local stack. */
export type PlatformSpec = PlatformConfig | LocalPlatformRef;
export type LocalPlatformRef = 'local:aws' | 'local:azure' | 'local:gcp';
export const LOCAL_PLATFORM_REFS: readonly LocalPlatformRef[] = ['local:aws', 'local:azure', 'local:gcp'];

function parseCredentials(f: Field) {
  if (!f.present) return undefined;
  f.onlyKeys(['accessKeyId', 'secretAccessKey', 'sessionToken']);
  return {
    accessKeyId: f.child('accessKeyId').string(),
    secretAccessKey: f.child('secretAccessKey').string(),
    ...(f.child('sessionToken').present ? { sessionToken: f.child('sessionToken').string() } : {}),
  };
}

/** A string that may hold a URL, safe to echo: no query string (keys, SAS) and no user:password@. */
function redactForEcho(s: string): string {
  return s.replace(/[?#].*$/s, '?…').replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, '$1***@');
}

function url(f: Field): string {
  const s = f.string();
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new ConfigError(`${f.path}: expected an http(s) URL, got ${JSON.stringify(redactForEcho(s))}`);
  }
  return s;
}

/** GCS's rule: 3-63 characters, or up to 222 with dots and each dot-separated part at most 63; no "..". */
function gcsBucket(f: Field): string {
  const hint = 'a Cloud Storage bucket name (3-63 lowercase letters, digits, hyphens, underscores; up to 222 with dots, 63 between dots)';
  const name = f.string({ pattern: /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, patternHint: hint });
  const parts = name.split('.');
  if (parts.some((p) => p.length === 0 || p.length > 63) || (parts.length === 1 && name.length > 63)) {
    throw new ConfigError(`${f.path}: expected ${hint}, got ${JSON.stringify(name)}`);
  }
  return name;
}

function parseStorage(f: Field): StorageTargetConfig {
  const type = f.child('type').oneOf(['s3', 'azure-blob', 'gcs'] as const);
  if (type === 'gcs') {
    f.onlyKeys(['type', 'bucket', 'prefix', 'projectId', 'apiEndpoint', 'keyFilename']);
    return {
      type,
      bucket: gcsBucket(f.child('bucket')),
      ...(f.child('prefix').present ? { prefix: f.child('prefix').string({ pattern: /^[^/\r\n].*$/, patternHint: 'a folder inside the bucket, not starting with "/"' }) } : {}),
      ...(f.child('projectId').present ? { projectId: f.child('projectId').string() } : {}),
      ...(f.child('apiEndpoint').present ? { apiEndpoint: url(f.child('apiEndpoint')) } : {}),
      ...(f.child('keyFilename').present ? { keyFilename: f.child('keyFilename').string() } : {}),
    };
  }
  if (type === 's3') {
    f.onlyKeys(['type', 'bucket', 'region', 'endpoint', 'forcePathStyle', 'credentials']);
    return {
      type,
      bucket: f.child('bucket').string({
        pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        patternHint: 'an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)',
      }),
      region: f.child('region').string(),
      ...(f.child('endpoint').present ? { endpoint: url(f.child('endpoint')) } : {}),
      ...(f.child('forcePathStyle').present ? { forcePathStyle: f.child('forcePathStyle').boolean() } : {}),
      ...(f.child('credentials').present ? { credentials: parseCredentials(f.child('credentials')) } : {}),
    };
  }
  f.onlyKeys(['type', 'container', 'connectionString', 'accountUrl', 'accountName', 'accountKey', 'sasToken']);
  const out: StorageTargetConfig = {
    type,
    container: f.child('container').string({
      pattern: /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
      patternHint: 'an Azure container name (3-63 lowercase letters, digits, single hyphens)',
    }),
  };
  for (const k of ['connectionString', 'accountName', 'accountKey', 'sasToken'] as const) {
    if (f.child(k).present) out[k] = f.child(k).string();
  }
  if (f.child('accountUrl').present) out.accountUrl = url(f.child('accountUrl'));
  if (!out.connectionString && !(out.accountUrl && (out.accountKey || out.sasToken))) {
    throw new ConfigError(`${f.path}: needs "connectionString", or "accountUrl" with "accountKey" or "sasToken"`);
  }
  return out;
}

function parseInference(f: Field): InferenceTargetConfig {
  const type = f.child('type').oneOf(['sagemaker', 'azureml', 'http', 'vertex'] as const);
  // Absent (not the default) when not written, so configs from before codecs hash as they did.
  const codec = f.child('codec').present ? { codec: parseCodec(f.child('codec')) } : {};
  if (type === 'sagemaker') {
    f.onlyKeys(['type', 'endpointName', 'region', 'endpoint', 'credentials', 'customAttributes', 'codec']);
    return {
      type,
      ...codec,
      endpointName: f.child('endpointName').string(),
      region: f.child('region').string(),
      ...(f.child('endpoint').present ? { endpoint: url(f.child('endpoint')) } : {}),
      ...(f.child('credentials').present ? { credentials: parseCredentials(f.child('credentials')) } : {}),
      ...(f.child('customAttributes').present ? { customAttributes: f.child('customAttributes').string() } : {}),
    };
  }
  if (type === 'vertex') {
    f.onlyKeys(['type', 'endpoint', 'method', 'apiEndpoint', 'keyFilename', 'accessToken', 'codec']);
    if (f.child('keyFilename').present && f.child('accessToken').present) {
      throw new ConfigError(`${f.path}: give "keyFilename" or "accessToken", not both (the token would be used and the key file ignored)`);
    }
    const method = f.child('method').oneOf(['predict', 'rawPredict'] as const, { default: 'predict' as const });
    if (method === 'predict' && codec.codec && codec.codec.type !== 'vertex') {
      throw new ConfigError(`${f.path}.codec: :predict always speaks Vertex's instances/predictions envelope, so its codec is "vertex"; use method: rawPredict for the container's own format (${codec.codec.type})`);
    }
    return {
      type,
      ...codec,
      endpoint: f.child('endpoint').string({
        pattern: VERTEX_ENDPOINT_NAME,
        patternHint: 'the endpoint resource name projects/PROJECT/locations/LOCATION/endpoints/ID',
      }),
      ...(f.child('method').present ? { method } : {}),
      ...(f.child('apiEndpoint').present ? { apiEndpoint: url(f.child('apiEndpoint')) } : {}),
      ...(f.child('keyFilename').present ? { keyFilename: f.child('keyFilename').string() } : {}),
      ...(f.child('accessToken').present ? { accessToken: f.child('accessToken').string() } : {}),
    };
  }
  if (type === 'azureml') {
    f.onlyKeys(['type', 'scoringUri', 'key', 'deployment', 'codec']);
    return {
      type,
      ...codec,
      scoringUri: url(f.child('scoringUri')),
      key: f.child('key').string(),
      ...(f.child('deployment').present ? { deployment: f.child('deployment').string() } : {}),
    };
  }
  f.onlyKeys(['type', 'url', 'headers', 'codec']);
  return {
    type,
    ...codec,
    url: url(f.child('url')),
    ...(f.child('headers').present ? { headers: f.child('headers').stringMap() } : {}),
  };
}

export function parsePlatform(f: Field): PlatformSpec {
  if (typeof f.value === 'string') {
    if ((LOCAL_PLATFORM_REFS as readonly string[]).includes(f.value)) return f.value as LocalPlatformRef;
    throw new ConfigError(`${f.path}: expected "local:aws", "local:azure", "local:gcp" or an object with "storage" and "inference", got ${JSON.stringify(f.value)}`);
  }
  f.onlyKeys(['storage', 'inference']);
  return { storage: parseStorage(f.child('storage')), inference: parseInference(f.child('inference')) };
}
