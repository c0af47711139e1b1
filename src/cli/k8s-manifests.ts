/**
 * The Kubernetes manifests of a sharded run (`cloudbench k8s job`): a ConfigMap with the experiment
 * config as written, and an Indexed Job with one pod per shard, each running
 * `cloudbench run --shard N …` from the same start instant. Pure: options in, objects out (the
 * command reads the config, checks it and writes the YAML). The objects are typed with the
 * Kubernetes API's own interfaces (kubernetes-models, types only), so a misspelt field does not
 * compile; the tests validate them against the OpenAPI schema.
 */
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import YAML from 'yaml';
import { SECRET_KEYS, type Json } from '../config/validate';
import { UserError } from '../errors';
import { resultsUrlParts } from '../experiment/results-location';
import { parseStartAt as parseShardStartAt } from '../experiment/shard';

export type K8sManifest = IConfigMap | IJob;

export const MAX_SHARDS = 1000;
export const DEFAULT_START_IN_S = 180;
/**
 * Two cores: the event loop that sends the requests and takes the timestamps keeps one, while
 * libuv's threads and the SDKs hash, checksum and (de)compress beside it, so timing never waits for
 * a core. A whole number of cores also lets a kubelet with the static CPU manager policy pin them.
 */
export const DEFAULT_CPU = '2';
/** A batch of 1024 COCO-sized images is ~160 MiB in flight, plus SDK buffers and the V8 heap: 2Gi leaves room for larger images and concurrency. */
export const DEFAULT_MEMORY = '2Gi';
const MIN_MEMORY_BYTES = 256 * 2 ** 20;
/** Finished pods stay a day for `kubectl logs`; then the Job and its pods are deleted. */
export const TTL_AFTER_FINISHED_S = 86_400;
/** Seconds a pod told to stop has to finish its requests in flight and upload its folder. */
export const TERMINATION_GRACE_S = 600;
/** The `node` user (and group) of the official Node.js images: the Dockerfile's USER. */
export const NODE_UID = 1000;

/** Where things are inside a shard's pod. */
export const POD_PATHS = {
  configDir: '/config',
  work: '/work',
  out: '/work/reports',
  cache: '/work/cache',
  tmp: '/tmp',
} as const;

export const LABELS = { name: 'app.kubernetes.io/name', run: 'cloudbench.dev/run' } as const;

export interface K8sJobOptions {
  /** Names the Job (`<runId>`), the ConfigMap (`<runId>-config`) and the shards' run folders. */
  runId: string;
  shards: number;
  image: string;
  namespace?: string;
  /** The config file's text as written (its `${NAME}` references unexpanded), and its key in the ConfigMap. */
  config: { key: string; text: string };
  /** s3://bucket/prefix, az://account/container/prefix or gs://bucket/prefix, without a trailing slash. */
  resultsTo: string;
  /** The instant every shard begins measuring. */
  startAt: Date;
  /** Secrets whose keys become the pods' environment (envFrom). */
  secrets: string[];
  /** For workload identity (IRSA / EKS Pod Identity, Azure workload identity, GKE). */
  serviceAccount?: string;
  cpu: string;
  memory: string;
  region?: string;
  zone?: string;
  /** Extra pod labels, e.g. azure.workload.identity/use=true. */
  podLabels: Record<string, string>;
}

// --- Names and values ----------------------------------------------------------------------------

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const CONFIG_SUFFIX = '-config';
/** A run id leaves room for the ConfigMap's suffix within a DNS label's 63 characters. */
export const MAX_RUN_ID = 63 - CONFIG_SUFFIX.length;

const show = (value: string) => (/^\S+$/.test(value) ? value : JSON.stringify(value));

export function checkDnsRunId(id: string): string {
  if (id.length > MAX_RUN_ID || !DNS_LABEL.test(id)) {
    throw new UserError(
      `--run-id takes 1-${MAX_RUN_ID} lowercase letters, digits or hyphens, starting and ending with a letter or digit (it names the Job, its ConfigMap and the shard folders), got ${show(id)}`,
    );
  }
  return id;
}

/** `cb-YYYYMMDD-HHMMSS-xxxx` (UTC), with 4 hex digits from the caller. */
export function defaultRunId(now: Date, hex4: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `cb-${stamp}-${hex4.toLowerCase()}`;
}

