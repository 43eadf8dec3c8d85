import type { Node } from 'web-tree-sitter';
import * as path from 'node:path';
import { callParts, elements, isAttrset, pathNames, resolveName, unparen } from '../schema/nix-static';
import { functionBody, type NamedBinding, namedBindings, nixStringValue, selectPath } from './nix-read';
import type { ExtractionProblem, OverlayName } from './types';

/**
 * The names an overlay of a distribution's package set binds (`rosSelf: rosSuper: { … }`), and
 * what each is. Only what can be read with certainty is read: a set literal and its `inherit`s,
 * `//` of such sets, `let`/`with` around them, a `let`-bound overlay called by name, and
 * `genAttrs [ "a" "b" ] f`. Anything else makes the set of names incomplete, and says where.
 */

/** How deep names are followed through `let` bindings and calls (cycles end here). */
const MAX_DEPTH = 16;

export interface OverlayBindings {
  bindings: NamedBinding[];
  incomplete: ExtractionProblem[];
}

/** Every name an overlay expression binds. */
export function overlayBindings(node: Node, file: string, depth = 0): OverlayBindings {
  const out: OverlayBindings = { bindings: [], incomplete: [] };
  const give = (message: string, at: Node): void => {
    out.incomplete.push({ file, line: at.startPosition.row + 1, message });
  };
  const n = functionBody(node);
  if (depth > MAX_DEPTH) {
    give('nests too deeply to read', n);
    return out;
  }
  const merge = (inner: OverlayBindings): void => {
    out.bindings.push(...inner.bindings);
    out.incomplete.push(...inner.incomplete);
  };
  if (n.type === 'let_expression' || n.type === 'with_expression') {
    const body = n.childForFieldName('body');
    if (body) merge(overlayBindings(body, file, depth + 1));
  } else if (isAttrset(n)) {
    const { bindings, dynamic } = namedBindings(n);
    out.bindings.push(...bindings);
    for (const d of dynamic) give('binds a computed name', d);
  } else if (n.type === 'binary_expression' && n.childForFieldName('operator')?.text === '//') {
    for (const side of [n.childForFieldName('left'), n.childForFieldName('right')]) if (side) merge(overlayBindings(side, file, depth + 1));
  } else if (n.type === 'variable_expression') {
    const value = resolveName(n);
    if (value) merge(overlayBindings(value, file, depth + 1));
    else give(`uses \`${n.text}\`, which is not bound by a let in this file`, n);
  } else if (n.type === 'apply_expression') {
    merge(callBindings(n, file, depth));
  } else {
    give(`is a ${n.type.replace(/_/g, ' ')}, whose names are not read`, n);
  }
  return out;
}

/** `genAttrs [ "a" "b" ] f`, or a call of a let-bound overlay function (`mrptOverrides rosSelf rosSuper`). */
function callBindings(n: Node, file: string, depth: number): OverlayBindings {
  const call = callParts(n);
  const callee = call && selectPath(call.callee);
  if (call && callee?.at(-1) === 'genAttrs' && call.args.length === 2) {
    const list = unparen(call.args[0]!);
    const items = list.type === 'list_expression' ? elements(list) : [];
    const names = items.map((i) => nixStringValue(i));
    if (list.type === 'list_expression' && names.every((s) => s !== undefined)) {
      const fromItself = selectsOwnName(call.args[1]!);
      return { bindings: items.map((site, i) => ({ name: names[i]!, value: call.args[1]!, site, ...(fromItself ? { fromItself } : {}) })), incomplete: [] };
    }
    return { bindings: [], incomplete: [{ file, line: n.startPosition.row + 1, message: 'calls genAttrs on a list that is not literal' }] };
  }
  if (call && call.callee.type === 'variable_expression') {
    const fn = resolveName(call.callee);
    if (fn && unparen(fn).type === 'function_expression') return overlayBindings(fn, file, depth + 1);
  }
  return { bindings: [], incomplete: [{ file, line: n.startPosition.row + 1, message: `calls ${call?.callee.text ?? 'a function'}, whose names are not read` }] };
}

/** Whether `name: … rosSuper.${name} …` selects the attribute named by its argument. */
function selectsOwnName(fn: Node): boolean {
  const f = unparen(fn);
  const param = f.type === 'function_expression' ? f.childForFieldName('universal')?.text : undefined;
  if (!param) return false;
  const stack: Node[] = [f];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'select_expression') {
      const base = n.childForFieldName('expression');
      const attrs = n.childForFieldName('attrpath');
      const first = attrs && elements(attrs)[0];
      const inner = first?.type === 'interpolation' ? first.namedChildren.find((c) => c?.type !== 'comment') : undefined;
      if (base && ROS.has(base.text) && inner?.type === 'variable_expression' && inner.text === param) return true;
    }
    for (const c of n.namedChildren) if (c) stack.push(c);
  }
  return false;
}

