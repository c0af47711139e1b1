/**
 * The run folders under an output folder, newest first by when they started (not by name: a
 * folder can be called anything, e.g. the shipped `reports/sample`). Reads manifests and counts
 * batch rows; a folder that is not a run, or whose manifest does not parse, is left out.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunStatus } from './manifest';
import { FILES, readManifest } from './run-folder';

export interface RunListing {
  dir: string;
  runId: string;
  name: string;
  status: RunStatus;
  startedAt: string;
  endedAt: string | null;
  platforms: string[];
  configHash: string;
  datasetSha256: string;
  /** Sealed batch rows in batches.csv (newline-terminated lines after the header). */
  batches: number;
  plannedBatches: number;
}

export function listRuns(root: string): RunListing[] {
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) return [];
  const out: RunListing[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const dir = path.resolve(root, entry.name);
    if (!entry.isDirectory() || !fs.existsSync(path.join(dir, FILES.manifest))) continue;
    try {
      const m = readManifest(dir);
      out.push({
        dir,
        runId: m.runId,
        name: m.name,
        status: m.status,
        startedAt: m.startedAt,
        endedAt: m.endedAt,
        platforms: Object.keys(m.config.platforms),
        configHash: m.configHash,
        datasetSha256: m.dataset.sha256,
        batches: countBatchRows(path.join(dir, FILES.batches)),
        plannedBatches: m.plannedBatches,
      });
    } catch {
      // not a readable run folder: not listed
    }
  }
  return out.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
}

function countBatchRows(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const newlines = fs.readFileSync(file, 'utf8').split('\n').length - 1;
  return Math.max(0, newlines - 1);
}
