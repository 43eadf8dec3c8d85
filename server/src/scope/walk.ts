import type { SyntaxNode } from './syntax';
import type { Binding, BindingKind, FunctionInfo, ParenContext, Placed, Reference, ReferenceKind, Scope, ScopeKind, Site, SyntaxNotes } from './model';
import type { SetDraft } from './attrs';

/**
 * What the parts of the scope builder share: `build.ts` walks expressions, `sets.ts` binds
 * attribute sets and `let`s, `recovery.ts` makes sense of syntax errors. A walk visits nodes
 * with flags saying how their names are judged.
 */

/** Nix checks the names (else they are resolved for navigation only). */
export const CHECKED = 1;
/** A set's values are bound elsewhere than where they are written (merged into another set). */
export const MOVED = 2;
/** Where a parenthesised expression stands: a whole binding value, or a list element. */
export const IN_BINDING = 4;
export const IN_LIST = 8;
export const CONTEXT = IN_BINDING | IN_LIST;

export interface Walk {
  readonly text: string;
  /** Attribute names, as flat `[start, end, …]` pairs. */
  readonly keys: number[];
  readonly places: { start: number; end: number; scope: Scope | undefined }[];
  readonly notes: SyntaxNotes;
  /** Starts of functions that are the value of an attribute named `outputs`. */
  readonly outputFunctions: Set<number>;
  /** Starts of `inherit (x)` clauses whose source was visited already. */
  readonly boundClauses: Set<number>;
  /** Visits a node (now, or later when the walk is deep). */
  push(node: SyntaxNode, start: number, env: Scope | undefined, flags: number): void;
  /** Binds an assembled set (now, or later when the walk is deep). */
  pushSet(set: SetDraft, env: Scope | undefined, flags: number): void;
  reference(name: string, start: number, end: number, kind: ReferenceKind, env: Scope | undefined, flags: number, clause?: Reference['clause']): void;
  bind(scope: Scope, name: string, kind: BindingKind, sites: Site[], value: Placed | undefined, inherit?: Binding['inherit'], attrs?: Binding['attrs']): void;
  scope(kind: ScopeKind, node: Site, parent: Scope | undefined, fn?: FunctionInfo, environment?: Site): Scope;
  formals(formals: SyntaxNode, start: number): { name: string; site: Site; value: Placed | undefined }[];
  noteParens(at: Placed, context: ParenContext, all?: boolean): void;
}
