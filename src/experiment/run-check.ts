/**
 * Reads a run folder's data files and checks that they add up, naming the file and line of
 * anything that does not: every batch row (the seal of a platform × batch) must have exactly its
 * request rows (one per image per phase), failures and retries must match them, every line must
 * parse and hold values of the right type. A corrupt `batches.csv` or a truncated
 * `requests.jsonl` is never read silently.
 *
 * What a stopped run legitimately leaves (request rows of the batch in flight, a torn last line
 * from a crash) is a note for a run that did not complete, and a problem for one marked complete.
 * requests.jsonl is streamed line by line: the check holds counters, not the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { PHASES, type Phase } from '../schema/phases';
import type { RunManifest } from './manifest';
import { BATCH_COLUMNS, shownBatch, type BatchRow, type RequestRow } from '../schema/records';
import type { StepCell } from '../schema/request-summary';
import { RequestSummaryBuilder } from './request-store/summary-builder';
import { FILES } from './run-folder';

export { FILES } from './run-folder';

export interface RunProblem {
  file: string;
  /** 1-based line number in that file, when one line is at fault. */
  line?: number;
  message: string;
}

export function describeProblem(p: RunProblem): string {
  return `${p.file}${p.line !== undefined ? ` line ${p.line}` : ''}: ${p.message}`;
}

export function stepKey(platform: string, batch: number): string {
  return `${platform}#${batch}`;
}

export interface SealedBatch {
  row: BatchRow;
  line: number;
}

export interface RunCheck {
  /** Batch rows that add up, in file order. */
  batches: BatchRow[];
  /** Request rows of those batches (only when asked for), in file order. */
  requests?: RequestRow[];
  /** Steps (platform#batch) whose batch row and request rows add up. */
  sealed: Set<string>;
  /** Things that do not add up. */
  problems: RunProblem[];
  /** Expected leftovers of a stopped run that were left out (not problems). */
  notes: string[];
}

const INTEGER_COLUMNS = new Set<keyof BatchRow>(['batch', 'images', 'bytes', 'requests', 'failures', 'retried']);
const NUMBER_COLUMNS = new Set<keyof BatchRow>([
  'mib', 'uploadS', 'downloadS', 'inferenceS', 'uploadSPerMiB', 'downloadSPerMiB', 'inferenceSPerMiB', 'throughputMiBps',
]);

/** One batches.csv cell → its typed value, or an error message. */
function batchCell(col: keyof BatchRow, v: string): { value: unknown } | { error: string } {
  if (INTEGER_COLUMNS.has(col)) {
    const n = Number(v);
    return v !== '' && Number.isInteger(n) && n >= 0 ? { value: n } : { error: `${col} is "${v}", not a whole number ≥ 0` };
  }
  if (NUMBER_COLUMNS.has(col)) {
    if (v === '') return { value: null };
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? { value: n } : { error: `${col} is "${v}", not a number ≥ 0` };
  }
  if (col === 'warmup') return v === 'true' || v === 'false' ? { value: v === 'true' } : { error: `warmup is "${v}", not true or false` };
  if (col === 'status') return v === 'ok' || v === 'failed' ? { value: v } : { error: `status is "${v}", not ok or failed` };
  if (col === 'startedAt') return Number.isNaN(Date.parse(v)) ? { error: `startedAt is "${v}", not a date` } : { value: v };
  return v === '' ? { error: `${col} is empty` } : { value: v };
}

