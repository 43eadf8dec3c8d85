import * as path from 'node:path';
import type { Node, Parser } from 'web-tree-sitter';
import { nixVisibleText } from '../analysis/check';
import type { OptionDecl } from '../schema/types';
import { includingIndex, type ConfigurationFacts, type FileModuleFacts, type RefFact, type WorkspaceModules } from './cross-file';
import { moduleDeclarations } from './declarations';
import { findModuleGroups, moduleDefinitions, type ModuleBody, type ModuleGroup } from './modules';
import { resolveModulePath } from './module-refs';
import { plainLiteral, readByRules, toRuleDef, type RuleDef } from './rules';
import { literalOf, unparen } from './values';

export { resolveModulePath };

/**
 * What a workspace's files say about each other: the options its modules declare (a custom
 * carrier-board module in one file extends `carrierBoard` for every file), which files are listed
 * as modules (in `imports` or `nixosSystem { modules }`), so a bare attribute set file is checked as
 * a module when something imports it, and the configurations they make across files.
 */
export interface WorkspaceFacts {
  declarations: OptionDecl[];
  moduleFiles: Set<string>;
  /** Folders' module patterns (`…/hosts/*`) from paths with a part we cannot know. */
  moduleGlobs: Set<string>;
  modules: Map<string, FileModuleFacts>;
  configurations: ConfigurationFacts[];
}

export function emptyWorkspaceFacts(): WorkspaceFacts {
  return { declarations: [], moduleFiles: new Set(), moduleGlobs: new Set(), modules: new Map(), configurations: [] };
}

/**
 * Only files mentioning these can declare options, list modules, make a configuration or set an
 * option the rules read: the rest need no parsing (and add nothing to a configuration).
 */
export function mayContribute(text: string): boolean {
  return /mkOption|mkEnableOption|mkPackageOption|imports|modules|nvidia-jetpack|cudaCapabilities|nixosSystem|nixosGenerate|colmena|\.nixos\b/.test(text);
}

/** One file's contribution: declarations, module references, its own module and the configurations it makes. */
export interface ScannedFile {
  declarations: OptionDecl[];
  moduleFiles: string[];
  moduleGlobs: string[];
  module?: FileModuleFacts;
  configurations: ConfigurationFacts[];
}

/** The contribution of one parsed file (`file` is its absolute path; `isModuleFile` when something lists it). */
export function scanFile(root: Node, file: string, isModuleFile = false): ScannedFile {
  const dir = path.dirname(file);
  const found = findModuleGroups(root, { isModuleFile, dir });
  const declarations = found.modules.flatMap(moduleDeclarations);
  const moduleFiles = listedPaths(root, dir);
  const moduleGlobs: string[] = [];
  const out: ScannedFile = { declarations, moduleFiles, moduleGlobs, configurations: [] };
  for (const g of found.groups) {
    for (const r of g.refs) {
      if (r.kind === 'file') moduleFiles.push(r.path);
      else if (r.kind === 'unseen' && r.glob) moduleGlobs.push(r.glob);
    }
    const defs = groupDefs(g, found.modules, file, root);
    if (g.kind === 'own') out.module = defs ? { defs, refs: g.refs as RefFact[] } : undefined;
    else if (g.kind === 'configuration' && g.site) {
      // A configuration with a module we cannot read is one with a module we cannot see.
      const refs = defs ? (g.refs as RefFact[]) : [...(g.refs as RefFact[]), { kind: 'unseen' as const }];
      out.configurations.push({ file, label: g.site.label, defs: defs ?? [], refs, ...argFacts(g.site.args) });
    }
  }
  return out;
}

/** The rule definitions of a group's modules, marked with their file and line; undefined when one does not parse. */
function groupDefs(g: ModuleGroup, modules: ModuleBody[], file: string, root: Node): RuleDef[] | undefined {
  const out: RuleDef[] = [];
  for (const member of g.members) {
    const m = modules[member.module]!;
    if (m.node.hasError) return undefined;
    for (const d of moduleDefinitions(m, mayHoldRuleOptions).definitions) {
      // Only what the rules read is kept: a fleet's modules define thousands of other options.
      const def = toRuleDef(d);
      if (!readByRules(def.name)) continue;
      const line = root.descendantForIndex(def.start, def.start)?.startPosition.row ?? 0;
      out.push({ ...def, conditional: def.conditional || member.conditional, origin: { file, line } });
    }
  }
  return out;
}

/** The literal values a configuration's `specialArgs` gives, as plain data. */
function argFacts(args: Map<string, Node> | undefined): Pick<ConfigurationFacts, 'args'> {
  const out: NonNullable<ConfigurationFacts['args']> = {};
  for (const [name, node] of args ?? []) {
    const literal = plainLiteral(literalOf(node));
    if (literal.kind !== 'unknown') out[name] = { literal, line: node.startPosition.row };
  }
  return Object.keys(out).length > 0 ? { args: out } : {};
}

/** Sets the walk goes into: only those on the way to an option the rules read. */
function mayHoldRuleOptions(path: { name: string }[]): boolean {
  const joined = path.map((s) => s.name).join('.');
  return readByRules(joined) || 'hardware.nvidia-jetpack'.startsWith(joined) || 'nixpkgs.config.cudaCapabilities'.startsWith(joined);
}

/**
 * Path literals in any `imports` or `modules` list (also of home-manager or flake-parts): a bare
 * set listed there is taken for a module. Found from where the words occur, not by visiting every node.
 */
