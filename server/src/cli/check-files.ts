import type { Parser } from 'web-tree-sitter';
import { checkText } from '../analysis/check';
import type { Finding, Severity } from '../analysis/diagnostic';
import { LineIndex, type Range } from '../text/line-index';
import { describeFailure } from '../util/errors';
import { readNixFile } from './files';

/** One reported problem, in the CLI's JSON shape (0-based LSP positions). */
export interface Report {
  file: string;
  range: Range;
  severity: Severity;
  code: string;
  message: string;
}

/** Checks files one after another with one parser; an unreadable file becomes a report. */
export function checkFiles(parser: Parser, files: string[]): Report[] {
  const out: Report[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readNixFile(file);
    } catch (err) {
      const reason = err instanceof Error && 'code' in err ? String((err as NodeJS.ErrnoException).code) : describeFailure(err);
      out.push({ file, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'error', code: 'unreadable-file', message: `cannot read this file (${reason})` });
      continue;
    }
    const findings: Finding[] = checkText(parser, text);
    if (findings.length === 0) continue;
    const lines = new LineIndex(text);
    for (const f of findings) {
      out.push({ file, range: lines.range(f.start, f.end), severity: f.severity, code: f.code, message: f.message });
    }
  }
  return out;
}
