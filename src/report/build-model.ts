/**
 * The analysis model → ReportModel: decides every table, figure and sentence, and renders nothing.
 * It reads only the model (analysis.json), never a run's rows: a report can be regenerated from
 * analysis.json alone.
 */
import type { AnalysisModel } from '../analysis/model';
import type { ReportModel } from './report-model';
import { runTable, sortedJson, versionsTable } from './model/appendix';
import { failuresTable, latencySection } from './model/beyond';
import { costSection } from './model/costs';
import { clientsSection } from './model/clients';
import { loadSection } from './model/load';
import { METRIC_ORDER, metricSection } from './model/metrics';
import { methodologyTable, resourcesTable } from './model/setup';
import { summaryParagraphs } from './model/summary';
import { capabilitiesTable, requirementsTable, winnersTable } from './model/verdicts';
import { isoTime, listText } from './format';
import { allFigures, allTables, captionNumbers } from './html';
import { loadTemplate, type ReportTemplate } from './template';

export interface ReportModelOptions {
  /** Show the study's published values in columns labelled as the study's (needs analysis.study). */
  withStudy?: boolean;
  /**
   * The template the report is rendered with (default: the bundled one). It fixes the numbers
   * ("Table 3") of the tables and figures, which the model carries so a notebook shows the same.
   */
  template?: ReportTemplate;
}

export function studyLabelOf(analysis: AnalysisModel): string {
  return analysis.study ? `Study (${analysis.study.citation.year})` : 'Study';
}

export function buildReportModel(analysis: AnalysisModel, opts: ReportModelOptions = {}): ReportModel {
  const { manifest } = analysis;
  const withStudy = Boolean(opts.withStudy && analysis.study);
  const studyLabel = studyLabelOf(analysis);
  const metrics = [...analysis.metrics]
    .sort((a, b) => METRIC_ORDER.indexOf(a.metric) - METRIC_ORDER.indexOf(b.metric))
    .map((m) =>
      metricSection(m, {
        platforms: analysis.platforms,
        points: analysis.batches.series[m.metric],
        alpha: analysis.alpha,
        study: withStudy ? analysis.study : null,
        studyLabel,
      }),
    );
  const methodTable = methodologyTable(analysis);
  const model: ReportModel = {
    title: manifest.name,
    run: {
      id: manifest.runId,
      name: manifest.name,
      status: manifest.status,
      startedAt: isoTime(manifest.startedAt),
      endedAt: isoTime(manifest.endedAt),
      platforms: [...analysis.platforms],
    },
    withStudy,
    studyLabel,
    summary: summaryParagraphs(analysis),
    resources: resourcesTable(analysis),
    methodology: {
      paragraphs: [
        `Every platform processed the same batches of the same dataset (its SHA-256 is in [[tab-method]]), one phase after the other: ${phaseText(manifest.config.phases)}. ` +
          'Per batch and platform the phase times become the study’s four metrics; the tables summarise the measured batches and the tests ask whether the platforms differ.',
      ],
      table: methodTable,
    },
    metrics,
    latency: latencySection(analysis),
    failures: failuresTable(analysis),
    load: loadSection(analysis),
    clients: clientsSection(analysis),
    costs: costSection(analysis, withStudy, studyLabel),
    winners: winnersTable(analysis, withStudy, studyLabel),
    requirements: requirementsTable(analysis, withStudy, studyLabel),
    capabilities: capabilitiesTable(analysis),
    appendix: { run: runTable(manifest), versions: versionsTable(manifest), config: sortedJson(manifest.config) },
  };
  // Numbered by the renderer's own function on the template's layout, so the numbers cannot drift.
  const numbers = captionNumbers(model, opts.template ?? loadTemplate());
  for (const item of [...allTables(model), ...allFigures(model)]) {
    const n = numbers.get(item.id);
    if (n) item.number = n;
  }
  for (const t of allTables(model)) {
    const refs = t.notes.flatMap((note) => [...note.matchAll(/\[\[((?:tab|fig)-[A-Za-z0-9_-]+)\]\]/g)].map((m) => m[1]));
    const numbered = refs.filter((id) => numbers.has(id)).map((id) => [id, numbers.get(id)!]);
    if (numbered.length) t.refs = Object.fromEntries(numbered);
  }
  return model;
}

const PHASE_TEXT: Record<string, string> = {
  upload: 'upload every image of the batch to the object store',
  download: 'download every image back',
  inference: 'send every image to the inference endpoint',
};

function phaseText(phases: readonly string[]): string {
  return listText(phases.map((p) => PHASE_TEXT[p] ?? p));
}
