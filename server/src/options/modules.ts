import type { Node } from 'web-tree-sitter';
import { calleeName, flattenCall, unparen } from './values';
import { findConfigurations, type ConfigurationSite } from './configurations';
import { moduleBody, moduleRefs, type ModuleRef, type RefContext } from './module-refs';

/**
 * Where NixOS option definitions are in a file, found statically: the file's own module (a
 * function taking `config`/`lib`/`pkgs`/`...` and returning a set, or a set with `imports`,
 * `options` or `config`), the inline modules of every configuration the file makes (see
 * `configurations.ts`), `nixosModules.<name>` outputs, and inline modules in `imports` lists.
 * Package expressions, overlays, data files and nixpkgs configurations are not modules.
 */

/** A module body: the attribute set whose bindings define options. */
export interface ModuleBody {
  node: Node;
  /** The first group it belongs to (a module bound to a name may be in several configurations). */
  group: number;
}

/**
 * The modules of one configuration as far as this file shows them. `own`: the file's own module,
 * part of configurations made elsewhere; `output`: a `nixosModules.<name>` output, combined with
 * other modules elsewhere; `configuration`: a configuration this file makes.
 */
export interface ModuleGroup {
  kind: 'own' | 'configuration' | 'output';
  /** Its modules written in this file (indices into `modules`); `conditional` ones may not apply. */
  members: { module: number; conditional: boolean }[];
  /** Its modules not written in this file: files, other flakes' modules, what we cannot see. */
  refs: ModuleRef[];
  site?: ConfigurationSite;
}

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
  /** `inherit name;` (without a source): the name, read from the scope around the set. */
  inherited?: Node;
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
/** Keys a module may have besides its definitions. */
const MODULE_KEYS = new Set(['imports', 'options', 'config', 'disabledModules', 'meta', '_file', 'key', '_class', 'freeformType']);

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

/** Every module body of a parsed file. `isModuleFile` forces the file's own expression to count as a module. */
export function findModules(root: Node, isModuleFile = false): ModuleBody[] {
  return findModuleGroups(root, { isModuleFile }).modules;
}

export interface FindOptions {
  /** The file is listed as a module somewhere. */
  isModuleFile?: boolean;
  /** The folder of the file, to resolve module paths (none for an unsaved document). */
  dir?: string;
}

/** Every module body of a parsed file, and the configurations (groups) they belong to. */
export function findModuleGroups(root: Node, options: FindOptions = {}): { modules: ModuleBody[]; groups: ModuleGroup[] } {
  const found = new GroupBuilder(options.dir);
  const own = ownModule(root, options.isModuleFile ?? false);
  if (own) found.add(found.group('own'), own, false);
  for (const site of findConfigurations(root, options.dir, found.file)) found.addRefs(found.group('configuration', site), site.modules);
  // Flake outputs `nixosModules.<name>`, found from where the name occurs: walking every node would cost far more.
  const seen = new Set<number>();
  for (const m of root.text.matchAll(/\bnixosModules?\b/g)) {
    const binding = enclosingBindingKey(root, m.index!);
    if (!binding || seen.has(binding.id)) continue;
    seen.add(binding.id);
    const path = binding.childForFieldName('attrpath');
    const names = (path ? staticPath(path) : undefined)?.map((x) => x.name) ?? [];
    const value = binding.childForFieldName('expression');
    const isOutput = (names.length === 2 && names[0] === 'nixosModules') || (names.length === 1 && names[0] === 'nixosModule');
    const body = isOutput && value ? moduleBody(value) : undefined;
    if (body) found.add(found.group('output'), body, false);
  }
  found.followImports();
  return { modules: found.modules, groups: found.groups };
}

/** The file's own module, when its shape says it is one (or something lists it as one). */
function ownModule(root: Node, isModuleFile: boolean): Node | undefined {
  const top = root.namedChildren.find((c) => c && c.type !== 'comment');
  if (!top) return undefined;
  const t = unparen(top);
  const own =
    t.type === 'function_expression' && (isModuleFunction(t) || isModuleFile)
      ? moduleBody(t)
      : t.type === 'attrset_expression' && (isModuleFile || hasModuleKeys(t))
        ? t
        : undefined;
  // `{ allowUnfree = true; }` listed somewhere, or `{ pkgs, ... }: { … }`: a nixpkgs config as
  // much as a module. Where the shape could be something else, nothing is judged.
  const strong = t.type === 'function_expression' && moduleEvidence(t) === 'strong';
  return own && !strong && isNixpkgsConfigShape(own) ? undefined : own;
}

/** Modules and groups as they are found; a module written once may be in several groups. */
class GroupBuilder {
  readonly modules: ModuleBody[] = [];
  readonly groups: ModuleGroup[] = [];
  private readonly byNode = new Map<number, number>();
  /** What reading this file's module lists shares (its `nixosModules` outputs). */
  readonly file: NonNullable<RefContext['file']> = {};

