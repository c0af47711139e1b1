/** The experiment config: what to run, where, and how. Parsed from JSON/YAML with clear errors. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ParseError } from 'jsonc-parser';
import YAML from 'yaml';
import { MAX_SEED, MAX_SYNTHETIC_COUNT, type DatasetConfig } from '../datasets/types';
import { DEFAULT_RETRY, DEFAULT_TIMEOUTS, type RequestTimeouts, type RetryPolicy } from './targets';
import { checkLoadBudget, parseLoadConfig, type LoadConfig, type LoadConfigInput } from './load';
import { ConfigError, Field, SECRET_KEYS, type Json } from './validate';

export { ConfigError } from './validate';

import { PHASES, type Phase } from '../schema/phases';

export { PHASES, type Phase } from '../schema/phases';
export type RunOrder = 'interleaved' | 'sequential';

import { parsePlatform, type PlatformSpec } from './platform-config';

export type { LocalPlatformRef, PlatformSpec } from './platform-config';

export interface ExperimentConfig {
  /** Free text shown in the report title. */
  name: string;
  /** name → platform, in the order written. */
  platforms: Record<string, PlatformSpec>;
  dataset: DatasetConfig;
  /** Images per batch (the study: 1024). */
  batchSize: number;
  /** How many batches to run; null = the whole dataset. */
  batches: number | null;
  /** The first N batches per platform are recorded but left out of the statistics. */
  warmupBatches: number;
  /** Requests in flight per phase (the study's client was sequential: 1). */
  concurrency: Record<Phase, number>;
  order: RunOrder;
  /** Seeds the per-batch platform shuffle (and anything else random in a run). */
  seed: number;
  phases: Phase[];
  /** Fraction of a batch's requests that may fail before the batch is marked failed. */
  failureTolerance: number;
  /** Object keys are `<keyPrefix><run-id>/<platform>/<batch>/<image>`. */
  keyPrefix: string;
  /** Delete what the run uploaded (only under its own prefix) when it ends. */
  cleanup: boolean;
  /** Where run folders are written. */
  outDir: string;
  /** Deadlines of every HTTP attempt, per phase (uploads' also bound the stores' housekeeping calls). */
  timeouts: Record<Phase, RequestTimeouts>;
  /** Attempts per request on every platform (and, if set, one backoff for every SDK). */
  retry: RetryPolicy;
  /** An open-loop load scenario after the batch protocol; absent (not null) when not configured, so older configs hash as before. */
  load?: LoadConfig;
}

export const DEFAULTS = {
  name: 'cloudbench comparison',
  batchSize: 1024,
  warmupBatches: 0,
  concurrency: 1,
  order: 'interleaved' as RunOrder,
  seed: 1,
  failureTolerance: 0.05,
  keyPrefix: 'cloudbench/',
  cleanup: true,
  outDir: 'reports',
};

const TOP_KEYS = [
  'name', 'platforms', 'dataset', 'batchSize', 'batches', 'warmupBatches', 'concurrency', 'order',
  'seed', 'phases', 'failureTolerance', 'keyPrefix', 'cleanup', 'outDir', 'timeouts', 'retry', 'load',
] as const;

const TIMEOUT_KEYS = ['connectMs', 'firstByteMs', 'totalMs'] as const;
/** An hour: longer than any sane request, short enough that a typo (seconds for ms × 1000) shows. */
const MAX_TIMEOUT_MS = 3_600_000;

/** `timeouts:` common values, then a block per phase that overrides them. */
function parseTimeouts(f: Field): Record<Phase, RequestTimeouts> {
  if (!f.present) return { upload: { ...DEFAULT_TIMEOUTS }, download: { ...DEFAULT_TIMEOUTS }, inference: { ...DEFAULT_TIMEOUTS } };
  f.onlyKeys([...TIMEOUT_KEYS, ...PHASES]);
  const read = (g: Field, fallback: RequestTimeouts): RequestTimeouts => ({
    connectMs: g.child('connectMs').int({ min: 1, max: MAX_TIMEOUT_MS, default: fallback.connectMs }),
    firstByteMs: g.child('firstByteMs').int({ min: 1, max: MAX_TIMEOUT_MS, default: fallback.firstByteMs }),
    totalMs: g.child('totalMs').int({ min: 1, max: MAX_TIMEOUT_MS, default: fallback.totalMs }),
  });
  const common = read(f, DEFAULT_TIMEOUTS);
  const out = {} as Record<Phase, RequestTimeouts>;
  for (const phase of PHASES) {
    const g = f.child(phase);
    if (g.present) g.onlyKeys(TIMEOUT_KEYS);
    const t = g.present ? read(g, common) : { ...common };
    if (t.firstByteMs > t.totalMs) {
      throw new ConfigError(`${g.present ? g.path : f.path}: firstByteMs (${t.firstByteMs}) is longer than totalMs (${t.totalMs}); the total deadline would always fire first`);
    }
    out[phase] = t;
  }
  return out;
}

