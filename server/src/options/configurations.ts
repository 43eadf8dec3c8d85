import type { Node } from 'web-tree-sitter';
import { bindingsOf, elements, pathNames, resolveName, stringValue, unparen } from '../schema/nix-static';
import { attrValue, moduleRefs, type Env, type EnvValue, type ModuleRef, type RefContext } from './module-refs';
import { flattenCall } from './values';

/**
 * The NixOS configurations a file makes, found statically in the shapes real repositories use:
 * `nixosSystem { modules = …; }` (also nixos-generators' `nixosGenerate`), `pkgs.nixos <module>`,
 * colmena hives, and helpers around them (`mkHost = name: lib.nixosSystem { modules = [
 * ./hosts/${name} … ]; }`) expanded at each of their calls in the file, including through
 * `lib.mapAttrs` and `lib.genAttrs`. A deploy-rs node names a configuration made by one of these.
 */
export interface ConfigurationSite {
  /** The call that makes it (or the colmena node's value). */
  node: Node;
  /** A name for messages: `nixosConfigurations.scout`, `colmena.scout`. */
  label: string;
  modules: ModuleRef[];
  /** Where `specialArgs` gives the modules a `pkgs` (`specialArgs = { inherit pkgs; }`, `specialArgs.pkgs = …`). */
  specialPkgs?: Node;
  /** The values `specialArgs` gives the modules' arguments, where written in this file. */
  args?: Map<string, Node>;
}

/** Configurations one helper yields at most: a generated fleet is summarised, not walked whole. */
const MAX_APPLICATIONS = 64;

export function findConfigurations(root: Node, dir: string | undefined, file: RefContext['file'] = {}): ConfigurationSite[] {
  const out: ConfigurationSite[] = [];
  const seen = new Set<number>();
  const text = root.text;
  for (const m of text.matchAll(/\b(nixosSystem|nixosGenerate)\b/g)) {
    const call = callNaming(root, m.index!, seen, (fn) => lastName(fn) === m[1]);
    const arg = call && call.args.length === 1 ? unparen(call.args[0]!) : undefined;
    if (!call || !arg || arg.type !== 'attrset_expression') continue;
    for (const app of applications(call.node)) {
      const ctx = { dir, env: app.env, file };
      const modules = attrValue(arg, 'modules') ?? inherited(arg, 'modules');
      out.push({ node: call.node, label: app.label, modules: modules ? moduleRefs(modules, ctx) : [{ kind: 'unseen' }], ...specialArgs(arg, app.env) });
    }
  }
  for (const m of text.matchAll(/\.nixos\b/g)) {
    const call = callNaming(root, m.index! + 1, seen, (fn) => fn.type === 'select_expression' && lastName(fn) === 'nixos' && !/\blib\b/.test(fn.text));
    if (!call || call.args.length !== 1) continue;
    for (const app of applications(call.node)) out.push({ node: call.node, label: app.label, modules: moduleRefs(call.args[0]!, { dir, env: app.env, file }) });
  }
  out.push(...colmenaNodes(root, dir, file));
  return out;
}

/** The call whose function contains `offset` and satisfies `accept`, once per call. */
function callNaming(root: Node, offset: number, seen: Set<number>, accept: (fn: Node) => boolean): { node: Node; args: Node[] } | undefined {
  for (let n: Node | null = root.descendantForIndex(offset, offset + 1); n; n = n.parent) {
    if (n.type !== 'apply_expression') continue;
    const call = flattenCall(n);
    if (!call || offset < call.fn.startIndex || offset >= call.fn.endIndex) continue;
    if (seen.has(n.id) || !accept(unparen(call.fn))) return undefined;
    seen.add(n.id);
    return { node: n, args: call.args };
  }
  return undefined;
}

/** The last name of a function position: `nixosSystem` in `nixpkgs.lib.nixosSystem`. */
function lastName(fn: Node): string | undefined {
  const n = unparen(fn);
  if (n.type === 'variable_expression') return n.text;
  const attrpath = n.type === 'select_expression' ? n.childForFieldName('attrpath') : null;
  return attrpath ? elements(attrpath).at(-1)?.text : undefined;
}

