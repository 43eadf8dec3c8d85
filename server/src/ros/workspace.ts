import * as fs from 'node:fs';
import * as path from 'node:path';
import { readText } from '../shared/safe-read';
import { type PackageManifest, parsePackageXml } from './package-xml';

/**
 * The packages of a colcon workspace: every `package.xml` under `<root>/src`, found the way
 * colcon finds them. A folder with a `package.xml` is a package and is not searched further; a
 * folder holding `COLCON_IGNORE`, `AMENT_IGNORE` or `CATKIN_IGNORE` is skipped, as are hidden
 * folders. Symbolic links to folders are not followed (they can loop or leave the workspace).
 */

export interface WorkspacePackage {
  /** From `<name>` (the folder's name when the file has none). */
  name: string;
  /** Absolute path of the package.xml. */
  file: string;
  manifest: PackageManifest;
}

export interface WorkspaceScan {
  packages: WorkspacePackage[];
  /** Files that could not be read, names given twice, limits reached. */
  problems: { file: string; message: string }[];
}

const IGNORE_MARKERS = ['COLCON_IGNORE', 'AMENT_IGNORE', 'CATKIN_IGNORE'];
/** A package.xml is a few KB; anything this large is not one. */
const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Bounds on the walk: deeper or larger trees are not colcon workspaces anyone builds. */
const MAX_DEPTH = 24;
const MAX_FOLDERS = 20000;

/** Finds and reads the packages under `root/src`. */
export async function scanWorkspace(root: string): Promise<WorkspaceScan> {
  const scan: WorkspaceScan = { packages: [], problems: [] };
  const src = path.join(root, 'src');
  let folders = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (++folders > MAX_FOLDERS) {
      if (folders === MAX_FOLDERS + 1) scan.problems.push({ file: src, message: `more than ${MAX_FOLDERS} folders under src/; the rest was not searched` });
      return;
    }
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const names = new Set(entries.map((e) => e.name));
    if (IGNORE_MARKERS.some((m) => names.has(m))) return;
    // Anything named package.xml but a folder is read: safe-read refuses FIFOs, devices and links out, and says so.
    const manifest = entries.find((e) => e.name === 'package.xml' && !e.isDirectory());
    if (manifest) {
      await readPackage(path.join(dir, manifest.name), root, scan);
      return;
    }
    if (depth >= MAX_DEPTH) return;
    const subfolders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
    for (const name of subfolders) await walk(path.join(dir, name), depth + 1);
  };
  await walk(src, 0);
  const seen = new Map<string, string>();
  for (const p of scan.packages) {
    const first = seen.get(p.name);
    if (first) scan.problems.push({ file: p.file, message: `the package ${p.name} is also in ${path.relative(root, first)}` });
    else seen.set(p.name, p.file);
  }
  return scan;
}

async function readPackage(file: string, root: string, scan: WorkspaceScan): Promise<void> {
  const text = await readText(file, { maxBytes: MAX_MANIFEST_BYTES, within: root });
  if (!text.ok) {
    scan.problems.push({ file, message: text.message });
    return;
  }
  const manifest = parsePackageXml(text.value);
  scan.packages.push({ name: manifest.name || path.basename(path.dirname(file)), file, manifest });
}
