import type { Node } from 'web-tree-sitter';
import type { Finding } from './diagnostic';
import { bindingWithoutValue, pipeOperator } from './syntax-shapes';

/**
 * Turns tree-sitter's ERROR and MISSING nodes into one human message per mistake, with a small
 * range on the token that shows it. Offsets in the returned findings are absolute; the caller
 * rebases them.
 */

/** How far up the tree context is looked for (each step up costs a search from the root). */
const PARENT_STEPS = 24;

const CLOSERS: Record<string, string> = { '{': '}', '[': ']', '(': ')', '${': '}' };
const OPENERS: Record<string, string> = { '}': '{', ']': '[', ')': '(' };

function syntax(start: number, end: number, message: string, related?: Finding['related']): Finding {
  const f: Finding = { start, end, severity: 'error', code: 'syntax-error', message };
  if (related) f.related = related;
  return f;
}

/** How Nix would describe a token in a message. */
function show(text: string): string {
  if (text === '') return 'end of file';
  const oneLine = text.length > 20 ? text.slice(0, 20) + '…' : text;
  return '`' + oneLine.replace(/\s+/g, ' ') + '`';
}

/** The attribute path of the binding enclosing `node`, if any, for "after the binding of `x`". */
function enclosingBindingName(node: Node): string | undefined {
  // tree-sitter finds a parent by searching down from the root: look only a few levels up.
  let steps = 0;
  for (let n: Node | null = node; n && steps++ < PARENT_STEPS; n = n.parent) {
    if (n.type === 'binding') {
      const path = n.childForFieldName('attrpath');
      return path?.text;
    }
    if (n.type === 'binding_set' || n.type === 'source_code') return undefined;
  }
  return undefined;
}

/**
 * The last non-comment token of `node` that ends at or before `offset`. Follows the last child
 * that starts before `offset` at each level (never the whole subtree), so it stays cheap on big
 * expressions.
 */
function lastTokenBefore(node: Node, offset: number): Node | undefined {
  let cur: Node | null = node;
  let best: Node | undefined;
  for (let guard = 0; cur && guard < 10000; guard++) {
    if (cur.childCount === 0) {
      if (cur.endIndex <= offset && cur.endIndex > cur.startIndex && cur.type !== 'comment') best = cur;
      break;
    }
    let next: Node | null = null;
    for (let i = cur.childCount - 1; i >= 0; i--) {
      const c = cur.child(i);
      if (!c || c.startIndex >= offset || c.type === 'comment' || c.endIndex === c.startIndex) continue;
      if (c.endIndex <= offset) {
        next = c;
        break;
      }
      // A child straddling the offset: the token may be inside it.
      next = c;
      break;
    }
    cur = next;
  }
  return best;
}

/** Strings inside interpolations inside strings… deeper than this are not followed (-2). */
const MAX_STRING_NESTING = 500;

/**
 * Scans a string literal starting at `i` (a `"` or `''`); returns the offset after it, -1 when it
 * is never closed, or -2 when it nests too deeply to follow.
 */
export function stringEnd(src: string, i: number, depth = 0): number {
  if (depth > MAX_STRING_NESTING) return -2;
  const indented = src.startsWith("''", i);
  let j = i + (indented ? 2 : 1);
  while (j < src.length) {
    const c = src[j]!;
    if (indented) {
      if (src.startsWith("''", j)) {
        const next = src[j + 2];
        if (next === '$' || next === "'" ) { j += 3; continue; }
        if (next === '\\') { j += 4; continue; }
        return j + 2;
      }
    } else if (c === '\\') { j += 2; continue; }
    else if (c === '"') return j + 1;
    if (c === '$' && src[j + 1] === '{') {
      j = interpolationEnd(src, j + 2, depth);
      if (j < 0) return j;
      continue;
    }
    if (c === '$' && src[j + 1] === '$') { j += 2; continue; }
    j++;
  }
  return -1;
}

function interpolationEnd(src: string, i: number, nesting: number): number {
  let depth = 1;
  let j = i;
  while (j < src.length) {
    const c = src[j]!;
    if (c === '"' || src.startsWith("''", j)) {
      j = stringEnd(src, j, nesting + 1);
      if (j < 0) return j;
      continue;
    }
    if (c === '#') { const nl = src.indexOf('\n', j); j = nl < 0 ? src.length : nl; continue; }
    if (src.startsWith('/*', j)) { const e = src.indexOf('*/', j + 2); if (e < 0) return -1; j = e + 2; continue; }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return j + 1;
    j++;
  }
  return -1;
}