function listedPaths(root: Node, dir: string): string[] {
  const out: string[] = [];
  const seen = new Set<number>();
  for (const m of root.text.matchAll(/\b(imports|modules)\b/g)) {
    let binding: Node | null = root.descendantForIndex(m.index!, m.index! + 1);
    while (binding && binding.type !== 'binding') binding = binding.parent;
    const key = binding?.childForFieldName('attrpath');
    const value = binding?.childForFieldName('expression');
    if (!binding || !value || key?.text !== m[1] || seen.has(binding.id)) continue;
    seen.add(binding.id);
    for (const el of listItems(value)) {
      const p = unparen(el);
      if (p.type === 'path_expression' && p.namedChildren.every((c) => c?.type === 'path_fragment')) out.push(resolveModulePath(dir, p.text));
    }
  }
  return out;
}

/** Elements of a list literal, through `++`. */
function listItems(node: Node): Node[] {
  const n = unparen(node);
  if (n.type === 'list_expression') return n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  if (n.type === 'binary_expression' && n.childForFieldName('operator')?.type === '++') {
    return [...listItems(n.childForFieldName('left')!), ...listItems(n.childForFieldName('right')!)];
  }
  return [];
}

/** Adds one file's contribution to the workspace's facts. */
export function addToFacts(facts: WorkspaceFacts, file: string, scanned: ScannedFile): void {
  facts.declarations.push(...scanned.declarations);
  for (const f of scanned.moduleFiles) facts.moduleFiles.add(f);
  for (const g of scanned.moduleGlobs) facts.moduleGlobs.add(g);
  if (scanned.module) facts.modules.set(file, scanned.module);
  facts.configurations.push(...scanned.configurations);
}

/**
 * Whether a file is a module by the workspace's facts: listed somewhere, or under a listed
 * pattern (`…/hosts/*` matches `…/hosts/scout.nix` and `…/hosts/scout/default.nix`).
 */
export function listedModules(facts: { moduleFiles: ReadonlySet<string>; moduleGlobs: Iterable<string> }): (file: string) => boolean {
  const patterns = [...facts.moduleGlobs].map((glob) => {
    const source = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+');
    return new RegExp(`^${source}(\\.nix|/default\\.nix)?$`);
  });
  return (file) => facts.moduleFiles.has(file) || patterns.some((p) => p.test(file));
}

/**
 * The workspace's modules as the option checks read them. `plain(file)`: the file exists but was not
 * parsed, since it mentions nothing a configuration reads: it adds nothing and hides nothing.
 */
export function modulesOf(facts: Pick<WorkspaceFacts, 'modules' | 'configurations'>, plain: (file: string) => boolean): WorkspaceModules {
  const module = (file: string) => facts.modules.get(file) ?? (plain(file) ? { defs: [], refs: [] } : undefined);
  const including = includingIndex(facts.configurations, { module });
  return { module, including: (file) => including.get(file) ?? [] };
}

/** Reads a file's text for the scan, or undefined when it cannot (or should not) be read. */
export type ReadFile = (file: string) => string | undefined;

/**
 * The workspace's facts, kept by file: a file is parsed only when it may contribute, and a file
 * something lists as a module is read again as one (a bare set is a module only when imported).
 * Shared by the language server's index and `jetson-nix check`, so both see the same configurations.
 */
export class WorkspaceScan {
  private readonly byFile = new Map<string, { scanned: ScannedFile; asModule: boolean }>();
  /** Files that exist but were not parsed: they add nothing to a configuration. */
  private readonly plain = new Set<string>();
  private cached: { facts: WorkspaceFacts; modules: WorkspaceModules } | undefined;

  constructor(
    private readonly parser: Parser,
    private readonly read: ReadFile,
  ) {}

  /** Reads one file again (changed, created or deleted). */
  update(file: string): void {
    this.scan(file, false);
    this.cached = undefined;
  }

  /** The facts, once every file listed as a module has been read as one. */
  facts(): WorkspaceFacts {
    return this.current().facts;
  }

  /** The workspace's modules as the option checks read them. */
  modules(): WorkspaceModules {
    return this.current().modules;
  }

  /** Files that exist but were not parsed, for `jetson-nix check`'s worker threads. */
  plainFiles(): string[] {
    return [...this.plain];
  }

  private current(): { facts: WorkspaceFacts; modules: WorkspaceModules } {
    if (this.cached) return this.cached;
    let facts = this.fold();
    // A listing can make another file a module, whose imports can list more: a few rounds settle it.
    for (let round = 0; round < 4; round++) {
      const isListed = listedModules(facts);
      const again = [...this.byFile].filter(([file, e]) => {
        const listed = isListed(file);
        // Read as a module when listed and not one by its own shape; plainly again when no longer listed.
        return e.asModule ? !listed : listed && !e.scanned.module;
      });
      if (again.length === 0) break;
      for (const [file, e] of again) this.scan(file, !e.asModule);
      facts = this.fold();
    }
    this.cached = { facts, modules: modulesOf(facts, (f) => this.plain.has(f)) };
    return this.cached;
  }

  private fold(): WorkspaceFacts {
    const facts = emptyWorkspaceFacts();
    for (const [file, e] of this.byFile) addToFacts(facts, file, e.scanned);
    return facts;
  }

  private scan(file: string, asModule: boolean): void {
    this.byFile.delete(file);
    this.plain.delete(file);
    const text = this.read(file);
    if (text === undefined) return;
    if (!mayContribute(text)) {
      this.plain.add(file);
      return;
    }
    const tree = this.parser.parse(nixVisibleText(text).text);
    if (!tree) return;
    try {
      this.byFile.set(file, { scanned: scanFile(tree.rootNode, file, asModule), asModule });
    } finally {
      tree.delete();
    }
  }
}
