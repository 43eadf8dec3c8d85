/** Stable codes of everything the analysis reports; users filter and search by them. */
export type DiagnosticCode =
  | 'syntax-error'
  | 'undefined-variable'
  | 'duplicate-attribute'
  | 'file-too-large'
  | 'unreadable-file'
  | 'analysis-failed'
  | 'unknown-option'
  | 'invalid-enum-value'
  | 'type-mismatch'
  | 'renamed-option'
  | 'read-only-option'
  | 'module-structure'
  | 'incompatible-jetpack-version'
  | 'unsupported-carrier-board'
  | 'cuda-capability-mismatch'
  | 'missing-required-option'
  | 'ineffective-option'
  | 'pkgs-replaced'
  // flake.nix inputs, checked against flake.lock (server/src/features/flake-inputs.ts)
  | 'unknown-input-attribute'
  | 'unknown-follows-target'
  | 'unknown-input-override'
  | 'input-not-locked'
  | 'stale-lock-input'
  | 'invalid-lock-file'
  | 'nixpkgs-not-followed'
  | 'ros-nixpkgs-replaced'
  // Lints, from the scope model (server/src/analysis/lints.ts); each switchable with jetsonNix.lints.*
  | 'unused-binding'
  | 'unused-with'
  | 'empty-let'
  | 'redundant-rec'
  | 'deprecated-syntax'
  | 'useless-parens';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** A finding in a document, with UTF-16 offsets into its text. */
export interface Finding {
  start: number;
  end: number;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  /** Another place the message talks about (the first definition of a duplicate, an opening brace). */
  related?: { start: number; end: number; message: string };
  /** A syntax error's misread region, where other findings would only be follow-on noise. */
  quiet?: { start: number; end: number };
  /** Quick fixes, as text edits of the document (offsets like `start`/`end`). */
  fixes?: Fix[];
  /** The option a value finding is about (for filters that depend on the configuration). */
  option?: string;
}

export interface Fix {
  title: string;
  edits: { start: number; end: number; newText: string }[];
}

