/** Headless execution of a tslab notebook through Jupyter (nbclient), with injected parameters. */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { UserError } from '../errors';
import { ensureJupyterEnv, isJupyterEnvReady, jupyterEnvOf, JupyterSetupError, venvDir } from './jupyter-env';
import { KERNEL_DISPLAY_NAME, KERNEL_NAME, writeKernelSpec } from './kernelspec';
import { cellSource, injectParameters, type Notebook, type ParameterValue } from './parameters';

const EXECUTOR = path.resolve(__dirname, '..', '..', 'scripts', 'execute-notebook.py');

/** Per-cell time limit, seconds: a cell may run a whole experiment. */
export const DEFAULT_CELL_TIMEOUT_S = 1800;

export class NotebookError extends UserError {
  override name = 'NotebookError';
}

export interface CellTiming {
  index: number;
  durationMs: number;
  status: 'ok' | 'error';
}

export interface NotebookRunResult {
  outPath: string;
  cells: CellTiming[];
}

/** A code cell starting (durationMs absent) or ending. `ordinal` counts code cells from 1, of `of`. */
export interface CellProgress {
  index: number;
  ordinal: number;
  of: number;
  /** The cell's first non-empty line. */
  firstLine: string;
  durationMs?: number;
  status?: 'ok' | 'error';
}

export interface RunNotebookOptions {
  /** Called as each code cell starts and ends. */
  onCell?: (cell: CellProgress) => void;
  /** Told about slow one-off work (installing JupyterLab into the project's venv). */
  onStatus?: (line: string) => void;
  params?: Record<string, ParameterValue>;
  /** Executed notebook path (default: <name>.out.ipynb next to the input). */
  out?: string;
  /** Per cell, seconds (default DEFAULT_CELL_TIMEOUT_S). */
  timeoutS?: number;
}

function jupyterEnvFor(python: string): NodeJS.ProcessEnv {
  const venv = venvDir();
  const je = jupyterEnvOf(venv);
  return python === je.python ? je.env : process.env;
}

interface RunSummary {
  ok: boolean;
  failedCell: number | null;
  error: string | null;
  cells: CellTiming[];
}

function systemJupyterPython(): string | null {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(candidate, ['-c', 'import nbclient, nbformat, jupyter_client'], { stdio: 'ignore' });
    if (r.status === 0) return candidate;
  }
  return null;
}

/** Without installing anything: the venv's Python when it is ready, else a system one with nbclient, else null. */
export function readyJupyterPython(): string | null {
  return isJupyterEnvReady(venvDir()) ? jupyterEnvOf(venvDir()).python : systemJupyterPython();
}

/**
 * A Python that can run notebooks: the project's venv (the one `npm run lab` uses; made on first
 * use), else a system Python that has nbclient (where pip cannot make the venv).
 */
export async function findJupyterPython(onStatus?: (line: string) => void): Promise<string> {
  try {
    return (await ensureJupyterEnv({ onStatus })).python;
  } catch (err) {
    const system = systemJupyterPython();
    if (system) return system;
    if (err instanceof JupyterSetupError) throw new NotebookError(`cannot run notebooks: ${err.message}`);
    throw err;
  }
}

export function readNotebook(file: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotebookError(`notebook ${file} does not exist`);
    if (code === 'EISDIR') throw new NotebookError(`${file} is a folder, not a notebook`);
    throw new NotebookError(code ? `cannot read notebook ${file}: ${code}` : `${file} is not a notebook (invalid JSON)`);
  }
  if (!Array.isArray(nb.cells)) throw new NotebookError(`${file} is not a Jupyter notebook (no cells)`);
  return nb;
}

export async function runNotebook(file: string, opts: RunNotebookOptions = {}): Promise<NotebookRunResult> {
  const input = path.resolve(file);
  const nb = injectParameters(readNotebook(input), opts.params ?? {});
  const outPath = path.resolve(opts.out ?? input.replace(/\.ipynb$/, '') + '.out.ipynb');
  const python = await findJupyterPython(opts.onStatus);

  // A private kernelspec, so the run needs nothing registered in the user's Jupyter.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudbench-nb-'));
  let child: ChildProcessByStdio<null, Readable, Readable> | undefined;
  try {
    writeKernelSpec(work);
    nb.metadata = { ...nb.metadata, kernelspec: { name: KERNEL_NAME, display_name: KERNEL_DISPLAY_NAME, language: 'typescript' } };
    const staged = path.join(work, 'input.ipynb');
    fs.writeFileSync(staged, JSON.stringify(nb));
    const proc = spawn(
      python,
      [EXECUTOR, staged, outPath, '--kernel', KERNEL_NAME, '--timeout', String(opts.timeoutS ?? DEFAULT_CELL_TIMEOUT_S), '--cwd', path.dirname(input)],
      {
        // The venv's Jupyter folders when it is the venv's Python (connection files stay out of ~).
        env: { ...jupyterEnvFor(python), JUPYTER_PATH: [work, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    let stderr = '';
    // A tail only: the kernel's own stderr comes through here too, for as long as the notebook runs.
    proc.stderr.on('data', (d) => (stderr = (stderr + d).slice(-8000)));
    let summary = null as RunSummary | null;
    const closed = new Promise<number | null>((resolve) => proc.once('close', resolve));
    for await (const line of readline.createInterface({ input: proc.stdout })) {
      let event: { event?: string } & Record<string, unknown>;
      try {
        event = JSON.parse(line);
        if (typeof event !== 'object' || event === null) continue;
      } catch {
        continue;
      }
      if (event.event === 'summary') summary = event as unknown as RunSummary;
      else if (event.event === 'start' || event.event === 'end') {
        const index = event.index as number;
        const firstLine = (cellSource(nb.cells[index]).split('\n').find((l) => l.trim()) ?? '').trim();
        opts.onCell?.({ index, ordinal: event.ordinal as number, of: event.of as number, firstLine, durationMs: event.durationMs as number | undefined, status: event.status as CellProgress['status'] });
      }
    }
    const code = await closed;
    if (!summary) throw new NotebookError(`Jupyter failed to run ${file} (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`);
    if (!summary.ok && summary.failedCell !== null) {
      const cell = nb.cells[summary.failedCell];
      const firstLine = cellSource(cell).split('\n').find((l) => l.trim()) ?? '';
      throw new NotebookError(
        `${path.basename(file)}: cell ${summary.failedCell + 1} failed (${firstLine.trim().slice(0, 60)}):\n${summary.error}\n` +
          `The executed notebook, up to that cell, is in ${outPath}`,
      );
    }
    return { outPath, cells: summary.cells };
  } finally {
    // A failure while reading (e.g. in onCell) must not leave Jupyter and the kernel running.
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    fs.rmSync(work, { recursive: true, force: true });
  }
}
