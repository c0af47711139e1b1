import type { CodecConfig } from '../protocol/codecs';
/** Typed configuration of storage and inference targets (local emulators or real clouds). */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3TargetConfig {
  type: 's3';
  bucket: string;
  region: string;
  /** Custom endpoint (emulators, S3-compatible stores). Omit for real AWS. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Omit to use the AWS default credential chain (env, profile, SSO, instance role). */
  credentials?: AwsCredentials;
}

export interface AzureBlobTargetConfig {
  type: 'azure-blob';
  container: string;
  /** Full connection string (account key or SAS). */
  connectionString?: string;
  /** e.g. https://myaccount.blob.core.windows.net, used with accountKey or sasToken. */
  accountUrl?: string;
  accountName?: string;
  accountKey?: string;
  sasToken?: string;
}

export interface GcsTargetConfig {
  type: 'gcs';
  bucket: string;
  /** Keys go under this folder of the bucket (the run's own keys below it, as elsewhere). */
  prefix?: string;
  /** Omit to take it from the credentials (Application Default Credentials or the key file). */
  projectId?: string;
  /** Custom JSON API endpoint (the local stack, an emulator). Omit for real Google Cloud. */
  apiEndpoint?: string;
  /** A service-account key file; omit for Application Default Credentials. */
  keyFilename?: string;
}

export type StorageTargetConfig = S3TargetConfig | AzureBlobTargetConfig | GcsTargetConfig;

export interface SageMakerTargetConfig {
  type: 'sagemaker';
  /** How requests are encoded and answers decoded (default: cloudbench's own JSON). */
  codec?: CodecConfig;
  endpointName: string;
  region: string;
  /** Custom runtime endpoint (the local stack). Omit for real AWS. */
  endpoint?: string;
  credentials?: AwsCredentials;
  customAttributes?: string;
}

export interface AzureMlTargetConfig {
  type: 'azureml';
  codec?: CodecConfig;
  /** The online endpoint's scoring URI (…/score). */
  scoringUri: string;
  /** Endpoint key or AML token, sent as `Authorization: Bearer <key>`. */
  key: string;
  /** Optional `azureml-model-deployment` header to pin a deployment. */
  deployment?: string;
}

export interface HttpTargetConfig {
  type: 'http';
  codec?: CodecConfig;
  /** A plain REST scoring app (the study's App Service web app). */
  url: string;
  headers?: Record<string, string>;
}

/**
 * A Vertex AI endpoint's resource name, projects/{project}/locations/{location}/endpoints/{id}:
 * segments of letters, digits, - and _ only (anything else, #, ? or a space, would change the URL).
 */
export const VERTEX_ENDPOINT_NAME = /^projects\/([A-Za-z0-9_-]+)\/locations\/([a-z0-9-]+)\/endpoints\/([A-Za-z0-9_-]+)$/;

export interface VertexTargetConfig {
  type: 'vertex';
  /** Default `vertex` for :predict (instances/predictions), `cloudbench` for :rawPredict. */
  codec?: CodecConfig;
  /** The endpoint's resource name: projects/{project}/locations/{location}/endpoints/{id}. */
  endpoint: string;
  /** `predict` (the Vertex envelope) or `rawPredict` (the container's own request and answer). Default predict. */
  method?: 'predict' | 'rawPredict';
  /** Default https://{location}-aiplatform.googleapis.com. */
  apiEndpoint?: string;
  /** A service-account key file; omit for Application Default Credentials. */
  keyFilename?: string;
  /** A fixed OAuth access token (the local stack's, or `gcloud auth print-access-token`): no refresh. */
  accessToken?: string;
}

export type InferenceTargetConfig = SageMakerTargetConfig | AzureMlTargetConfig | HttpTargetConfig | VertexTargetConfig;

/** A platform is a named pair of storage and inference targets. */
export interface PlatformConfig {
  storage: StorageTargetConfig;
  inference: InferenceTargetConfig;
}

// ───────────── how the adapters treat requests (targets/ applies these) ─────────────

/**
 * Per-attempt deadlines of every HTTP request an adapter makes (targets/deadline-agent.ts). A
 * benchmark must never wait forever: a stalled connect, a service that never answers and a body
 * that stops halfway all end at a known time.
 */
export interface RequestTimeouts {
  /** TCP (and TLS) connection set-up of a new socket. */
  connectMs: number;
  /** From the attempt's start (request queued, body sent) to the response headers. */
  firstByteMs: number;
  /** From the attempt's start to the last byte of the response body. */
  totalMs: number;
}

/**
 * Defaults: a connection on any network is up in well under 10 s; a cold cloud inference
 * instance can take tens of seconds before it answers (SageMaker's own invocation limit is 60 s);
 * two minutes is generous for a 6 MiB body on a slow link.
 */
export const DEFAULT_TIMEOUTS: Readonly<RequestTimeouts> = Object.freeze({ connectMs: 10_000, firstByteMs: 60_000, totalMs: 120_000 });

export interface RetryPolicy {
  /** Attempts per call, the first included (1 = never retry). */
  maxAttempts: number;
  /**
   * Base of the exponential backoff (delay before retry n is random in [0, base·2^n), capped at
   * 20 s), the same for every SDK. Absent: each SDK keeps its own backoff.
   */
  baseDelayMs?: number;
}

/** Three attempts: the AWS SDKs' default (Azure Storage's own default is four). */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ maxAttempts: 3 });
