import type { Node, Parser } from 'web-tree-sitter';
import { callParts, elements, isAttrset, literalValue, unparen } from '../schema/nix-static';
import { functionBody, namedBindings, nixStringValue, selectPath } from './nix-read';
import type { ExtractionProblem } from './types';

/**
 * The two index files of nix-ros-overlay: `distros/default.nix`, which names the distributions
 * (`jazzy = mkRosDistroOverlay { version = 2; distro = "jazzy"; } self super;`), and each
 * distribution's `generated.nix`, which names its packages (`foo = self.callPackage ./foo {};`).
 */

export interface DistroEntry {
  /** The attribute under `rosPackages` (`jazzy`; older trees had `melodicPython3` for `melodic`). */
  attr: string;
  /** The `distro` argument: the folder under `distros/`. */
  distro: string;
  rosVersion?: number;
  line: number;
}

export interface DistroList {
  distros: DistroEntry[];
  /** Other attributes of `rosPackages` (`lib`, `mkRosDistroOverlay`, `recurseForDerivations`). */
  otherAttributes: string[];
  problems: ExtractionProblem[];
}

/** Finds the set bound to `rosPackages` anywhere in the file (`self: super: { rosPackages = rec { … }; }`). */
function rosPackagesSet(root: Node): Node | undefined {
  const body = functionBody(elements(root)[0] ?? root);
  if (!isAttrset(body)) return undefined;
  const binding = namedBindings(body).bindings.find((b) => b.name === 'rosPackages');
  const value = binding?.value && unparen(binding.value);
  return value && isAttrset(value) ? value : undefined;
}

/** `{ version = 2; distro = "jazzy"; }` among a call's arguments. */
function distroArguments(value: Node): { distro: string; rosVersion?: number } | undefined {
  const call = callParts(value);
  for (const arg of call?.args ?? []) {
    const set = unparen(arg);
    if (!isAttrset(set)) continue;
    const bindings = namedBindings(set).bindings;
    const distro = bindings.find((b) => b.name === 'distro')?.value;
    const name = distro && nixStringValue(distro);
    if (name === undefined) continue;
    const version = bindings.find((b) => b.name === 'version')?.value;
    const v = version && literalValue(version);
    return { distro: name, ...(typeof v?.value === 'number' ? { rosVersion: v.value } : {}) };
  }
  return undefined;
}

/** Reads `distros/default.nix`. */
export function readDistroList(text: string, file: string, parser: Parser): DistroList {
  const out: DistroList = { distros: [], otherAttributes: [], problems: [] };
  const tree = parser.parse(text);
  if (!tree) return { ...out, problems: [{ file, message: 'could not be parsed' }] };
  try {
    const set = rosPackagesSet(tree.rootNode);
    if (!set) {
      out.problems.push({ file, message: 'has no `rosPackages = { … }` set' });
      return out;
    }
    const { bindings, dynamic } = namedBindings(set);
    for (const d of dynamic) out.problems.push({ file, line: d.startPosition.row + 1, message: 'binds a computed name under rosPackages' });
    for (const b of bindings) {
      const args = b.value && distroArguments(b.value);
      if (args) out.distros.push({ attr: b.name, ...args, line: b.site.startPosition.row + 1 });
      else out.otherAttributes.push(b.name);
    }
  } finally {
    tree.delete();
  }
  return out;
}

export interface GeneratedEntry {
  attr: string;
  /** The package's folder, relative to the distribution's folder. */
  dir?: string;
  line: number;
}

/** Reads `distros/<distro>/generated.nix`: every name it binds, and the folder of each package. */
export function readGenerated(text: string, file: string, parser: Parser): { entries: GeneratedEntry[]; problems: ExtractionProblem[]; complete: boolean } {
  const entries: GeneratedEntry[] = [];
  const problems: ExtractionProblem[] = [];
  const tree = parser.parse(text);
  if (!tree) return { entries, problems: [{ file, message: 'could not be parsed' }], complete: false };
  try {
    const body = functionBody(elements(tree.rootNode)[0] ?? tree.rootNode);
    if (!isAttrset(body)) return { entries, problems: [{ file, message: 'is not an overlay returning a set (self: super: { … })' }], complete: false };
    const { bindings, dynamic } = namedBindings(body);
    for (const d of dynamic) problems.push({ file, line: d.startPosition.row + 1, message: 'binds a computed name' });
    for (const b of bindings) {
      const line = b.site.startPosition.row + 1;
      const dir = b.value && packageFolder(b.value);
      if (dir === undefined) problems.push({ file, line, message: `${b.name} is not \`self.callPackage ./<folder> {}\`; its data is not read` });
      entries.push({ attr: b.name, ...(dir !== undefined ? { dir } : {}), line });
    }
    return { entries, problems, complete: dynamic.length === 0 };
  } finally {
    tree.delete();
  }
}

/** `self.callPackage ./foo {}` → `foo`. */
function packageFolder(value: Node): string | undefined {
  const call = callParts(value);
  const callee = call && selectPath(call.callee);
  if (!call || callee?.at(-1) !== 'callPackage' || call.args.length !== 2) return undefined;
  const p = unparen(call.args[0]!);
  if (p.type !== 'path_expression' || !p.text.startsWith('./')) return undefined;
  const dir = p.text.slice(2).replace(/\/$/, '');
  return dir && !dir.includes('..') ? dir : undefined;
}