  constructor(private readonly dir: string | undefined) {}

  group(kind: ModuleGroup['kind'], site?: ConfigurationSite): ModuleGroup {
    const g: ModuleGroup = { kind, members: [], refs: [], ...(site ? { site } : {}) };
    this.groups.push(g);
    return g;
  }

  add(group: ModuleGroup, body: Node, conditional: boolean): void {
    let i = this.byNode.get(body.id);
    if (i === undefined) {
      i = this.modules.length;
      this.modules.push({ node: body, group: this.groups.indexOf(group) });
      this.byNode.set(body.id, i);
    }
    const member = group.members.find((m) => m.module === i);
    if (!member) group.members.push({ module: i, conditional });
    else member.conditional &&= conditional;
  }

  addRefs(group: ModuleGroup, refs: ModuleRef[]): void {
    for (const r of refs) {
      if (r.kind === 'inline') this.add(group, r.body, r.conditional);
      else group.refs.push(r);
    }
  }

  /** Inline modules in `imports` lists belong to the groups of the module importing them. */
  followImports(): void {
    for (const group of this.groups) {
      for (let k = 0; k < group.members.length; k++) {
        const member = group.members[k]!;
        for (const b of bindingsOf(this.modules[member.module]!.node)) {
          const value = b.type === 'binding' && firstKey(b) === 'imports' ? b.childForFieldName('expression') : undefined;
          if (value) this.addRefs(group, moduleRefs(value, { dir: this.dir, env: new Map(), file: this.file }, member.conditional));
        }
      }
    }
  }
}

/**
 * The option definitions of a module, in source order, through every form users write: dotted
 * keys, nested sets, `config = { … }`, `mkIf c { … }`, `mkMerge [ … ]` at any level, priority
 * wrappers, and `inherit`. Also reports the top-level `config`/`options` mix NixOS rejects.
 */
export function moduleDefinitions(module: ModuleBody, relevant?: (path: Segment[]) => boolean): { definitions: Definition[]; problems: StructureProblem[] } {
  const definitions: Definition[] = [];
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
    } else if (key === undefined || !MODULE_KEYS.has(key)) {
      walker.binding(b, 0, [], false);
    }
  });
  return { definitions, problems: full ? structureProblems(bindings, keys, full, full === configBinding ? 'config' : 'options') : [] };
}

/**
 * Top-level option namespaces of NixOS (and of home-manager, which shares the rule): a key among
 * these beside a top-level `config` is a definition in the wrong place.
 */
const NIXOS_NAMESPACES = new Set([
  'assertions', 'boot', 'console', 'containers', 'documentation', 'environment', 'fileSystems', 'fonts', 'gtk', 'hardware',
  'home', 'i18n', 'image', 'location', 'networking', 'nix', 'nixpkgs', 'powerManagement', 'programs', 'qt', 'security',
  'services', 'sound', 'specialisation', 'swapDevices', 'system', 'systemd', 'time', 'users', 'virtualisation', 'warnings',
  'xdg', 'zramSwap',
]);

/**
 * `{ options = …; networking.hostName = …; }`: NixOS rejects a module with a top-level `config` or
 * `options` and definitions beside it. Only when every other key is a NixOS option namespace: a
 * set with other keys (an Apache sub-service, a host description a helper reads) may be no
 * module at all. `inherit (x) imports meta;` inherits module keys, which is fine.
 */
function structureProblems(bindings: Node[], keys: (string | undefined)[], full: Node, other: 'config' | 'options'): StructureProblem[] {
  const strays: { at: Node; names: string[] }[] = [];
  bindings.forEach((b, i) => {
    const names = keys[i] !== undefined ? [keys[i]!] : b.type === 'binding' ? [] : inheritedNames(b);
    if (names.length > 0 && names.every((n) => MODULE_KEYS.has(n))) return;
    strays.push({ at: b.childForFieldName('attrpath') ?? b, names });
  });
  if (strays.length === 0 || !strays.every((s) => s.names.length > 0 && s.names.every((n) => NIXOS_NAMESPACES.has(n)))) return [];
  return strays.map(({ at }) => ({
    start: at.startIndex,
    end: at.endIndex,
    message: `NixOS rejects this: the module has a top-level \`${other}\` (line {line}), so \`${at.text}\` must go inside \`config = { … }\``,
    related: { start: full.startIndex, end: full.startIndex + other.length },
  }));
}

/** The names an `inherit` clause binds. */
function inheritedNames(b: Node): string[] {
  const attrs = b.childForFieldName('attrs');
  return (attrs?.namedChildren ?? []).filter((c): c is Node => c?.type === 'identifier').map((c) => c.text);
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
          const def: Definition = { path: [...prefix, { name: a.text, start: a.startIndex, end: a.endIndex }], value: undefined, kind: 'inherit', conditional, lowPriority: false, group: this.group };
          if (b.type === 'inherit') def.inherited = a;
          this.out.push(def);
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
