import type { Node } from 'web-tree-sitter';
import { calleeName, flattenCall, unparen } from './values';

/**
 * Where NixOS option definitions are in a file, found statically: the file's own module (a
 * function taking `config`/`lib`/`pkgs`/`...` and returning a set, or a set with `imports`,
 * `options` or `config`), the inline modules of every `nixosSystem { modules = [ … ]; }`, and
 * inline modules in `imports` lists. Package expressions, overlays and data files are not modules.
 */

/** A module body: the attribute set whose bindings define options. */
export interface ModuleBody {
  node: Node;
  /** Modules of one configuration share a group: cross-option rules look at a group as a whole. */
  group: number;
}

/**
 * Whether a configuration (group) includes modules this file does not show: imported files,
 * modules bound to variables, other inputs' modules. Rules that depend on an option being unset
 * (or left at its default) only judge configurations with nothing unseen.
 */
export type GroupVisibility = Map<number, { unseen: boolean; external?: boolean }>;

/**
 * Enum options jetpack-nixos expects other modules to extend (a board vendor's module adds its
 * SoM or carrier board); a configuration with modules from another flake may accept more values.
 */
export const EXTENSIBLE_ENUMS = new Set(['hardware.nvidia-jetpack.som', 'hardware.nvidia-jetpack.carrierBoard']);

/** One name of an option path, with where it is written. */
export interface Segment {
  name: string;
  start: number;
  end: number;
}

/** A definition found in a module: `path = value`, or an attribute set on the way to deeper ones. */
export interface Definition {
  path: Segment[];
  /** The value as written (priority wrappers not removed), or undefined for `inherit`. */
  value: Node | undefined;
  /** `set`: the value is an attribute set walked further; `value`: a leaf value; `inherit`: `inherit … name;`. */
  kind: 'set' | 'value' | 'inherit';
  /** Under `mkIf` (or `mkMerge` of it): the definition may not apply, so rules ignore it. */
  conditional: boolean;
  /** Wrapped in `mkDefault`/`mkOptionDefault`/`mkOverride`: another module may override it. */
  lowPriority: boolean;
  group: number;
}

export interface StructureProblem {
  start: number;
  end: number;
  message: string;
  /** The top-level `config` or `options` key that makes the other key invalid. */
  related: { start: number; end: number };
}

/** Arguments only NixOS modules take (`pkgs` alone is also a nixpkgs config function's argument). */
const MODULE_ARGS = new Set(['config', 'lib', 'options', 'modulesPath', 'utils']);
/** Module values that come from projects whose options the schema already knows. */
const KNOWN_MODULE_SOURCES = /^(inputs\.)?(jetpack-nixos|jetpack|nix-ros-overlay|nixpkgs)\./;
/** Keys a module may have besides its definitions. */
const MODULE_KEYS = new Set(['imports', 'options', 'config', 'disabledModules', 'meta', '_file', 'key', '_class', 'freeformType']);

/** The attribute set a module function returns, through `let`, `with`, `assert` and parentheses. */
function moduleResult(node: Node): Node | undefined {
  let cur = unparen(node);
  for (let guard = 0; guard < 64; guard++) {
    if (cur.type === 'attrset_expression') return cur;
    const next =
      cur.type === 'let_expression' || cur.type === 'with_expression' || cur.type === 'assert_expression'
        ? cur.childForFieldName('body')
        : undefined;
    if (!next) return undefined;
    cur = unparen(next);
  }
  return undefined;
}

function isModuleFunction(node: Node): boolean {
  return moduleEvidence(node) !== 'none';
}

/**
 * How surely a function is a module by its arguments: `strong` with one only modules take
 * (`config`, `lib`, …); `weak` with only `...`, which a nixpkgs config function (`{ pkgs, ... }:`)
 * may have too.
 */
function moduleEvidence(node: Node): 'strong' | 'weak' | 'none' {
  const formals = node.childForFieldName('formals');
  if (!formals) return 'none';
  let evidence: 'weak' | 'none' = 'none';
  for (const c of formals.namedChildren) {
    if (!c) continue;
    if (c.type === 'ellipses') evidence = 'weak';
    if (c.type === 'formal' && MODULE_ARGS.has(c.childForFieldName('name')?.text ?? '')) return 'strong';
  }
  return evidence;
}

