import type { SyntaxNode } from './syntax';

/**
 * The scope model of one document: every binding, every reference and what it resolves to, the
 * scopes and the attribute sets the file defines statically. Built from the syntax tree alone,
 * following Nix's own rules (see `build.ts`); all offsets are absolute UTF-16 offsets into the
 * document text.
 */

/** A stretch of the text: where a name is written, an expression, a clause. */
export interface Site {
  readonly start: number;
  readonly end: number;
}

/** A syntax node with its absolute start (nodes only know their offset in their parent). */
export interface Placed {
  readonly node: SyntaxNode;
  readonly start: number;
}

/**
 * - `let`: a `let … in` binding (also `let { … }` and names a `let` inherits);
 * - `rec`: an attribute of a `rec { … }` set, which its values see;
 * - `formal`: a named argument `{ a, b ? 1 }:`;
 * - `pattern`: the name of the whole argument, `args@{ … }:` or `{ … }@args:`;
 * - `parameter`: the argument of `x: …`.
 */
export type BindingKind = 'let' | 'rec' | 'formal' | 'pattern' | 'parameter';

export interface Binding {
  readonly name: string;
  readonly kind: BindingKind;
  /** Where the name is written at its definition; several for `a.b = 1; a.c = 2;`. */
  readonly sites: Site[];
  readonly scope: Scope;
  /** The bound expression: `a = value;`, a formal's default. */
  readonly value: Placed | undefined;
  /** Defined by `inherit a;` (`from` absent) or `inherit (from) a;`: the clause, its source, how many names it has. */
  readonly inherit: { clause: Site; from: Placed | undefined; names: number } | undefined;
  /**
   * The attribute set the value is, when assembled from several definitions (`a.b = 1; a.c = 2;`)
   * or merged; for a plain literal value, see `attr-sets.ts`.
   */
  readonly attrs: AttrSet | undefined;
  readonly references: Reference[];
}

/**
 * - `variable`: a use of a name in an expression;
 * - `inherit`: the name in `inherit a;`, which reads `a` from the scope around the set.
 */
export type ReferenceKind = 'variable' | 'inherit';

export interface Reference {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly kind: ReferenceKind;
  /** The static binding it resolves to. */
  readonly binding: Binding | undefined;
  /** A name Nix defines everywhere (`map`, `builtins`, `true`), with no binding in the file. */
  readonly builtin: boolean;
  /** Neither: the innermost `with` it is looked up in at run time. */
  readonly withScope: Scope | undefined;
  /** The scope the name is looked up from. */
  readonly env: Scope | undefined;
  /**
   * Whether Nix checks this name when it parses the file. Names inside a syntax error, or in an
   * expression Nix never binds (`inherit (x);` with no names), are resolved for navigation only.
   */
  readonly checked: boolean;
  /** For an `inherit` name: the clause (`inherit a b;`) and the set's scope, when it has one. */
  readonly clause?: { site: Site; inner: Scope | undefined; names: number };
}

export type ScopeKind = 'let' | 'rec' | 'function' | 'with';

export interface Scope {
  readonly kind: ScopeKind;
  /** The node that opens the scope (`let … in …`, `rec { … }`, the function, the `with`). */
  readonly node: Site;
  readonly parent: Scope | undefined;
  readonly bindings: Map<string, Binding>;
  /** `with`: the expression whose attributes it brings in. */
  readonly environment?: Site;
  /** `with`: whether some name in its body may come from it (or a `with` inside it) at run time. */
  used: boolean;
  /** Functions: what the lints need to know about the argument list. */
  readonly function?: FunctionInfo;
}

export interface FunctionInfo {
  /** `{ … }:` rather than `x:`. */
  readonly hasFormals: boolean;
  /** `{ a, ... }`. */
  readonly ellipsis: boolean;
  /** `args@{ … }`. */
  readonly pattern: boolean;
  /** Takes module arguments (`config`, `lib`, `pkgs`, …) or returns a module. */
  readonly module: boolean;
  /** The value of an attribute named `outputs` (a flake's outputs function, called with every input). */
  readonly flakeOutputs: boolean;
}

/** An attribute set written in the file: a literal, or a set created by dotted names (`a.b = 1`). */
export interface AttrSet {
  readonly recursive: boolean;
  readonly attrs: Map<string, Attr>;
  /** The literal, when this set is one (`{ … }`, `rec { … }`, a `let`'s bindings). */
  readonly literal: Placed | undefined;
}

export interface Attr {
  readonly name: string;
  /** Where the name is written: several when dotted paths extend the same set. */
  readonly sites: Site[];
  /** The value written for it, absent for a set created by a dotted path and for `inherit`. */
  value: Placed | undefined;
  /** The attribute set it is, when known statically. */
  sub: AttrSet | undefined;
  /** `inherit a;` / `inherit (from) a;`. */
  readonly inherit: { clause: Placed; from: Placed | undefined; names: number } | undefined;
}

/** Syntax the lints judge, noted during the same walk. */
export interface SyntaxNotes {
  /** `let … in` expressions with no binding: the node and its body. */
  readonly emptyLets: { node: Site; body: Site | undefined }[];
  /** `let { … }` expressions. */
  readonly legacyLets: Placed[];
  /** URL literals (`https://example.org`). */
  readonly urls: Site[];
  /** Parenthesised expressions and what their context allows: see lints.ts. */
  readonly parens: { node: Placed; inner: Placed; context: ParenContext }[];
  /** `rec { … }` sets, with their scope (absent when merged into a plain set, which drops `rec`). */
  readonly recSets: { node: Site; scope: Scope | undefined }[];
}

/** Where a parenthesised expression stands, which decides whether its parentheses can go. */
export type ParenContext = 'binding-value' | 'list-element' | 'other';

export interface ScopeModel {
  readonly text: string;
  readonly root: SyntaxNode;
  /** Every binding, in no particular order. */
  readonly bindings: Binding[];
  /** Every reference, sorted by position. */
  readonly references: Reference[];
  /** Every scope, in the order they were opened. */
  readonly scopes: Scope[];
  /**
   * Where each scope is in force: the innermost place containing an offset gives its scope
   * (undefined: only the builtins). Values merged into a set written elsewhere get a place too.
   */
  readonly places: { start: number; end: number; scope: Scope | undefined }[];
  /**
   * Names of attributes, as flat `[start, end, start, end, …]` pairs (there are many): keys of
   * bindings that bind no variable, selected and tested names, names inherited from a source.
   */
  readonly keys: number[];
  /** Names selected from `builtins` itself (`builtins.map`). */
  readonly builtinMembers: Site[];
  readonly notes: SyntaxNotes;
  /** Whether the tree has syntax errors (lints are only judged on files that parse). */
  readonly hasErrors: boolean;
}
