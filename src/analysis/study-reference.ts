/** templates/study-reference.yaml: the study's published Tables 2–9 values, for labelled comparison only. */
import { Field } from '../config/validate';
import { BATCH_METRICS } from '../schema/metrics';
import type { Range, StudyMetricValue, StudyReference } from './model';
import { readTemplate, TEMPLATE_FILES, withFileName } from './template-files';

function range(f: Field): Range {
  f.onlyKeys(['min', 'max']);
  const min = f.child('min').number({ min: 0 });
  return { min, max: f.child('max').number({ min }) };
}

function stringMapOf(f: Field): Record<string, string> {
  return f.present ? f.stringMap() : {};
}

export function parseStudyReference(root: Field, file: string = TEMPLATE_FILES.study): StudyReference {
  return withFileName(file, () => {
    root.onlyKeys(['schema', 'citation', 'unitNote', 'metrics', 'bestPerMetric', 'bestPerRequirement', 'costs']);
    root.child('schema').int({ min: 1, max: 1, default: 1 });
    const c = root.child('citation').onlyKeys(['title', 'journal', 'year', 'doi', 'url', 'seed']);
    const metrics: StudyReference['metrics'] = {};
    const metricsField = root.child('metrics');
    for (const key of Object.keys(metricsField.object())) {
      const m = metricsField.child(key).onlyKeys(['table', 'unit', 'values']);
      const metricKey = new Field(`metrics.${key}`, key).oneOf(BATCH_METRICS.map((x) => x.key));
      const values: Record<string, StudyMetricValue> = {};
      const valuesField = m.child('values');
      for (const platform of Object.keys(valuesField.object())) {
        const v = valuesField.child(platform).onlyKeys(['mean', 'sd', 'median']);
        const sd = v.child('sd');
        values[platform] = { mean: v.child('mean').number(), sd: sd.present ? sd.number({ min: 0 }) : null, median: v.child('median').number() };
      }
      metrics[metricKey] = { table: m.child('table').string(), unit: m.child('unit').string(), values };
    }
    const costs: StudyReference['costs'] = {};
    const costsField = root.child('costs');
    if (costsField.present) {
      for (const platform of Object.keys(costsField.object())) {
        const p = costsField.child(platform).onlyKeys(['table', 'currency', 'hourly', 'daily']);
        costs[platform] = { table: p.child('table').string(), currency: p.child('currency').string(), hourly: range(p.child('hourly')), daily: range(p.child('daily')) };
      }
    }
    const optional = (f: Field) => (f.present ? f.string() : null);
    return {
      file,
      citation: {
        title: c.child('title').string(),
        journal: c.child('journal').string(),
        year: c.child('year').int({ min: 1900 }),
        doi: optional(c.child('doi')),
        url: optional(c.child('url')),
        seed: c.child('seed').string(),
      },
      unitNote: root.child('unitNote').string(),
      metrics,
      bestPerMetric: stringMapOf(root.child('bestPerMetric')),
      bestPerRequirement: stringMapOf(root.child('bestPerRequirement')),
      costs,
    };
  });
}

/** null when the templates folder has no study-reference.yaml (the column is optional). */
export function loadStudyReference(templatesDir: string): StudyReference | null {
  const doc = readTemplate(templatesDir, TEMPLATE_FILES.study, { optional: true });
  return doc ? parseStudyReference(doc.root, doc.file) : null;
}