/**
 * Attributes of a nixpkgs configuration (`~/.config/nixpkgs/config.nix`, `import nixpkgs { config
 * = …; }`). A file that sets only these and is a module only by weak evidence is taken for one.
 */
const NIXPKGS_CONFIG_KEYS = new Set([
  'allowUnfree', 'allowUnfreePredicate', 'allowBroken', 'allowUnsupportedSystem', 'allowInsecurePredicate', 'permittedInsecurePackages',
  'allowlistedLicenses', 'blocklistedLicenses', 'whitelistedLicenses', 'blacklistedLicenses', 'allowNonSource', 'allowNonSourcePredicate',
  'allowAliases', 'allowVariants', 'packageOverrides', 'perlPackageOverrides', 'cudaSupport', 'cudaCapabilities', 'cudaForwardCompat',
  'rocmSupport', 'checkMeta', 'doCheckByDefault', 'strictDepsByDefault', 'structuredAttrsByDefault', 'enableParallelBuildingByDefault',
  'contentAddressedByDefault', 'configurePlatformsByDefault', 'showDerivationWarnings', 'warnUndeclaredOptions', 'hashedMirrors',
  'rewriteURL', 'gitConfig', 'gitConfigFile', 'npmRegistryOverrides', 'fetchedSourceNameDefault', 'android_sdk', 'firefox', 'chromium',
  'pulseaudio', 'joypixels', 'input-fonts', 'oraclejdk', 'segger-jlink', 'nvidia',
]);

/**
 * Whether a set reads as a nixpkgs configuration: its top-level keys are nixpkgs configuration
 * attributes (nixpkgs evaluates its configuration with the module system, so `imports` fits too).
 */
function isNixpkgsConfigShape(set: Node): boolean {
  const keys = bindingsOf(set).map((b) => (b.type === 'binding' ? firstKey(b) : undefined));
  return keys.some((k) => k !== undefined && NIXPKGS_CONFIG_KEYS.has(k)) && keys.every((k) => k !== undefined && (NIXPKGS_CONFIG_KEYS.has(k) || k === 'imports'));
}

/** The static names of an attribute path, or undefined when one is dynamic. */
export function staticPath(attrpath: Node): Segment[] | undefined {
  const out: Segment[] = [];
  for (const c of attrpath.namedChildren) {
    if (!c || c.type === 'comment') continue;
    if (c.type === 'identifier') out.push({ name: c.text, start: c.startIndex, end: c.endIndex });
    else if (c.type === 'string_expression' && !c.namedChildren.some((x) => x?.type === 'interpolation')) {
      out.push({ name: c.text.slice(1, -1), start: c.startIndex, end: c.endIndex });
    } else return undefined;
  }
  return out;
}

function bindingsOf(set: Node): Node[] {
  const bs = set.namedChildren.find((c) => c?.type === 'binding_set');
  return bs ? (bs.namedChildren.filter((c) => c && (c.type === 'binding' || c.type === 'inherit' || c.type === 'inherit_from')) as Node[]) : [];
}

function firstKey(binding: Node): string | undefined {
  const path = binding.childForFieldName('attrpath');
  const first = path?.namedChildren.find((c) => c && c.type !== 'comment');
  return first?.type === 'identifier' ? first.text : undefined;
}

/**
 * Whether a set literal looks like a module rather than data: it has `imports`. (`options` and
 * `config` also name data: mount options, nixpkgs arguments; such a set counts as a module only
 * when a file imports it.)
 */
function hasModuleKeys(set: Node): boolean {
  return bindingsOf(set).some((b) => b.type === 'binding' && firstKey(b) === 'imports');
}

/** The last attribute name of a selection (`nixosSystem` in `nixpkgs.lib.nixosSystem`). */
function lastName(node: Node): string | undefined {
  const n = unparen(node);
  if (n.type === 'variable_expression') return n.text;
  if (n.type === 'select_expression') {
    const ids = n.childForFieldName('attrpath')?.namedChildren.filter((c) => c?.type === 'identifier') ?? [];
    return ids.at(-1)?.text;
  }
  return undefined;
}