/** The top-level package set: `self`/`super` in the overlays. */
const TOP = new Set(['self', 'super', 'pkgs', 'final', 'prev']);
/** The distribution's own set: `rosSelf`/`rosSuper`. */
const ROS = new Set(['rosSelf', 'rosSuper']);
/** Selections that keep a package's identity (`x.overrideAttrs …`). */
const OVERRIDES = new Set(['override', 'overrideAttrs', 'overrideDerivation']);

/** What a binding makes of a name: an overlay name, or `override` when it changes the package already there. */
export type Classified = OverlayName | 'override';

/**
 * Classifies one binding of an overlay in `file` (relative to the overlay's root). A binding that
 * refers to `rosSuper.<its own name>` modifies the package already there (`override`).
 */
export function classifyBinding(b: NamedBinding, file: string): Classified {
  const line = b.site.startPosition.row + 1;
  const named = (kind: OverlayName['kind'], target?: string): OverlayName => ({ name: b.name, kind, ...(target !== undefined ? { target } : {}), file, line });
  if (b.inheritFrom) {
    const from = selectPath(b.inheritFrom);
    if (from && TOP.has(from[0]!)) return named('nixpkgs', [...from.slice(1), b.name].join('.'));
    if (from && ROS.has(from[0]!)) return from.length === 1 ? 'override' : named('alias', [...from.slice(1), b.name].join('.'));
    return named('other');
  }
  if (b.fromItself) return 'override';
  if (!b.value) return named('other');
  const value = unparen(b.value);
  if (value.type === 'variable_expression' && value.text === 'null') return named('null');
  if (refersTo(value, b.name)) {
    // `rosSuper.x or (…)`: the generated package when there is one, else the fallback.
    const fallback = value.type === 'select_expression' ? value.childForFieldName('default') : null;
    return fallback ? classifyBinding({ ...b, value: fallback }, file) : 'override';
  }
  const pkgDir = calledPackage(value);
  if (pkgDir !== undefined) return named('package', path.posix.normalize(path.posix.join(path.posix.dirname(file), pkgDir)));
  const origin = originPath(value);
  if (origin && TOP.has(origin[0]!) && origin.length > 1) return named('nixpkgs', origin.slice(1).join('.'));
  if (origin && ROS.has(origin[0]!) && origin.length > 1) return named('alias', origin.slice(1).join('.'));
  return named('other');
}

/** The static path of a selection, `or` default or not (`rosSuper.x or y` → `rosSuper.x`). */
function selection(n: Node): string[] | undefined {
  const base = n.childForFieldName('expression');
  const attrpath = n.childForFieldName('attrpath');
  const head = base && selectPath(base);
  const rest = attrpath && pathNames(attrpath);
  return head && rest ? [...head, ...rest.map((r) => r.name)] : undefined;
}

/** Whether the expression mentions `rosSuper.<name>` (or `rosSelf.<name>`) anywhere. */
function refersTo(node: Node, name: string): boolean {
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'select_expression') {
      const p = selection(n);
      if (p && ROS.has(p[0]!) && p[1] === name) return true;
    }
    for (const c of n.namedChildren) if (c) stack.push(c);
  }
  return false;
}

/**
 * The attribute a value derives from, through calls and `.override`/`.overrideAttrs`:
 * `self.boost.override { … }` → `self.boost`; undefined when it is computed otherwise.
 */
function originPath(node: Node): string[] | undefined {
  let cur = unparen(node);
  for (let i = 0; i < MAX_DEPTH; i++) {
    if (cur.type === 'apply_expression') {
      // Only `x.override …` keeps x's identity; any other call makes something new.
      const fn = cur.childForFieldName('function');
      const called = fn && unparen(fn);
      const last = called?.type === 'select_expression' ? called.childForFieldName('attrpath')?.namedChildren.at(-1)?.text : undefined;
      if (!called || !last || !OVERRIDES.has(last)) return undefined;
      cur = called;
      continue;
    }
    if (cur.type === 'variable_expression') return [cur.text];
    if (cur.type !== 'select_expression' || cur.childForFieldName('default')) return undefined;
    const p = selectPath(cur);
    if (p) {
      while (p.length > 1 && OVERRIDES.has(p.at(-1)!)) p.pop();
      return p;
    }
    // `(rosSuper.x.override { … }).overrideAttrs`: the base is a call; follow it.
    const attrpath = cur.childForFieldName('attrpath');
    const names = attrpath ? pathNames(attrpath) : undefined;
    const base = cur.childForFieldName('expression');
    if (!names || !base || !names.every((n) => OVERRIDES.has(n.name))) return undefined;
    cur = unparen(base);
  }
  return undefined;
}

/** `callPackage ./dir { }` (any `…callPackage`), as the directory; undefined otherwise. */
function calledPackage(value: Node): string | undefined {
  const call = callParts(value);
  const callee = call && selectPath(call.callee);
  if (!call || callee?.at(-1) !== 'callPackage') return undefined;
  const p = unparen(call.args[0]!);
  return p.type === 'path_expression' ? p.text : undefined;
}
