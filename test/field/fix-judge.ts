import { canonicalParse } from './canonical';
import type { OffsetEdit } from './text-edits';

/**
 * Judging a quick fix with Nix's own parser as the oracle: `nix-instantiate --parse` prints the
 * expression a file means (parentheses dropped, `./x` made absolute, URL literals as strings).
 * A fix that only removes parentheses must leave that output as it was (attributes, bindings and
 * formals compared in sorted order, see canonical.ts); a fix that only replaces names (or one
 * string literal by another) must leave it as it was up to those names.
 * Every other fix must at least leave a file that parses.
 */

/** What a fix does to the text, as far as the oracle can judge it. */
export type FixKind =
  /** Removes parentheses (and whitespace) only. */
  | 'parens'
  /** Replaces names or attribute paths by names or paths of as many parts. */
  | 'rename'
  /** Replaces a plain string literal by another. */
  | 'literal'
  /** Inserts a `#` comment (and whitespace) only, e.g. a `# jetson-nix: ignore[…]` suppression. */
  | 'comment'
  /** Anything else: it must still parse, its meaning is not judged. */
  | 'other';

export interface FixShape {
  kind: FixKind;
  /** For `rename` and `literal`: the old and new spelling of each replaced part. */
  renames: [string, string][];
}

/** The judgement of one fix. */
export type FixVerdict =
  | 'ok'
  /** The file parsed before the fix and does not after it. */
  | 'breaks-parse'
  /** A parentheses-only or rename-only fix changed what Nix parses. */
  | 'changes-meaning'
  /** The fix leaves the text as it was. */
  | 'no-op'
  /** The edits overlap, point outside the document or need another file. */
  | 'invalid-edit'
  /** The file did not parse before the fix: nothing to compare with. */
  | 'unparseable-before';

/** The verdicts that count as a bad fix (the target is none). */
export const BAD_FIX_VERDICTS: ReadonlySet<FixVerdict> = new Set(['breaks-parse', 'changes-meaning', 'no-op', 'invalid-edit']);

const NAME = /^[A-Za-z_][A-Za-z0-9_'-]*$/;
/** A double-quoted string without escapes or interpolation: Nix prints it back unchanged. */
const PLAIN_STRING = /^"[^"\\$]*"$/;
/**
 * Whether `after` is `before` with some parentheses (and whitespace) deleted and nothing else
 * changed: `(x - y)` → `x - y`. Greedy matching is exact here, since only skipped characters
 * differ from kept ones.
 */
function deletesParensOnly(before: string, after: string): boolean {
  let j = 0;
  let parens = 0;
  for (let i = 0; i < before.length; i++) {
    const c = before[i]!;
    if (j < after.length && after[j] === c) j++;
    else if (c === '(' || c === ')') parens++;
    else if (!/\s/.test(c)) return false;
  }
  return j === after.length && parens > 0;
}

/** A dotted attribute path of names and plain quoted names, or undefined. */
function pathParts(text: string): string[] | undefined {
  const parts = text.trim().split('.');
  if (parts.some((p) => !NAME.test(p) && !PLAIN_STRING.test(p))) return undefined;
  return parts.map((p) => (p.startsWith('"') ? p.slice(1, -1) : p));
}

