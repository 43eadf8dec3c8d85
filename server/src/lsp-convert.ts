import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver/node';
import type { Finding, Severity } from './analysis/diagnostic';
import { codeInfo, type Tag } from './analysis/codes';
import type { LineIndex, Range } from './text/line-index';

/** Quick fixes travel with their diagnostic (in `data`), already in LSP ranges. */
export interface DiagnosticFix {
  title: string;
  edits: { range: Range; newText: string }[];
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

const TAGS: Record<Tag, DiagnosticTag> = { unnecessary: DiagnosticTag.Unnecessary, deprecated: DiagnosticTag.Deprecated };

/**
 * Our findings as LSP diagnostics; `related` becomes relatedInformation in the same document.
 * Editors fade out what the table of codes calls unnecessary and strike through what is deprecated.
 */
export function toDiagnostic(f: Finding, lines: LineIndex, uri: string, version?: number): Diagnostic {
  const d: Diagnostic = {
    range: lines.range(f.start, f.end),
    severity: SEVERITY[f.severity],
    code: f.code,
    source: 'jetson-nix',
    message: f.message,
  };
  const tags = codeInfo(f.code).tags;
  if (tags?.length) d.tags = tags.map((t) => TAGS[t]);
  if (f.related) {
    d.relatedInformation = [{ location: { uri, range: lines.range(f.related.start, f.related.end) }, message: f.related.message }];
  }
  if (f.fixes?.length) {
    const fixes: DiagnosticFix[] = f.fixes.map((x) => ({ title: x.title, edits: x.edits.map((e) => ({ range: lines.range(e.start, e.end), newText: e.newText })) }));
    d.data = { fixes, version };
  }
  return d;
}
