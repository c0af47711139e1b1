/** The opening paragraphs: what was compared and, metric by metric, who leads, by how much, how surely. */
import type { AnalysisModel, MetricComparison } from '../../analysis/model';
import { fixed, int, isoTime, listText, mib, num, pText } from '../format';
import type { Paragraph } from '../report-model';
import { METRIC_ORDER, METRIC_TEXT, medianOf } from './metrics';

export function summaryParagraphs(analysis: AnalysisModel): Paragraph[] {
  const { manifest } = analysis;
  const { images, bytes } = analysis.batches.measured;
  const perPlatform = analysis.platforms.map((p) => `${analysis.exclusions.perPlatform[p]?.measured ?? 0} on ${p}`);
  const status = manifest.status === 'complete' ? '' : ` The run’s status is “${manifest.status}”: it did not finish all planned batches.`;
  const out: Paragraph[] = [
    `This report compares ${analysis.platforms.length} platforms — ${listText(analysis.platforms)} — each pairing object storage with an inference endpoint ([[tab-resources]]). ` +
      `Run ${manifest.runId} sent batches of ${manifest.config.batchSize} images from a ${int(manifest.dataset.count)}-image dataset through ${listText(manifest.config.phases)} ` +
      `${manifest.endedAt ? `between ${isoTime(manifest.startedAt)} and ${isoTime(manifest.endedAt)}` : `from ${isoTime(manifest.startedAt)} (not finished)`}; ${analysis.exclusions.measured} platform × batch results count in the statistics ` +
      `(${perPlatform.join(', ')}; ${int(images)} images, ${mib(bytes)}).${status}`,
  ];
  const metrics = [...analysis.metrics].sort((a, b) => METRIC_ORDER.indexOf(a.metric) - METRIC_ORDER.indexOf(b.metric));
  const sentences = metrics.map((m) => lead(m, analysis.alpha));
  if (sentences.length) out.push(sentences.join(' '));
  return out;
}

/** Short form of the verdict for the summary (the metric section has the long one). */
function lead(m: MetricComparison, alpha: number): string {
  const noun = METRIC_TEXT[m.metric]?.noun ?? m.label;
  const dir = m.better === 'lower' ? 'lower' : 'higher';
  const v = m.verdict;
  if (v.kind === 'insufficient-data') return `${cap(noun)}: insufficient data to compare.`;
  if (v.kind === 'winner') {
    return (
      `${cap(noun)}: ${v.winner} leads with a ${fixed(Math.abs(v.improvementPct), 1)} % ${dir} median than ${v.runnerUp} ` +
      `(${num(medianOf(m, v.winner))} vs ${num(medianOf(m, v.runnerUp))} ${m.unit}; significant, ${pText(v.pValue)}).`
    );
  }
  return `${cap(noun)}: no significant difference (${pText(v.pValue)} ≥ ${alpha}; ${v.bestByMedian} has the ${dir} median, ${num(medianOf(m, v.bestByMedian))} ${m.unit}).`;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
