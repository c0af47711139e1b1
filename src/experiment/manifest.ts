/** manifest.json: what a run was (config, dataset, versions) and how far it got. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExperimentConfig } from '../config/experiment';
import type { DatasetManifest } from '../datasets/types';
import type { LocalDetectorDescription } from '../local/stack-types';
import type { ShardInfo } from './shard';
import { VERSION } from '../version';

export type RunStatus = 'running' | 'complete' | 'interrupted' | 'failed';

export interface RunSession {
  startedAt: string;
  endedAt: string | null;
  /** platform × batch steps completed in this session. */
  stepsDone: number;
  /** The client's deadlines and retry budget in this session (a resume may change them). */
  timeouts?: ExperimentConfig['timeouts'];
  retry?: ExperimentConfig['retry'];
  /** The local stack's detector in this session (its threads per instance set its latencies). */
  localDetector?: LocalDetectorDescription;
}

export interface PlatformDescription {
  storageKind: string;
  storage: string;
  inferenceKind: string;
  inference: string;
  /** True when the platform ran on the embedded local stack. */
  local: boolean;
}

export interface RunManifest {
  schema: 1;
  runId: string;
  name: string;
  status: RunStatus;
  startedAt: string;
  endedAt: string | null;
  sessions: RunSession[];
  /** The config with secrets redacted. */
  config: ExperimentConfig;
  configHash: string;
  dataset: DatasetManifest;
  /** Batches per platform this run plans to measure. */
  plannedBatches: number;
  platforms: Record<string, PlatformDescription>;
  versions: { cloudbench: string; node: string; packages: Record<string, string> };
  git: { commit: string; dirty: boolean } | null;
  host: { os: string; arch: string; cpus: number; cpuModel: string; memoryGiB: number };
  /** Present when the run is one shard of a scale-out run (`run --shard`). */
  shard?: ShardInfo;
  /** Present when the run was merged from shards (`cloudbench merge`). */
  merged?: MergedFrom;
}

/** A merged run's shards, in index order: who measured what, from where, and when they started. */
export interface MergedFrom {
  mergedAt: string;
  shards: Array<ShardInfo & {
    runId: string;
    /** Where the shard's folder was read from (a path or an object-store URL). */
    source: string;
    /** Platform × batch steps the shard measured. */
    batches: number;
    loadSteps: number;
    startedAt: string;
    endedAt: string | null;
    cloudbench: string;
    hostDescription: RunManifest['host'];
  }>;
}

const MEASURED_PACKAGES = [
  '@aws-sdk/client-s3',
  '@aws-sdk/client-sagemaker-runtime',
  '@azure/storage-blob',
  '@google-cloud/storage',
  'google-auth-library',
  'azurite',
  's3rver',
  '@tensorflow/tfjs-core',
  '@vladmandic/human',
];

/** A package's version, also for packages whose `exports` hide package.json. */
function versionOf(name: string): string {
  try {
    let dir = path.dirname(require.resolve(name));
    for (;;) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      }
      const parent = path.dirname(dir);
      if (parent === dir) return 'unknown';
      dir = parent;
    }
  } catch {
    return 'unknown';
  }
}

export function packageVersions(): Record<string, string> {
  return Object.fromEntries(MEASURED_PACKAGES.map((name) => [name, versionOf(name)]));
}

/** The project's git commit, when cloudbench runs from a checkout. */
export function gitCommit(): { commit: string; dirty: boolean } | null {
  const cwd = path.resolve(__dirname, '..', '..');
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim().length > 0;
    return { commit, dirty };
  } catch {
    return null;
  }
}

export function hostDescription(): RunManifest['host'] {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}

export function versions(): RunManifest['versions'] {
  return { cloudbench: VERSION, node: process.version, packages: packageVersions() };
}
