import * as fs from 'node:fs';
import * as path from 'node:path';

/** Folders never worth checking: VCS data, dependencies, and Nix build result links. */
export function isSkippedDirectory(name: string): boolean {
  return name === '.git' || name === 'node_modules' || name === '.direnv' || /^result(-.*)?$/.test(name);
}

export interface Collected {
  files: string[];
  /** Paths given on the command line that do not exist or cannot be read. */
  missing: string[];
}

/**
 * The `.nix` files under the given paths, sorted, each once. A file named explicitly is checked
 * whatever its extension. Symbolic links to directories are not followed (no loops).
 */
export function collectNixFiles(paths: string[]): Collected {
  const files = new Set<string>();
  const missing: string[] = [];
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      missing.push(p);
      continue;
    }
    if (stat.isFile()) files.add(path.normalize(p));
    else if (stat.isDirectory()) walk(p, files);
  }
  return { files: [...files].sort(), missing };
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

/** Reads a file as Nix sees it: bytes decoded as UTF-8, invalid sequences replaced. */
export function readNixFile(file: string): string {
  const bytes = fs.readFileSync(file);
  // A byte-order mark is kept: Nix rejects it ("unexpected invalid token"), so we report it too.
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
}