/**
 * What a call's `specialArgs` gives the modules (`specialArgs = { inherit pkgs som; }`,
 * `specialArgs.som = "orin-nx";`): where `pkgs` is given, and the values of the others, through
 * the helper's parameters at this call.
 */
function specialArgs(set: Node, env: Env): Pick<ConfigurationSite, 'specialPkgs' | 'args'> {
  const keys = new Map<string, Node>();
  const args = new Map<string, Node>();
  const give = (key: Node, value: Node | undefined) => {
    keys.set(key.text, key);
    // `jetpackRelease = jetpack;` with `jetpack` a parameter of the helper: its value at this call.
    const bound = value && unparen(value).type === 'variable_expression' ? env.get(unparen(value).text) : undefined;
    const given = bound ? ('node' in bound ? bound.node : undefined) : value;
    if (given) args.set(key.text, given);
  };
  for (const b of bindingsOf(set)) {
    const names = b.type === 'binding' ? pathNames(b.childForFieldName('attrpath')!) : undefined;
    if (!names || names[0]!.name !== 'specialArgs') continue;
    const value = b.childForFieldName('expression');
    if (names.length === 2) give(names[1]!.node, value ?? undefined);
    if (names.length !== 1 || !value || unparen(value).type !== 'attrset_expression') continue;
    for (const inner of bindingsOf(unparen(value))) {
      const own = inner.type === 'binding' ? pathNames(inner.childForFieldName('attrpath')!) : undefined;
      if (own?.length === 1) give(own[0]!.node, inner.childForFieldName('expression') ?? undefined);
      if (inner.type !== 'inherit') continue;
      for (const id of elements(inner.childForFieldName('attrs') ?? inner).filter((c) => c.type === 'identifier')) {
        const bound = env.get(id.text);
        give(id, bound ? ('node' in bound ? bound.node : undefined) : resolveName(id));
      }
    }
  }
  const specialPkgs = keys.get('pkgs');
  args.delete('pkgs');
  return { ...(specialPkgs ? { specialPkgs } : {}), ...(args.size > 0 ? { args } : {}) };
}

/** `inherit modules;` in a set: the value of `modules` where the set is written. */
function inherited(set: Node, name: string): Node | undefined {
  for (const b of bindingsOf(set)) {
    if (b.type !== 'inherit') continue;
    const id = elements(b.childForFieldName('attrs') ?? b).find((c) => c.type === 'identifier' && c.text === name);
    if (id) return resolveName(id);
  }
  return undefined;
}

interface Application {
  env: Env;
  label: string;
}

/**
 * Where the configuration made at `call` is made: once, where it stands; or, when it stands in a
 * helper (a function bound to a name, or given to `mapAttrs`/`genAttrs`), once per call of the
 * helper found in the file, with the helper's parameters bound to that call's arguments.
 */
function applications(call: Node): Application[] {
  const params: Node[] = [];
  let n: Node = call;
  for (let p = n.parent; p; n = p, p = p.parent) {
    if (p.type === 'function_expression' && p.childForFieldName('body')?.id === n.id) params.unshift(p);
    else if (!['parenthesized_expression', 'let_expression', 'with_expression', 'assert_expression'].includes(p.type)) break;
    else if (p.type !== 'parenthesized_expression' && p.childForFieldName('body')?.id !== n.id) break;
  }
  const own = [{ env: new Map() as Env, label: labelOf(call) }];
  if (params.length === 0) return own;
  const found = helperCalls(n).slice(0, MAX_APPLICATIONS);
  const out = found.map((c) => ({ env: bind(params, c.args), label: c.label }));
  return out.length > 0 ? out : own;
}

/** A call of a helper: its arguments in order (names known only as text for `mapAttrs` keys). */
interface HelperCall {
  args: EnvValue[];
  label: string;
}

