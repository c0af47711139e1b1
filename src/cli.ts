/** `cloudbench <command>`: a thin shell over the public API in index.ts. */
import { Command, CommanderError } from 'commander';
import { registerAnalyzeCommand } from './cli/analyze-command';
import { registerAppCommand } from './cli/app-command';
import { registerCompareCommands } from './cli/compare-command';
import { registerDatasetCommands } from './cli/dataset-command';
import { registerDemoCommand } from './cli/demo-command';
import { registerDoctorCommand } from './cli/doctor-command';
import { registerK8sCommands } from './cli/k8s-command';
import { registerLabCommand } from './cli/lab-command';
import { registerNotebookCommands } from './cli/notebook-command';
import { registerReportCommand } from './cli/report-command';
import { registerMergeCommand } from './cli/merge-command';
import { registerSealCommand } from './cli/seal-command';
import { registerRunCommand } from './cli/run-command';
import { registerStackCommands } from './cli/stack-command';
import { isUserFacing } from './errors';
import { VERSION } from './version';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('cloudbench')
    .description('Measure and compare cloud ML platforms (object storage + inference endpoints) and report like a paper.')
    .version(VERSION)
    // Usage errors in the product's one-line form: "cloudbench: unknown option '--x' (add --help for usage)".
    // Commander's "(Did you mean --host?)" comes on a second line: kept, on the same line.
    .configureOutput({ outputError: (str, write) => write(`cloudbench: ${str.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} (add --help for usage)\n`) })
    .exitOverride();
  registerStackCommands(program);
  registerDatasetCommands(program);
  registerRunCommand(program);
  registerAnalyzeCommand(program);
  registerReportCommand(program);
  registerCompareCommands(program);
  registerSealCommand(program);
  registerMergeCommand(program);
  registerDemoCommand(program);
  registerNotebookCommands(program);
  registerLabCommand(program);
  registerAppCommand(program);
  registerDoctorCommand(program);
  registerK8sCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      process.exitCode = err.exitCode;
      return;
    }
    if (isUserFacing(err) || process.env.CLOUDBENCH_DEBUG !== '1') {
      console.error(`cloudbench: ${(err as Error).message ?? err}`);
      if (!isUserFacing(err)) console.error('(set CLOUDBENCH_DEBUG=1 for the stack trace; please report it)');
    } else {
      console.error(err);
    }
    process.exitCode = 1;
    // The command has failed; the process only drains its last handles (a stack stopping, a
    // socket closing). A Ctrl-C in that window must not kill it by signal with no exit code (seen
    // under load in CI after an interrupted run): it exits at once with this failure's code.
    const exitNow = () => process.exit(1);
    process.once('SIGINT', exitNow);
    process.once('SIGTERM', exitNow);
  }
}
