import type { Node } from 'web-tree-sitter';
import type { Finding } from './diagnostic';
import { addInherited, addPath, cloneTree, type AttrTree, type PathElement } from './attr-tree';
import { combineChildren, rebaseFindings, type NodeView, type Summary, EMPTY_FINDINGS } from './summary';

/**
 * How each kind of node combines its children's summaries: this is where Nix's parse-time checks
 * (duplicate attributes and arguments, dynamic names in `let`, trailing slashes, integer
 * overflow) live. Names and their scopes are the scope model's (`scope/build.ts`).
 */

type Base = Omit<Summary, 'typeId' | 'length'>;

const MAX_INT = 9223372036854775807n;

function error(start: number, end: number, code: Finding['code'], message: string, related?: Finding['related']): Finding {
  const f: Finding = { start, end, severity: 'error', code, message };
  if (related) f.related = related;
  return f;
}

/** Words Nix's lexer always reads as keywords, never as names. */
const RESERVED = new Set(['in', 'let', 'if', 'then', 'else', 'assert', 'with', 'rec', 'inherit']);

export const OR_MESSAGE = '`or` is a keyword here';

/** Summary of a leaf node, computed from its text alone. */
export function leafSummary(type: string, text: string): Base {
  if ((type === 'variable_expression' || type === 'identifier') && RESERVED.has(text)) {
    return {
      findings: [error(0, text.length, 'syntax-error', `\`${text}\` is a keyword and cannot be used as a name; write \`"${text}"\` for an attribute of that name`)],
    };
  }
  if (type === 'variable_expression' && text === 'or') {
    // Valid only as a function argument (`map or [ ]`); apply_expression removes this finding there.
    return { findings: [error(0, 2, 'syntax-error', `${OR_MESSAGE}: it can only follow a selection, as in \`a.b or default\``)] };
  }
  if (type === 'float_expression') {
    // Nix reads floats with strtod and rejects what overflows or underflows (ERANGE).
    const value = Number(text);
    const mantissa = text.replace(/[eE].*$/, '');
    const underflow = Math.abs(value) < 2.2250738585072014e-308 && /[1-9]/.test(mantissa);
    if (!Number.isFinite(value) || underflow) {
      return { findings: [error(0, text.length, 'syntax-error', `float \`${text}\` is out of range: Nix floats are 64-bit doubles`)] };
    }
  }
  if (type === 'integer_expression') {
    const digits = text.replace(/^0+(?=\d)/, '');
    if (digits.length > 19 || (digits.length === 19 && BigInt(digits) > MAX_INT)) {
      return {
        findings: [error(0, text.length, 'syntax-error', `integer \`${text}\` is too large: Nix integers are 64-bit (at most 9223372036854775807)`)],
      };
    }
  }
  return { findings: EMPTY_FINDINGS };
}

const named = (views: NodeView[]) => views.filter((v) => v.type !== 'comment' && isNamedType(v.type));

function isNamedType(type: string): boolean {
  return /^[a-z_]+$/.test(type) && !KEYWORDS.has(type);
}
const KEYWORDS = new Set(['assert', 'with', 'let', 'in', 'if', 'then', 'else', 'rec', 'inherit', 'or']);

/** Names of attribute path elements (identifiers, static strings, `${"static"}`). */
function pathElements(views: NodeView[]): PathElement[] {
  const out: PathElement[] = [];
  for (const v of views) {
    const end = v.off + v.summary.length;
    if (v.type === 'identifier') out.push({ name: v.node.text, start: v.off, end });
    else if (v.type === 'string_expression' || v.type === 'interpolation' || v.type === 'indented_string_expression') {
      out.push({ name: v.summary.staticString, start: v.off, end });
    }
  }
  return out;
}

function staticStringOf(views: NodeView[], src: (v: NodeView) => string, indented: boolean): string | undefined {
  let s = '';
  for (const v of views) {
    if (v.type === 'interpolation') return undefined;
    if (v.type === 'string_fragment') s += src(v);
    else if (v.type === 'escape_sequence') s += unescape(src(v), indented);
    else if (v.type === 'dollar_escape') s += indented ? '$' : '$';
  }
  return s;
}

