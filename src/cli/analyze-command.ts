/** `cloudbench analyze <run-dir>`: statistics, verdicts, costs and requirements of a run; writes analysis.json. */
import type { Command } from 'commander';
import fs from 'node:fs';
import { ANALYSIS_FILE, DEFAULT_ALPHA } from '../analysis/defaults';
import type { AnalysisModel } from '../analysis/model';
import { UserError } from '../errors';
import { runFolder } from '../experiment/run-folder';
import { formatAnalysis } from './analysis-text';
import { load } from './lazy';
import { alphaOption } from './options';

export interface AnalyzeCommandOptions {
  json?: boolean;
  alpha: number;
  templates?: string;
  excludeInvalid?: boolean;
}

export const EXCLUDE_INVALID_HELP =
  'go on when the run folder\'s files do not add up: leave out the batches concerned, say which and why (default: refuse, naming the file and line)';

/** Analyzes a run folder, writes analysis.json into it and returns the model. */
export async function analyzeRunDir(runDir: string, o: AnalyzeCommandOptions): Promise<{ model: AnalysisModel; file: string }> {
  const dir = runFolder(runDir);
  if (o.templates !== undefined && !fs.existsSync(o.templates)) throw new UserError(`--templates: folder ${o.templates} does not exist`);
  // Plain rows, not loadRun(): the DataFrame library takes seconds to load and the analysis does not need it.
  const { analyzeRunFolder, writeAnalysisJson } = load.analysis();
  const { model, notes } = await analyzeRunFolder(dir, { invalid: o.excludeInvalid ? 'exclude' : 'refuse', alpha: o.alpha, templatesDir: o.templates });
  for (const note of notes) console.error(`cloudbench: note: ${note}`);
  return { model, file: writeAnalysisJson(dir, model) };
}

export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description(`statistics, winner per metric, cost model and business-requirement matrix of a run; writes <run-dir>/${ANALYSIS_FILE}`)
    .argument('<run-dir>', 'a run folder (reports/<run-id>)')
    .option('--json', 'print the analysis model as JSON instead of tables')
    .option('--alpha <a>', 'significance level of the verdicts', alphaOption, DEFAULT_ALPHA)
    .option('--templates <dir>', 'folder with pricing.yaml, platforms.yaml, requirements.yaml, study-reference.yaml (default: the bundled templates/)')
    .option('--exclude-invalid', EXCLUDE_INVALID_HELP)
    .action(async (runDir: string, o: AnalyzeCommandOptions) => {
      const { model, file } = await analyzeRunDir(runDir, o);
      if (o.json) {
        console.log(JSON.stringify(model, null, 2));
        return;
      }
      console.log(formatAnalysis(model));
      console.log(`\nWritten: ${file}`);
    });
}
