/**
 * Renders runner events: a live status line on a terminal, plain log lines otherwise
 * (CI logs, pipes), so both a person watching and a log file get something readable.
 */
import type { RunEvent } from '../experiment/runner';
import { shownBatch, type BatchRow } from '../schema/records';
import { loadEventLine } from './load-progress';
import { formatDuration } from './output';

function fmt(v: number | null, digits = 3): string {
  return v === null ? '-' : v.toFixed(digits);
}

export function describeBatch(row: BatchRow): string {
  const parts = [
    `upload ${fmt(row.uploadSPerMiB)} s/MiB`,
    `download ${fmt(row.downloadSPerMiB)} s/MiB`,
    `inference ${fmt(row.inferenceSPerMiB)} s/MiB`,
    `throughput ${fmt(row.throughputMiBps)} MiB/s`,
  ];
  const flags = [row.warmup ? 'warm-up' : '', row.status === 'failed' ? 'FAILED' : '', row.failures ? `${row.failures} failed request${row.failures > 1 ? 's' : ''}` : '']
    .filter(Boolean)
    .join(', ');
  return `${parts.join(', ')}${flags ? ` (${flags})` : ''}`;
}

/** The batches a shard measures, numbered as shown: shard 1 of 3 → "batches 2, 5, 8, …" (stored b mod 3 = 1). */
export function shardBatches(index: number, count: number, planned: number): string {
  const mine = [0, 1, 2, 3].map((k) => index + k * count).filter((b) => b < planned);
  const shown = mine.slice(0, 3).map(shownBatch).join(', ');
  return `${mine.length === 1 ? 'batch' : 'batches'} ${shown || 'none'}${mine.length > 3 ? ', …' : ''}`;
}

export function createProgressRenderer(stream: NodeJS.WriteStream, opts: { live?: boolean } = {}) {
  const live = opts.live ?? (stream.isTTY === true && process.env.CI === undefined);
  let steps = 0;
  let stepsDone = 0;
  let stepsAtStart = 0;
  let batches = 0;
  let started = 0;
  let errors = 0;
  let lastLine = '';
  let lastDatasetLog = 0;

  const clear = () => {
    if (live && lastLine) stream.write('\r\x1b[2K');
    lastLine = '';
  };
  const status = (line: string) => {
    if (!live) return;
    const width = stream.columns ?? 100;
    lastLine = line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line;
    stream.write(`\r\x1b[2K${lastLine}`);
  };
  const log = (line: string) => {
    clear();
    stream.write(`${line}\n`);
  };
  const eta = () => {
    const doneHere = stepsDone - stepsAtStart;
    if (doneHere === 0) return '?';
    const perStep = (Date.now() - started) / doneHere;
    return formatDuration(perStep * (steps - stepsDone));
  };

  return {
    onEvent(e: RunEvent) {
      switch (e.type) {
        case 'dataset': {
          const label = e.stage === 'generate' ? 'Generating synthetic images' : 'Hashing dataset';
          if (live) status(`${label}: ${e.done}/${e.total}`);
          else if (e.done === e.total || Date.now() - lastDatasetLog > 5000) {
            lastDatasetLog = Date.now();
            log(`${label}: ${e.done}/${e.total}`);
          }
          if (e.done === e.total) clear();
          break;
        }
        case 'start':
          steps = e.steps;
          stepsDone = e.stepsDone;
          stepsAtStart = e.stepsDone;
          batches = e.batches;
          started = Date.now();
          log(
            `${e.resumed ? 'Resuming' : 'Starting'} run ${e.runId}: ${e.platforms.join(', ')} × ${e.batches} batches` +
              (e.shard ? ` (shard ${e.shard.index} of ${e.shard.count}: ${shardBatches(e.shard.index, e.shard.count, e.batches)}; ${e.steps / e.platforms.length} per platform)` : '') +
              (e.resumed ? ` (${e.stepsDone} of ${e.steps} platform-batches already done)` : ''),
          );
          log(`Results: ${e.dir}`);
          break;
        case 'phase': {
          if (!live) break;
          const elapsed = Date.now() - started;
          const rate = elapsed > 0 ? (stepsDone - stepsAtStart) / (elapsed / 60000) : 0;
          status(
            `batch ${shownBatch(e.batch)}/${batches}  ${e.platform}  ${e.phase} ${e.done}/${e.total}` +
              `  ${rate.toFixed(1)} platform-batches/min  ETA ${eta()}  errors ${errors + e.failures}`,
          );
          break;
        }
        case 'batch':
          stepsDone = e.stepsDone;
          errors += e.row.failures;
          log(`[${e.stepsDone}/${e.steps}] ${e.row.platform} batch ${shownBatch(e.row.batch)}/${batches}: ${describeBatch(e.row)}`);
          break;
        case 'shard-wait':
          log(`Waiting ${(e.ms / 1000).toFixed(1)} s for the shared start at ${e.startAt}…`);
          break;
        case 'warning':
          log(`warning: ${e.message}`);
          break;
        case 'interrupt':
          log(
            e.stage === 'stop'
              ? 'Interrupted: finishing the requests in flight (they end within their deadlines); Ctrl-C again to abort them…'
              : 'Aborting the requests in flight; the batch they belong to will be measured again on resume…',
          );
          break;
        case 'cleanup':
          log(`Cleaned up ${e.deleted} objects of this run on ${e.platform}.`);
          break;
        case 'end':
          clear();
          break;
        default: {
          const line = loadEventLine(e);
          if (line.log) log(line.log);
          // Off a terminal a progress line every 250 ms would flood the log: finished steps say enough.
          if (line.status) status(line.status);
        }
      }
    },
    /** Any other message, without tearing the status line. */
    log,
    close: clear,
  };
}
