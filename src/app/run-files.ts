/**
 * The runs page's view of `outDir`: the run folders in it, a fixed list of files per run that may
 * be downloaded (never a path from the request: a run is looked up by its id among the listed
 * folders, a file by its name in the list, so nothing outside outDir can be reached), and a
 * running run's progress as it is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { batchPoints, batchSeriesSpec, listRuns, readManifest, renderSvg, type BatchRow, type RunListing } from '../index';

/** Files of a run folder the app serves, with their content types. */
const RUN_FILES: Record<string, string> = {
  'report.html': 'text/html; charset=utf-8',
  'report.pdf': 'application/pdf',
  'manifest.json': 'application/json',
  'analysis.json': 'application/json',
  'batches.csv': 'text/csv; charset=utf-8',
  'requests.jsonl': 'application/x-ndjson',
  'load-steps.jsonl': 'application/x-ndjson',
  'load-requests.jsonl': 'application/x-ndjson',
};

export interface RunSummary extends Omit<RunListing, 'dir' | 'configHash' | 'datasetSha256'> {
  /** The run's folder name: unique in outDir (a copied folder keeps its run id), so it is what URLs name. */
  id: string;
  files: string[];
}

export class RunFolders {
  constructor(readonly outDir: string) {}

  list(): RunSummary[] {
    return listRuns(this.outDir).map(({ dir, configHash: _h, datasetSha256: _d, ...r }) => ({
      id: path.basename(dir),
      ...r,
      files: Object.keys(RUN_FILES).filter((f) => fs.existsSync(path.join(dir, f))),
    }));
  }

  /**
   * The folder of a run, or null: the id must be the name of a folder in outDir holding a
   * manifest.json (matched against the folder listing, never joined into a path as given). Cheap:
   * the live stream asks every second, and listing every run would read every manifest.
   */
  dirOf(id: string): string | null {
    if (!fs.existsSync(this.outDir)) return null;
    const entry = fs.readdirSync(this.outDir, { withFileTypes: true }).find((e) => e.isDirectory() && e.name === id);
    const dir = entry ? path.resolve(this.outDir, entry.name) : null;
    return dir && fs.existsSync(path.join(dir, 'manifest.json')) ? dir : null;
  }

  /** Status, platforms and plan of a run folder (from `dirOf`), from its manifest alone: what a live stream re-reads every second. */
  state(dir: string): { status: string; platforms: string[]; plannedBatches: number } {
    const m = readManifest(dir);
    return { status: m.status, platforms: Object.keys(m.config.platforms), plannedBatches: m.plannedBatches };
  }

  /** A servable file of a run, or null when the run, the name or the file is unknown. */
  file(runId: string, name: string): { file: string; type: string } | null {
    if (!Object.hasOwn(RUN_FILES, name)) return null;
    const dir = this.dirOf(runId);
    if (!dir) return null;
    const file = path.join(dir, name);
    return fs.existsSync(file) ? { file, type: RUN_FILES[name] } : null;
  }
}

/**
 * The batch rows written so far (batches.csv is small: one line per platform × batch); a line
 * still being written is left for the next read. Its own strict parse, not readSealedBatchRows:
 * that one tolerates what it cannot read in a live run, and a damaged file must end the stream
 * with a message instead of showing no progress forever.
 */
export function batchRowsOf(dir: string): BatchRow[] {
  const file = path.join(dir, 'batches.csv');
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  const whole = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  if (whole.trim() === '') return [];
  const num = (v: string) => (v === '' ? null : Number(v));
  const records = parse(whole, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  return records.map((o) => ({
    ...o,
    batch: Number(o.batch), warmup: o.warmup === 'true', images: Number(o.images), bytes: Number(o.bytes), mib: Number(o.mib),
    uploadS: num(o.uploadS), downloadS: num(o.downloadS), inferenceS: num(o.inferenceS),
    uploadSPerMiB: num(o.uploadSPerMiB), downloadSPerMiB: num(o.downloadSPerMiB), inferenceSPerMiB: num(o.inferenceSPerMiB),
    throughputMiBps: num(o.throughputMiBps), requests: Number(o.requests), failures: Number(o.failures), retried: Number(o.retried),
  }) as unknown as BatchRow);
}

/** The report's per-batch series figure of what a run has written so far, as SVG (null before its first batch). */
export async function progressChart(rows: readonly BatchRow[], platforms: string[]): Promise<string | null> {
  const metric = rows.some((r) => r.throughputMiBps !== null) ? 'throughputMiBps' : 'inferenceSPerMiB';
  const points = batchPoints(rows as BatchRow[], metric);
  if (points.length === 0) return null;
  const { svg } = await renderSvg(batchSeriesSpec(points, { platforms, valueTitle: metric === 'throughputMiBps' ? 'throughput (MiB/s)' : 'inference (s/MiB)' }), 'live');
  return svg;
}
