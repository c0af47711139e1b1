/**
 * A merged run's clients (`cloudbench merge`): who measured what, from where, how close to the
 * shared start, and each client's own figures, so a reader sees where the clients disagree (a
 * client in another zone, a starved pod) before trusting the pooled statistics.
 */
import type { MergedFrom, RunManifest } from '../experiment/manifest';
import type { LoadStepRow } from '../schema/load-records';
import { BATCH_METRICS, type BatchMetricKey } from '../schema/metrics';
import { measuredBatches, type BatchRow } from '../schema/records';
import { median } from './descriptive';
import { holm } from './holm';
import { kruskalWallis } from './kruskal-wallis';

export interface ClientInfo {
  index: number;
  /** The pod's name when the Job recorded it, else the host name. */
  name: string;
  node: string | null;
  region: string | null;
  zone: string | null;
  /** How late the client began after the shared start, ms (null: no shared start). */
  lagMs: number | null;
  /** Platform × batch steps it measured. */
  platformBatches: number;
}

export interface ClientMetricRow {
  platform: string;
  metric: BatchMetricKey;
  /** Median over the client's measured batches, per client in index order (null: none). */
  medians: Array<number | null>;
  /** Largest median over smallest, minus 1 (0.25 = the clients differ by 25 %); null with fewer than two values. */
  spread: number | null;
  /** Kruskal–Wallis across the clients' batches, Holm-adjusted over every row; null when fewer than two clients have two batches. */
  pAdjusted: number | null;
  /** The clients' batches differ (pAdjusted < alpha): a client's place or machine shows in the figures. */
  differs: boolean;
}

export interface ClientLoadRow {
  platform: string;
  step: number;
  /** The offered rate of the merged step. */
  rateRps: number;
  /** How far apart the clients' parts of the step began, ms (the merge records it on the step; null if it did not). */
  startSpreadMs: number | null;
  perClient: Array<{ rateRps: number; achievedRps: number | null; p99Ms: number | null; meetsSlo: boolean } | null>;
}

export interface ClientsModel {
  clients: ClientInfo[];
  /** The shared start, ISO 8601 (null when the shards had none). */
  startAt: string | null;
  metrics: ClientMetricRow[];
  load: ClientLoadRow[];
}

/** A client's own step rows, as a merged run keeps them (load-shard-steps.jsonl). */
export type ClientStepRow = LoadStepRow & { shard: number };

export function clientsModel(
  manifest: RunManifest,
  batchRows: readonly BatchRow[],
  mergedSteps: readonly LoadStepRow[],
  shardSteps: readonly ClientStepRow[],
  platforms: readonly string[],
  alpha: number,
): ClientsModel | null {
  const merged: MergedFrom | undefined = manifest.merged;
  if (!merged) return null;
  const n = merged.shards.length;
  const clients: ClientInfo[] = merged.shards.map((s) => ({
    index: s.index,
    name: s.pod ?? s.host,
    node: s.node,
    region: s.region,
    zone: s.zone,
    lagMs: s.lagMs,
    platformBatches: s.batches,
  }));
  // The split is fixed (shard.ts): batch b was measured by client b mod N.
  const measured = measuredBatches([...batchRows]);
  const metrics: ClientMetricRow[] = [];
  const raw: Array<number | null> = [];
  for (const platform of platforms) {
    for (const m of BATCH_METRICS) {
      const values = clients.map((c) => measured.filter((b) => b.platform === platform && b.batch % n === c.index).map((b) => b[m.key]).filter((v): v is number => v !== null));
      const medians = values.map((v) => (v.length ? median(v) : null));
      const present = medians.filter((v): v is number => v !== null);
      const lo = Math.min(...present);
      // The same test the study uses across platforms, here across clients.
      const groups = values.filter((v) => v.length >= 2);
      const pooled = groups.flat();
      raw.push(groups.length >= 2 && pooled.some((v) => v !== pooled[0]) ? kruskalWallis(groups).pValue : null);
      metrics.push({ platform, metric: m.key, medians, spread: present.length >= 2 && lo > 0 ? Math.max(...present) / lo - 1 : null, pAdjusted: null, differs: false });
    }
  }
  const tested = raw.flatMap((p, i) => (p === null ? [] : [i]));
  const adjusted = holm(tested.map((i) => raw[i]!));
  tested.forEach((i, k) => {
    metrics[i].pAdjusted = adjusted[k];
    metrics[i].differs = adjusted[k] < alpha;
  });
  const groups = new Map<string, ClientStepRow[]>();
  for (const s of shardSteps) groups.set(`${s.platform}#${s.step}`, [...(groups.get(`${s.platform}#${s.step}`) ?? []), s]);
  const load: ClientLoadRow[] = [...groups.values()]
    .filter((rows) => rows[0].step >= 0)
    .sort((a, b) => a[0].platform.localeCompare(b[0].platform) || a[0].step - b[0].step)
    .flatMap((rows) => {
      // The merged step already holds the full rate and the clients' start spread (merge-load.ts).
      const merged = mergedSteps.find((m) => m.platform === rows[0].platform && m.step === rows[0].step);
      return merged ? [{ rows, merged }] : [];
    })
    .map(({ rows, merged }) => ({
      platform: merged.platform,
      step: merged.step,
      rateRps: merged.rateRps,
      startSpreadMs: merged.clients?.startSpreadMs ?? null,
      perClient: clients.map((c) => {
        const r = rows.find((x) => x.shard === c.index);
        return r ? { rateRps: r.rateRps, achievedRps: r.achievedRps, p99Ms: r.corrected?.p99 ?? null, meetsSlo: r.meetsSlo } : null;
      }),
    }));
  return { clients, startAt: merged.shards[0]?.startAt ?? null, metrics, load };
}
