import type { Node } from 'web-tree-sitter';
import type { Finding } from './diagnostic';

/**
 * Turns tree-sitter's ERROR and MISSING nodes into one human message per mistake, with a small
 * range on the token that shows it. Offsets in the returned findings are absolute; the caller
 * rebases them.
 */

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
  for (let n: Node | null = node; n; n = n.parent) {
    if (n.type === 'binding') {
      const path = n.childForFieldName('attrpath');
      return path?.text;
    }
    if (n.type === 'binding_set' || n.type === 'source_code') return undefined;
  }
  return undefined;
}

/** The last non-comment token that ends at or before `offset`, found among `node`'s descendants. */
function lastTokenBefore(node: Node, offset: number): Node | undefined {
  let best: Node | undefined;
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.startIndex >= offset || n.type === 'comment') continue;
    if (n.childCount === 0) {
      if (n.endIndex <= offset && n.endIndex > n.startIndex && (!best || n.endIndex > best.endIndex)) best = n;
      continue;
    }
    for (const c of n.children) if (c) stack.push(c);
  }
  return best;
}

/** Scans a string literal starting at `i` (a `"` or `''`); returns the offset after it, or -1. */
export function stringEnd(src: string, i: number): number {
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
      j = interpolationEnd(src, j + 2);
      if (j < 0) return -1;
      continue;
    }
    if (c === '$' && src[j + 1] === '$') { j += 2; continue; }
    j++;
  }
  return -1;
}

function interpolationEnd(src: string, i: number): number {
  let depth = 1;
  let j = i;
  while (j < src.length) {
    const c = src[j]!;
    if (c === '"' || src.startsWith("''", j)) {
      j = stringEnd(src, j);
      if (j < 0) return -1;
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
  // A `let` whose `in` never came, an `if` without `else`.
  const keywords = tokens.map((t) => t.text);
  if (keywords.includes('let') && !keywords.includes('in')) {
    const let_ = tokens[keywords.indexOf('let')]!;
    return syntax(let_.startIndex, let_.endIndex, '`let` without `in`: add `in` and the expression the bindings are for');
  }
  if (keywords.includes('if') && keywords.includes('then') && !keywords.includes('else')) {
    const if_ = tokens[keywords.indexOf('if')]!;
    return syntax(if_.startIndex, if_.endIndex, '`if … then …` without `else`: Nix requires an `else` branch');
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
  if (want === 'in') return syntax(parent.startIndex, parent.startIndex + 3, '`let` without `in`: add `in` and the expression the bindings are for');
  if (want === 'else') return syntax(parent.startIndex, parent.startIndex + 2, '`if … then …` without `else`: Nix requires an `else` branch');
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
