import type { Parser } from 'web-tree-sitter';
import { createNixParser } from '../../server/src/parse/parser';
import { checkText } from '../../server/src/analysis/check';
import type { Finding } from '../../server/src/analysis/diagnostic';
import { LINT_CODES } from '../../server/src/analysis/lints';

let parser: Promise<Parser> | undefined;

/** One shared parser for a test file (the real grammar, loaded from the build). */
export function sharedParser(): Promise<Parser> {
  return (parser ??= createNixParser());
}

export async function check(text: string): Promise<Finding[]> {
  return checkText(await sharedParser(), text);
}

/** The language's verdicts only (syntax, scope, duplicates, options): lints have their own suite. */
export async function checkVerdicts(text: string): Promise<Finding[]> {
  return (await check(text)).filter((f) => !LINT_CODES.has(f.code));
}

/** A compact rendering of findings for assertions: `code@line:col message`. */
export function summarize(text: string, findings: Finding[]): string[] {
  return findings.map((f) => {
    const before = text.slice(0, f.start);
    const line = before.split('\n').length;
    const col = f.start - before.lastIndexOf('\n');
    return `${f.code}@${line}:${col} ${f.message}`;
  });
}
