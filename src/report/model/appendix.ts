/** Appendix: the run's manifest — identity, times, hashes, versions — and its (redacted) config. */
import type { AnalysisModel } from '../../analysis/model';
import { int, isoTime, mib } from '../format';
import type { ReportTable } from '../report-model';
import { keyValueTable } from './cells';

type RunManifest = AnalysisModel['manifest'];

export function runTable(m: RunManifest): ReportTable {
  const sessions = m.sessions.map((s, i) => `${i + 1}: ${isoTime(s.startedAt)} → ${isoTime(s.endedAt)} (${s.stepsDone} steps)`).join('; ');
  const rows: [string, string][] = [
    ['Run id', m.runId],
    ['Name', m.name],
    ['Status', m.status],
    ['Started', isoTime(m.startedAt)],
    ['Ended', isoTime(m.endedAt)],
    ['Sessions', sessions || '—'],
    ['Config hash (SHA-256)', m.configHash],
    ['Dataset', `${int(m.dataset.count)} images, ${mib(m.dataset.totalBytes)} (${int(m.dataset.totalBytes)} bytes); ${m.dataset.source}`],
    ['Dataset hash (SHA-256)', m.dataset.sha256],
    ['Planned batches per platform', String(m.plannedBatches)],
    ['Git commit', m.git ? `${m.git.commit}${m.git.dirty ? ' (uncommitted changes)' : ''}` : 'not from a git checkout'],
    ['Host', `${m.host.os}, ${m.host.arch}, ${m.host.cpus} × ${m.host.cpuModel}, ${m.host.memoryGiB} GiB`],
  ];
  return keyValueTable('tab-manifest', 'The run’s manifest.', ['Field', 'Value'], rows);
}

export function versionsTable(m: RunManifest): ReportTable {
  const rows: [string, string][] = [
    ['cloudbench', m.versions.cloudbench],
    ['Node.js', m.versions.node],
    ...Object.keys(m.versions.packages)
      .sort()
      .map((k): [string, string] => [k, m.versions.packages[k]]),
  ];
  return keyValueTable('tab-versions', 'Software versions the run recorded.', ['Component', 'Version'], rows);
}

/** JSON with keys sorted at every level: the same config always prints the same way. */
export function sortedJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value), null, 2);
}