export function checkDnsLabel(flag: string, value: string): string {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    throw new UserError(`${flag} takes a Kubernetes name (1-63 lowercase letters, digits or hyphens, starting and ending with a letter or digit), got ${show(value)}`);
  }
  return value;
}

export function checkDnsSubdomain(flag: string, value: string): string {
  if (value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw new UserError(`${flag} takes a Kubernetes object name (lowercase letters, digits, hyphens and dots, starting and ending with a letter or digit), got ${show(value)}`);
  }
  return value;
}

/** A label value (also the region/zone values the scheduler matches): ≤ 63 of letters, digits, - _ . */
export function checkLabelValue(flag: string, value: string): string {
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    throw new UserError(`${flag} takes a Kubernetes label value (1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit), got ${show(value)}`);
  }
  return value;
}

/** Keys the Job controller or this command sets: a pod label must not change them. */
const RESERVED_LABEL = /^(app\.kubernetes\.io\/name|cloudbench\.dev\/run|controller-uid|job-name|batch\.kubernetes\.io\/.*)$/;

/** `--pod-label key=value` → [key, value]. */
export function parsePodLabel(value: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq < 1) throw new UserError(`--pod-label takes key=value, got ${show(value)}`);
  const key = value.slice(0, eq);
  const v = value.slice(eq + 1);
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if ((prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) || name.length > 63 || !LABEL_NAME.test(name)) {
    throw new UserError(`--pod-label: ${show(key)} is not a Kubernetes label key ([prefix/]name, the name 1-63 letters, digits, "-", "_" or ".")`);
  }
  if (v !== '' && (v.length > 63 || !LABEL_NAME.test(v))) {
    throw new UserError(`--pod-label: the value of ${key} is not a Kubernetes label value (at most 63 letters, digits, "-", "_" or "."), got ${show(v)}`);
  }
  if (RESERVED_LABEL.test(key)) throw new UserError(`--pod-label: ${key} is set by cloudbench or the Job controller`);
  return [key, v];
}

/** The results location, without a trailing slash; refused unless s3://, az:// or gs:// with its bucket (and container). */
export function parseResultsTo(value: string | undefined): string {
  if (value === undefined || value.trim() === '') {
    throw new UserError("--results-to is required: a pod's run folder is deleted with the pod, so each shard uploads it there (s3://bucket/prefix, az://account/container/prefix or gs://bucket/prefix)");
  }
  // Shape only: the credentials are the pods' (from their Secrets), not this machine's.
  const { scheme, host, container, prefix } = resultsUrlParts(value);
  return `${scheme}://${[host, container, prefix].filter(Boolean).join('/')}`;
}

/** The folder of one run in the results location: what `cloudbench merge` reads. */
export function resultsOfRun(resultsTo: string, runId: string): string {
  return `${resultsTo}/${runId}/`;
}

const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** A Kubernetes resource quantity ("2", "500m", "2Gi", "1.5G") as a number of cores or bytes. */
export function quantityValue(q: string): number | undefined {
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  const suffix = m[2] ?? '';
  const scale = suffix === '' ? 1 : /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix];
  return Number(m[1]) * scale;
}

export function checkCpu(value: string): string {
  const n = quantityValue(value);
  if (n === undefined || n < 0.001) {
    throw new UserError(`--cpu takes a number of cores as a Kubernetes quantity ("2", "1.5", "500m"), at least 1m, got ${show(value)}`);
  }
  return value;
}

export function checkMemory(value: string): string {
  if (/^[\d.]+m$/.test(value)) {
    throw new UserError(`--memory ${value} means ${value.slice(0, -1)} thousandths of a byte; write ${value.slice(0, -1)}Mi (mebibytes) or ${value.slice(0, -1)}M`);
  }
  const n = quantityValue(value);
  if (n === undefined || n < MIN_MEMORY_BYTES) {
    throw new UserError(`--memory takes a Kubernetes quantity of at least 256Mi ("2Gi", "512Mi"), got ${show(value)}`);
  }
  return value;
}

/**
 * An ISO 8601 instant with its offset (a time without one would be read in this machine's zone,
 * not the pods'). Refused in the past: every shard would start late.
 */