function unescape(seq: string, indented: boolean): string {
  const c = indented ? seq.slice(3) : seq.slice(1);
  if (indented && seq === "'''") return "''";
  return c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c;
}

function rebasedNames(v: NodeView | undefined): PathElement[] {
  if (!v?.summary.names) return [];
  return v.summary.names.map((n) => ({ name: n.name, start: n.start + v.off, end: n.end + v.off }));
}

/** Combines a composite node's children into its summary. */
export function combine(type: string, _node: Node, views: NodeView[], srcText: (v: NodeView) => string): Base {
  switch (type) {
    case 'inherited_attrs':
      // `inherit;` and `inherit (x);` are valid Nix; the grammar recovers with a MISSING name.
      if (views.length === 1 && views[0]!.type === 'identifier' && views[0]!.summary.length === 0) {
        return { findings: EMPTY_FINDINGS, names: [] };
      }
      return { ...combineChildren(views), names: pathElements(views) };
    case 'attrpath': {
      const base = combineChildren(views);
      return { ...base, names: pathElements(views) };
    }
    case 'string_expression':
    case 'indented_string_expression': {
      const base = combineChildren(views);
      const s = staticStringOf(views, srcText, type === 'indented_string_expression');
      return s === undefined ? base : { ...base, staticString: s };
    }
    case 'interpolation': {
      const base = combineChildren(views);
      const inner = named(views)[0];
      return inner?.summary.staticString !== undefined ? { ...base, staticString: inner.summary.staticString } : base;
    }
    case 'parenthesized_expression': {
      const base = combineChildren(views);
      const inner = named(views)[0];
      return inner?.summary.attrs ? { ...base, attrs: { tree: inner.summary.attrs.tree, off: inner.off + inner.summary.attrs.off } } : base;
    }
    case 'binding':
      return combineBinding(views);
    case 'inherit':
    case 'inherit_from':
      return combineInherit(views);
    case 'binding_set':
      return combineBindingSet(views);
    case 'attrset_expression':
    case 'rec_attrset_expression':
    case 'let_attrset_expression':
    case 'let_expression':
      return combineSet(type, views);
    case 'formal':
      return combineFormal(views);
    case 'formals':
      return combineFormals(views, srcText);
    case 'function_expression':
      return combineFunction(views);
    case 'with_expression': {
      // Without a body there is nothing to report inside the `with` but its missing body.
      const body = named(views).at(-1);
      return body ? combineChildren(views) : { findings: [] };
    }
    case 'path_expression':
    case 'hpath_expression':
      return combinePath(views, srcText);
    case 'binary_expression': {
      const op = views.find((v) => !isNamedType(v.type) && v.type !== 'comment')?.type;
      const base = combineChildren(views, chainedComparison(op, views));
      return op ? { ...base, operator: op } : base;
    }
    case 'apply_expression': {
      // `f or` is Nix's one use of `or` as a variable: the argument of a function application.
      const arg = named(views).at(-1);
      const others = views.filter((v) => v !== arg);
      const base = combineChildren(others);
      if (!arg) return base;
      const merged = combineChildren([{ ...arg, summary: { ...arg.summary, findings: arg.summary.findings.filter((f) => !f.message.startsWith(OR_MESSAGE)) } }, ...others]);
      return merged;
    }
    default:
      return combineChildren(views);
  }
}

/** Nix's non-associative operators: `a == b == c` and `a < b < c` are syntax errors. */
const NONASSOC: Record<string, number> = { '==': 1, '!=': 1, '<': 2, '>': 2, '<=': 2, '>=': 2 };

function chainedComparison(op: string | undefined, views: NodeView[]): Finding[] | undefined {
  const cls = op ? NONASSOC[op] : undefined;
  if (!cls) return undefined;
  for (const v of named(views)) {
    const inner = v.summary.operator;
    if (v.type === 'binary_expression' && inner && NONASSOC[inner] === cls) {
      return [error(v.off, v.off + v.summary.length, 'syntax-error', `\`${op}\` cannot be chained: Nix does not read \`a ${op} b ${op} c\`; add parentheses or \`&&\``)];
    }
  }
  return undefined;
}

