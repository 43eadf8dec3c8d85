import type { Node } from 'web-tree-sitter';

/**
 * A value as written in the source, when it is a literal we can judge without evaluating
 * anything. Everything else (a variable, a call, an `if`, an interpolated string) is `unknown`
 * and is never judged.
 */
export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'path'; value: string }
  | { kind: 'list'; elements: { node: Node; value: Literal }[] }
  | { kind: 'attrs'; node: Node }
  | { kind: 'function' }
  | { kind: 'unknown' };

/** Wrappers NixOS merges away: the value they wrap is what gets type-checked. */
const PRIORITY_WRAPPERS: Record<string, number> = {
  mkDefault: 1,
  mkForce: 1,
  mkImageMediaOverride: 1,
  mkOptionDefault: 1,
  mkBefore: 1,
  mkAfter: 1,
  mkOverride: 2,
  mkOrder: 2,
};

/** The name a function position refers to: `mkIf` for `mkIf` and `lib.mkIf` (and `lib.modules.mkIf`). */
export function calleeName(node: Node): string | undefined {
  if (node.type === 'variable_expression') return node.text;
  if (node.type === 'select_expression') {
    const base = node.childForFieldName('expression');
    const path = node.childForFieldName('attrpath');
    if (!base || !path || node.childForFieldName('default')) return undefined;
    const attrs = path.namedChildren.filter((c) => c?.type === 'identifier');
    const root = base.type === 'variable_expression' ? base.text : undefined;
    if ((root === 'lib' || root === 'pkgs') && attrs.length > 0) return attrs[attrs.length - 1]!.text;
  }
  return undefined;
}

/** A call `f a b` as the function and its arguments, or undefined for anything else. */
export function flattenCall(node: Node): { fn: Node; args: Node[] } | undefined {
  if (node.type !== 'apply_expression') return undefined;
  const args: Node[] = [];
  let cur: Node = node;
  while (cur.type === 'apply_expression') {
    const arg = cur.childForFieldName('argument');
    const fn = cur.childForFieldName('function');
    if (!arg || !fn) return undefined;
    args.unshift(arg);
    cur = fn;
  }
  return { fn: cur, args };
}

export function unparen(node: Node): Node {
  let cur = node;
  while (cur.type === 'parenthesized_expression') {
    const inner = cur.namedChildren.find((c) => c && c.type !== 'comment');
    if (!inner) break;
    cur = inner;
  }
  return cur;
}

/** Strips `mkDefault`, `mkForce`, `mkOverride n` and friends, which do not change a value's type. */
export function unwrapPriority(node: Node): Node {
  let cur = unparen(node);
  for (;;) {
    const call = flattenCall(cur);
    const name = call && calleeName(call.fn);
    const arity = name ? PRIORITY_WRAPPERS[name] : undefined;
    if (!call || !arity || call.args.length !== arity) return cur;
    cur = unparen(call.args[arity - 1]!);
  }
}

function stringValue(node: Node): string | undefined {
  let out = '';
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (c.type === 'interpolation') return undefined;
    if (c.type === 'string_fragment') out += c.text;
    else if (c.type === 'escape_sequence') {
      const t = c.text;
      const ch = node.type === 'indented_string_expression' ? t.slice(3) : t.slice(1);
      out += ch === 'n' ? '\n' : ch === 't' ? '\t' : ch === 'r' ? '\r' : ch;
    } else if (c.type === 'dollar_escape') out += '$';
  }
  return out;
}

/** The literal `node` stands for (after priority wrappers), or `unknown`; lists nested deeper than `depth` are `unknown`. */
export function literalOf(node: Node, depth = 32): Literal {
  if (depth <= 0) return { kind: 'unknown' };
  const n = unwrapPriority(node);
  switch (n.type) {
    case 'string_expression':
    case 'indented_string_expression': {
      const value = stringValue(n);
      return value === undefined ? { kind: 'unknown' } : { kind: 'string', value };
    }
    case 'integer_expression':
      return { kind: 'int', value: Number(n.text) };
    case 'float_expression':
      return { kind: 'float', value: Number(n.text) };
    case 'path_expression':
    case 'hpath_expression':
    case 'spath_expression':
      return { kind: 'path', value: n.text };
    case 'variable_expression':
      if (n.text === 'true' || n.text === 'false') return { kind: 'bool', value: n.text === 'true' };
      if (n.text === 'null') return { kind: 'null' };
      return { kind: 'unknown' };
    case 'unary_expression': {
      const arg = n.childForFieldName('argument');
      const op = n.child(0)?.type;
      if (op === '-' && arg && (arg.type === 'integer_expression' || arg.type === 'float_expression')) {
        return { kind: arg.type === 'integer_expression' ? 'int' : 'float', value: -Number(arg.text) };
      }
      return { kind: 'unknown' };
    }
    case 'list_expression':
      return {
        kind: 'list',
        elements: n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment').map((c) => ({ node: c, value: literalOf(c, depth - 1) })),
      };
    case 'attrset_expression':
    case 'rec_attrset_expression':
      return { kind: 'attrs', node: n };
    case 'function_expression':
      return { kind: 'function' };
    default:
      return { kind: 'unknown' };
  }
}

/** How a literal reads in a message: `"orin-agx-64"`, `6`, `true`, a list. */
export function showLiteral(l: Literal): string {
  switch (l.kind) {
    case 'string':
      return JSON.stringify(l.value);
    case 'int':
    case 'float':
      return String(l.value);
    case 'bool':
      return String(l.value);
    case 'null':
      return 'null';
    case 'path':
      return l.value;
    case 'list':
      return 'a list';
    case 'attrs':
      return 'an attribute set';
    case 'function':
      return 'a function';
    default:
      return 'this value';
  }
}
