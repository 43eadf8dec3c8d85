import type { SelectionRange } from 'vscode-languageserver/node';
import type { Node, Tree } from 'web-tree-sitter';
import type { LineIndex, Position } from '../text/line-index';

/** Selection ranges deeper than this are cut from the inside (hostile nesting). */
const MAX_CHAIN = 256;

/**
 * Expand/shrink selection: for each position, the chain of syntax nodes around it from the
 * innermost out, each range once (a node with the same extent as its child adds nothing). Inside
 * a string the text between the quotes comes before the whole string, and inside braces or
 * brackets the contents come before the delimiters.
 */
export function selectionRanges(tree: Tree, text: string, lines: LineIndex, positions: Position[]): SelectionRange[] {
  return positions.map((p) => chainAt(tree, text, lines, lines.offset(p)));
}

function chainAt(tree: Tree, text: string, lines: LineIndex, offset: number): SelectionRange {
  const spans: [number, number][] = [];
  let node: Node | null = tree.rootNode.descendantForIndex(anchor(text, offset));
  for (; node && spans.length < MAX_CHAIN; node = node.parent) {
    const inner = innerSpan(node);
    if (inner) push(spans, inner[0], inner[1], offset);
    push(spans, node.startIndex, node.endIndex, offset);
  }
  // The whole document is always the last step.
  push(spans, 0, text.length, offset);
  let range: SelectionRange | undefined;
  for (let i = spans.length - 1; i >= 0; i--) {
    const [start, end] = spans[i]!;
    range = range ? { range: lines.range(start, end), parent: range } : { range: lines.range(start, end) };
  }
  return range ?? { range: lines.range(offset, offset) };
}

/** At the end of a word (`foo|`), the word itself is meant, not what follows it. */
function anchor(text: string, offset: number): number {
  const word = /[A-Za-z0-9_'\-.]/;
  if (offset > 0 && word.test(text[offset - 1] ?? '') && !word.test(text[offset] ?? '')) return offset - 1;
  return offset;
}

/** The inside of a node's delimiters: a string between its quotes, a set or list within its brackets. */
function innerSpan(node: Node): [number, number] | undefined {
  // `rec {`: the brace is the second token.
  const first = node.type === 'rec_attrset_expression' ? node.child(1) : node.firstChild;
  const last = node.lastChild;
  if (!first || !last || node.childCount < 3) return undefined;
  const open = first.type;
  const close = last.type;
  const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')', '"': '"', "''": "''", '${': '}' };
  if (pairs[open] !== close || last.isMissing) return undefined;
  const start = first.endIndex;
  const end = last.startIndex;
  return end > start ? [start, end] : undefined;
}

/** Adds a span when it contains the position and is larger than the last one. */
function push(spans: [number, number][], start: number, end: number, offset: number): void {
  if (start > offset || end < offset) return;
  const last = spans[spans.length - 1];
  if (last && last[0] === start && last[1] === end) return;
  if (last && (start > last[0] || end < last[1])) return;
  spans.push([start, end]);
}
