/**
 * Absolute paths of the system programs run as root by Write Installer to USB Drive (dd, umount,
 * sha256sum…), found before anything runs: the terminal is given `/usr/bin/dd`, never a name its
 * shell could resolve to something else. The search is exec.ts's (absolute PATH entries only);
 * as for sudo and pkexec (flash/script.ts `locateElevation`), nothing inside the Nix store or a
 * workspace folder is taken: a dev shell's or a repository's `bin/dd` must not run as root.
 * No `vscode` import.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { searchExecutable } from '../nix/exec';

/** Folders searched after PATH: where Debian and others keep administration programs a user's PATH may lack. */
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export interface WhichOptions {
  /** The PATH to search (default: this process's). */
  path?: string;
  /** Folders whose programs are never taken (the workspace folders, the Nix store). */
  exclude?: readonly string[];
}

/** The absolute path of an executable file named `name` outside the excluded folders, or undefined. */
export function which(name: string, options: WhichOptions = {}): string | undefined {
  if (name.includes('/')) return undefined;
  const exclude = options.exclude ?? [];
  const outside = (file: string) => !exclude.some((folder) => isInside(folder, file));
  const searchPath = [options.path ?? process.env.PATH ?? '', ...SYSTEM_DIRS].join(path.delimiter);
  return searchExecutable(name, searchPath, (file) => {
    if (!outside(file)) return false;
    try {
      return outside(fs.realpathSync(file));
    } catch {
      return false;
    }
  });
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

function isInside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