/**
 * Elements of a `modules` list, through `++` and parentheses. Anything else joined in (a variable,
 * a call) stands for modules we cannot see: it is returned as an element, which is unseen.
 */
function listElements(node: Node): Node[] {
  const n = unparen(node);
  if (n.type === 'list_expression') return n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  if (n.type === 'binary_expression' && n.childForFieldName('operator')?.type === '++') {
    return [...listElements(n.childForFieldName('left')!), ...listElements(n.childForFieldName('right')!)];
  }
  return [n];
}

/** An inline module in a `modules` or `imports` list: a set literal or a module function, also through a `let` name. */
function inlineModule(element: Node): Node | undefined {
  const n = unparen(element);
  if (n.type === 'attrset_expression') return n;
  if (n.type === 'function_expression') return moduleResult(n.childForFieldName('body') ?? n);
  if (n.type === 'variable_expression') {
    const bound = letBinding(n, n.text);
    if (bound && unparen(bound).type !== 'variable_expression') return inlineModule(bound);
  }
  return undefined;
}

/** The value a `let` around `from` binds to `name`, if any. */
function letBinding(from: Node, name: string): Node | undefined {
  for (let n: Node | null = from.parent; n; n = n.parent) {
    if (n.type !== 'let_expression') continue;
    const bs = n.namedChildren.find((c) => c?.type === 'binding_set');
    for (const b of bs?.namedChildren ?? []) {
      if (b?.type === 'binding' && b.childForFieldName('attrpath')?.text === name) return b.childForFieldName('expression') ?? undefined;
    }
  }
  return undefined;
}

/** The call whose function names the identifier at `offset` (`nixpkgs.lib.nixosSystem { … }`), once. */
function enclosingCall(root: Node, offset: number, seen: Set<number>): { fn: Node; args: Node[] } | undefined {
  for (let n: Node | null = root.descendantForIndex(offset, offset + 1); n; n = n.parent) {
    if (n.type !== 'apply_expression') continue;
    const call = flattenCall(n);
    if (!call || offset < call.fn.startIndex || offset >= call.fn.endIndex) continue;
    if (seen.has(n.id) || lastName(call.fn) !== 'nixosSystem') return undefined;
    seen.add(n.id);
    return call;
  }
  return undefined;
}

/** The binding whose attribute path contains `offset`. */
function enclosingBindingKey(root: Node, offset: number): Node | undefined {
  for (let n: Node | null = root.descendantForIndex(offset, offset + 1); n; n = n.parent) {
    if (n.type === 'binding') {
      const path = n.childForFieldName('attrpath');
      return path && offset >= path.startIndex && offset < path.endIndex ? n : undefined;
    }
  }
  return undefined;
}

/** A module from another flake than those the schema knows (`board.nixosModules.default`). */
function isExternal(element: Node): boolean {
  const n = unparen(element);
  if (n.type === 'path_expression') return false;
  return !(n.type === 'select_expression' && KNOWN_MODULE_SOURCES.test(n.text));
}

/** Whether a `modules`/`imports` entry is one we cannot see into (a file, a variable, a call). */
function isUnseen(element: Node): boolean {
  const n = unparen(element);
  if (n.type === 'attrset_expression' || n.type === 'function_expression') return false;
  if (n.type === 'select_expression' && KNOWN_MODULE_SOURCES.test(n.text)) return false;
  return true;
}

/**
 * Every module body of a parsed file, with the visibility of each configuration. `isModuleFile`
 * forces the file's own expression to count as a module.
 */
export function findModules(root: Node, isModuleFile = false): ModuleBody[] {
  return findModulesWithVisibility(root, isModuleFile).modules;
}

