/**
 * A run folder on disk: manifest.json, requests.jsonl, batches.csv. Rows are appended and
 * fsynced after every batch, so a crash or Ctrl-C loses at most the batch in flight.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import type { RunManifest } from './manifest';
import { BATCH_COLUMNS, type BatchRow, type RequestRow } from './records';

export const FILES = {
  manifest: 'manifest.json',
  requests: 'requests.jsonl',
  batches: 'batches.csv',
} as const;

/** Sortable and unique enough for one user: 20261123-014530-a3f9. */
export function newRunId(now = new Date()): string {
  const iso = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${iso}-${randomBytes(2).toString('hex')}`;
}

/** The run folder's path, checked: it exists and holds a manifest. */
export function runFolder(runDir: string): string {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError(`run folder ${runDir} does not exist`);
  if (!fs.existsSync(path.join(dir, FILES.manifest))) throw new UserError(`${runDir} is not a cloudbench run folder (no ${FILES.manifest})`);
  return dir;
}

/** Everything a run folder holds, as plain rows (no DataFrames: analysis and reports need none). */
export function readRun(runDir: string): { dir: string; manifest: RunManifest; batchRows: BatchRow[]; requestRows: RequestRow[] } {
  const dir = runFolder(runDir);
  return { dir, manifest: readManifest(dir), batchRows: readBatches(dir), requestRows: readRequests(dir) };
}

export function writeManifest(dir: string, manifest: RunManifest): void {
  // Write then rename, so a crash never leaves a half-written manifest.
  const tmp = path.join(dir, `${FILES.manifest}.tmp`);
  fs.writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(tmp, path.join(dir, FILES.manifest));
}

export function readManifest(dir: string): RunManifest {
  const file = path.join(dir, FILES.manifest);
  if (!fs.existsSync(file)) throw new UserError(`${dir} is not a cloudbench run folder (no ${FILES.manifest})`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as RunManifest;
  } catch (err) {
    throw new UserError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  return String(v);
}

function appendSynced(file: string, text: string): void {
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Creates the data files with their headers (idempotent). */
export function initRunFiles(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const batches = path.join(dir, FILES.batches);
  if (!fs.existsSync(batches)) fs.writeFileSync(batches, `${BATCH_COLUMNS.join(',')}\n`);
  const requests = path.join(dir, FILES.requests);
  if (!fs.existsSync(requests)) fs.writeFileSync(requests, '');
}

/** Appends one completed platform × batch: its requests first, then the batch row that seals it. */
export function appendBatch(dir: string, requests: RequestRow[], batch: BatchRow): void {
  appendSynced(path.join(dir, FILES.requests), requests.map((r) => `${JSON.stringify(r)}\n`).join(''));
  appendSynced(path.join(dir, FILES.batches), `${BATCH_COLUMNS.map((c) => csvCell(batch[c])).join(',')}\n`);
}

const NUMERIC = new Set<keyof BatchRow>([
  'batch', 'images', 'bytes', 'mib', 'uploadS', 'downloadS', 'inferenceS', 'uploadSPerMiB', 'downloadSPerMiB',
  'inferenceSPerMiB', 'throughputMiBps', 'requests', 'failures', 'retried',
]);

/** Complete batch rows (a torn last line from a crash is ignored). */
export function readBatches(dir: string): BatchRow[] {
  const file = path.join(dir, FILES.batches);
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const header = lines[0].split(',');
  const rows: BatchRow[] = [];
  // Only newline-terminated lines are complete.
  for (const line of lines.slice(1, -1)) {
    const cells = line.split(',');
    if (cells.length !== header.length) continue;
    const row: Record<string, unknown> = {};
    header.forEach((col, i) => {
      const v = cells[i];
      if (NUMERIC.has(col as keyof BatchRow)) row[col] = v === '' ? null : Number(v);
      else if (col === 'warmup') row[col] = v === 'true';
      else row[col] = v;
    });
    rows.push(row as unknown as BatchRow);
  }
  return rows;
}

/** Every request row, in file order (a torn last line from a crash is ignored). */
export function readRequests(dir: string): RequestRow[] {
  const file = path.join(dir, FILES.requests);
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const rows: RequestRow[] = [];
  for (const line of lines.slice(0, -1)) {
    if (line) rows.push(JSON.parse(line) as RequestRow);
  }
  return rows;
}

export function stepKey(platform: string, batch: number): string {
  return `${platform}#${batch}`;
}

/**
 * Before resuming: keeps only rows of steps sealed by a batch row, so a batch interrupted between
 * its request rows and its batch row is measured again from scratch and appears exactly once.
 */
export function repairForResume(dir: string): Set<string> {
  const batches = readBatches(dir);
  const done = new Set(batches.map((b) => stepKey(b.platform, b.batch)));
  const header = `${BATCH_COLUMNS.join(',')}\n`;
  const batchLines = batches.map((b) => `${BATCH_COLUMNS.map((c) => csvCell(b[c])).join(',')}\n`).join('');
  replaceFile(path.join(dir, FILES.batches), (out) => fs.writeSync(out, header + batchLines));
  // Streamed line by line: a full-size run has ~700 000 request rows, and resuming must not need
  // them all in memory. Kept lines are copied verbatim.
  replaceFile(path.join(dir, FILES.requests), (out) => {
    for (const line of completeLines(path.join(dir, FILES.requests))) {
      const r = JSON.parse(line) as Pick<RequestRow, 'platform' | 'batch'>;
      if (done.has(stepKey(r.platform, r.batch))) fs.writeSync(out, `${line}\n`);
    }
  });
  return done;
}

/** Writes a new version of `file` through `write`, then swaps it in atomically. */
function replaceFile(file: string, write: (fd: number) => void): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    write(fd);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** The newline-terminated, non-empty lines of a file, read in 1 MiB chunks (a torn last line is skipped). */
function* completeLines(file: string): Generator<string> {
  if (!fs.existsSync(file)) return;
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(1 << 20);
  let rest = Buffer.alloc(0);
  try {
    for (let n = fs.readSync(fd, chunk); n > 0; n = fs.readSync(fd, chunk)) {
      let data = Buffer.concat([rest, chunk.subarray(0, n)]);
      for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10)) {
        if (nl > 0) yield data.toString('utf8', 0, nl);
        data = data.subarray(nl + 1);
      }
      rest = Buffer.from(data);
    }
  } finally {
    fs.closeSync(fd);
  }
}
