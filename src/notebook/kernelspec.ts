/** The tslab kernelspec: for the user's Jupyter (`npm run kernel:install`) and a private one for headless runs. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const KERNEL_NAME = 'tslab';

export function tslabBinary(): string {
  const pkg = path.dirname(require.resolve('tslab/package.json'));
  return path.join(pkg, 'bin', 'tslab');
}

export function kernelSpec(): { argv: string[]; display_name: string; language: string } {
  // Absolute paths: Jupyter starts the kernel from the notebook's folder, not from this project.
  return {
    argv: [process.execPath, tslabBinary(), 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (cloudbench)',
    language: 'typescript',
  };
}

/** Writes `<jupyterDir>/kernels/tslab/kernel.json`; returns the kernel folder. */
export function writeKernelSpec(jupyterDir: string): string {
  const dir = path.join(jupyterDir, 'kernels', KERNEL_NAME);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'kernel.json'), `${JSON.stringify(kernelSpec(), null, 2)}\n`);
  return dir;
}

/** The user's Jupyter data folder (JUPYTER_DATA_DIR, else ~/.local/share/jupyter on Linux). */
export function userJupyterDir(): string {
  return process.env.JUPYTER_DATA_DIR ?? path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'jupyter');
}
