/**
 * A run folder on disk: manifest.json, requests.jsonl, batches.csv. A platform × batch is written
 * as its request rows (appended, every byte checked, fsynced) and then its batch row, which seals
 * it: a crash, a Ctrl-C or a full disk loses at most the batch in flight, and every reader checks
 * that each sealed batch has exactly its rows (run-check.ts).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { appendDurably, replaceFileAtomically, writeFileAtomicallyOrInPlace, writeFully } from '../durable-files';
import { UserError } from '../errors';
import type { RunManifest } from './manifest';
import { BATCH_COLUMNS, type BatchRow, type RequestRow } from '../schema/records';
import { readManifest } from './run-folder';
import { checkRun, describeProblem, FILES, fileLines, parseRequestLine, readSealedBatches, stepKey, type RunProblem } from './run-check';

export { FILES, stepKey } from './run-check';
export { readManifest, runFolder } from './run-folder';

/** Sortable and unique enough for one user: 20261123-014530-a3f9. */
export function newRunId(now = new Date()): string {
  const iso = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${iso}-${randomBytes(2).toString('hex')}`;
}


/** A run whose files do not add up, refused with the first problem named. */
export class RunIntegrityError extends UserError {
  override name = 'RunIntegrityError';
  constructor(
    dir: string,
    readonly problems: RunProblem[],
  ) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    super(
      `${path.basename(dir)}: ${describeProblem(problems[0])}${more}; ` +
        'add --exclude-invalid to leave out the batches that do not add up and go on',
    );
  }
}

export interface ReadRunOptions {
  /** refuse (default): throw on any problem. exclude: leave out what does not add up and say so in `notes`. */
  invalid?: 'refuse' | 'exclude';
}

export function writeManifest(dir: string, manifest: RunManifest): void {
  // Atomic; on a full disk rewritten in place, so a failed run can still say it failed.
  writeFileAtomicallyOrInPlace(path.join(dir, FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
}


function batchLine(batch: BatchRow): string {
  // true/false and empty for null, as the columns are documented (csv-stringify casts booleans to 1/'').
  return stringify([BATCH_COLUMNS.map((c) => batch[c] ?? '')], { cast: { boolean: (v) => String(v) } });
}

/** Creates the folder and the data files with their headers (idempotent). */
export function initRunFiles(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const batches = path.join(dir, FILES.batches);
  if (!fs.existsSync(batches)) appendDurably(batches, `${BATCH_COLUMNS.join(',')}\n`);
  const requests = path.join(dir, FILES.requests);
  if (!fs.existsSync(requests)) appendDurably(requests, '');
}

/** Appends one completed platform × batch: its requests, durably, and only then the batch row that seals it. */
export function appendBatch(dir: string, requests: RequestRow[], batch: BatchRow): void {
  appendDurably(path.join(dir, FILES.requests), requests.map((r) => `${JSON.stringify(r)}\n`).join(''));
  appendDurably(path.join(dir, FILES.batches), batchLine(batch));
}

/** The batch rows that add up (what a reader would use; problems and leftovers are left out). */
export function readBatches(dir: string): BatchRow[] {
  return checkRun(dir, readManifest(dir)).batches;
}

/**
 * The rows of batches.csv alone, without checking them against requests.jsonl: for the runner,
 * which has just written both (and repaired them on resume), so re-reading every request is waste.
 */
export function readSealedBatchRows(dir: string): BatchRow[] {
  return [...readSealedBatches(dir, readManifest(dir), [], []).values()].map((s) => s.row);
}

/** The request rows of the batches that add up, in file order. */
export function readRequests(dir: string): RequestRow[] {
  return checkRun(dir, readManifest(dir), { keepRequests: true }).requests ?? [];
}

export interface ResumeRepair {
  /** Steps (platform#batch) that are sealed and add up: not measured again. */
  done: Set<string>;
  /** What was dropped and will be measured again, in words. */
  dropped: string[];
}

/**
 * Before resuming: keeps only the batches that add up (sealed, with exactly their request rows),
 * so a batch interrupted between its rows and its seal, or one whose files were damaged, is
 * measured again from scratch and appears exactly once.
 */
export function repairForResume(dir: string, manifest: RunManifest): ResumeRepair {
  const check = checkRun(dir, manifest);
  const done = check.sealed;
  const dropped = [...check.problems.map(describeProblem), ...check.notes];
  // Every line already belongs to a batch that adds up (a torn line, a stray row or a bad batch
  // would have been named): rewriting ~700 000 rows to the same bytes would only cost time.
  if (dropped.length === 0) return { done, dropped };
  replaceFileAtomically(path.join(dir, FILES.batches), (fd) => {
    const text = `${BATCH_COLUMNS.join(',')}\n${check.batches.map(batchLine).join('')}`;
    writeFully(fd, Buffer.from(text, 'utf8'), FILES.batches);
  });
  // Streamed: a full-size run has ~700 000 request rows. Kept lines are copied verbatim.
  replaceFileAtomically(path.join(dir, FILES.requests), (fd) => {
    for (const { line, torn } of fileLines(path.join(dir, FILES.requests))) {
      if (torn || line === '') continue;
      // Exactly the rows the check counted: a line it rejected is not kept for a kept batch.
      const parsed = parseRequestLine(line, manifest.runId);
      if ('row' in parsed && done.has(stepKey(parsed.row.platform, parsed.row.batch))) {
        writeFully(fd, Buffer.from(`${line}\n`, 'utf8'), FILES.requests);
      }
    }
  });
  return { done, dropped };
}
