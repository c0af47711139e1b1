/**
 * The cloudbench kernel: tslab from this checkout, under a name of its own ("cloudbench-ts"), so
 * registering it never overwrites a user's `tslab` kernel. Written into the project's venv by
 * `npm run lab`, into a user's Jupyter by `cloudbench notebook kernel-install`, and into a private
 * folder for headless runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const KERNEL_NAME = 'cloudbench-ts';
export const KERNEL_DISPLAY_NAME = 'TypeScript (cloudbench)';

export function tslabBinary(): string {
  const pkg = path.dirname(require.resolve('tslab/package.json'));
  return path.join(pkg, 'bin', 'tslab');
}

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
}

export function kernelSpec(): KernelSpec {
  // Absolute paths: Jupyter starts the kernel from the notebook's folder, not from this project.
  return {
    argv: [process.execPath, tslabBinary(), 'kernel', '--config-path', '{connection_file}'],
    display_name: KERNEL_DISPLAY_NAME,
    language: 'typescript',
  };
}

export function kernelSpecFile(jupyterDir: string): string {
  return path.join(jupyterDir, 'kernels', KERNEL_NAME, 'kernel.json');
}

/** Writes `<jupyterDir>/kernels/cloudbench-ts/kernel.json`; returns the kernel folder. */
export function writeKernelSpec(jupyterDir: string): string {
  const file = kernelSpecFile(jupyterDir);
  const text = `${JSON.stringify(kernelSpec(), null, 2)}\n`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Only when it changed, and by rename: a running Jupyter or a parallel test may be reading it.
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return path.dirname(file);
}

/** Whether a registered kernel runs this checkout's tslab with a Node that exists; why not, if not. */
export function checkKernelSpec(jupyterDir: string): { ok: true } | { ok: false; why: string } {
  const file = kernelSpecFile(jupyterDir);
  let spec: KernelSpec;
  try {
    spec = JSON.parse(fs.readFileSync(file, 'utf8')) as KernelSpec;
  } catch {
    return { ok: false, why: `no kernel "${KERNEL_NAME}" in ${path.dirname(path.dirname(file))}` };
  }
  const [node, tslab] = spec.argv ?? [];
  if (tslab !== tslabBinary()) return { ok: false, why: `${file} runs ${tslab ?? 'nothing'}, not this checkout's ${tslabBinary()}` };
  if (!node || !fs.existsSync(node)) return { ok: false, why: `${file} runs Node at ${node}, which does not exist` };
  return { ok: true };
}

/** The user's Jupyter data folder (JUPYTER_DATA_DIR, else ~/.local/share/jupyter on Linux). */
export function userJupyterDir(): string {
  return process.env.JUPYTER_DATA_DIR ?? path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'jupyter');
}