/**
 * The first string or comment that is never closed, found the way Nix's lexer reads the text
 * (comments, strings with nested interpolations, identifiers that may contain `'`). Nix then reads
 * the whole rest of the file as its content, so nothing after it can be judged.
 */
export function findUnterminated(src: string): { at: number; kind: 'string' | 'indented' | 'comment' } | undefined {
  let i = 0;
  while (i < src.length) {
    const c = src.charCodeAt(i);
    if (c === 35 /* # */) {
      const nl = src.indexOf('\n', i);
      if (nl < 0) return undefined;
      i = nl + 1;
    } else if (c === 47 /* / */ && src.charCodeAt(i + 1) === 42 /* * */) {
      const close = src.indexOf('*/', i + 2);
      if (close < 0) return { at: i, kind: 'comment' };
      i = close + 2;
    } else if (c === 34 /* " */ || (c === 39 /* ' */ && src.charCodeAt(i + 1) === 39)) {
      const end = stringEnd(src, i);
      if (end === -2) return undefined; // too deep to follow: claim nothing
      if (end < 0) return { at: i, kind: c === 34 ? 'string' : 'indented' };
      i = end;
    } else if (isIdentStart(c)) {
      i++;
      while (i < src.length && isIdentPart(src.charCodeAt(i))) i++;
    } else {
      i++;
    }
  }
  return undefined;
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Letters, digits, `_`, `'` and `-`: what may follow the first character of a Nix name. */
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 39 || c === 45;
}

export function unterminatedFinding(u: { at: number; kind: 'string' | 'indented' | 'comment' }): Finding {
  if (u.kind === 'comment') return syntax(u.at, u.at + 2, 'unterminated comment: `/*` has no closing `*/`');
  if (u.kind === 'string') return syntax(u.at, u.at + 1, 'unterminated string: it has no closing `"`');
  return syntax(u.at, u.at + 2, "unterminated indented string (`''`): it has no closing `''`");
}