/** batches.csv → sealed batch rows with their line numbers; malformed lines become problems. */
function readBatchesCsv(file: string, manifest: RunManifest, complete: boolean, problems: RunProblem[], notes: string[]): SealedBatch[] {
  const name = FILES.batches;
  if (!fs.existsSync(file)) {
    problems.push({ file: name, message: 'is missing' });
    return [];
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    problems.push({ file: name, message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
    return [];
  }
  if (text.length > 0 && !text.endsWith('\n')) {
    // A crash between writing a row and its newline: that batch was never sealed.
    const cut = text.lastIndexOf('\n') + 1;
    const line = text.slice(0, cut).split('\n').length;
    if (complete) problems.push({ file: name, line, message: 'is cut off (the file was truncated)' });
    else notes.push(`${name} line ${line} was cut off when the run stopped: that batch was not sealed`);
    text = text.slice(0, cut);
  }
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { relax_column_count: true, info: true, skip_empty_lines: false }) as unknown as typeof records;
  } catch (err) {
    const e = err as Error & { lines?: number };
    problems.push({ file: name, line: e.lines, message: `is not valid CSV: ${e.message.split('\n')[0]}` });
    return [];
  }
  if (records.length === 0 || records[0].record.join(',') !== BATCH_COLUMNS.join(',')) {
    problems.push({ file: name, line: 1, message: `the header is not ${BATCH_COLUMNS.join(',')}` });
    return [];
  }
  const platforms = new Set(Object.keys(manifest.config.platforms));
  const out: SealedBatch[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    if (record.length !== BATCH_COLUMNS.length) {
      problems.push({ file: name, line, message: `has ${record.length} cells, expected ${BATCH_COLUMNS.length}` });
      continue;
    }
    const row: Record<string, unknown> = {};
    const errors: string[] = [];
    BATCH_COLUMNS.forEach((col, i) => {
      const cell = batchCell(col, record[i]);
      if ('error' in cell) errors.push(cell.error);
      else row[col] = cell.value;
    });
    if (errors.length === 0 && row.run !== manifest.runId) errors.push(`run is "${row.run}", not this run (${manifest.runId})`);
    if (errors.length === 0 && !platforms.has(row.platform as string)) errors.push(`platform "${row.platform}" is not in the run's config`);
    if (errors.length) {
      problems.push({ file: name, line, message: errors.join('; ') });
      continue;
    }
    const key = stepKey(row.platform as string, row.batch as number);
    if (seen.has(key)) {
      problems.push({ file: name, line, message: `${row.platform} batch ${shownBatch(row.batch as number)} is recorded twice (also line ${seen.get(key)})` });
      continue;
    }
    seen.set(key, line);
    out.push({ row: row as unknown as BatchRow, line });
  }
  return out;
}

/** The newline-terminated lines of a file with their numbers, in 1 MiB reads; then the torn tail, if any. */
export function* fileLines(file: string): Generator<{ line: string; n: number; torn?: true }> {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(1 << 20);
  let rest = Buffer.alloc(0);
  let n = 0;
  try {
    for (let got = fs.readSync(fd, chunk); got > 0; got = fs.readSync(fd, chunk)) {
      let data = rest.length ? Buffer.concat([rest, chunk.subarray(0, got)]) : chunk.subarray(0, got);
      for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10)) {
        n += 1;
        yield { line: data.toString('utf8', 0, nl), n };
        data = data.subarray(nl + 1);
      }
      rest = Buffer.from(data);
    }
    if (rest.length) yield { line: rest.toString('utf8'), n: n + 1, torn: true };
  } finally {
    fs.closeSync(fd);
  }
}

/** One line of requests.jsonl as a row, or why it is not one. */
export function parseRequestLine(line: string, runId: string): { row: RequestRow } | { error: string } {
  let r: RequestRow;
  try {
    r = JSON.parse(line) as RequestRow;
  } catch {
    return { error: 'is not valid JSON' };
  }
  const error = requestRowError(r, runId);
  return error ? { error } : { row: r };
}

/** A request row's shape, cheaply: the fields the analysis and the checks rely on. */
function requestRowError(r: Partial<RequestRow>, runId: string): string | undefined {
  if (typeof r !== 'object' || r === null) return 'is not a JSON object';
  if (r.run !== runId) return `run is ${JSON.stringify(r.run)}, not this run`;
  if (typeof r.platform !== 'string') return 'has no platform';
  if (!Number.isInteger(r.batch) || (r.batch as number) < 0) return 'batch is not a whole number ≥ 0';
  if (!PHASES.includes(r.phase as Phase)) return `phase is ${JSON.stringify(r.phase)}`;
  if (typeof r.ok !== 'boolean') return 'ok is not true or false';
  if (!Number.isInteger(r.attempts) || (r.attempts as number) < 1) return 'attempts is not a whole number ≥ 1';
  for (const k of ['bytes', 'startedAt', 'monoStartMs', 'durationMs'] as const) {
    if (typeof r[k] !== 'number' || !Number.isFinite(r[k])) return `${k} is not a number`;
  }
  return undefined;
}

/** batches.csv read and checked, by step (platform#batch). */
export function readSealedBatches(dir: string, manifest: RunManifest, problems: RunProblem[], notes: string[]): Map<string, SealedBatch> {
  const sealed = readBatchesCsv(path.join(dir, FILES.batches), manifest, manifest.status === 'complete', problems, notes);
  return new Map(sealed.map((s) => [stepKey(s.row.platform, s.row.batch), s]));
}

/**
 * Streams requests.jsonl: every line that parses and belongs to a sealed step goes to `onRow`;
 * bad lines, a torn tail and rows of unsealed steps become problems (or notes for a run that
 * stopped, where a batch in flight is expected).
 */
