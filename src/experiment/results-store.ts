/**
 * Shard run folders in an object store (results-location.ts): a pod uploads its folder when its
 * run ends (its own disk goes with it) and `cloudbench merge` downloads every shard of a group
 * from there, through the same official-SDK adapters the measurements use. A folder's manifest.json goes up last, so a folder without one is an upload still under way
 * (or cut off): the download leaves it out, and merge names the shard as missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { createObjectStore } from '../targets/factory';
import type { AdapterOptions, CallRecord, ObjectStore } from '../targets/types';
import type { ResultsLocation } from './results-location';
import { FILES } from './run-folder';

/** Run files can be hundreds of MB: minutes, not the two minutes an image upload gets. */
const FILE_TIMEOUTS = { connectMs: 10_000, firstByteMs: 120_000, totalMs: 30 * 60_000 };
/** Attempts at a streamed (large) file; a buffered one is retried by the SDK itself. */
const STREAM_ATTEMPTS = 3;
const OPTIONS: AdapterOptions = { timeouts: { upload: FILE_TIMEOUTS, download: FILE_TIMEOUTS }, retry: { maxAttempts: 4 } };

function open(loc: ResultsLocation): ObjectStore {
  try {
    return createObjectStore(loc.target, OPTIONS);
  } catch (err) {
    throw new UserError(`${loc.url}: ${(err as Error).message}`);
  }
}

function failure(what: string, rec: Pick<CallRecord, 'errorCode' | 'errorMessage'>): UserError {
  return new UserError(`${what}: ${rec.errorCode ?? 'Error'}${rec.errorMessage ? ` (${rec.errorMessage.split('\n')[0].slice(0, 200)})` : ''}`);
}

/** Every file under a folder, relative, '/'-separated, manifest.json last. */
function filesOf(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort((a, b) => Number(a === FILES.manifest) - Number(b === FILES.manifest) || a.localeCompare(b));
}

/** Uploads a run folder to `<prefix><group>/<folder name>/`; returns where it went. */
export async function uploadRunFolder(dir: string, loc: ResultsLocation, group: string, onFile?: (done: number, total: number) => void): Promise<{ url: string; files: number; bytes: number }> {
  const store = open(loc);
  const base = `${loc.prefix}${group}/${path.basename(dir)}/`;
  let bytes = 0;
  try {
    const files = filesOf(dir);
    for (const [i, rel] of files.entries()) {
      const file = path.join(dir, rel);
      const size = fs.statSync(file).size;
      // Streamed: a run's request log must not be read into memory to be sent. The SDKs cannot
      // retry a stream they have consumed, so a failed attempt is made again here with a fresh one.
      const small = size < 8 * 2 ** 20;
      let rec = await store.put(`${base}${rel}`, small ? fs.readFileSync(file) : fs.createReadStream(file), size);
      for (let attempt = 2; !rec.ok && !small && attempt <= STREAM_ATTEMPTS; attempt++) {
        rec = await store.put(`${base}${rel}`, fs.createReadStream(file), size);
      }
      if (!rec.ok) throw failure(`cannot upload ${rel} to ${loc.url}`, rec);
      bytes += size;
      onFile?.(i + 1, files.length);
    }
    return { url: `${loc.root}${base}`, files: files.length, bytes };
  } finally {
    await store.close();
  }
}

/**
 * Downloads every run folder (a folder holding manifest.json) under the location into `toDir`;
 * returns their local paths and the folders left out because their upload never finished.
 */
export async function downloadRunFolders(loc: ResultsLocation, toDir: string, onFile?: (done: number, total: number) => void): Promise<{ dirs: string[]; unfinished: string[] }> {
  const store = open(loc);
  try {
    let keys: string[];
    try {
      keys = await store.list(loc.prefix);
    } catch (err) {
      throw new UserError(`cannot list ${loc.url}: ${(err as Error).message.split('\n')[0]}`);
    }
    const complete = new Set<string>();
    for (const k of keys) {
      const rel = k.slice(loc.prefix.length);
      if (rel === FILES.manifest) complete.add('');
      else if (rel.endsWith(`/${FILES.manifest}`)) complete.add(rel.slice(0, -FILES.manifest.length - 1));
    }
    // A file belongs to the deepest folder above it that holds a manifest.
    const owner = (rel: string) => [...complete].filter((f) => f === '' || rel.startsWith(`${f}/`)).sort((a, b) => b.length - a.length)[0];
    const wanted = keys.filter((k) => owner(k.slice(loc.prefix.length)) !== undefined);
    // Files with no manifest above them: a folder whose upload never finished (named without its requests/ or load/ subfolders).
    const unfinished = new Set<string>();
    for (const k of keys) {
      const rel = k.slice(loc.prefix.length);
      if (owner(rel) !== undefined) continue;
      const parts = rel.split('/').slice(0, -1);
      const cut = parts.findIndex((p) => p === 'requests' || p === 'load');
      unfinished.add(`${loc.root}${loc.prefix}${(cut >= 0 ? parts.slice(0, cut) : parts).join('/')}/`);
    }
    for (const [i, key] of wanted.entries()) {
      const rel = key.slice(loc.prefix.length);
      const target = path.join(toDir, ...rel.split('/'));
      if (!path.resolve(target).startsWith(path.resolve(toDir) + path.sep)) throw new UserError(`${loc.url}: key ${key} would be written outside ${toDir}`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      // Straight to the file: a run's request log can be hundreds of MB.
      const got = await store.get(key, { toFile: target });
      if (!got.record.ok) throw failure(`cannot download ${key} from ${loc.url}`, got.record);
      onFile?.(i + 1, wanted.length);
    }
    return { dirs: [...complete].sort().map((f) => path.join(toDir, ...f.split('/').filter(Boolean))), unfinished: [...unfinished].sort() };
  } finally {
    await store.close();
  }
}