export function findModulesWithVisibility(root: Node, isModuleFile = false): { modules: ModuleBody[]; visibility: GroupVisibility } {
  const out: ModuleBody[] = [];
  const visibility: GroupVisibility = new Map();
  let group = 0;
  const newGroup = (unseen: boolean) => {
    visibility.set(group, { unseen });
    return group++;
  };
  const top = root.namedChildren.find((c) => c && c.type !== 'comment');
  if (top) {
    const t = unparen(top);
    let own =
      t.type === 'function_expression' && (isModuleFunction(t) || isModuleFile)
        ? moduleResult(t.childForFieldName('body') ?? t)
        : t.type === 'attrset_expression' && (isModuleFile || hasModuleKeys(t))
          ? t
          : undefined;
    // `{ allowUnfree = true; }` listed somewhere, or `{ pkgs, ... }: { … }`: a nixpkgs config as
    // much as a module. Where the shape could be something else, nothing is judged.
    const strong = t.type === 'function_expression' && moduleEvidence(t) === 'strong';
    if (own && !strong && isNixpkgsConfigShape(own)) own = undefined;
    // A module file is one part of a configuration assembled elsewhere: other modules of that
    // configuration may set what this one leaves unset.
    if (own) out.push({ node: own, group: newGroup(true) });
  }
  // nixosSystem { modules = [ … ]; } and flake outputs nixosModules.<name> anywhere in the file,
  // found from where their names occur in the text: walking every node would cost far more.
  const text = root.text;
  const seen = new Set<number>();
  for (const m of text.matchAll(/\bnixosSystem\b/g)) {
    const call = enclosingCall(root, m.index!, seen);
    if (!call || call.args.length !== 1) continue;
    const arg = unparen(call.args[0]!);
    const g = newGroup(false);
    if (arg.type !== 'attrset_expression') continue;
    for (const b of bindingsOf(arg)) {
      if (b.type !== 'binding' || firstKey(b) !== 'modules') continue;
      const value = b.childForFieldName('expression');
      const elements = value ? listElements(value) : [];
      if (!value || (unparen(value).type !== 'list_expression' && elements.length === 0)) visibility.get(g)!.unseen = true;
      for (const el of elements) {
        const mod = inlineModule(el);
        // A let-bound module used by several configurations is checked (and reported) once; the
        // configurations after the first then have a part their rules do not see.
        if (mod && !out.some((x) => x.node.id === mod.id)) out.push({ node: mod, group: g });
        else if (mod || isUnseen(el)) visibility.get(g)!.unseen = true;
        if (!mod && isExternal(el)) visibility.get(g)!.external = true;
      }
    }
  }
  for (const m of text.matchAll(/\bnixosModules?\b/g)) {
    const binding = enclosingBindingKey(root, m.index!);
    if (!binding || seen.has(binding.id)) continue;
    seen.add(binding.id);
    const path = binding.childForFieldName('attrpath');
    const names = (path ? staticPath(path) : undefined)?.map((x) => x.name) ?? [];
    const value = binding.childForFieldName('expression');
    const isOutput = (names.length === 2 && names[0] === 'nixosModules') || (names.length === 1 && names[0] === 'nixosModule');
    const mod = isOutput && value ? inlineModule(value) : undefined;
    // A reusable module is combined with others elsewhere: its configuration is never complete here.
    if (mod) out.push({ node: mod, group: newGroup(true) });
  }
  // Inline modules in `imports` lists belong to the configuration of the module importing them.
  for (let i = 0; i < out.length; i++) {
    for (const b of bindingsOf(out[i]!.node)) {
      if (b.type !== 'binding' || firstKey(b) !== 'imports') continue;
      const value = b.childForFieldName('expression');
      const elements = value ? listElements(value) : [];
      if (!value || (unparen(value).type !== 'list_expression' && elements.length === 0)) visibility.get(out[i]!.group)!.unseen = true;
      for (const el of elements) {
        const m = inlineModule(el);
        if (m && !out.some((x) => x.node.id === m.id)) out.push({ node: m, group: out[i]!.group });
        else if (!m && isUnseen(el)) visibility.get(out[i]!.group)!.unseen = true;
      }
    }
  }
  return { modules: out, visibility };
}

/**
 * The option definitions of a module, in source order, through every form users write: dotted
 * keys, nested sets, `config = { … }`, `mkIf c { … }`, `mkMerge [ … ]` at any level, priority
 * wrappers, and `inherit`. Also reports the top-level `config`/`options` mix NixOS rejects.
 */
