import type { AutoscalePolicy } from './autoscale-policy';
import type { DetectorThreadsSetting } from './detector-threads';
import type { ServerTimeouts } from './server-timeouts';

/** The connection details of a running local stack: the JSON `cloudbench stack up --json` prints. */
export interface LocalStackConfig {
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; bucket: string };
  azureBlob: { connectionString: string; container: string };
  sagemaker: { endpoint: string; region: string; endpointName: string; accessKeyId: string; secretAccessKey: string };
  azureml: { scoringUri: string; key: string };
  /** Cloud Storage JSON API (no credentials checked, as with Google's emulators). */
  gcs: { apiEndpoint: string; projectId: string; bucket: string };
  /** Vertex AI prediction: `apiEndpoint` stands for https://{location}-aiplatform.googleapis.com. */
  vertex: { apiEndpoint: string; endpoint: string; accessToken: string };
  /** What serves the inference endpoints: a run records it, so its latencies can be read. */
  detector?: LocalDetectorDescription;
}

export interface LocalDetectorDescription {
  model: string;
  /** Wasm threads each detector instance runs for one image. */
  threadsPerInstance: number;
  /** Logical cores of the stack's machine the threads were sized against. */
  cores: number;
}

export interface LocalStackOptions {
  /** Fixed ports (0 or absent = ephemeral). */
  s3Port?: number;
  blobPort?: number;
  gcsPort?: number;
  inferencePort?: number;
  /** Detector worker threads behind the endpoints (models endpoint scaling). Default 1. */
  instances?: number;
  /** Scale the endpoints' instances with demand instead of a fixed count. */
  autoscale?: AutoscalePolicy;
  /** Wasm threads per detector instance (detector-threads.ts). Default: CLOUDBENCH_DETECTOR_THREADS, else 'auto'. */
  detectorThreads?: DetectorThreadsSetting;
  /** Where emulator data lives. Default: a fresh temp folder, removed on stop. Given: kept. */
  dataDir?: string;
  region?: string;
  bucket?: string;
  container?: string;
  /** Google Cloud project and location of the local Vertex endpoint's resource name. */
  gcpProject?: string;
  gcpLocation?: string;
  endpointName?: string;
  scoreThreshold?: number;
  iouThreshold?: number;
  /** How long every server waits for a client's headers and whole request (defaults: DEFAULT_SERVER_TIMEOUTS). */
  serverTimeouts?: Partial<ServerTimeouts>;
}

/** Messages from the stack host process to whoever started it. */
export type StackHostMessage =
  | { type: 'ready'; config: LocalStackConfig; pid: number; dataDir: string }
  | { type: 'error'; message: string };

/** Written by a detached stack so `stack status` / `stack down` can find it. */
export interface StackState {
  pid: number;
  startedAt: string;
  dataDir: string;
  logFile: string;
  config: LocalStackConfig;
}
