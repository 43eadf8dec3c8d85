import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { bindingsOf, elements, pathNames, resolveName, stringValue, unparen } from '../schema/nix-static';
import { flattenCall } from './values';

/**
 * What an entry of a `modules` or `imports` list is, read statically: a module written right there,
 * a module file, another flake's module, or something we cannot see into. Entries are followed
 * through `++`, parentheses, `let` names, attribute sets bound in a `let`, `self.nixosModules.*`,
 * `import ./file.nix`, and the parameters of a helper (`mkHost = name: …`) at one of its calls.
 */

/** What a helper's parameter is at one call: an expression, or a name known only as text (a key of `mapAttrs`). */
export type EnvValue = { node: Node } | { text: string };
export type Env = ReadonlyMap<string, EnvValue>;

export type ModuleRef =
  /** A module written in this file; `conditional` under `optional(s)`/`mkIf`, so it may not apply. */
  | { kind: 'inline'; body: Node; conditional: boolean }
  /** A module file, as an absolute path (a folder means its `default.nix`). */
  | { kind: 'file'; path: string }
  /** A module whose options are known not to be Jetson options of the user (jetpack-nixos's own, nixpkgs', disko, …). */
  | { kind: 'known'; project: string }
  /** Another flake's module, which may declare and set anything. */
  | { kind: 'external'; name: string }
  /** Something we cannot see into; `glob` when it is a path with a part we do not know (`./hosts/*`). */
  | { kind: 'unseen'; glob?: string };

export interface RefContext {
  /** The folder of the file being read (relative paths resolve against it). */
  dir: string | undefined;
  env: Env;
  /** Entries left to read for one list: `let a = [ b b ]; b = [ a a ];` must not take forever. */
  budget?: { steps: number };
  /** Shared by every list of one file: its `nixosModules` outputs, once looked up. */
  file?: { selfOutputs?: Map<string, Node> };
}

/** Projects whose modules set no Jetson option of the user, by flake input name. */
const KNOWN_INPUTS = new Map<string, RegExp>([
  ['jetpack-nixos', /^(jetpack-nixos|jetpack)$/],
  ['nix-ros-overlay', /^(nix-ros-overlay|ros-overlay)$/],
  ['nixpkgs', /^nixpkgs(-[\w.-]+)?$/],
  // General-purpose module flakes: they set system options, never jetpack-nixos's.
  ['module flake', /^(disko|home-manager|sops-nix|agenix|impermanence|nixos-hardware|lanzaboote|nix-index-database|stylix|nixos-generators|srvos|comin|nur|nix-flatpak|catppuccin|vscode-server|nixos-wsl|nix-ld|determinate|lix-module)$/],
]);

const MAX_DEPTH = 24;
/** Entries read for one list at most (through names, `++` and nested lists). */
const MAX_STEPS = 2000;

/** The modules an entry (or a whole list) stands for. */
export function moduleRefs(node: Node, context: RefContext, conditional = false, depth = 0): ModuleRef[] {
  const ctx = context.budget ? context : { ...context, budget: { steps: MAX_STEPS } };
  if (depth > MAX_DEPTH || --ctx.budget!.steps < 0) return [{ kind: 'unseen' }];
  const n = unparen(node);
  const next = (m: Node, c = conditional, env = ctx.env) => moduleRefs(m, env === ctx.env ? ctx : { ...ctx, env }, c, depth + 1);
  switch (n.type) {
    case 'list_expression':
      return elements(n).flatMap((e) => next(e));
    case 'attrset_expression':
      return [{ kind: 'inline', body: n, conditional }];
    case 'function_expression': {
      const body = moduleBody(n);
      return body ? [{ kind: 'inline', body, conditional }] : [{ kind: 'unseen' }];
    }
    case 'path_expression':
      return [pathRef(n, ctx)];
    case 'binary_expression':
      return binaryRefs(n, ctx, next);
    case 'string_expression':
      return [stringRef(n)];
    case 'variable_expression':
      return variableRefs(n, ctx, next);
    case 'select_expression':
      return selectRefs(n, ctx, next);
    case 'apply_expression':
      return callRefs(n, next);
    default:
      return [{ kind: 'unseen' }];
  }
}

type Next = (node: Node, conditional?: boolean, env?: Env) => ModuleRef[];

/** `a ++ b` joins lists; `./hosts + "/${name}"` and `modulesPath + "/…"` are paths. */
function binaryRefs(n: Node, ctx: RefContext, next: Next): ModuleRef[] {
  const op = n.childForFieldName('operator')?.type;
  const left = n.childForFieldName('left');
  const right = n.childForFieldName('right');
  if (!left || !right) return [{ kind: 'unseen' }];
  if (op === '++') return [...next(left), ...next(right)];
  if (op !== '+') return [{ kind: 'unseen' }];
  const l = unparen(left);
  if (l.type === 'variable_expression' && l.text === 'modulesPath') return [{ kind: 'known', project: 'nixpkgs' }];
  if (l.type !== 'path_expression') return [{ kind: 'unseen' }];
  const r = unparen(right);
  const base = pathText(l, ctx.env);
  const rest = textWithEnv(r, ctx.env);
  if (base !== undefined && rest !== undefined) return [fileRef(base + rest, ctx)];
  const globBase = pathText(l, ctx.env, '*');
  const globRest = textWithEnv(r, ctx.env, '*');
  return [unseenPath(globBase !== undefined && globRest !== undefined ? globBase + globRest : undefined, ctx)];
}