/** Describes an ERROR node as the one mistake it most likely stands for. */
export function describeError(node: Node, src: string): Finding {
  const start = node.startIndex;
  const end = node.endIndex;
  const tokens = leafTokens(node);
  const first = tokens[0];
  const special = pipeOperator(src, start) ?? bindingWithoutValue(node, tokens, src);
  if (special) return special;
  // `{ a = 1  b = 2; }`: the next binding's name is read as an argument of the previous value,
  // and its `=` lands in an ERROR right after it.
  if (first?.text === '=') {
    const name = enclosingBindingName(node);
    const prev = node.previousSibling;
    if (name !== undefined && prev?.type === 'apply_expression') {
      const fn = prev.childForFieldName('function');
      const arg = prev.childForFieldName('argument');
      const anchor = fn ? lastTokenBefore(fn, fn.endIndex) : undefined;
      if (anchor) {
        const finding = syntax(anchor.startIndex, anchor.endIndex, `missing \`;\` after the binding of \`${name}\``);
        // The next binding's name is not a variable use: don't report it as undefined.
        if (arg) finding.quiet = { start: arg.startIndex, end: node.endIndex };
        return finding;
      }
    }
  }
  const keywords = tokens.map((t) => t.text);
  const at = (t: Node, message: string) => syntax(t.startIndex, t.endIndex, message);
  // `{ config, lib, ... }` followed by a body but no `:`.
  const firstChild = node.firstChild;
  if (firstChild?.type === 'formals' && firstChild.nextSibling?.type !== ':' && firstChild.nextSibling?.type !== '@') {
    const close = firstChild.lastChild ?? firstChild;
    return at(close, 'missing `:` after the function arguments');
  }
  if (node.parent?.type === 'formals') {
    const semi = tokens.find((t) => t.text === ';');
    if (semi) return at(semi, 'function arguments are separated by `,`, not `;`');
  }
  const commaInBinding = bindingComma(node);
  if (commaInBinding) return at(commaInBinding, 'bindings end with `;`, not `,`');
  if (first?.text === '.') return at(first, 'expected an attribute name after `.`');
  if (first?.text === 'or') return at(first, '`or` needs a default value after it, as in `a.b or null`');
  for (const [kw, what] of [['assert', 'the assertion'], ['with', '`with …`']] as const) {
    const i = keywords.indexOf(kw);
    if (i < 0) continue;
    // Its own `;` would sit directly in the error, before the error's last token (which may end a binding).
    const own = tokens.slice(i, -1).some((t) => t.text === ';' && t.parent?.id === node.id);
    if (!own) return at(tokens[i]!, `missing \`;\` after ${what}`);
  }
  if (keywords.includes('if') && !keywords.includes('then')) {
    return at(tokens[keywords.indexOf('if')]!, 'missing `then` after the condition of `if`');
  }
  // A `let` whose `in` never came, an `if` without `else`.
  if (keywords.includes('let') && !keywords.includes('in')) {
    // Point where `in` belongs: the first token the bindings could not absorb.
    const let_ = tokens[keywords.indexOf('let')]!;
    const stray = firstNestedError(node);
    const where = stray ? leafTokens(stray)[0] ?? stray : tokens.at(-1) ?? let_;
    return syntax(where.startIndex, Math.max(where.endIndex, where.startIndex + 1), 'missing `in` after the bindings of the `let` on line {line}', { start: let_.startIndex, end: let_.endIndex, message: '`let` is here' });
  }
  if (keywords.includes('if') && keywords.includes('then') && !keywords.includes('else')) {
    const if_ = tokens[keywords.indexOf('if')]!;
    const last = tokens.at(-1)!;
    return syntax(last.startIndex, last.endIndex, 'missing `else` after this `then` branch: Nix requires both branches (`if` on line {line})', { start: if_.startIndex, end: if_.endIndex, message: '`if` is here' });
  }
  if (first?.text.startsWith('*')) {
    const inner = nestedCommentOpener(node, src);
    if (inner !== undefined) {
      return syntax(inner, inner + 2, 'block comments do not nest: this `/*` is part of the comment around it, which ended at the first `*/`');
    }
  }
  // An opening bracket inside the error that is never closed.
  const open: Node[] = [];
  for (const t of tokens) {
    if (CLOSERS[t.text]) open.push(t);
    else if (OPENERS[t.text] && open.length > 0) open.pop();
  }
  if (open.length > 0 && end >= src.trimEnd().length) {
    const o = open[0]!;
    return syntax(o.startIndex, o.endIndex, `unclosed \`${o.text}\` opened on line {line}: add the matching \`${CLOSERS[o.text]}\``, { start: o.startIndex, end: o.endIndex, message: 'opened here' });
  }
  if (!first) {
    // An empty ERROR: tree-sitter skipped nothing but could not continue here.
    const at = Math.min(start, src.length);
    const next = src.slice(at).match(/^\s*(\S+)/);
    return syntax(at, Math.min(at + 1, src.length), next ? `unexpected ${show(next[1]!)}` : 'unexpected end of file');
  }
  if (OPENERS[first.text]) {
    return syntax(first.startIndex, first.endIndex, `unexpected \`${first.text}\`: there is no \`${OPENERS[first.text]}\` for it to close`);
  }
  if (first.text === ',' && node.parent?.type === 'formals') {
    return syntax(first.startIndex, first.endIndex, 'unexpected `,` in the function arguments: a comma goes between two names, and `...` comes last');
  }
  if (first.text === ',') {
    return syntax(first.startIndex, first.endIndex, 'unexpected `,`: list elements are separated by spaces, and only function arguments take commas');
  }
  return syntax(first.startIndex, first.endIndex, `unexpected ${show(first.text)}`);
}

