import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver/node';
import type { Tree } from 'web-tree-sitter';
import type { LineIndex } from '../text/line-index';

/** Nodes folded from their opening line to their closing one. */
const FOLDED = new Set([
  'attrset_expression', 'rec_attrset_expression', 'let_attrset_expression', 'list_expression', 'formals',
  'string_expression', 'indented_string_expression', 'parenthesized_expression',
]);

const REGION_START = /^#\s*region\b/;
const REGION_END = /^#\s*endregion\b/;

/**
 * Folding ranges: attribute sets, lists, multi-line strings, argument sets, function bodies on the
 * lines below their arguments,
 * `let … in` blocks (up to the `in`), `/* … *\/` comments, runs of `#` comment lines, and
 * `# region` / `# endregion` markers. The closing line stays visible when the closing bracket
 * starts it. Single-line subtrees are never entered: on a large file only the nodes that span
 * lines are visited.
 */
export function foldingRanges(tree: Tree, text: string, lines: LineIndex): FoldingRange[] {
  const byStart = new Map<number, FoldingRange>();
  const add = (startLine: number, endLine: number, kind?: FoldingRangeKind) => {
    if (endLine <= startLine) return;
    const existing = byStart.get(startLine);
    // Two ranges on one line (`modules = [ {`): the outer one is what a reader wants to fold.
    if (existing && existing.endLine >= endLine) return;
    byStart.set(startLine, kind ? { startLine, endLine, kind } : { startLine, endLine });
  };
  const fold = (start: number, end: number, kind?: FoldingRangeKind) => add(lines.lineOf(start), closingLine(text, lines, end), kind);
  const commentLines: number[] = [];
  const regions: number[] = [];
  const types = tree.language.types;
  /** Start offsets of the cursor's ancestors, nearest last. */
  const ancestorStarts: number[] = [];
  const ancestorTypes: string[] = [];
  const cursor = tree.walk();
  try {
    for (;;) {
      const type = types[cursor.nodeTypeId] ?? '';
      const start = cursor.startIndex;
      const end = cursor.endIndex;
      const newline = text.indexOf('\n', start);
      const multiline = newline >= 0 && newline < end;
      if (type === 'comment') {
        comment(text, lines, start, end, multiline, { commentLines, regions, fold, add });
      } else if (multiline && FOLDED.has(type)) {
        fold(start, end);
      } else if (type === 'in' && ancestorTypes[ancestorTypes.length - 1] === 'let_expression') {
        add(lines.lineOf(ancestorStarts[ancestorStarts.length - 1]!), lines.lineOf(start) - 1);
      } else if (ancestorTypes[ancestorTypes.length - 1] === 'function_expression' && cursor.currentFieldName === 'body') {
        // `f = x:` with the body on the lines below: fold from the arguments to the body's end.
        const fn = ancestorStarts[ancestorStarts.length - 1]!;
        // Argument sets written over several lines keep their own fold on that line.
        const line = lines.lineOf(fn);
        if (lines.lineOf(start) > line && !byStart.has(line)) fold(fn, end);
      }
      if (multiline && type !== 'comment' && cursor.gotoFirstChild()) {
        ancestorStarts.push(start);
        ancestorTypes.push(type);
        continue;
      }
      let more = true;
      while (more && !cursor.gotoNextSibling()) {
        more = cursor.gotoParent();
        ancestorStarts.pop();
        ancestorTypes.pop();
      }
      if (!more) break;
    }
  } finally {
    cursor.delete();
  }
  for (const [first, last] of runs(commentLines)) add(first, last, FoldingRangeKind.Comment);
  return [...byStart.values()].sort((a, b) => a.startLine - b.startLine);
}

interface CommentSink {
  commentLines: number[];
  regions: number[];
  fold: (start: number, end: number, kind?: FoldingRangeKind) => void;
  add: (startLine: number, endLine: number, kind?: FoldingRangeKind) => void;
}

/** A comment: a block folds by itself, a `#` line on its own joins a run, or marks a region. */
function comment(text: string, lines: LineIndex, start: number, end: number, multiline: boolean, sink: CommentSink): void {
  if (multiline) {
    sink.fold(start, end, FoldingRangeKind.Comment);
    return;
  }
  if (text[start] !== '#') return;
  const line = lines.lineOf(start);
  const body = text.slice(start, end);
  if (REGION_START.test(body)) sink.regions.push(line);
  else if (REGION_END.test(body)) {
    const open = sink.regions.pop();
    if (open !== undefined) sink.add(open, line, FoldingRangeKind.Region);
  } else if (/^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', start - 1) + 1, start))) {
    sink.commentLines.push(line);
  }
}

/** The last line a range folds: the line before its end when the closing token starts that line. */
function closingLine(text: string, lines: LineIndex, end: number): number {
  const last = lines.lineOf(Math.max(0, end - 1));
  const lineStart = text.lastIndexOf('\n', end - 1) + 1;
  let i = lineStart;
  while (i < end && (text[i] === ' ' || text[i] === '\t')) i++;
  // Only closing tokens (`}`, `]`, `''`, `"`, `)`) on its line: keep that line visible.
  return /^(?:[}\])"\s]|'')+$/.test(text.slice(i, end)) ? last - 1 : last;
}

/** Runs of consecutive line numbers, at least two long, as [first, last]. */
function runs(sortedLines: number[]): [number, number][] {
  const out: [number, number][] = [];
  let first = sortedLines[0];
  for (let i = 1; i <= sortedLines.length; i++) {
    const prev = sortedLines[i - 1]!;
    const cur = sortedLines[i];
    if (cur === prev + 1) continue;
    if (first !== undefined && prev > first) out.push([first, prev]);
    first = cur;
  }
  return out;
}
