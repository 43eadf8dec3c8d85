import type { DiagnosticCode, Severity } from './codes';

// The codes, their severities and descriptions live in one table (`codes.ts`).
export type { DiagnosticCode, Severity } from './codes';

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

