import type { Command } from 'commander';
import path from 'node:path';
import { ensureWritableDir, ensureWritableFile } from '../durable-files';
import { KERNEL_DISPLAY_NAME, KERNEL_NAME, userJupyterDir, writeKernelSpec } from '../notebook/kernelspec';
import { parseParameterArgs } from '../notebook/parameters';
import { DEFAULT_CELL_TIMEOUT_S, runNotebook } from '../notebook/run-notebook';
import { intOption } from './options';
import { formatDuration } from './output';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerNotebookCommands(program: Command): void {
  const notebook = program.command('notebook').description('run the TypeScript notebooks headless (with the project\'s Jupyter, installed on first use), or register their kernel with your own Jupyter');

  notebook
    .command('run')
    .description('execute a notebook headless through Jupyter with the cloudbench kernel, printing each cell as it ends; -p overrides values of its "parameters" cell')
    .argument('<notebook>', '.ipynb file')
    .option('-p, --param <key=value>', 'parameter override (repeatable); JSON values (3, true, "x") or plain strings', collect, [])
    .option('--out <file>', 'where to write the executed notebook (default: <notebook>.out.ipynb)')
    .option('--timeout <seconds>', 'per-cell time limit', intOption('--timeout', 1), DEFAULT_CELL_TIMEOUT_S)
    .action(async (file: string, o: { param: string[]; out?: string; timeout: number }) => {
      const params = parseParameterArgs(o.param);
      if (o.out !== undefined) ensureWritableFile(o.out, '--out');
      console.log(`Running ${file}${o.param.length ? ` with ${o.param.join(' ')}` : ''} …`);
      const result = await runNotebook(file, {
        params,
        out: o.out,
        timeoutS: o.timeout,
        onStatus: (line) => console.log(line),
        // A line per code cell as it ends (and as it starts, for the slow ones a user waits on).
        onCell: (c) => {
          const what = c.firstLine.length > 60 ? `${c.firstLine.slice(0, 59)}…` : c.firstLine;
          if (c.durationMs === undefined) {
            if (process.stdout.isTTY) process.stdout.write(`  cell ${c.ordinal}/${c.of}  ${what}`);
          } else {
            const line = `  cell ${c.ordinal}/${c.of}  ${c.status === 'ok' ? formatDuration(c.durationMs).padStart(7) : ' FAILED'}  ${what}`;
            console.log(process.stdout.isTTY ? `\r\x1b[2K${line}` : line);
          }
        },
      });
      const total = result.cells.reduce((s, c) => s + c.durationMs, 0);
      console.log(`Done in ${formatDuration(total)}. Executed notebook: ${path.relative(process.cwd(), result.outPath) || result.outPath}`);
    });

  notebook
    .command('kernel-install')
    .description(`register the cloudbench kernel ("${KERNEL_NAME}", this checkout's tslab) with your own Jupyter; \`npm run lab\` needs none of this`)
    .option('--dir <jupyter-data-dir>', 'Jupyter data folder (default: $JUPYTER_DATA_DIR or ~/.local/share/jupyter)')
    .action((o: { dir?: string }) => {
      const dir = writeKernelSpec(ensureWritableDir(o.dir ?? userJupyterDir(), o.dir !== undefined ? '--dir' : 'the Jupyter data folder'));
      console.log(`Installed kernel "${KERNEL_NAME}" in ${dir}. Start JupyterLab in ${path.resolve(__dirname, '..', '..', 'notebooks')} and pick "${KERNEL_DISPLAY_NAME}".`);
    });
}