export function scanRequestsJsonl(
  dir: string,
  manifest: RunManifest,
  byStep: ReadonlyMap<string, SealedBatch>,
  problems: RunProblem[],
  notes: string[],
  onRow: (r: RequestRow) => void,
): void {
  const complete = manifest.status === 'complete';
  const requestFile = path.join(dir, FILES.requests);
  const unsealed = new Map<string, number>();
  if (!fs.existsSync(requestFile)) {
    problems.push({ file: FILES.requests, message: 'is missing' });
    return;
  }
  try {
    for (const { line, n, torn } of fileLines(requestFile)) {
      if (torn) {
        if (complete) problems.push({ file: FILES.requests, line: n, message: 'is cut off (the file was truncated)' });
        else notes.push(`${FILES.requests} line ${n} was cut off when the run stopped (a batch in flight)`);
        continue;
      }
      if (line === '') continue;
      const parsed = parseRequestLine(line, manifest.runId);
      if ('error' in parsed) {
        problems.push({ file: FILES.requests, line: n, message: parsed.error });
        continue;
      }
      const key = stepKey(parsed.row.platform, parsed.row.batch);
      if (byStep.has(key)) onRow(parsed.row);
      else unsealed.set(key, (unsealed.get(key) ?? 0) + 1);
    }
  } catch (err) {
    problems.push({ file: FILES.requests, message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
  }
  for (const [key, n] of unsealed) {
    const [platform, batch] = key.split('#');
    const what = `${n} request row(s) of ${platform} batch ${shownBatch(Number(batch))}, which has no batch row`;
    if (complete) problems.push({ file: FILES.requests, message: `${what} (the run is marked complete)` });
    else notes.push(`${what}: the batch was in flight when the run stopped, left out`);
  }
}

/**
 * Each sealed batch against the counts of its request rows (from whichever store): one row per
 * image per measured phase, failures and retries as the batch row says. Returns the steps that add up.
 */
export function checkSteps(
  manifest: RunManifest,
  byStep: ReadonlyMap<string, SealedBatch>,
  cells: readonly StepCell[],
  requestsFile: string,
  problems: RunProblem[],
): Set<string> {
  const counts = new Map<string, { phases: Record<Phase, number>; failures: number; retried: number }>();
  for (const c of cells) {
    const key = stepKey(c.platform, c.batch);
    let k = counts.get(key);
    if (!k) counts.set(key, (k = { phases: { upload: 0, download: 0, inference: 0 }, failures: 0, retried: 0 }));
    k.phases[c.phase] += c.requests;
    k.failures += c.failed;
    k.retried += c.retried;
  }
  const good = new Set<string>();
  const phases = manifest.config.phases ?? [...PHASES];
  for (const [key, s] of byStep) {
    const c = counts.get(key) ?? { phases: { upload: 0, download: 0, inference: 0 }, failures: 0, retried: 0 };
    const mismatches: string[] = [];
    for (const phase of PHASES) {
      const expected = phases.includes(phase) ? s.row.images : 0;
      if (c.phases[phase] !== expected) mismatches.push(`${expected} ${phase} rows expected, ${c.phases[phase]} found`);
    }
    const total = c.phases.upload + c.phases.download + c.phases.inference;
    if (s.row.requests !== total) mismatches.push(`requests says ${s.row.requests}, ${total} rows found`);
    if (s.row.failures !== c.failures) mismatches.push(`failures says ${s.row.failures}, ${c.failures} failed rows found`);
    if (s.row.retried !== c.retried) mismatches.push(`retried says ${s.row.retried}, ${c.retried} retried rows found`);
    if (mismatches.length) {
      problems.push({
        file: FILES.batches,
        line: s.line,
        message: `${s.row.platform} batch ${shownBatch(s.row.batch)} does not add up with ${requestsFile}: ${mismatches.join('; ')}`,
      });
    } else good.add(key);
  }
  return good;
}

/**
 * Reads and checks a run folder's append log (batches.csv, requests.jsonl). `keepRequests`: also
 * return the request rows of the batches that add up (resume and verification do not need them).
 */
export function checkRun(dir: string, manifest: RunManifest, opts: { keepRequests?: boolean } = {}): RunCheck {
  const problems: RunProblem[] = [];
  const notes: string[] = [];
  const byStep = readSealedBatches(dir, manifest, problems, notes);
  const builder = new RequestSummaryBuilder();
  const kept: RequestRow[] | undefined = opts.keepRequests ? [] : undefined;
  scanRequestsJsonl(dir, manifest, byStep, problems, notes, (r) => {
    builder.add(r);
    kept?.push(r);
  });
  const good = checkSteps(manifest, byStep, builder.cells(), FILES.requests, problems);
  return {
    batches: [...byStep.values()].filter((s) => good.has(stepKey(s.row.platform, s.row.batch))).map((s) => s.row),
    // A copy only when a batch was dropped: a full-size run has ~700 000 rows.
    requests: kept && good.size < byStep.size ? kept.filter((r) => good.has(stepKey(r.platform, r.batch))) : kept,
    sealed: good,
    problems,
    notes,
  };
}
