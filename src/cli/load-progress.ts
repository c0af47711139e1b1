/** Progress lines of the load scenario: a live line per rate step, and one result line when it ends. */
import type { LoadEvent } from '../experiment/load/load-scenario';
import type { LoadStepRow } from '../schema/load-records';

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
const rps = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/** One line for a finished step: what was offered, what came out, and the verdict against the target. */
export function describeLoadStep(row: LoadStepRow): string {
  if (row.step < 0) {
    return `${row.platform} cold start: ${ms(row.corrected?.max ?? null)} for the first request after idle${row.failed ? ' (FAILED)' : ''}` +
      (row.instancesMax !== null ? `, ${row.instancesMax} instance${row.instancesMax === 1 ? '' : 's'} when it answered` : '');
  }
  const verdict = row.meetsSlo
    ? `meets p${row.slo.percentile} ≤ ${row.slo.ms} ms`
    : row.endedBy === 'early-stop'
      ? `misses the target (stopped early: ${row.endReason})`
      : `misses p${row.slo.percentile} ≤ ${row.slo.ms} ms`;
  const parts = [
    `${row.platform} @ ${rps(row.rateRps)} req/s: achieved ${row.achievedRps === null ? '-' : row.achievedRps.toFixed(2)} req/s`,
    `p50 ${ms(row.corrected?.p50)}, p99 ${ms(row.corrected?.p99)} corrected (naive p99 ${ms(row.naive?.p99)})`,
    `${row.failed} failed of ${row.sent}`,
    row.instancesMax !== null ? `instances ${row.instancesMin === row.instancesMax ? row.instancesMax : `${row.instancesMin}–${row.instancesMax}`}` : '',
  ].filter(Boolean);
  return `${parts.join(', ')} → ${verdict}`;
}

export function loadEventLine(e: LoadEvent): { log?: string; status?: string } {
  switch (e.type) {
    case 'load-start':
      return {
        log: `Load scenario (${e.mode === 'search' ? 'capacity search' : 'rate sweep'}): ${e.rates.map(rps).join(', ')} req/s on ${e.platforms.join(', ')}` +
          (e.shareOf ? `; this shard offers 1/${e.shareOf} of each, so its steps below show ${e.rates.map((r) => rps(r / e.shareOf!)).join(', ')} req/s` : '') +
          (e.stepsDone ? ` (${e.stepsDone} steps already done)` : ''),
      };
    case 'load-idle':
      return { log: `${e.platform}: idle for ${e.seconds} s before the cold-start request…` };
    case 'load-progress': {
      const p = e.progress;
      const label = p.step < 0 ? `${p.platform} cold start` : `${p.platform} @ ${rps(p.rateRps)} req/s`;
      return { status: `${label}  sent ${p.sent}/${p.planned + p.warmup}  done ${p.done}  in flight ${p.inFlight}  over target ${p.overTarget}  failed ${p.failed}` };
    }
    case 'load-step':
      return { log: describeLoadStep(e.row) };
    case 'load-end':
      return {
        log: `Capacity at the target: ${Object.entries(e.capacity)
          .map(([p, c]) => `${p} ${c === null ? 'none of the rates tried' : `${e.atLeast.includes(p) ? '≥ ' : ''}${rps(c)} req/s`}`)
          .join(', ')}`,
      };
  }
}
