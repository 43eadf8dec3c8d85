import type { Node } from 'web-tree-sitter';
import type { Finding } from './diagnostic';
import { type AttrTree, type PathElement } from './attr-tree';
import type { SyntaxNode } from '../scope/syntax';

/**
 * What the analysis knows about one subtree, independent of where it sits: the findings inside it,
 * and the facts its parent needs (the attributes of a set literal, the names a binding or an
 * `inherit` defines, the names of function arguments). Names are resolved by the scope model
 * (`scope/`), not here.
 * All offsets are relative to the subtree's start, so a summary stays valid while the subtree is
 * reused by tree-sitter after edits elsewhere in the document.
 */
export interface Summary {
  /** Validates a cache hit: the same subtree has the same type and length. */
  readonly typeId: number;
  readonly length: number;
  /** How much of Nix's parser stack this subtree's nesting takes (see NIX_MAX_DEPTH). */
  readonly depth?: number;
  readonly findings: readonly Finding[];
  /**
   * Attribute set literals (also through parentheses): the static attributes they define, with
   * offsets relative to `off` within this node (so that wrappers need not copy the tree).
   */
  readonly attrs?: { tree: AttrTree; off: number };
  /** `binding`: its attribute path and, when the value is a set literal, that set. */
  readonly binding?: { path: PathElement[]; value: { tree: AttrTree; off: number } | undefined };
  /** `attrpath`, `inherited_attrs`, `inherit`, `inherit_from`, `formal`, `formals`: the names. */
  readonly names?: PathElement[];
  /** `binding_set`: the resulting attributes and the bindings whose first name is dynamic. */
  readonly set?: { tree: AttrTree; dynamicFirst: PathElement[] };
  /** `binary_expression`: its operator, to find chains of non-associative comparisons. */
  readonly operator?: string;
  /** Ids of the children that were cached with this summary (carried over when it is reused). */
  readonly cachedChildren?: number[];
  /** A string literal without interpolation (or `${"…"}`): Nix treats it as a static name. */
  readonly staticString?: string;
  /** The subtree's plain copy for the scope model (absent for tokens, comments, MISSING nodes). */
  readonly syntax?: SyntaxNode;
}

export interface NodeView {
  node: Node;
  type: string;
  /** Offset of the node relative to the parent being combined. */
  off: number;
  summary: Summary;
}

export const EMPTY_FINDINGS: readonly Finding[] = [];

/** Rebases findings from a child at offset `off` into the parent's coordinates. */
export function rebaseFindings(out: Finding[], findings: readonly Finding[], off: number): void {
  for (const f of findings) {
    const copy: Finding = { ...f, start: f.start + off, end: f.end + off };
    if (f.related) copy.related = { ...f.related, start: f.related.start + off, end: f.related.end + off };
    if (f.quiet) copy.quiet = { start: f.quiet.start + off, end: f.quiet.end + off };
    out.push(copy);
  }
}

/** The default combination: everything of the children, nothing of the node itself. */
export function combineChildren(children: NodeView[], extra?: Finding[]): { findings: readonly Finding[] } {
  let findings: Finding[] | undefined;
  for (const c of children) {
    if (c.summary.findings.length > 0) rebaseFindings((findings ??= []), c.summary.findings, c.off);
  }
  if (extra && extra.length > 0) (findings ??= []).push(...extra);
  return { findings: findings ?? EMPTY_FINDINGS };
}
