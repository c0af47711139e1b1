/** Small helpers for terminal output: aligned tables and durations, no colours when piped. */

export function table(rows: string[][], opts: { header?: boolean; indent?: string } = {}): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const indent = opts.indent ?? '  ';
  const lines = rows.map((r) => indent + r.map((cell, c) => (cell ?? '').padEnd(widths[c])).join('  ').trimEnd());
  if (opts.header) lines.splice(1, 0, indent + widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
