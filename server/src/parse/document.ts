import type { Parser, Tree } from 'web-tree-sitter';
import { diagnoseTree, nixVisibleText, type TreeCaches } from '../analysis/check';
import type { Finding } from '../analysis/diagnostic';
import { LineIndex, type Position, type Range } from '../text/line-index';
import type { CheckOptions } from '../analysis/check';

/** A text change as LSP sends it: a range and its replacement, or a whole new text. */
export type TextChange = { range: Range; text: string } | { text: string };

/**
 * One open document: its text, its syntax tree, and the analysis cache. Edits update the tree
 * incrementally (`tree.edit` + re-parse with the old tree) and the analysis reuses the summaries
 * of every subtree tree-sitter reused.
 */
export class NixDocument {
  private tree: Tree | undefined;
  private caches: TreeCaches = {};
  private lines: LineIndex;
  private findings: Finding[] | undefined;
  /** Whether the tree was parsed from a text cut at a NUL byte (its offsets then stop there). */
  private treeTruncated = false;

  constructor(
    private readonly parser: Parser,
    public text: string,
    public version: number,
    /** What the workspace says about this document (declarations elsewhere, whether it is imported). */
    private readonly optionContext: () => CheckOptions = () => ({}),
  ) {
    this.lines = new LineIndex(text);
  }

  /** Forgets the findings (not the tree) after the workspace changed what they depend on. */
  invalidate(): void {
    this.findings = undefined;
  }

  get lineIndex(): LineIndex {
    return this.lines;
  }

  /** Applies LSP content changes in order, editing the tree so the next parse is incremental. */
  applyChanges(changes: TextChange[], version: number): void {
    for (const change of changes) {
      if (!('range' in change)) {
        this.text = change.text;
        this.dropTree();
      } else {
        const start = this.lines.offset(change.range.start);
        const oldEnd = this.lines.offset(change.range.end);
        const startPosition = pointOf(this.lines, change.range.start, start);
        const oldEndPosition = pointOf(this.lines, change.range.end, oldEnd);
        this.text = this.text.slice(0, start) + change.text + this.text.slice(oldEnd);
        const newEnd = start + change.text.length;
        this.tree?.edit({
          startIndex: start,
          oldEndIndex: oldEnd,
          newEndIndex: newEnd,
          startPosition,
          oldEndPosition,
          newEndPosition: endPoint(startPosition, change.text),
        });
      }
      this.lines = new LineIndex(this.text);
    }
    this.version = version;
    this.findings = undefined;
  }

  /** Findings for the current text; parses and analyses only what changed since last time. */
  diagnose(): Finding[] {
    if (this.findings) return this.findings;
    const { text, nulAt } = nixVisibleText(this.text);
    if (nulAt >= 0 || this.treeTruncated) this.dropTree();
    const tree = this.parser.parse(text, this.tree ?? null);
    if (!tree) throw new Error('the parser returned no tree');
    const previousTree = this.tree;
    let result: ReturnType<typeof diagnoseTree>;
    try {
      result = diagnoseTree(tree, this.text, this.optionContext(), previousTree ? this.caches : {});
    } catch (err) {
      tree.delete();
      throw err;
    }
    const { findings, caches } = result;
    // The previous tree is freed only now: while it lives, no reused subtree's id can be recycled.
    previousTree?.delete();
    this.tree = tree;
    this.treeTruncated = nulAt >= 0;
    this.caches = caches;
    this.findings = findings;
    return findings;
  }

  /** The same analysis of the current tree without any cache: what incremental results must equal. */
  diagnoseWithoutCaches(): Finding[] {
    return diagnoseTree(this.syntaxTree(), this.text, this.optionContext()).findings;
  }


  /** The current syntax tree (parsing if needed), for features that read it. */
  syntaxTree(): Tree {
    this.diagnose();
    return this.tree!;
  }

  dispose(): void {
    this.dropTree();
  }

  private dropTree(): void {
    this.tree?.delete();
    this.tree = undefined;
    this.caches = {};
  }
}

/** web-tree-sitter counts point columns in UTF-16 code units, as LSP does. */
function pointOf(_lines: LineIndex, p: Position, _offset: number): { row: number; column: number } {
  return { row: p.line, column: p.character };
}

function endPoint(start: { row: number; column: number }, inserted: string): { row: number; column: number } {
  const lines = inserted.split(/\r\n|\r|\n/);
  if (lines.length === 1) return { row: start.row, column: start.column + inserted.length };
  return { row: start.row + lines.length - 1, column: lines[lines.length - 1]!.length };
}