/** The calls of the helper whose outermost function stands at `top`. */
function helperCalls(top: Node): HelperCall[] {
  const parent = top.parent;
  if (parent?.type === 'binding' && parent.childForFieldName('expression')?.id === top.id) {
    const names = pathNames(parent.childForFieldName('attrpath')!);
    return names?.length === 1 ? callsOfName(parent, names[0]!.name) : [];
  }
  // `lib.mapAttrs (name: cfg: lib.nixosSystem { … }) hosts`
  return higherOrderCalls(top) ?? [];
}

/** Every call of `name` (`mkHost "a" …`, `lib.mapAttrs mkHost hosts`) in the scope of its binding. */
function callsOfName(binding: Node, name: string): HelperCall[] {
  const scope = binding.parent?.parent;
  if (!scope) return [];
  const out: HelperCall[] = [];
  const pattern = new RegExp(`(?<![\\w'-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w'-])`, 'g');
  for (const m of scope.text.matchAll(pattern)) {
    const at = scope.startIndex + m.index!;
    if (at >= binding.startIndex && at < binding.endIndex) continue;
    const v = scope.descendantForIndex(at, at + 1);
    const variable = v?.parent?.type === 'variable_expression' ? v.parent : v?.type === 'variable_expression' ? v : undefined;
    if (!variable || variable.text !== name) continue;
    out.push(...callsThrough(variable));
  }
  return out;
}

/** How a helper is applied at one use: `h a b`, `mapAttrs h set`, `genAttrs list h`. */
function callsThrough(use: Node): HelperCall[] {
  let outer: Node = use;
  while (outer.parent?.type === 'apply_expression' && outer.parent.childForFieldName('function')?.id === outer.id) outer = outer.parent;
  if (outer.id !== use.id) {
    const call = flattenCall(outer);
    return call ? [{ args: call.args.map((a) => ({ node: a })), label: labelOf(outer) }] : [];
  }
  return higherOrderCalls(use) ?? [];
}

/** `mapAttrs h { a = …; }` and `genAttrs [ "a" ] h`: one call of `h` per key or name. */
function higherOrderCalls(fnNode: Node): HelperCall[] | undefined {
  let arg: Node = fnNode;
  while (arg.parent?.type === 'parenthesized_expression') arg = arg.parent;
  let outer: Node = arg;
  while (outer.parent?.type === 'apply_expression') outer = outer.parent;
  const call = flattenCall(outer);
  if (!call || call.args.length !== 2) return undefined;
  const which = lastName(call.fn);
  const label = labelOf(outer);
  if (which === 'mapAttrs' && call.args[0]!.id === arg.id) {
    const set = unparen(call.args[1]!);
    const value = set.type === 'variable_expression' ? resolveName(set) : set;
    const data = value ? unparen(value) : undefined;
    if (data?.type !== 'attrset_expression') return undefined;
    return bindingsOf(data).flatMap((b) => {
      const names = b.type === 'binding' ? pathNames(b.childForFieldName('attrpath')!) : undefined;
      const v = b.childForFieldName('expression');
      return names?.length === 1 && v ? [{ args: [{ text: names[0]!.name }, { node: v }], label: `${label}.${names[0]!.name}` }] : [];
    });
  }
  if (which === 'genAttrs' && call.args[1]!.id === arg.id) {
    const list = unparen(call.args[0]!);
    const value = list.type === 'variable_expression' ? resolveName(list) : list;
    const items = value && unparen(value).type === 'list_expression' ? elements(unparen(value)).map((e) => stringValue(unparen(e))) : undefined;
    if (!items || items.some((i) => i === undefined)) return undefined;
    return (items as string[]).map((name) => ({ args: [{ text: name }], label: `${label}.${name}` }));
  }
  return undefined;
}

