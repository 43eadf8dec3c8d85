import type { ModuleRef } from './module-refs';
import type { PlainLiteral, RuleDef } from './rules';

/**
 * Configurations across files: what the workspace's other files add to the configurations a file
 * is part of, so that rules combining options (SoM × JetPack version × carrier board, CUDA
 * capabilities) see every visible module of one configuration. Plain data, as the workspace index
 * keeps it and as `jetson-nix check` hands it to its worker threads; offsets are in the file each
 * definition comes from (`origin`), and only its line is ever shown.
 */

/** A module reference that is not written in the file at hand. */
export type RefFact = Exclude<ModuleRef, { kind: 'inline' }>;

/** What a file's own module holds for the rules: its definitions (and those of inline modules it imports), and what else it imports. */
export interface FileModuleFacts {
  defs: RuleDef[];
  refs: RefFact[];
}

/** A configuration a file makes: the definitions of its inline modules, and its other modules. */
export interface ConfigurationFacts {
  file: string;
  label: string;
  defs: RuleDef[];
  refs: RefFact[];
  /** Literal values its `specialArgs` gives the modules' arguments, with the line each is written on. */
  args?: Record<string, { literal: PlainLiteral; line: number }>;
}

export interface WorkspaceModules {
  /**
   * The module in a file: its facts; empty facts for a file that exists but holds nothing the
   * rules read (no import, no Jetson option); undefined when we do not know it (missing, not
   * parsed, not a module, outside the workspace).
   */
  module(file: string): FileModuleFacts | undefined;
  /** The configurations made in other files that include this file, directly or through imports. */
  including(file: string): ConfigurationFacts[];
}

/** What a set of modules adds up to: their definitions, and whether anything in it is hidden from us. */
export interface Reach {
  defs: RuleDef[];
  /** A module we cannot see into: an option left unset here may be set there. */
  unseen: boolean;
  /** Another flake's module, which may extend the SoM and carrier-board enums. */
  external: boolean;
  files: Set<string>;
  /** Projects whose modules are part of it (`jetpack-nixos`, `nixpkgs`, …). */
  projects: Set<string>;
}

/** Module files one configuration is followed through at most (a `let m = m;` must not loop, a fleet must not stall). */
const MAX_FILES = 256;

/** The modules reachable from `refs` through imports, except the file `skip` (read live by the caller). */
export function reach(refs: readonly RefFact[], ws: WorkspaceModules, skip?: string): Reach {
  const out: Reach = { defs: [], unseen: false, external: false, files: new Set(), projects: new Set() };
  const queue = [...refs];
  for (let r = queue.shift(); r; r = queue.shift()) {
    if (r.kind === 'known') {
      out.projects.add(r.project);
      continue;
    }
    if (r.kind === 'external') out.external = out.unseen = true;
    if (r.kind !== 'file') {
      out.unseen = true;
      continue;
    }
    if (r.path === skip || out.files.has(r.path)) continue;
    const facts = out.files.size < MAX_FILES ? ws.module(r.path) : undefined;
    if (!facts) {
      out.unseen = true;
      continue;
    }
    out.files.add(r.path);
    out.defs.push(...facts.defs);
    queue.push(...facts.refs);
  }
  return out;
}

/** Which configurations include each file, for `WorkspaceModules.including`. */
export function includingIndex(configurations: readonly ConfigurationFacts[], ws: Pick<WorkspaceModules, 'module'>): Map<string, ConfigurationFacts[]> {
  const out = new Map<string, ConfigurationFacts[]>();
  const view: WorkspaceModules = { module: (f) => ws.module(f), including: () => [] };
  for (const c of configurations) {
    for (const file of reach(c.refs, view).files) {
      if (file === c.file) continue;
      const list = out.get(file) ?? [];
      list.push(c);
      out.set(file, list);
    }
  }
  return out;
}
