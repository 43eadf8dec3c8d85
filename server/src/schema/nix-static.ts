import type { Node } from 'web-tree-sitter';

/**
 * Small static readers of Nix syntax for the schema extractor: literal values, compact source
 * text, call names and let-scoped names. Nothing here evaluates Nix; whatever needs evaluation
 * reads as `undefined`.
 */

// Parentheses around an expression do not change it (shared with the option checks).
import { unparen } from '../options/values';
export { unparen };

/** The named children of a node that are not comments. */
export function elements(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
}

/** Whether a node is an attribute set literal (`{ … }` or `rec { … }`). */
export function isAttrset(node: Node): boolean {
  return node.type === 'attrset_expression' || node.type === 'rec_attrset_expression';
}

/** The bindings (`a.b = …;`, `inherit …;`) of a set literal or a `let`. */
export function bindingsOf(node: Node): Node[] {
  const bs = node.namedChildren.find((c) => c?.type === 'binding_set');
  return bs ? elements(bs) : [];
}

/** The names of a static attribute path (`a."b-c".d`), each with its node; undefined when one is dynamic. */
export function pathNames(attrpath: Node): { name: string; node: Node }[] | undefined {
  const out: { name: string; node: Node }[] = [];
  for (const c of elements(attrpath)) {
    if (c.type === 'identifier') out.push({ name: c.text, node: c });
    else if (c.type === 'string_expression') {
      const s = stringValue(c);
      if (s === undefined) return undefined;
      out.push({ name: s, node: c });
    } else return undefined;
  }
  return out;
}

/** The value of a `"…"` string without interpolation, escapes decoded. */
export function stringValue(node: Node): string | undefined {
  if (node.type !== 'string_expression') return undefined;
  let out = '';
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (c.type === 'string_fragment') out += c.text;
    else if (c.type === 'escape_sequence') out += unescape(c.text);
    else return undefined;
  }
  return out;
}

function unescape(seq: string): string {
  const c = seq.slice(1);
  return c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c;
}

/**
 * The value of a literal expression (what JSON can hold): strings without interpolation, numbers,
 * `true`/`false`/`null`, lists of literals and `{ }`. Undefined for anything computed.
 */
export function literalValue(node: Node): { value: unknown } | undefined {
  const n = unparen(node);
  switch (n.type) {
    case 'string_expression': {
      const s = stringValue(n);
      return s === undefined ? undefined : { value: s };
    }
    case 'integer_expression':
    case 'float_expression':
      return { value: Number(n.text) };
    case 'unary_expression': {
      // Only negative numbers: `-1` parses as negation of `1`.
      const arg = n.childForFieldName('argument');
      const inner = arg && literalValue(arg);
      return n.text.startsWith('-') && typeof inner?.value === 'number' ? { value: -inner.value } : undefined;
    }
    case 'variable_expression':
      if (n.text === 'true' || n.text === 'false') return { value: n.text === 'true' };
      return n.text === 'null' ? { value: null } : undefined;
    case 'list_expression': {
      const values: unknown[] = [];
      for (const el of elements(n)) {
        const v = literalValue(el);
        if (!v) return undefined;
        values.push(v.value);
      }
      return { value: values };
    }
    case 'attrset_expression':
      // Only the empty set: a set with bindings may hold anything.
      return bindingsOf(n).length === 0 ? { value: {} } : undefined;
    default:
      return undefined;
  }
}

/** The list of literals a list expression holds (enum values), or undefined. */
export function literalList(node: Node): (string | number | boolean)[] | undefined {
  const v = literalValue(node);
  if (!v || !Array.isArray(v.value)) return undefined;
  return v.value.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')
    ? (v.value as (string | number | boolean)[])
    : undefined;
}

/**
 * The name a call or selection refers to, ignoring where it comes from: `mkOption` for
 * `mkOption`, `lib.mkOption` and `lib.options.mkOption`; `submodule` for `types.submodule`.
 * Only `lib`, `types` and `pkgs` are accepted as roots, so `cfg.mkOption` is not mistaken.
 */
export function refName(node: Node): string | undefined {
  const n = unparen(node);
  if (n.type === 'variable_expression') return n.text;
  if (n.type !== 'select_expression' || n.childForFieldName('default')) return undefined;
  const base = n.childForFieldName('expression');
  const ids = n.childForFieldName('attrpath')?.namedChildren.filter((c) => c?.type === 'identifier') ?? [];
  const root = base?.type === 'variable_expression' ? base.text : undefined;
  if ((root === 'lib' || root === 'types') && ids.length > 0) return ids.at(-1)!.text;
  return undefined;
}

