import type { Parser } from 'web-tree-sitter';
import * as path from 'node:path';
import { checkText, nixVisibleText } from '../analysis/check';
import type { OptionDecl } from '../schema/types';
import { addToFacts, emptyWorkspaceFacts, mayContribute, scanFile } from '../options/workspace';
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

/** What the files of a run say about each other, in a form a worker thread can receive. */
export interface SharedFacts {
  declarations: OptionDecl[];
  moduleFiles: string[];
}

/**
 * The first pass of a run: option declarations and module references across all files. Only
 * files that can contribute are parsed (a quick text test), so the pass costs little.
 */
export function collectFacts(parser: Parser, files: string[]): SharedFacts {
  const facts = emptyWorkspaceFacts();
  for (const file of files) {
    let text: string;
    try {
      text = readNixFile(file);
    } catch {
      continue;
    }
    if (!mayContribute(text)) continue;
    const tree = parser.parse(nixVisibleText(text).text);
    if (!tree) continue;
    try {
      addToFacts(facts, scanFile(tree.rootNode, path.resolve(file)));
    } finally {
      tree.delete();
    }
  }
  return { declarations: facts.declarations, moduleFiles: [...facts.moduleFiles] };
}

/** Checks files one after another with one parser; an unreadable file becomes a report. */
export function checkFiles(parser: Parser, files: string[], shared: SharedFacts = { declarations: [], moduleFiles: [] }): Report[] {
  const moduleFiles = new Set(shared.moduleFiles);
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
    let findings: Finding[];
    try {
      findings = checkText(parser, text, { declarations: shared.declarations, isModuleFile: moduleFiles.has(path.resolve(file)) });
    } catch (err) {
      // One file we cannot analyse must not cost the reports of all the others.
      const reason = err instanceof Error ? err.message : String(err);
      out.push({ file, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'error', code: 'analysis-failed', message: `could not analyse this file (${reason}); please report it` });
      continue;
    }
    if (findings.length === 0) continue;
    const lines = new LineIndex(text);
    for (const f of findings) {
      out.push({ file, range: lines.range(f.start, f.end), severity: f.severity, code: f.code, message: f.message });
    }
  }
  return out;
}