/** `"${nixpkgs}/nixos/modules/…"`, `"${modulesPath}/…"`: modules of nixpkgs. */
function stringRef(n: Node): ModuleRef {
  const first = n.namedChildren.find((c) => c && c.type !== 'comment');
  const inner = first?.type === 'interpolation' ? first.namedChildren.find((c) => c && c.type !== 'comment') : undefined;
  const name = inner?.type === 'variable_expression' ? inner.text : inner?.type === 'select_expression' ? inner.text.replace(/^inputs\./, '') : undefined;
  return name !== undefined && (name === 'modulesPath' || knownProject(name) !== undefined) ? { kind: 'known', project: knownProject(name) ?? 'nixpkgs' } : { kind: 'unseen' };
}

function variableRefs(n: Node, ctx: RefContext, next: Next): ModuleRef[] {
  const bound = ctx.env.get(n.text);
  if (bound) return 'node' in bound ? next(bound.node, undefined, new Map()) : [{ kind: 'unseen' }];
  const value = resolveName(n);
  return value ? next(value) : [{ kind: 'unseen' }];
}

/**
 * `jetpack.nixosModules.default`, `inputs.disko.nixosModules.disko`, `self.nixosModules.robot`, or a
 * name in a set bound by a `let` (`profiles.base`).
 */
