/**
 * File writes a run folder can trust: every byte checked (a short write is an error, not a torn
 * row), appends fsynced before they count, whole-file replacements atomic (temp file in the same
 * folder, fsync, rename) with the temp file removed on any failure.
 *
 * Hand-written rather than write-file-atomic: that package (npm's) ignores the byte count
 * writeSync returns, and its current major needs Node 22.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from './errors';

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'the path is a folder',
  EFBIG: 'the file is too large for the file system',
  EIO: 'input/output error on the device',
};

/** A write that failed; the message names the file and the cause in words. */
export class WriteError extends UserError {
  override name = 'WriteError';
  constructor(
    readonly file: string,
    readonly code: string,
    detail: string,
  ) {
    super(`cannot write ${file}: ${detail}`);
  }
}

function describeWriteError(err: unknown): { code: string; detail: string } {
  if (err instanceof WriteError) return { code: err.code, detail: err.message };
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? 'EIO';
  return { code, detail: `${CAUSES[code] ?? e?.message ?? String(err)} (${code})` };
}

function fail(file: string, err: unknown): never {
  if (err instanceof WriteError) throw err;
  const { code, detail } = describeWriteError(err);
  throw new WriteError(file, code, detail);
}

/** Writes all of `data` at the fd's position; fewer bytes written than given is an error. */
export function writeFully(fd: number, data: Buffer, file: string): void {
  const written = fs.writeSync(fd, data, 0, data.length);
  if (written !== data.length) {
    throw new WriteError(file, 'SHORT_WRITE', `only ${written} of ${data.length} bytes were written (is the disk full?)`);
  }
}

/** Appends `text` and fsyncs, so it is on disk when this returns. */
export function appendDurably(file: string, text: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'a');
    writeFully(fd, Buffer.from(text, 'utf8'), file);
    fs.fsyncSync(fd);
    const open = fd;
    fd = undefined; // a close error (NFS may report ENOSPC or EIO only here) is reported, not retried
    fs.closeSync(open);
  } catch (err) {
    if (fd !== undefined) closeQuietly(fd);
    fail(file, err);
  }
}

/** Closes a descriptor on the way out of a failure, whose own error is the one worth reporting. */
function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // the first failure is the one reported
  }
}

/**
 * Replaces `file` with what `write` puts into a temp file next to it: fsync, then rename, so
 * readers see the old or the new file, never half of one. The temp file never outlives a failure.
 */
export function replaceFileAtomically(file: string, write: (fd: number) => void): void {
  putInPlace(`${file}.tmp`, file, 'w', write);
}

/**
 * Puts a finished file that another writer produced (a database's COPY, the browser's PDF) in
 * place the same way: fsync it, then rename it over `file`. The temp file is removed on failure.
 */
export function publishFile(tmp: string, file: string): void {
  putInPlace(tmp, file, 'r+');
}

/** Open `tmp` (truncating it for `write`, else as it is), fsync, close exactly once, rename over `file`. */
function putInPlace(tmp: string, file: string, flags: 'w' | 'r+', write?: (fd: number) => void): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, flags);
    write?.(fd);
    fs.fsyncSync(fd);
    const open = fd;
    fd = undefined; // closed (or failed to close) exactly once
    fs.closeSync(open);
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeQuietly(fd);
    fs.rmSync(tmp, { force: true });
    fail(file, err);
  }
}

export function writeFileAtomically(file: string, text: string): void {
  replaceFileAtomically(file, (fd) => writeFully(fd, Buffer.from(text, 'utf8'), file));
}

/**
 * For a small file that must be updated even on a full disk (the manifest's final status): the
 * atomic way first; if there is no room for a second copy, rewrite it in place, which needs no
 * new blocks when the new text is not much longer than the old.
 */
export function writeFileAtomicallyOrInPlace(file: string, text: string): void {
  try {
    writeFileAtomically(file, text);
  } catch (err) {
    const code = (err as WriteError).code;
    if (code !== 'ENOSPC' && code !== 'EDQUOT' && code !== 'SHORT_WRITE') throw err;
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, 'r+');
      const data = Buffer.from(text, 'utf8');
      fs.ftruncateSync(fd, 0);
      writeFully(fd, data, file);
      fs.fsyncSync(fd);
      const open = fd;
      fd = undefined;
      fs.closeSync(open);
    } catch (inner) {
      if (fd !== undefined) closeQuietly(fd);
      fail(file, inner);
    }
  }
}

/**
 * Checks before any work that files can be created in `dir`, then makes it if missing. The check
 * runs in the nearest folder that exists, before anything is created (on Node 20 a recursive
 * mkdir under /proc never returns). `what` names the option, e.g. "--out". Throws one line.
 */
export function ensureWritableDir(dir: string, what: string): string {
  const abs = path.resolve(dir);
  let existing = abs;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  const fail = (detail: string): never => {
    throw new UserError(`${what}: cannot write to ${dir}: ${detail}`);
  };
  if (!fs.statSync(existing).isDirectory()) {
    if (existing === abs) throw new UserError(`${what}: ${dir} is a file, not a folder`);
    fail(`${existing} is a file, not a folder`);
  }
  const probe = path.join(existing, `.cloudbench-write-check-${process.pid}`);
  try {
    fs.writeFileSync(probe, 'x');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    // ENOENT on a file in a folder that exists: a pseudo file system (/proc) that takes no new files.
    fail(code === 'ENOENT' ? `${existing} does not take new files` : describeWriteError(err).detail);
  } finally {
    fs.rmSync(probe, { force: true });
  }
  try {
    fs.mkdirSync(abs, { recursive: true });
  } catch (err) {
    fail(describeWriteError(err).detail);
  }
  return abs;
}

/** Like ensureWritableDir for an output file: its folder must be writable and it must not be a folder. */
export function ensureWritableFile(file: string, what: string): string {
  const abs = path.resolve(file);
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) throw new UserError(`${what}: ${file} is a folder, not a file`);
  ensureWritableDir(path.dirname(abs), what);
  return abs;
}
