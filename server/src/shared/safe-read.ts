import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The one way Jetson Nix reads a file whose name comes from a workspace, a setting or a flake:
 * the server, the CLI and the extension all go through here.
 *
 * A cloned repository can hold a symbolic link to `/dev/zero`, a FIFO or a 10 GB file where a
 * `flake.lock` or a module should be. Reading those with `readFileSync` grows memory until the
 * process dies, or blocks forever. So: regular files only (checked on the open descriptor, not
 * the name, so a swap between check and read does not help), never more than a cap per kind of
 * file, FIFOs opened non-blocking so that opening one cannot hang, and, where asked, nothing
 * outside a given folder once symbolic links are resolved.
 *
 * This module has no server internals: the client imports it too.
 */

/** Caps per kind of file, in bytes. Generous for real files, small enough that nothing can exhaust memory. */
export const READ_LIMITS = {
  /** A Nix source file (the editor has its own, lower, setting for analysis). */
  nix: 64 * 1024 * 1024,
  /** flake.lock: real ones are a few hundred KiB even for large fleets. */
  lock: 16 * 1024 * 1024,
  /** A sysfs or procfs attribute (USB ids, binfmt_misc entries): a page at most. */
  attribute: 64 * 1024,
  /** JSON or text written by a tool (a status file, a captured environment). */
  tool: 32 * 1024 * 1024,
} as const;

export type ReadLimitKind = keyof typeof READ_LIMITS;

export type ReadFailure = {
  ok: false;
  /** `missing`: no such file; `not-regular`: a folder, FIFO, device or socket; `too-large`: over the cap; `outside`: resolves outside `within`; `unreadable`: anything else (permissions, I/O). */
  reason: 'missing' | 'not-regular' | 'too-large' | 'outside' | 'unreadable';
  /** One sentence for a user or a log, naming the file. */
  message: string;
  /** The same without the file's name (`is not a regular file (a named pipe), so it was not read`), for a message that names the file its own way. */
  problem: string;
};
export type ReadResult<T> = { ok: true; value: T; size: number } | ReadFailure;

export interface ReadOptions {
  /** The kind of file, which sets the cap (or `maxBytes`). */
  kind?: ReadLimitKind;
  maxBytes?: number;
  /** Refuse a file that resolves (after symbolic links) outside this folder. */
  within?: string;
}

// O_NONBLOCK: opening a FIFO for reading must never wait for a writer. O_NOCTTY: a terminal
// device named as a file must not become our controlling terminal. Both are ignored for regular files.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOCTTY ?? 0);
const CHUNK = 64 * 1024;

function capOf(options: ReadOptions): number {
  return options.maxBytes ?? READ_LIMITS[options.kind ?? 'nix'];
}

function describeSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(bytes >= 10 * 1024 * 1024 ? 0 : 1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

function failure(reason: ReadFailure['reason'], file: string, detail?: string): ReadFailure {
  const problems: Record<ReadFailure['reason'], string> = {
    missing: 'does not exist',
    'not-regular': `is not a regular file${detail ? ` (${detail})` : ''}, so it was not read`,
    'too-large': `is too large to read${detail ? ` (${detail})` : ''}`,
    outside: `points outside ${detail ?? 'the folder it belongs to'}, so it was not read`,
    unreadable: `could not be read${detail ? ` (${detail})` : ''}`,
  };
  return { ok: false, reason, message: `${file} ${problems[reason]}`, problem: problems[reason] };
}

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function fromError(file: string, err: unknown): ReadFailure {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return failure('missing', file);
  if (code === 'EISDIR') return failure('not-regular', file, 'a folder');
  if (code === 'ELOOP') return failure('unreadable', file, 'too many symbolic links');
  return failure('unreadable', file, code ?? (err instanceof Error ? err.message : String(err)));
}

/** Whether `file` is `folder` or under it, by name (no symbolic link is resolved here). */
export function isInside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function outsideCheckSync(file: string, within: string | undefined): ReadFailure | undefined {
  if (within === undefined) return undefined;
  let real: string;
  let root: string;
  try {
    real = fs.realpathSync(file);
    root = fs.realpathSync(within);
  } catch (err) {
    return fromError(file, err);
  }
  return isInside(root, real) ? undefined : failure('outside', file, within);
}

async function outsideCheck(file: string, within: string | undefined): Promise<ReadFailure | undefined> {
  if (within === undefined) return undefined;
  let real: string;
  let root: string;
  try {
    [real, root] = await Promise.all([fs.promises.realpath(file), fs.promises.realpath(within)]);
  } catch (err) {
    return fromError(file, err);
  }
  return isInside(root, real) ? undefined : failure('outside', file, within);
}

/** Reads the bytes of a regular file, at most `cap` of them; synchronous (the CLI, and tests). */
export function readBytesSync(file: string, options: ReadOptions = {}): ReadResult<Buffer> {
  const cap = capOf(options);
  const outside = outsideCheckSync(file, options.within);
  if (outside) return outside;
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (err) {
    return fromError(file, err);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return failure('not-regular', file, kindOf(stat));
    if (stat.size > cap) return failure('too-large', file, `${describeSize(stat.size)}; the limit is ${describeSize(cap)}`);
    // The size can change while we read (or be 0 for procfs files): read in chunks up to the cap.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, cap + 1 - total));
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
      total += n;
      if (total > cap) return failure('too-large', file, `over ${describeSize(cap)}`);
    }
    return { ok: true, value: Buffer.concat(chunks, total), size: total };
  } catch (err) {
    return fromError(file, err);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads the bytes of a regular file, at most `cap` of them, without blocking the event loop. */
export async function readBytes(file: string, options: ReadOptions = {}): Promise<ReadResult<Buffer>> {
  const cap = capOf(options);
  const outside = await outsideCheck(file, options.within);
  if (outside) return outside;
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, OPEN_FLAGS);
  } catch (err) {
    return fromError(file, err);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return failure('not-regular', file, kindOf(stat));
    if (stat.size > cap) return failure('too-large', file, `${describeSize(stat.size)}; the limit is ${describeSize(cap)}`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, cap + 1 - total));
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > cap) return failure('too-large', file, `over ${describeSize(cap)}`);
    }
    return { ok: true, value: Buffer.concat(chunks, total), size: total };
  } catch (err) {
    return fromError(file, err);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Decodes as Nix does: UTF-8, invalid sequences replaced, a byte-order mark kept (Nix rejects it). */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
}

/** A regular file's text (see `readBytesSync`). */
export function readTextSync(file: string, options: ReadOptions = {}): ReadResult<string> {
  const r = readBytesSync(file, options);
  return r.ok ? { ok: true, value: decodeText(r.value), size: r.size } : r;
}

/** A regular file's text, asynchronously (see `readBytes`). */
export async function readText(file: string, options: ReadOptions = {}): Promise<ReadResult<string>> {
  const r = await readBytes(file, options);
  return r.ok ? { ok: true, value: decodeText(r.value), size: r.size } : r;
}

/**
 * What a path is, without following a final symbolic link unless asked, and without opening it:
 * for walks that must skip FIFOs and devices before anything reads them.
 */
export function regularFileSize(file: string, followLinks = true): number | undefined {
  try {
    const stat = followLinks ? fs.statSync(file) : fs.lstatSync(file);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}