function parseRetry(f: Field): RetryPolicy {
  if (!f.present) return { ...DEFAULT_RETRY };
  f.onlyKeys(['maxAttempts', 'baseDelayMs']);
  const maxAttempts = f.child('maxAttempts').int({ min: 1, max: 10, default: DEFAULT_RETRY.maxAttempts });
  return f.child('baseDelayMs').present ? { maxAttempts, baseDelayMs: f.child('baseDelayMs').int({ min: 0, max: 60_000 }) } : { maxAttempts };
}

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** `${NAME}` in any string is replaced by the environment variable, so secrets stay out of files. */
function expandEnv(value: Json, at: string, env: NodeJS.ProcessEnv): Json {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) throw new ConfigError(`${at}: environment variable ${name} is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, `${at}[${i}]`, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, `${at}.${k}`, env)]));
  }
  return value;
}

function parseDataset(f: Field): DatasetConfig {
  const type = f.child('type').oneOf(['folder', 'synthetic'] as const);
  if (type === 'folder') {
    f.onlyKeys(['type', 'path']);
    return { type, path: f.child('path').string() };
  }
  f.onlyKeys(['type', 'count', 'seed', 'cacheDir']);
  return {
    type,
    count: f.child('count').int({ min: 1, max: MAX_SYNTHETIC_COUNT }),
    seed: f.child('seed').int({ min: 0, max: MAX_SEED, default: 1 }),
    ...(f.child('cacheDir').present ? { cacheDir: f.child('cacheDir').string() } : {}),
  };
}

/** Validates a raw config object (already read from JSON/YAML). Paths in errors start at `config`. */
export function parseExperimentConfig(raw: Json, env: NodeJS.ProcessEnv = process.env): ExperimentConfig {
  const root = new Field('config', expandEnv(raw, 'config', env));
  root.onlyKeys(TOP_KEYS);
  const platformsField = root.child('platforms');
  const platforms: Record<string, PlatformSpec> = {};
  for (const name of Object.keys(platformsField.object())) {
    if (!NAME.test(name)) {
      throw new ConfigError(`config.platforms.${name}: platform names are 1-32 lowercase letters, digits or hyphens, starting with a letter`);
    }
    platforms[name] = parsePlatform(platformsField.child(name));
  }
  if (Object.keys(platforms).length === 0) throw new ConfigError('config.platforms: expected at least one platform');

  const concurrencyField = root.child('concurrency');
  let concurrency: Record<Phase, number>;
  if (typeof concurrencyField.value === 'number' || !concurrencyField.present) {
    const c = concurrencyField.int({ min: 1, max: 256, default: DEFAULTS.concurrency });
    concurrency = { upload: c, download: c, inference: c };
  } else {
    concurrencyField.onlyKeys(PHASES);
    concurrency = Object.fromEntries(
      PHASES.map((p) => [p, concurrencyField.child(p).int({ min: 1, max: 256, default: DEFAULTS.concurrency })]),
    ) as Record<Phase, number>;
  }

  const phases = root.child('phases').present
    ? root.child('phases').array().map((p) => p.oneOf(PHASES))
    : [...PHASES];
  if (phases.length === 0) throw new ConfigError('config.phases: expected at least one of upload, download, inference');
  if (phases.includes('download') && !phases.includes('upload')) {
    throw new ConfigError('config.phases: "download" needs "upload" (a run downloads what it uploaded)');
  }

  const load = root.child('load').present ? parseLoadConfig(root.child('load')) : undefined;
  if (load) checkLoadBudget(load, Object.keys(platforms).length);

  return {
    name: root.child('name').string({ default: DEFAULTS.name }),
    platforms,
    dataset: parseDataset(root.child('dataset')),
    batchSize: root.child('batchSize').int({ min: 1, max: 1_000_000, default: DEFAULTS.batchSize }),
    batches: root.child('batches').optionalInt({ min: 1 }) ?? null,
    warmupBatches: root.child('warmupBatches').int({ min: 0, default: DEFAULTS.warmupBatches }),
    concurrency,
    order: root.child('order').oneOf(['interleaved', 'sequential'] as const, { default: DEFAULTS.order }),
    seed: root.child('seed').int({ min: 0, default: DEFAULTS.seed }),
    phases: PHASES.filter((p) => phases.includes(p)),
    failureTolerance: root.child('failureTolerance').number({ min: 0, max: 1, default: DEFAULTS.failureTolerance }),
    keyPrefix: root.child('keyPrefix').string({
      default: DEFAULTS.keyPrefix,
      pattern: /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/$/,
      patternHint: 'a key prefix of path segments ending in "/", e.g. "cloudbench/"',
    }),
    cleanup: root.child('cleanup').boolean({ default: DEFAULTS.cleanup }),
    outDir: root.child('outDir').string({ default: DEFAULTS.outDir }),
    timeouts: parseTimeouts(root.child('timeouts')),
    retry: parseRetry(root.child('retry')),
    ...(load ? { load } : {}),
  };
}

/**
 * Why a config file does not parse, in one line and without quoting it (a secret may be on the
 * bad line): the YAML parser's first line says where; for JSON, jsonc-parser (VS Code's) locates
 * the error, since V8's message quotes the text around it and often has no position.
 */
function parseErrorOf(text: string, yaml: boolean, err: unknown): string {
  if (yaml) return (err as Error).message.split('\n')[0].replace(/:\s*$/, '');
  // Loaded only to explain a JSON error: every command that reads a config would pay for it at start-up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse: parseJsonc, printParseErrorCode } = require('jsonc-parser') as typeof import('jsonc-parser');
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { allowTrailingComma: false, disallowComments: true });
  const first = errors[0];
  if (!first) return 'not a JSON document';
  const before = text.slice(0, first.offset).split('\n');
  const words = printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `${words} at line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/** Reads a config file (.json, .yaml or .yml). */
export function loadExperimentConfig(file: string, env: NodeJS.ProcessEnv = process.env): ExperimentConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`config file ${file} does not exist`);
    if (code === 'EISDIR') throw new ConfigError(`config file ${file} is a folder, not a file`);
    throw new ConfigError(`cannot read config file ${file}: ${code ?? err}`);
  }
  const yaml = /\.ya?ml$/i.test(file);
  let raw: Json;
  try {
    raw = yaml ? YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file} is not valid ${yaml ? 'YAML' : 'JSON'}: ${parseErrorOf(text, yaml, err)}`);
  }
  const config = parseExperimentConfig(raw, env);
  // A relative folder path in a config file means relative to that file.
  if (config.dataset.type === 'folder' && !path.isAbsolute(config.dataset.path)) {
    config.dataset = { ...config.dataset, path: path.resolve(path.dirname(file), config.dataset.path) };
  }
  return config;
}

/** Every platform of the local stack: the study's two and Google Cloud's. */
export const ALL_LOCAL_PLATFORMS = { aws: 'local:aws', azure: 'local:azure', gcp: 'local:gcp' } as const;

/** The default local demo: both study platforms on the embedded stack. */
export function localDemoConfig(overrides: Partial<Omit<ExperimentConfig, 'load'>> & { load?: LoadConfigInput } = {}): ExperimentConfig {
  return parseExperimentConfig({
    name: 'Local demo: AWS-protocol vs Azure-protocol stack',
    platforms: { aws: 'local:aws', azure: 'local:azure' },
    dataset: { type: 'synthetic', count: 192, seed: 1 },
    batchSize: 32,
    warmupBatches: 1,
    ...overrides,
  });
}

export function usesLocalStack(config: ExperimentConfig): boolean {
  return Object.values(config.platforms).some((p) => typeof p === 'string');
}

/** A URL without credentials: user:password@ dropped, every query value (SAS sig, function code…) → ***. */
function redactUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if (!url.username && !url.password && !url.search) return value;
  url.username = '';
  url.password = '';
  for (const name of [...url.searchParams.keys()]) url.searchParams.set(name, '***');
  return url.toString().replace(/%2A%2A%2A/g, '***');
}

/**
 * A deep copy with secrets replaced by "***": key fields, every header value (API keys travel
 * there), credentials inside URLs, and the key/SAS parts of connection strings.
 */
export function redactSecrets<T>(value: T): T {
  const walk = (v: unknown, key?: string, inHeaders = false): unknown => {
    if (typeof v === 'string') {
      if (inHeaders || (key && SECRET_KEYS.has(key))) return '***';
      if (key === 'connectionString') return v.replace(/(AccountKey|SharedAccessSignature|SharedAccessKey)=[^;]*/gi, '$1=***');
      if (/^https?:\/\//i.test(v)) return redactUrl(v);
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k, inHeaders || k === 'headers')]));
    }
    return v;
  };
  return walk(value) as T;
}

/** True when a (redacted) value holds a secret that was replaced, so it cannot be used again. */
export function hasRedactedSecret(value: unknown): boolean {
  return JSON.stringify(value).includes('***');
}

/**
 * Fingerprint of what a run measures, used to refuse resuming with a different config.
 * Secrets, the output folder, deadlines and retries, and local-stack addresses (new ports every
 * start) are left out.
 */
export function configHash(config: ExperimentConfig): string {
  // Deadlines and retries are how the client behaves, recorded per session in the manifest: a
  // run can be resumed with longer deadlines (and runs from before they existed still resume).
  const { outDir: _outDir, timeouts: _timeouts, retry: _retry, ...rest } = redactSecrets(config);
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** JSON with object keys sorted, so equal configs hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
