/**
 * Absolute paths of the system programs run as root (sudo, pkexec, dd…), found before anything
 * runs: a terminal is then given `/usr/bin/sudo`, never a name its shell could resolve to something
 * else (a relative PATH entry, a folder the workspace controls). No `vscode` import.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Folders searched after PATH: where Debian and others keep administration programs a user's PATH may lack. */
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export interface WhichOptions {
  /** The PATH to search (default: this process's). Only absolute entries count. */
  path?: string;
  /** Folders whose programs are not trusted (the workspace folders). */
  exclude?: readonly string[];
}

/** The absolute path of an executable regular file named `name`, or undefined. */
export function which(name: string, options: WhichOptions = {}): string | undefined {
  if (name.includes('/')) return undefined;
  const entries = [...(options.path ?? process.env.PATH ?? '').split(path.delimiter), ...SYSTEM_DIRS];
  for (const dir of entries) {
    if (!path.isAbsolute(dir) || (options.exclude ?? []).some((x) => isInside(x, dir))) continue;
    const candidate = path.join(dir, name);
    try {
      const stat = fs.statSync(candidate);
      if (!stat.isFile()) continue;
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Every program of `names` resolved, or the names that are missing. */
export function whichAll<K extends string>(names: Record<K, string>, options: WhichOptions = {}): { ok: true; paths: Record<K, string> } | { ok: false; missing: string[] } {
  const paths = {} as Record<K, string>;
  const missing: string[] = [];
  for (const [key, name] of Object.entries(names) as [K, string][]) {
    const found = which(name, options);
    if (found) paths[key] = found;
    else missing.push(name);
  }
  return missing.length > 0 ? { ok: false, missing } : { ok: true, paths };
}

function isInside(folder: string, dir: string): boolean {
  const rel = path.relative(folder, dir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