/** A call `f a b` as the function (`f`) and its arguments (`[a, b]`), parentheses removed. */
export function callParts(node: Node): { callee: Node; args: Node[] } | undefined {
  let cur = unparen(node);
  if (cur.type !== 'apply_expression') return undefined;
  const args: Node[] = [];
  while (cur.type === 'apply_expression') {
    const arg = cur.childForFieldName('argument');
    const fn = cur.childForFieldName('function');
    if (!arg || !fn) return undefined;
    args.unshift(arg);
    cur = unparen(fn);
  }
  return { callee: cur, args };
}

/** A call `f a b` as the function's name and its arguments. */
export function callOf(node: Node): { name: string; args: Node[] } | undefined {
  const call = callParts(node);
  const name = call && refName(call.callee);
  return call && name ? { name, args: call.args } : undefined;
}

/** The 1-based line a node starts on. */
export function lineOf(node: Node): number {
  return node.startPosition.row + 1;
}

/** Nodes whose text is kept as written (newlines inside strings are content, not layout). */
const VERBATIM = new Set(['string_expression', 'indented_string_expression', 'path_expression']);

/**
 * The source text of an expression on one line: comments dropped, layout whitespace collapsed to
 * single spaces, strings kept as written. `replace` may stand in for sub-expressions (the body of
 * a submodule in a type's text), keyed by node id.
 */
export function compactText(node: Node, replace?: (n: Node) => string | undefined): string {
  const pieces: { text: string; verbatim: boolean }[] = [];
  let pos = node.startIndex;
  const source = node.text;
  const at = (i: number): string => source.slice(i - node.startIndex);
  const take = (end: number): void => {
    if (end > pos) pieces.push({ text: at(pos).slice(0, end - pos), verbatim: false });
    pos = Math.max(pos, end);
  };
  const visit = (n: Node): void => {
    const stand = n.id === node.id ? undefined : replace?.(n);
    if (stand !== undefined || n.type === 'comment' || VERBATIM.has(n.type)) {
      take(n.startIndex);
      const text = stand ?? (n.type === 'comment' ? '' : n.text);
      pieces.push({ text, verbatim: stand === undefined && n.type !== 'comment' });
      pos = n.endIndex;
      return;
    }
    for (const c of n.children) if (c) visit(c);
  };
  visit(node);
  take(node.endIndex);
  let out = '';
  let layout = '';
  for (const p of pieces) {
    if (p.verbatim) {
      out += layout.replace(/\s+/g, ' ') + p.text;
      layout = '';
    } else {
      layout += p.text;
    }
  }
  out += layout.replace(/\s+/g, ' ');
  return out.trim();
}

/**
 * What a name refers to where it is used: the value bound to it by the nearest enclosing `let`
 * or `rec { … }`. Undefined when a function argument of that name is nearer (it shadows the
 * binding) or when nothing binds it.
 */
export function resolveName(variable: Node): Node | undefined {
  const name = variable.text;
  for (let scope = variable.parent; scope; scope = scope.parent) {
    if (scope.type === 'function_expression' && binds(scope, name)) return undefined;
    if (scope.type !== 'let_expression' && scope.type !== 'rec_attrset_expression') continue;
    for (const b of bindingsOf(scope)) {
      if (b.type !== 'binding') continue;
      const path = b.childForFieldName('attrpath');
      const names = path && pathNames(path);
      if (names?.length === 1 && names[0]!.name === name) return b.childForFieldName('expression') ?? undefined;
    }
  }
  return undefined;
}

/** Whether a function binds `name` as its argument or one of its formals. */
function binds(fn: Node, name: string): boolean {
  const universal = fn.childForFieldName('universal');
  if (universal?.text === name) return true;
  const formals = fn.childForFieldName('formals');
  return !!formals?.namedChildren.some((f) => f?.type === 'formal' && f.childForFieldName('name')?.text === name);
}

/** The lists of literals bound by every `let` around a node (`jetpackVersions = [ "5" "6" "7" ];`). */
export function letLists(node: Node): Map<string, (string | number | boolean)[]> {
  const out = new Map<string, (string | number | boolean)[]>();
  for (let scope = node.parent; scope; scope = scope.parent) {
    if (scope.type !== 'let_expression') continue;
    for (const b of bindingsOf(scope)) {
      if (b.type !== 'binding') continue;
      const path = b.childForFieldName('attrpath');
      const names = path && pathNames(path);
      const value = b.childForFieldName('expression');
      const list = value && literalList(value);
      // The nearest binding of a name wins, as in Nix.
      if (names?.length === 1 && list && !out.has(names[0]!.name)) out.set(names[0]!.name, list);
    }
  }
  return out;
}