function firstNestedError(node: Node): Node | undefined {
  const stack = [...node.children].reverse();
  while (stack.length > 0) {
    const n = stack.pop();
    if (!n) continue;
    if (n.type === 'ERROR') return n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return undefined;
}

/** A stray `*` after a comment that itself contains `/*`: the offset of that inner opener. */
function nestedCommentOpener(node: Node, src: string): number | undefined {
  let steps = 0;
  for (let n: Node | null = node; n && steps++ < PARENT_STEPS; n = n.parent) {
    for (let prev = n.previousSibling; prev; prev = prev.previousSibling) {
      if (prev.type !== 'comment') continue;
      const inner = src.indexOf('/*', prev.startIndex + 2);
      if (inner >= 0 && inner < prev.endIndex) return inner;
    }
  }
  return undefined;
}

/** `{ a = 1, b = 2; }`: a comma where a binding's `;` belongs, inside an error in that binding. */
function bindingComma(node: Node): Node | undefined {
  let binding: Node | null = node.parent;
  let steps = 0;
  while (binding && binding.type !== 'binding') {
    if (steps++ > PARENT_STEPS) return undefined;
    if (binding.type === 'list_expression' || binding.type === 'formals' || binding.type === 'binding_set') return undefined;
    binding = binding.parent;
  }
  if (!binding) return undefined;
  return leafTokens(binding).find((t) => t.text === ',' && t.parent?.type === 'ERROR');
}

/** Describes a MISSING token that tree-sitter inserted to recover. */
export function describeMissing(missing: Node, parent: Node, src: string): Finding {
  const want = missing.type;
  const at = missing.startIndex;
  const prev = lastTokenBefore(parent, at);
  const anchorStart = prev ? prev.startIndex : at;
  const anchorEnd = prev ? prev.endIndex : Math.min(at + 1, src.length);
  if (want === ';') {
    const what =
      parent.type === 'binding'
        ? `the binding of \`${parent.childForFieldName('attrpath')?.text ?? '…'}\``
        : parent.type === 'inherit' || parent.type === 'inherit_from'
          ? '`inherit`'
          : parent.type === 'with_expression'
            ? 'the `with` expression'
            : parent.type === 'assert_expression'
              ? 'the assertion'
              : 'this';
    return syntax(anchorStart, anchorEnd, `missing \`;\` after ${what}`);
  }
  if (want === '}' && parent.type === 'formals' && parent.nextSibling?.type === ':') {
    // `{ som: "orin-nano"; }` reads as a function whose argument list never closes.
    const colon = parent.nextSibling;
    return syntax(colon.startIndex, colon.endIndex, '`name: value` is not Nix: write bindings as `name = value;`');
  }
  if (want === '}' || want === ']' || want === ')' || want === "''" || want === '"') {
    const openText = want === '}' ? ['{', '${'] : want === ']' ? ['['] : want === ')' ? ['('] : [want];
    const opener = parent.children.find((c) => c && openText.includes(c.type));
    if (opener) {
      return syntax(opener.startIndex, opener.endIndex, `unclosed \`${opener.type}\` opened on line {line}: add the matching \`${want}\``, {
        start: opener.startIndex,
        end: opener.endIndex,
        message: 'opened here',
      });
    }
    return syntax(anchorStart, anchorEnd, `missing \`${want}\``);
  }
  if (want === 'in') return syntax(anchorStart, anchorEnd, 'missing `in` after the bindings of the `let` on line {line}', { start: parent.startIndex, end: parent.startIndex + 3, message: '`let` is here' });
  if (want === 'else') return syntax(anchorStart, anchorEnd, 'missing `else` after this `then` branch: Nix requires both branches (`if` on line {line})', { start: parent.startIndex, end: parent.startIndex + 2, message: '`if` is here' });
  if (want === 'then') return syntax(parent.startIndex, parent.startIndex + 2, 'missing `then` after the condition of `if`');
  if (want === ':') return syntax(anchorStart, anchorEnd, 'missing `:` after the function arguments');
  if (want === '=') return syntax(anchorStart, anchorEnd, 'missing `=` in the binding');
  if (want === 'identifier' || want.endsWith('_expression')) {
    const name = enclosingBindingName(missing);
    if (parent.type === 'formal' || parent.type === 'formals') return syntax(anchorStart, anchorEnd, 'expected an argument name after `,`');
    if (name !== undefined && prev?.text === '=') return syntax(anchorStart, anchorEnd, `missing value in the binding of \`${name}\``);
    return syntax(anchorStart, anchorEnd, `expected an expression after ${show(prev?.text ?? '')}`);
  }
  return syntax(anchorStart, anchorEnd, `missing \`${want}\``);
}

/** The leaf tokens of a node (its anonymous and named leaves, comments excluded), in order. */
function leafTokens(node: Node): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'comment') continue;
    if (n.childCount === 0) {
      if (n.endIndex > n.startIndex) out.push(n);
      continue;
    }
    const children = n.children;
    for (let i = children.length - 1; i >= 0; i--) {
      const c = children[i];
      if (c) stack.push(c);
    }
  }
  return out;
}
