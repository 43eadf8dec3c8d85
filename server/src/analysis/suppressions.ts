import type { Node } from 'web-tree-sitter';
import type { Finding, Fix } from './diagnostic';
import { ALL_CODES, CODES, isDiagnosticCode, type DiagnosticCode } from './codes';
import { closest } from '../options/schema-index';
import type { LineIndex } from '../text/line-index';

/**
 * Per-line suppressions, the way `# noqa` and `eslint-disable-next-line` work:
 *
 * ```nix
 * helper = x: x; # jetson-nix: ignore[unused-binding]
 * # jetson-nix: ignore[unknown-option, type-mismatch] -- our fork declares it
 * hardware.nvidia-jetpack.kernel.version = "6.1";
 * ```
 *
 * A comment after code applies to its own line; a comment alone on its line applies to the next
 * line. A suppression that hides nothing, or names a code that does not exist, is reported
 * (`unused-suppression`), so they do not outlive the problem they were written for. Syntax errors
 * cannot be suppressed: Nix rejects the file whatever a comment says.
 */

const DIRECTIVE = /#[ \t]*jetson-nix:[ \t]*ignore\b(\[([^\]\n]*)\])?/g;

interface NamedCode {
  name: string;
  start: number;
  end: number;
}

interface Suppression {
  /** The comment, from `#` to the end of the directive. */
  start: number;
  end: number;
  /** The line whose findings it hides. */
  line: number;
  /** Whether it is alone on its line (removing it then removes the line). */
  ownLine: boolean;
  codes: NamedCode[];
}

/** The suppression comments of a text: only real comments (a `#` in a string is not one). */
function findSuppressions(root: Node, text: string, lines: LineIndex): Suppression[] {
  const out: Suppression[] = [];
  if (!text.includes('jetson-nix:')) return out;
  for (const m of text.matchAll(DIRECTIVE)) {
    const at = m.index!;
    const node = root.descendantForIndex(at, at + 1);
    if (node?.type !== 'comment' || node.startIndex !== at) continue;
    const line = lines.lineOf(at);
    const ownLine = text.slice(lines.offset({ line, character: 0 }), at).trim() === '';
    const codes: NamedCode[] = [];
    if (m[2] !== undefined) {
      const listStart = at + m[0].indexOf('[') + 1;
      for (const part of m[2].matchAll(/[^,\s]+/g)) codes.push({ name: part[0], start: listStart + part.index!, end: listStart + part.index! + part[0].length });
    }
    out.push({ start: at, end: at + m[0].length, line: ownLine ? line + 1 : line, ownLine, codes });
  }
  return out;
}

/**
 * Removes the findings that a suppression comment hides, and adds one `unused-suppression` for
 * each code a comment names in vain. `reportUnused` is off while the file has a syntax error:
 * the lints are not judged then, so their suppressions would all look unused.
 */
export function applySuppressions(findings: Finding[], root: Node, text: string, lines: LineIndex, reportUnused: boolean): Finding[] {
  const suppressions = findSuppressions(root, text, lines);
  if (suppressions.length === 0) return findings;
  const byLine = new Map<number, Suppression[]>();
  for (const s of suppressions) byLine.set(s.line, [...(byLine.get(s.line) ?? []), s]);
  const used = new Set<NamedCode>();
  const kept = findings.filter((f) => {
    if (f.code === 'syntax-error') return true;
    const named = (byLine.get(lines.lineOf(f.start)) ?? []).flatMap((s) => s.codes).filter((c) => c.name === f.code);
    for (const c of named) used.add(c);
    return named.length === 0;
  });
  if (!reportUnused) return kept;
  for (const s of suppressions) kept.push(...unusedFindings(s, used, text));
  return kept;
}

function unusedFindings(s: Suppression, used: Set<NamedCode>, text: string): Finding[] {
  if (s.codes.length === 0) {
    return [{ start: s.start, end: s.end, severity: 'warning', code: 'unused-suppression', message: 'this suppression names no code: write `# jetson-nix: ignore[code]`, e.g. `ignore[unused-binding]`', fixes: [removeComment(s, text)] }];
  }
  const unused = s.codes.filter((c) => !used.has(c));
  const all = unused.length === s.codes.length;
  return unused.map((c) => ({
    start: c.start,
    end: c.end,
    severity: 'warning',
    code: 'unused-suppression',
    message: whyUnused(c.name, s.ownLine),
    fixes: [all ? removeComment(s, text) : removeCode(s, c)],
  }));
}