/**
 * Path literals as Nix's lexer reads them. tree-sitter takes `a//b` as one path, but Nix reads
 * `a // b` (an update of two variables, see `scope/path-names.ts`) unless the part before `//`
 * is itself a path, which Nix rejects.
 */
function pathProblems(views: NodeView[], srcText: (v: NodeView) => string): Finding[] {
  const findings: Finding[] = [];
  for (const v of views) {
    if (v.type !== 'path_fragment') continue;
    const text = srcText(v);
    let at = 0;
    let rest = text;
    for (let cut = rest.indexOf('//'); cut >= 0; cut = rest.indexOf('//')) {
      const before = rest.slice(0, cut);
      if (before.includes('/') || v !== views[0] || !/^([A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*)?$/.test(before)) {
        findings.push(error(v.off + at + cut, v.off + at + cut + 2, 'syntax-error', 'a path cannot contain `//`'));
        return findings;
      }
      at += cut + 2;
      rest = rest.slice(cut + 2);
    }
  }
  const last = views.at(-1);
  if (last?.type === 'path_fragment' && srcText(last).endsWith('/') && !srcText(last).endsWith('//')) {
    const end = last.off + last.summary.length;
    findings.push(error(end - 1, end, 'syntax-error', 'a path cannot end with `/`: remove the trailing slash'));
  }
  return findings;
}

function combinePath(views: NodeView[], srcText: (v: NodeView) => string): Base {
  return combineChildren(views, pathProblems(views, srcText));
}

function combineBinding(views: NodeView[]): Base {
  const base = combineChildren(views);
  const parts = named(views);
  const pathView = parts.find((v) => v.type === 'attrpath');
  const valueView = parts.find((v) => v !== pathView && v.off >= (pathView?.off ?? 0) && v.type !== 'ERROR');
  const path = rebasedNames(pathView);
  if (path.length === 0) return base;
  const valueAttrs = valueView?.summary.attrs;
  return {
    ...base,
    binding: { path, value: valueAttrs ? { tree: valueAttrs.tree, off: valueView!.off + valueAttrs.off } : undefined },
  };
}

function combineInherit(views: NodeView[]): Base {
  const attrsView = views.find((v) => v.type === 'inherited_attrs');
  const names = rebasedNames(attrsView);
  const findings: Finding[] = [];
  for (const v of views) if (v.summary.findings.length > 0) rebaseFindings(findings, v.summary.findings, v.off);
  for (const n of names) {
    if (n.name === undefined) {
      findings.push(error(n.start, n.end, 'syntax-error', 'dynamic attribute names are not allowed in `inherit`'));
    }
  }
  return { findings: findings.length ? findings : EMPTY_FINDINGS, names };
}

function combineBindingSet(views: NodeView[]): Base {
  const base = combineChildren(views);
  const tree: AttrTree = new Map();
  const dynamicFirst: PathElement[] = [];
  const findings: Finding[] = [...base.findings];
  for (const v of views) {
    const b = v.summary.binding;
    if (v.type === 'binding' && b) {
      const path = b.path.map((p) => ({ name: p.name, start: p.start + v.off, end: p.end + v.off }));
      const value = b.value ? cloneTree(b.value.tree, v.off + b.value.off) : undefined;
      if (path[0]!.name === undefined) dynamicFirst.push(path[0]!);
      addPath(tree, path, value, findings);
    } else if ((v.type === 'inherit' || v.type === 'inherit_from') && v.summary.names) {
      addInherited(tree, rebasedNames(v), findings);
    }
  }
  return { findings: findings.length ? findings : EMPTY_FINDINGS, set: { tree, dynamicFirst } };
}

/** `{ }`, `rec { }`, `let { }` and `let … in …`: Nix's rules for their bindings. */
function combineSet(type: string, views: NodeView[]): Base {
  const setView = views.find((v) => v.type === 'binding_set');
  const set = setView?.summary.set;
  const base = combineChildren(views);
  const findings: Finding[] = [...base.findings];
  if (type === 'let_expression' && set) {
    for (const d of set.dynamicFirst) {
      findings.push(error(d.start + setView!.off, d.end + setView!.off, 'syntax-error', 'dynamic attribute names are not allowed in `let`'));
    }
  }
  const out: Base = { findings: findings.length ? findings : EMPTY_FINDINGS };
  if (type === 'attrset_expression' || type === 'rec_attrset_expression') {
    return { ...out, attrs: { tree: set?.tree ?? new Map(), off: setView?.off ?? 0 } };
  }
  return out;
}

function combineFormal(views: NodeView[]): Base {
  const base = combineChildren(views);
  const nameView = views.find((v) => v.type === 'identifier');
  if (!nameView || nameView.summary.length === 0) return base;
  return { ...base, names: [{ name: nameView.node.text, start: nameView.off, end: nameView.off + nameView.summary.length }] };
}

/** Nix accepts `{ a, b, }:` (a trailing comma); the 2023 grammar recovers with a MISSING name. */
function isTrailingCommaFormal(views: NodeView[], i: number): boolean {
  const v = views[i]!;
  if (v.type !== 'formal' || v.summary.length !== 0) return false;
  const rest = views.slice(i + 1).filter((x) => x.type !== 'comment');
  const before = views.slice(0, i).filter((x) => x.type !== 'comment');
  const prev = before.at(-1);
  const prevFormal = before.at(-2);
  return (
    rest.length === 1 && rest[0]!.type === '}' && prev?.type === ',' && prevFormal?.type === 'formal' && prevFormal.summary.length > 0
  );
}

/** The other recovery for `{ a, }:` (a single formal): an ERROR holding just the comma. */
function isTrailingCommaError(views: NodeView[], i: number, srcText: (v: NodeView) => string): boolean {
  const v = views[i]!;
  if (v.type !== 'ERROR' || srcText(v).trim() !== ',') return false;
  const rest = views.slice(i + 1).filter((x) => x.type !== 'comment');
  const prev = views.slice(0, i).filter((x) => x.type !== 'comment').at(-1);
  return rest.length === 1 && rest[0]!.type === '}' && prev?.type === 'formal' && prev.summary.length > 0;
}

function combineFormals(views: NodeView[], srcText: (v: NodeView) => string): Base {
  const kept = views.filter((_, i) => !isTrailingCommaFormal(views, i) && !isTrailingCommaError(views, i, srcText));
  const base = combineChildren(kept);
  const names: PathElement[] = [];
  const findings: Finding[] = [...base.findings];
  const seen = new Map<string, PathElement>();
  for (const v of kept) {
    for (const n of rebasedNames(v)) {
      const first = n.name !== undefined ? seen.get(n.name) : undefined;
      if (first) {
        findings.push(error(n.start, n.end, 'duplicate-attribute', `duplicate function argument \`${n.name}\` (also on line {line})`, { start: first.start, end: first.end, message: 'first declared here' }));
      } else if (n.name !== undefined) seen.set(n.name, n);
      names.push(n);
    }
  }
  return { ...base, findings: findings.length ? findings : EMPTY_FINDINGS, names };
}

function combineFunction(views: NodeView[]): Base {
  const base = combineChildren(views);
  const formalsView = views.find((v) => v.type === 'formals');
  const universal = views.find((v) => v.type === 'identifier');
  const names = rebasedNames(formalsView);
  const findings: Finding[] = [...base.findings];
  if (universal && universal.summary.length > 0) {
    const name = universal.node.text;
    const clash = names.find((n) => n.name === name);
    if (clash) {
      findings.push(error(universal.off, universal.off + universal.summary.length, 'duplicate-attribute', `duplicate function argument \`${name}\`: the \`@\` name is also a formal argument`, { start: clash.start, end: clash.end, message: 'declared here' }));
    }
  }
  return { ...base, findings: findings.length ? findings : EMPTY_FINDINGS };
}