export function moduleDefinitions(module: ModuleBody, relevant?: (path: Segment[]) => boolean): { definitions: Definition[]; problems: StructureProblem[] } {
  const definitions: Definition[] = [];
  const problems: StructureProblem[] = [];
  const bindings = bindingsOf(module.node);
  const keys = bindings.map((b) => (b.type === 'binding' ? firstKey(b) : undefined));
  const configBinding = bindings.find((_, i) => keys[i] === 'config');
  const optionsBinding = bindings.find((_, i) => keys[i] === 'options');
  const full = configBinding ?? optionsBinding;
  const walker = new Walker(definitions, module.group, relevant);
  bindings.forEach((b, i) => {
    const key = keys[i];
    if (full) {
      if (key === 'config') walker.binding(b, 1, [], false);
      else if (key === undefined || !MODULE_KEYS.has(key)) {
        const at = b.childForFieldName('attrpath') ?? b;
        const other = full === configBinding ? 'config' : 'options';
        problems.push({
          start: at.startIndex,
          end: at.endIndex,
          message: `NixOS rejects this: the module has a top-level \`${other}\` (line {line}), so \`${at.text}\` must go inside \`config = { … }\``,
          related: { start: full.startIndex, end: full.startIndex + other.length },
        });
      }
    } else if (key === undefined || !MODULE_KEYS.has(key)) {
      walker.binding(b, 0, [], false);
    }
  });
  return { definitions, problems };
}

function isLowPriority(n: Node): boolean {
  const call = flattenCall(n);
  const name = call && calleeName(call.fn);
  return name === 'mkDefault' || name === 'mkOptionDefault' || name === 'mkOverride';
}

class Walker {
  constructor(
    private readonly out: Definition[],
    private readonly group: number,
    /** When given, sets at paths it rejects are recorded but not walked (nothing below them can matter). */
    private readonly relevant?: (path: Segment[]) => boolean,
  ) {}

  /** A binding or `inherit` inside a set at `prefix`; `skip` leading names are already in the prefix. */
  binding(b: Node, skip: number, prefix: Segment[], conditional: boolean): void {
    if (b.type === 'inherit' || b.type === 'inherit_from') {
      const attrs = b.childForFieldName('attrs');
      for (const a of attrs?.namedChildren ?? []) {
        if (a?.type === 'identifier') {
          this.out.push({ path: [...prefix, { name: a.text, start: a.startIndex, end: a.endIndex }], value: undefined, kind: 'inherit', conditional, lowPriority: false, group: this.group });
        }
      }
      return;
    }
    const attrpath = b.childForFieldName('attrpath');
    const value = b.childForFieldName('expression');
    const segs = attrpath ? staticPath(attrpath) : undefined;
    if (!segs || !value) return;
    const path = [...prefix, ...segs.slice(skip)];
    if (path.length === 0) this.value(value, prefix, conditional);
    else this.value(value, path, conditional);
  }

  /** A value defined at `path`: walked further when it is a set (or a mkIf/mkMerge of sets). */
  value(node: Node, path: Segment[], conditional: boolean): void {
    const n = unparen(node);
    const call = flattenCall(n);
    const name = call && calleeName(call.fn);
    if (call && name === 'mkIf' && call.args.length === 2) {
      this.value(call.args[1]!, path, true);
      return;
    }
    if (call && name === 'mkMerge' && call.args.length === 1) {
      const list = unparen(call.args[0]!);
      if (list.type === 'list_expression') {
        for (const el of list.namedChildren) if (el && el.type !== 'comment') this.value(el, path, conditional);
        return;
      }
    }
    if (call && (name === 'mkDefault' || name === 'mkForce' || name === 'mkOverride') && unparen(call.args.at(-1)!).type === 'attrset_expression') {
      this.value(call.args.at(-1)!, path, conditional);
      return;
    }
    if (n.type === 'attrset_expression') {
      // At the top (`config = { … }`) there is no option path yet, only definitions below.
      if (path.length > 0) this.out.push({ path, value: node, kind: 'set', conditional, lowPriority: false, group: this.group });
      if (path.length > 0 && this.relevant && !this.relevant(path)) return;
      for (const b of bindingsOf(n)) this.binding(b, 0, path, conditional);
      return;
    }
    if (path.length > 0) this.out.push({ path, value: node, kind: 'value', conditional, lowPriority: isLowPriority(n), group: this.group });
  }
}