function whyUnused(name: string, ownLine: boolean): string {
  if (!isDiagnosticCode(name)) {
    const near = closest(name, ALL_CODES, 1)[0];
    return `\`${name}\` is not a Jetson Nix code, so this suppresses nothing` + (near ? `: did you mean \`${near}\`?` : '');
  }
  if ((name as DiagnosticCode) === 'syntax-error') return 'syntax errors cannot be suppressed: Nix rejects the file whatever a comment says';
  return `nothing reports \`${name}\` on ${ownLine ? 'the next line' : 'this line'}, so this suppression is not needed`;
}

/** Removes the comment (a line comment: up to the end of the line), with its line when it is alone there. */
function removeComment(s: Suppression, text: string): Fix {
  const title = 'Remove the unused suppression';
  const lineStart = text.lastIndexOf('\n', s.start - 1) + 1;
  const eol = text.indexOf('\n', s.end);
  // Keep a CRLF line ending whole: remove up to the `\r`, not between it and the `\n`.
  const lineEnd = eol < 0 ? text.length : text[eol - 1] === '\r' ? eol - 1 : eol;
  if (s.ownLine) return { title, edits: [{ start: lineStart, end: eol < 0 ? text.length : eol + 1, newText: '' }] };
  let from = s.start;
  while (from > lineStart && (text[from - 1] === ' ' || text[from - 1] === '\t')) from--;
  return { title, edits: [{ start: from, end: lineEnd, newText: '' }] };
}

/** Removes one code from the list, with the comma that separates it from its neighbour. */
function removeCode(s: Suppression, c: NamedCode): Fix {
  const i = s.codes.indexOf(c);
  const next = s.codes[i + 1];
  const edit = next ? { start: c.start, end: next.start, newText: '' } : { start: s.codes[i - 1]!.end, end: c.end, newText: '' };
  return { title: `Remove \`${c.name}\` from the suppression`, edits: [edit] };
}

/** Codes a comment can hide: not syntax errors, and not what is about files or suppressions themselves. */
export function isSuppressible(code: DiagnosticCode): boolean {
  const category = CODES[code].category;
  return category !== 'syntax' && category !== 'tool';
}

/** Whether text inserted at `offset` would land inside a string or a comment (and so mean something else). */
function insideLiteral(root: Node, offset: number): boolean {
  for (let n: Node | null = root.descendantForIndex(offset, offset); n; n = n.parent) {
    if (n.startIndex >= offset || n.endIndex <= offset) continue;
    if (n.type === 'comment' || n.type === 'string_expression' || n.type === 'indented_string_expression') return true;
  }
  return false;
}

/**
 * The edit that hides `code` on the line of `offset`, for the editor's "Ignore … on this line":
 * the code added to a suppression comment that already covers the line, else a comment at the end
 * of the line, else a comment alone on a new line before it. Only comments are inserted, never
 * inside a string or another comment, so what the code means cannot change; undefined when no
 * place is safe.
 */
export function suppressionFix(root: Node, text: string, lines: LineIndex, offset: number, code: DiagnosticCode): Fix | undefined {
  const title = `Ignore \`${code}\` on this line`;
  const line = lines.lineOf(offset);
  const existing = findSuppressions(root, text, lines).find((s) => s.line === line && s.codes.length > 0);
  if (existing) return { title, edits: [{ start: existing.codes[existing.codes.length - 1]!.end, end: existing.codes[existing.codes.length - 1]!.end, newText: `, ${code}` }] };
  const lineStart = lines.offset({ line, character: 0 });
  const next = lines.offset({ line: line + 1, character: 0 });
  const lineText = text.slice(lineStart, next);
  const content = lineText.replace(/\r?\n$|\r$/, '').trimEnd();
  const end = lineStart + content.length;
  // A line comment runs to the end of the line: a directive after it would be part of its text.
  if (content.trim() !== '' && !insideLiteral(root, end) && root.descendantForIndex(end - 1, end)?.type !== 'comment') {
    return { title, edits: [{ start: end, end, newText: ` # jetson-nix: ignore[${code}]` }] };
  }
  if (!insideLiteral(root, lineStart)) {
    const indent = /^[ \t]*/.exec(lineText)![0];
    const eol = /\r\n$/.test(lineText) ? '\r\n' : '\n';
    return { title, edits: [{ start: lineStart, end: lineStart, newText: `${indent}# jetson-nix: ignore[${code}]${eol}` }] };
  }
  return undefined;
}