function selectRefs(n: Node, ctx: RefContext, next: Next): ModuleRef[] {
  const env = ctx.env;
  const m = /^(?:inputs\.)?([A-Za-z_][\w'-]*)\.nixosModules?(?:\.([A-Za-z_][\w'-]*|"[^"]*"))?$/.exec(n.text.replace(/\s+/g, ''));
  if (m) {
    if (m[1] === 'self') {
      const file = ctx.file ?? {};
      const outputs = (file.selfOutputs ??= selfOutputs(n));
      const value = m[2] !== undefined ? outputs.get(m[2].replace(/"/g, '')) : undefined;
      return value ? next(value) : [{ kind: 'unseen' }];
    }
    const project = knownProject(m[1]!);
    return [project ? { kind: 'known', project } : { kind: 'external', name: m[1]! }];
  }
  const value = selectedValue(n, env);
  // A value given at the helper's call is read where the call is written, without the helper's parameters.
  const base = unparen(n.childForFieldName('expression') ?? n);
  return value ? next(value, undefined, env.has(base.text) ? new Map() : env) : [{ kind: 'unseen' }];
}

/** `import ./x.nix` is the module in that file; `lib.optional(s) c …` and `lib.mkIf c …` may not apply. */
function callRefs(n: Node, next: Next): ModuleRef[] {
  const call = flattenCall(n);
  if (!call) return [{ kind: 'unseen' }];
  const fn = unparen(call.fn).text.replace(/^(lib|builtins|pkgs\.lib|nixpkgs\.lib)\./, '');
  if (fn === 'import' && call.args.length === 1) return next(call.args[0]!);
  if ((fn === 'optionals' || fn === 'optional' || fn === 'mkIf' || fn === 'optionalAttrs') && call.args.length === 2) return next(call.args[1]!, true);
  return [{ kind: 'unseen' }];
}

function knownProject(inputName: string): string | undefined {
  for (const [project, names] of KNOWN_INPUTS) if (names.test(inputName)) return project;
  return undefined;
}

/** The set a module function returns (through `let`, `with`, `assert`), or a set itself. */
export function moduleBody(node: Node): Node | undefined {
  let n = unparen(node);
  if (n.type === 'function_expression') n = unparen(n.childForFieldName('body') ?? n);
  for (let guard = 0; guard < 32; guard++) {
    if (n.type === 'attrset_expression') return n;
    if (n.type !== 'let_expression' && n.type !== 'with_expression' && n.type !== 'assert_expression') return undefined;
    const body = n.childForFieldName('body');
    if (!body) return undefined;
    n = unparen(body);
  }
  return undefined;
}

/** A path literal, its interpolations filled in from the helper's parameters. */
function pathRef(n: Node, ctx: RefContext): ModuleRef {
  const text = pathText(n, ctx.env);
  return text === undefined ? unseenPath(pathText(n, ctx.env, '*'), ctx) : fileRef(text, ctx);
}

function fileRef(text: string, ctx: RefContext): ModuleRef {
  if (!text.startsWith('/') && !text.startsWith('~') && ctx.dir === undefined) return { kind: 'unseen' };
  return { kind: 'file', path: resolveModulePath(ctx.dir ?? '/', text) };
}

function unseenPath(glob: string | undefined, ctx: RefContext): ModuleRef {
  return glob !== undefined && ctx.dir !== undefined && !glob.startsWith('/') ? { kind: 'unseen', glob: path.resolve(ctx.dir, glob) } : { kind: 'unseen' };
}

/**
 * A path's text with interpolations of the helper's parameters (names known as text) filled in;
 * with `unknown`, an interpolation we cannot fill becomes that text (`*` for a glob).
 */
function pathText(n: Node, env: Env, unknown?: string): string | undefined {
  return n.type === 'path_expression' ? joined(elements(n), 'path_fragment', env, unknown) : undefined;
}

/** A string's value, interpolations of known names filled in (or `unknown`). */
function textWithEnv(n: Node, env: Env, unknown?: string): string | undefined {
  return n.type === 'string_expression' ? joined(n.namedChildren.filter((c): c is Node => !!c), 'string_fragment', env, unknown) : undefined;
}

function joined(parts: Node[], fragment: string, env: Env, unknown: string | undefined): string | undefined {
  let out = '';
  for (const c of parts) {
    if (c.type === fragment) out += c.text;
    else if (c.type === 'interpolation') {
      const inner = c.namedChildren.find((x) => x && x.type !== 'comment');
      const v = (inner ? textOf(inner, env) : undefined) ?? unknown;
      if (v === undefined) return undefined;
      out += v;
    } else return undefined;
  }
  return out;
}

/** The text a name stands for at this call: a parameter known as text, or bound to a string literal. */
function textOf(n: Node, env: Env): string | undefined {
  const u = unparen(n);
  if (u.type === 'string_expression') return stringValue(u);
  if (u.type !== 'variable_expression') return undefined;
  const bound = env.get(u.text);
  if (!bound) return undefined;
  return 'text' in bound ? bound.text : textOf(bound.node, new Map());
}

/**
 * `hosts.scout` where `hosts` is a set literal bound by a `let` (or given to a helper at this
 * call, `cfg.modules`): the value written for `scout`.
 */
function selectedValue(n: Node, env: Env): Node | undefined {
  const base = n.childForFieldName('expression');
  const attrpath = n.childForFieldName('attrpath');
  const names = attrpath ? pathNames(attrpath) : undefined;
  if (!base || !names || n.childForFieldName('default') || unparen(base).type !== 'variable_expression') return undefined;
  const bound = env.get(unparen(base).text);
  let cur = bound ? ('node' in bound ? bound.node : undefined) : resolveName(unparen(base));
  for (const { name } of names) {
    if (!cur) return undefined;
    cur = attrValue(unparen(cur), name);
  }
  return cur;
}

/** The value bound to a one-name key in a set literal. */
export function attrValue(set: Node, key: string): Node | undefined {
  if (set.type !== 'attrset_expression' && set.type !== 'rec_attrset_expression') return undefined;
  for (const b of bindingsOf(set)) {
    if (b.type !== 'binding') continue;
    const names = pathNames(b.childForFieldName('attrpath')!);
    if (names?.length === 1 && names[0]!.name === key) return b.childForFieldName('expression') ?? undefined;
  }
  return undefined;
}

/** The `nixosModules.<name>` outputs written in the file of `from`, by name (for `self.nixosModules.<name>`). */
function selfOutputs(from: Node): Map<string, Node> {
  let root: Node = from;
  while (root.parent) root = root.parent;
  const out = new Map<string, Node>();
  for (const m of root.text.matchAll(/\bnixosModules\b/g)) {
    let b: Node | null = root.descendantForIndex(m.index!, m.index! + 1);
    while (b && b.type !== 'binding') b = b.parent;
    const attrpath = b?.childForFieldName('attrpath');
    const names = attrpath ? pathNames(attrpath)?.map((x) => x.name) : undefined;
    const value = b?.childForFieldName('expression');
    if (!names || !value) continue;
    const at = names.lastIndexOf('nixosModules');
    if (at >= 0 && at === names.length - 2 && !out.has(names[at + 1]!)) out.set(names[at + 1]!, value);
    if (at < 0 || at !== names.length - 1 || unparen(value).type !== 'attrset_expression') continue;
    for (const inner of bindingsOf(unparen(value))) {
      const key = inner.type === 'binding' ? pathNames(inner.childForFieldName('attrpath')!) : undefined;
      const v = inner.childForFieldName('expression');
      if (key?.length === 1 && v && !out.has(key[0]!.name)) out.set(key[0]!.name, v);
    }
  }
  return out;
}

/** `./hosts/robot` → `…/hosts/robot/default.nix` when it is a folder, as Nix's `import` does. */
export function resolveModulePath(dir: string, literal: string): string {
  const resolved = path.resolve(dir, literal.replace(/^~(?=\/)/, process.env.HOME ?? '~'));
  return isDirectory(resolved) ? path.join(resolved, 'default.nix') : resolved;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false; // a path that does not exist (yet) is kept as written
  }
}