export function parseStartAt(value: string, now: Date): Date {
  const t = parseShardStartAt(value);
  if (t.getTime() <= now.getTime()) {
    throw new UserError(`--start-at ${value} is in the past (now ${now.toISOString()}): every shard would start late; give a later instant, or --start-in SECONDS`);
  }
  return t;
}

/** An instant as ISO 8601 UTC, without milliseconds when they are zero: 2026-03-01T14:00:00Z. */
export function isoInstant(t: Date): string {
  return t.toISOString().replace(/\.000Z$/, 'Z');
}

// --- What the config holds -----------------------------------------------------------------------

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const ONLY_REFS = /^(\$\{[A-Za-z_][A-Za-z0-9_]*\})+$/;
/** Header names that carry credentials (every header value is redacted in manifests; these must not be literal here). */
const SECRET_HEADER = /auth|key|token|secret|signature|password|cookie|credential/i;
/** Query parameters that carry credentials: a SAS signature, an Azure Functions code, tokens, keys. */
const SECRET_QUERY = /[?&](sig|code|token|access_token|api[-_]?key|key|secret|signature|password)=([^&#]*)/gi;
const CONNECTION_SECRET = /(AccountKey|SharedAccessSignature|SharedAccessKey)=([^;]*)/gi;

/** The `${NAME}` variables a config reads, in the order written. */
export function envReferences(raw: Json): string[] {
  const names = new Set<string>();
  const walk = (v: Json): void => {
    if (typeof v === 'string') for (const m of v.matchAll(REF)) names.add(m[1]);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(raw);
  return [...names];
}

function isLiteralSecretString(value: string, key: string | undefined, inHeaders: boolean): boolean {
  if (inHeaders) return key !== undefined && SECRET_HEADER.test(key) && value.match(REF) === null;
  if (key !== undefined && SECRET_KEYS.has(key)) return !ONLY_REFS.test(value);
  if (key === 'connectionString') return [...value.matchAll(CONNECTION_SECRET)].some((m) => m[2] !== '' && !ONLY_REFS.test(m[2]));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    const password = /^[a-z][a-z0-9+.-]*:\/\/[^/@?#]*:([^/@?#]+)@/i.exec(value)?.[1];
    if (password !== undefined && !ONLY_REFS.test(password)) return true;
    return [...value.matchAll(SECRET_QUERY)].some((m) => m[2] !== '' && !ONLY_REFS.test(m[2]));
  }
  return false;
}

/**
 * The path (`config.platforms.azure.inference.key`) of the first secret written literally in a
 * config, or undefined: a secret field, a credential header, the key or SAS of a connection string,
 * or a password or signature inside a URL, that is not a `${NAME}` reference.
 */
export function literalSecretPath(raw: Json, at = 'config'): string | undefined {
  const walk = (v: Json, path: string, key: string | undefined, inHeaders: boolean): string | undefined => {
    if (typeof v === 'string') return isLiteralSecretString(v, key, inHeaders) ? path : undefined;
    if (typeof v === 'number' || typeof v === 'boolean') {
      return (key !== undefined && SECRET_KEYS.has(key) && !inHeaders) || (inHeaders && key !== undefined && SECRET_HEADER.test(key)) ? path : undefined;
    }
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) {
        const found = walk(x, `${path}[${i}]`, undefined, inHeaders);
        if (found) return found;
      }
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const found = walk(x, `${path}.${k}`, k, inHeaders || k === 'headers');
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(raw, at, undefined, false);
}

// --- The manifests -------------------------------------------------------------------------------

/** The run contract of one shard: `cloudbench run --shard N` takes its index from JOB_COMPLETION_INDEX. */
export function shardArgs(o: Pick<K8sJobOptions, 'config' | 'shards' | 'startAt' | 'runId' | 'resultsTo'>): string[] {
  return [
    'run',
    '--config', `${POD_PATHS.configDir}/${o.config.key}`,
    '--shard', String(o.shards),
    '--start-at', isoInstant(o.startAt),
    '--run-id', o.runId,
    '--out', POD_PATHS.out,
    '--results-to', o.resultsTo,
  ];
}

export function configMapName(runId: string): string {
  return `${runId}${CONFIG_SUFFIX}`;
}

export function buildJobManifests(o: K8sJobOptions): [IConfigMap, IJob] {
  const labels = { [LABELS.name]: 'cloudbench', [LABELS.run]: o.runId };
  const meta = (name: string) => ({ name, ...(o.namespace ? { namespace: o.namespace } : {}), labels: { ...labels } });
  const configMap: IConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(configMapName(o.runId)),
    data: { [o.config.key]: o.config.text },
  };

  const env: IEnvVar[] = [
    { name: 'CLOUDBENCH_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    { name: 'CLOUDBENCH_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ...(o.region ? [{ name: 'CLOUDBENCH_REGION', value: o.region }] : []),
    ...(o.zone ? [{ name: 'CLOUDBENCH_ZONE', value: o.zone }] : []),
    { name: 'CLOUDBENCH_CACHE_DIR', value: POD_PATHS.cache },
    // The root file system is read-only: anything that writes under $HOME writes to the /tmp emptyDir.
    { name: 'HOME', value: POD_PATHS.tmp },
  ];
  // The region and zone the shard records are the ones the scheduler enforces.
  const nodeSelector: Record<string, string> = {
    'kubernetes.io/os': 'linux',
    ...(o.region ? { 'topology.kubernetes.io/region': o.region } : {}),
    ...(o.zone ? { 'topology.kubernetes.io/zone': o.zone } : {}),
  };
  // Requests = limits: Guaranteed QoS. The client's own timings are the measurement, so its CPU and
  // memory must not be squeezed by neighbours on the node (nor the pod evicted first under pressure).
  const resources = { cpu: o.cpu, memory: o.memory };

  const job: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(o.runId),
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.shards,
      // No retries: a retried shard would start after the shared start instant and measure a
      // different window than its siblings. Per index (Kubernetes ≥ 1.29), not backoffLimit: 0,
      // which fails the whole Job at the first failed pod and stops the shards still measuring;
      // this way the others finish and upload, and merge names the missing shard.
      backoffLimitPerIndex: 0,
      ttlSecondsAfterFinished: TTL_AFTER_FINISHED_S,
      template: {
        metadata: { labels: { ...o.podLabels, ...labels } },
        spec: {
          restartPolicy: 'Never',
          // A stopped pod (node drain, kubectl delete) still uploads what it measured: time for that.
          terminationGracePeriodSeconds: TERMINATION_GRACE_S,
          ...(o.serviceAccount ? { serviceAccountName: o.serviceAccount } : {}),
          // The shards never call the Kubernetes API (workload identity injects its own token volume).
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          nodeSelector,
          // Shards on one node share its network and CPU: spread them when the cluster can (each
          // shard records its node).
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { [LABELS.run]: o.runId } } },
          ],
          securityContext: {
            runAsNonRoot: true,
            runAsUser: NODE_UID,
            runAsGroup: NODE_UID,
            fsGroup: NODE_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'shard',
              image: o.image,
              args: shardArgs(o),
              workingDir: POD_PATHS.work,
              env,
              // Credentials only by reference: the Secrets' keys become environment variables.
              ...(o.secrets.length > 0 ? { envFrom: o.secrets.map((name) => ({ secretRef: { name } })) } : {}),
              resources: { requests: { ...resources }, limits: { ...resources } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'config', mountPath: POD_PATHS.configDir, readOnly: true },
                { name: 'work', mountPath: POD_PATHS.work },
                { name: 'tmp', mountPath: POD_PATHS.tmp },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: configMapName(o.runId) } },
            { name: 'work', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
  return [configMap, job];
}

/**
 * Multi-document YAML, with `#` comment lines (the run, when it starts) before the first document.
 * Written for YAML 1.1, kubectl's dialect: strings it would read as something else (`on`, an
 * ISO timestamp, `0755`) are quoted.
 */
export function manifestsToYaml(manifests: K8sManifest[], comment: string[] = []): string {
  const head = comment.map((line) => `# ${line}`.trimEnd()).join('\n');
  const docs = manifests.map((m) => YAML.stringify(m, { lineWidth: 0, version: '1.1' }));
  return `${head ? `${head}\n` : ''}---\n${docs.join('---\n')}`;
}
