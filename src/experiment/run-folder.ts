/**
 * What identifies a run folder: its file names, its checked path and its manifest. Kept apart
 * from the readers and writers (csv, the request log) so the CLI can locate and describe runs
 * without loading them at start-up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import type { RunManifest } from './manifest';

export const FILES = {
  manifest: 'manifest.json',
  requests: 'requests.jsonl',
  batches: 'batches.csv',
} as const;

/** The run folder's path, checked: it exists and holds a manifest. */
export function runFolder(runDir: string): string {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(dir)) throw new UserError(`run folder ${runDir} does not exist`);
  if (!fs.statSync(dir).isDirectory()) throw new UserError(`${runDir} is a file, not a run folder`);
  if (!fs.existsSync(path.join(dir, FILES.manifest))) throw new UserError(`${runDir} is not a cloudbench run folder (no ${FILES.manifest})`);
  return dir;
}

export function readManifest(dir: string): RunManifest {
  const file = path.join(dir, FILES.manifest);
  if (!fs.existsSync(file)) throw new UserError(`${dir} is not a cloudbench run folder (no ${FILES.manifest})`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let manifest: RunManifest;
  try {
    manifest = JSON.parse(text) as RunManifest;
  } catch (err) {
    // Not V8's message: it quotes the text around the error.
    throw new UserError(`${file} is not valid JSON (${(err as Error).message.replace(/,? ?".*$/s, '').trim()})`);
  }
  const missing = (['runId', 'status', 'config', 'dataset'] as const).filter((k) => manifest?.[k] === undefined);
  if (missing.length || typeof manifest.config?.platforms !== 'object') {
    throw new UserError(`${file} is not a cloudbench run manifest (missing ${missing.length ? missing.join(', ') : 'config.platforms'})`);
  }
  return manifest;
}