/** Whitespace with `#` line comments in it, and at least one comment. */
const COMMENT_ONLY = /^(?:\s*#[^\n]*(?:\n|$))+\s*$/;

/** Classifies a fix by its edits on `text` (sorted offset edits). */
export function classifyFix(text: string, edits: OffsetEdit[]): FixShape {
  const removed = edits.map((e) => text.slice(e.start, e.end));
  if (edits.length > 0 && edits.every((e, i) => removed[i]!.trim() === '' && (e.newText.trim() === '' || COMMENT_ONLY.test(e.newText)))) {
    return { kind: 'comment', renames: [] };
  }
  const parensGone = edits.map((e, i) => deletesParensOnly(removed[i]!, e.newText));
  // Edits that only delete whitespace may come with them; at least one must remove a parenthesis.
  if (parensGone.some(Boolean) && edits.every((e, i) => parensGone[i] || (e.newText.trim() === '' && removed[i]!.trim() === ''))) {
    return { kind: 'parens', renames: [] };
  }
  if (edits.length > 0 && edits.every((e, i) => PLAIN_STRING.test(removed[i]!.trim()) && PLAIN_STRING.test(e.newText.trim()))) {
    return { kind: 'literal', renames: edits.map((e, i) => [removed[i]!.trim().slice(1, -1), e.newText.trim().slice(1, -1)]) };
  }
  const renames: [string, string][] = [];
  for (let i = 0; i < edits.length; i++) {
    const before = pathParts(removed[i]!);
    const after = pathParts(edits[i]!.newText);
    if (!before || !after || before.length !== after.length) return { kind: 'other', renames: [] };
    before.forEach((b, j) => {
      if (b !== after[j]) renames.push([b, after[j]!]);
    });
  }
  return renames.length > 0 ? { kind: 'rename', renames } : { kind: 'other', renames: [] };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const wordPattern = (name: string) => new RegExp(`(?<![A-Za-z0-9_'-])${escapeRegExp(name)}(?![A-Za-z0-9_'-])`, 'g');

/**
 * Nix's parse output with every spelling of each renamed part replaced by one placeholder, so
 * that two outputs compare equal exactly when they differ only in those names.
 */
export function normalizeRenames(output: string, renames: [string, string][]): string {
  let out = output;
  renames.forEach(([a, b], i) => {
    for (const name of [a, b]) out = out.replace(wordPattern(name), `\u0000${i}\u0000`);
  });
  return out;
}

/** The output with every occurrence of each old name spelt as its new name. */
function renamedEverywhere(output: string, renames: [string, string][]): string {
  return renames.reduce((out, [a, b]) => out.replace(wordPattern(a), b), output);
}

/**
 * Whether `after` is `before` up to the renames. When a new name already occurs before the fix,
 * telling old and new apart is not enough (`helper count` → `helper helper` captures another
 * binding): then every occurrence of the old name must have become the new one.
 */
function sameUpToRenames(before: string, after: string, renames: [string, string][]): boolean {
  const capture = renames.some(([, b]) => wordPattern(b).test(before));
  if (capture) return canonicalParse(renamedEverywhere(before, renames)) === canonicalParse(after);
  return canonicalParse(normalizeRenames(before, renames)) === canonicalParse(normalizeRenames(after, renames));
}

export interface ParseResult {
  ok: boolean;
  /** Nix's parse output (when ok) or its error. */
  output: string;
}

/** Judges a fix from the parse results of the file before and after it. */
export function judgeFix(shape: FixShape, before: ParseResult, after: ParseResult): FixVerdict {
  // A comment changes nothing Nix reads: a file Nix rejected stays rejected.
  if (!before.ok && shape.kind === 'comment') return after.ok ? 'changes-meaning' : 'ok';
  if (!before.ok) return 'unparseable-before';
  if (!after.ok) return 'breaks-parse';
  if (shape.kind === 'other') return 'ok';
  // Sets, `let`s and formals compare in sorted order: Nix prints them in symbol-table order.
  return sameUpToRenames(before.output, after.output, shape.renames) ? 'ok' : 'changes-meaning';
}

/** Where two parse outputs first differ, with some context, for the report. */
export function firstDifference(a: string, b: string, context = 60): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (i === a.length && i === b.length) return 'identical';
  const from = Math.max(0, i - context);
  const clip = (s: string) => `${from > 0 ? '…' : ''}${s.slice(from, i + context)}${i + context < s.length ? '…' : ''}`;
  return `before: ${clip(a)}\n after: ${clip(b)}`;
}
