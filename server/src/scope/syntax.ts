import type { Node, TreeCursor } from 'web-tree-sitter';

/**
 * A plain-JavaScript copy of the named nodes of a syntax tree, for the scope model.
 *
 * Reading a tree-sitter node through WebAssembly costs about a microsecond, and the scope model
 * reads every node: on a 1 MB file that is a quarter of a second per reading. So the copy is
 * made by the diagnostics' walk (`analysis/analyze.ts`), which already reads every node once and
 * keeps the summaries of unchanged subtrees from one version to the next: a subtree tree-sitter
 * reused keeps its copy. Offsets are relative to the parent, so a copy stays valid wherever its
 * subtree moved (a reused copy whose offset changed is re-wrapped, sharing its children).
 *
 * Comments, anonymous tokens and zero-length nodes (tree-sitter's MISSING stand-ins) are left
 * out; ERROR nodes are kept with what they contain (and their `let` and `rec` keywords), so that
 * names in a half-typed line still resolve.
 */
export interface SyntaxNode {
  readonly type: string;
  /** Start relative to the parent's start (the root's is its absolute start). */
  readonly offset: number;
  readonly length: number;
  readonly children: readonly SyntaxNode[];
  /** Whether a MISSING token was left out right inside this node (it does not end as written). */
  readonly incomplete: boolean;
  /** Whether a `rec { … }` is in this subtree (only merges with one change how names are scoped). */
  readonly holdsRec: boolean;
}

const NONE: readonly SyntaxNode[] = Object.freeze([]);

/** Keywords kept where they are the only clue to a scope: directly inside an ERROR node. */
const KEPT_IN_ERRORS = new Set(['let', 'rec']);

export function syntaxLeaf(type: string, length: number): SyntaxNode {
  return { type, offset: 0, length, children: NONE, incomplete: false, holdsRec: false };
}

export function syntaxNode(type: string, length: number, children: SyntaxNode[], incomplete: boolean): SyntaxNode {
  let holdsRec = type === 'rec_attrset_expression';
  for (let i = 0; i < children.length && !holdsRec; i++) holdsRec = children[i]!.holdsRec;
  return { type, offset: 0, length, children: children.length > 0 ? children : NONE, incomplete, holdsRec };
}

/** The same copy, placed at `offset` in its parent (the same object when it already is). */
export function placedAt(node: SyntaxNode, offset: number): SyntaxNode {
  return node.offset === offset ? node : { ...node, offset };
}

interface Frame {
  start: number;
  type: string;
  length: number;
  offset: number;
  children: SyntaxNode[];
  incomplete: boolean;
}

/**
 * Copies a subtree by walking it with a cursor: for ERROR nodes (which the diagnostics describe
 * rather than walk), and for a tree analysed without the diagnostics.
 */
export function copySubtree(node: Node): SyntaxNode {
  const cursor = node.walk();
  const types = node.tree.language.types;
  try {
    const root = frame(cursor, types, node.startIndex);
    const stack: Frame[] = [root];
    let more = cursor.gotoFirstChild();
    while (more) {
      if (visit(cursor, types, stack)) {
        if (cursor.gotoFirstChild()) continue;
        const leaf = stack.pop()!;
        stack[stack.length - 1]!.children.push(finish(leaf));
      }
      // Next sibling, or climb, finishing the frame of every node left.
      while (!(more = cursor.gotoNextSibling())) {
        if (stack.length === 1 || !cursor.gotoParent()) break;
        const done = stack.pop()!;
        stack[stack.length - 1]!.children.push(finish(done));
      }
    }
    return finish(root);
  } finally {
    cursor.delete();
  }
}

function typeOf(cursor: TreeCursor, types: string[]): string {
  const id = cursor.nodeTypeId;
  return id === 65535 ? 'ERROR' : (types[id] ?? 'ERROR');
}

/** Handles the node under the cursor: skipped, kept as a leaf, or opened as a frame (true). */
function visit(cursor: TreeCursor, types: string[], stack: Frame[]): boolean {
  const parent = stack[stack.length - 1]!;
  if (cursor.nodeIsMissing) {
    parent.incomplete = true;
    return false;
  }
  const start = cursor.startIndex;
  const end = cursor.endIndex;
  const type = typeOf(cursor, types);
  if (!cursor.nodeIsNamed) {
    // In a syntax error, `let` and `rec` say how the bindings after them are scoped.
    if (parent.type === 'ERROR' && KEPT_IN_ERRORS.has(type)) parent.children.push(placedAt(syntaxLeaf(type, end - start), start - parent.start));
    return false;
  }
  if (end === start || type === 'comment') return false;
  if (type === 'variable_expression') {
    // A name: its identifier child adds nothing (the diagnostics' walk does not read it either).
    parent.children.push(placedAt(syntaxLeaf(type, end - start), start - parent.start));
    return false;
  }
  stack.push(frame(cursor, types, start - parent.start));
  return true;
}

function frame(cursor: TreeCursor, types: string[], offset: number): Frame {
  const start = cursor.startIndex;
  return { start, type: typeOf(cursor, types), length: cursor.endIndex - start, offset, children: [], incomplete: false };
}

function finish(f: Frame): SyntaxNode {
  return placedAt(syntaxNode(f.type, f.length, f.children, f.incomplete), f.offset);
}