/** The helper's parameters bound to one call's arguments: `x:` positionally, `{ a, b }:` by name. */
function bind(params: Node[], args: EnvValue[]): Env {
  const env = new Map<string, EnvValue>();
  params.forEach((fn, i) => {
    const arg = args[i];
    if (!arg) return;
    const universal = fn.childForFieldName('universal');
    if (universal) env.set(universal.text, arg);
    const formals = fn.childForFieldName('formals');
    if (!formals || !('node' in arg)) return;
    const set = unparen(arg.node);
    for (const f of elements(formals)) {
      const name = f.type === 'formal' ? f.childForFieldName('name')?.text : undefined;
      if (name === undefined || set.type !== 'attrset_expression') continue;
      // A formal the call does not give takes its default (`jetpack ? "6"`).
      const value = attrValue(set, name) ?? inherited(set, name) ?? f.childForFieldName('default') ?? undefined;
      if (value) env.set(name, { node: value });
    }
  });
  return env;
}

/** `nixosConfigurations.scout` for a value bound there (through nested sets); the line otherwise. */
function labelOf(node: Node): string {
  let b: Node | null = node;
  while (b && b.type !== 'binding') b = b.parent;
  const names: string[] = [];
  while (b) {
    const path = pathNames(b.childForFieldName('attrpath')!);
    if (!path) break;
    names.unshift(...path.map((p) => p.name));
    const set = b.parent?.parent;
    const up = set && (set.type === 'attrset_expression' || set.type === 'rec_attrset_expression') ? set.parent : null;
    b = up?.type === 'binding' ? up : null;
  }
  return names.length > 0 ? names.join('.') : `the configuration on line ${node.startPosition.row + 1}`;
}

/** Colmena: `colmena = { meta = …; defaults = …; <node> = …; }` (or `makeHive { … }`), one configuration per node. */
function colmenaNodes(root: Node, dir: string | undefined, file: RefContext['file']): ConfigurationSite[] {
  const out: ConfigurationSite[] = [];
  for (const m of root.text.matchAll(/\b(colmena|makeHive)\b/g)) {
    const hive = hiveAt(root, m.index!, m[1]!);
    if (!hive) continue;
    const ctx = { dir, env: new Map() as Env, file };
    const defaults = attrValue(hive, 'defaults');
    const meta = attrValue(hive, 'meta');
    const given = meta && unparen(meta).type === 'attrset_expression' ? specialArgs(unparen(meta), new Map()) : {};
    for (const b of bindingsOf(hive)) {
      const names = b.type === 'binding' ? pathNames(b.childForFieldName('attrpath')!) : undefined;
      const value = b.childForFieldName('expression');
      if (names?.length !== 1 || !value || names[0]!.name === 'meta' || names[0]!.name === 'defaults') continue;
      out.push({
        node: value,
        label: `colmena.${names[0]!.name}`,
        modules: [...(defaults ? moduleRefs(defaults, ctx) : []), ...moduleRefs(value, ctx)],
        ...given,
      });
    }
  }
  return out;
}

/** The hive set at a `colmena = { … }` key or a `makeHive { … }` call. */
function hiveAt(root: Node, offset: number, word: string): Node | undefined {
  let n: Node | null = root.descendantForIndex(offset, offset + 1);
  while (n && n.type !== 'binding' && n.type !== 'apply_expression') n = n.parent;
  if (!n) return undefined;
  let value: Node | undefined;
  if (n.type === 'binding' && word === 'colmena') {
    const names = pathNames(n.childForFieldName('attrpath')!);
    const key = n.childForFieldName('attrpath')!;
    if (names?.at(-1)?.name !== 'colmena' || offset < key.startIndex || offset >= key.endIndex) return undefined;
    value = n.childForFieldName('expression') ?? undefined;
  } else if (n.type === 'apply_expression' && word === 'makeHive') {
    const call = flattenCall(n);
    value = call?.args.length === 1 ? call.args[0] : undefined;
  }
  const set = value ? unparen(value) : undefined;
  return set?.type === 'attrset_expression' && attrValue(set, 'meta') !== undefined ? set : undefined;
}
