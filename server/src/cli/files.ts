import * as fs from 'node:fs';
import * as path from 'node:path';

/** Folders never worth checking: VCS data, dependencies, and Nix build result links. */
export function isSkippedDirectory(name: string): boolean {
  return name === '.git' || name === 'node_modules' || name === '.direnv' || /^result(-.*)?$/.test(name);
}

export interface Collected {
  files: string[];
  /** Paths given on the command line that do not exist. */
  missing: string[];
  /**
   * Paths given on the command line that exist but are neither a readable file nor a folder (a
   * FIFO, a device, a socket, a file without read permission). Each is in `files` too, so that
   * the check reports it as `unreadable-file` instead of skipping it silently.
   */
  unreadable: string[];
}

/**
 * The `.nix` files under the given paths, sorted, each once. A path named explicitly is checked
 * whatever its extension, and whatever it is (see `Collected.unreadable`). Inside folders only
 * regular files count, as with `find -type f`: FIFOs, devices and links to them are skipped, and
 * symbolic links to folders are not followed (no loops, no walking out of the tree).
 */
export function collectNixFiles(paths: string[]): Collected {
  const files = new Set<string>();
  const missing: string[] = [];
  const unreadable: string[] = [];
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') missing.push(p);
      else explicit(p, files, unreadable); // a loop of links, no permission on a parent folder
      continue;
    }
    if (stat.isDirectory()) walk(p, files);
    else if (stat.isFile() && readable(p)) files.add(path.normalize(p));
    else explicit(p, files, unreadable);
  }
  return { files: [...files].sort(), missing, unreadable: unreadable.sort() };
}

function explicit(p: string, files: Set<string>, unreadable: string[]): void {
  files.add(path.normalize(p));
  unreadable.push(path.normalize(p));
}

function readable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function walk(root: string, out: Set<string>): void {
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable folder: skip it, as `find` would.
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!isSkippedDirectory(e.name)) stack.push(full);
      } else if ((e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.nix') && !isSkippedDirectory(e.name)) {
        if (e.isSymbolicLink() && !isFile(full)) continue;
        out.add(path.normalize(full));
      }
    }
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
