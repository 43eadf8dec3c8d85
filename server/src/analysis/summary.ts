import type { Node } from 'web-tree-sitter';
import type { Finding } from './diagnostic';
import { type FreeMap, EMPTY_FREE, FreeMapBuilder } from './free-vars';
import { type AttrTree, type PathElement } from './attr-tree';

/**
 * What the analysis knows about one subtree, independent of where it sits: the variables it uses
 * but does not bind, the findings inside it, and the facts its parent needs (the attributes of a
 * set literal, the names a binding or an `inherit` defines, the names of function arguments).
 * All offsets are relative to the subtree's start, so a summary stays valid while the subtree is
 * reused by tree-sitter after edits elsewhere in the document.
 */
export interface Summary {
  /** Validates a cache hit: the same subtree has the same type and length. */
  readonly typeId: number;
  readonly length: number;
  /** How much of Nix's parser stack this subtree's nesting takes (see NIX_MAX_DEPTH). */
  readonly depth?: number;
  /** Variables used and not bound inside, resolved by the enclosing scopes. */
  readonly free: FreeMap;
  /** Plain `inherit a;` references: resolved in the scope *outside* a `let` or `rec` set. */
  readonly outerFree?: FreeMap;
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

const NOTHING: { free: FreeMap; findings: readonly Finding[] } = { free: EMPTY_FREE, findings: EMPTY_FINDINGS };

/** The default combination: everything of the children, nothing of the node itself. */
export function combineChildren(children: NodeView[], extra?: Finding[]): { free: FreeMap; findings: readonly Finding[] } {
  if (!extra || extra.length === 0) {
    // Most subtrees have nothing to pass up, or pass up one child's references unchanged.
    let only: NodeView | undefined;
    let simple = true;
    for (const c of children) {
      const s = c.summary;
      if (s.findings.length > 0) {
        simple = false;
        break;
      }
      if (s.free.size > 0) {
        if (only) {
          simple = false;
          break;
        }
        only = c;
      }
    }
    if (simple) return only ? { free: only.summary.free.at(only.off), findings: EMPTY_FINDINGS } : NOTHING;
  }
  const free = new FreeMapBuilder();
  let findings: Finding[] | undefined;
  for (const c of children) {
    free.add(c.summary.free, c.off);
    if (c.summary.findings.length > 0) rebaseFindings((findings ??= []), c.summary.findings, c.off);
  }
  if (extra && extra.length > 0) (findings ??= []).push(...extra);
  return { free: free.build(), findings: findings ?? EMPTY_FINDINGS };
}

export { EMPTY_FREE };
