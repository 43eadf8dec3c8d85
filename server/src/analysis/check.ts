import type { Parser, Tree } from 'web-tree-sitter';
import type { Finding } from './diagnostic';
import { analyzeTree, type SummaryCache } from './analyze';
import { LineIndex } from '../text/line-index';
import { checkOptions, type OptionCache } from '../options/check';
import type { OptionIndex } from '../options/schema-index';
import type { OptionDecl } from '../schema/types';
import type { WorkspaceModules } from '../options/cross-file';
import { bundledIndex } from '../schema/bundled';
import { scopesFor, undefinedNames, type ScopeModel } from '../scope/index';
import { lintFindings } from './lints';

/** The text Nix actually reads: it stops at the first NUL byte. */
export function nixVisibleText(text: string): { text: string; nulAt: number } {
  const nulAt = text.indexOf('\0');
  return nulAt < 0 ? { text, nulAt } : { text: text.slice(0, nulAt), nulAt };
}

/** Replaces `{line}` in messages with the 1-based line of the related location. */
export function finalizeFindings(findings: Finding[], lines: LineIndex): Finding[] {
  // Findings may be shared with caches: replace, never modify.
  return findings.map((f) =>
    f.related && f.message.includes('{line}') ? { ...f, message: f.message.replace('{line}', String(lines.lineOf(f.related.start) + 1)) } : f,
  );
}

export interface CheckOptions {
  /** The option schema to validate against (the bundled jetpack-nixos schema by default). */
  schema?: OptionIndex;
  /** The file is listed as a module somewhere (a `modules` or `imports` list). */
  isModuleFile?: boolean;
  /** Options declared by the workspace's other files. */
  declarations?: OptionDecl[];
  /** The document's absolute path (module paths resolve from its folder). */
  file?: string;
  /** What the workspace's other files add to the configurations this file is part of. */
  workspace?: WorkspaceModules;
}

/**
 * Checks a whole text from scratch (the CLI's path). The editor keeps trees and caches per
 * document instead (see `parse/document.ts`).
 */
export function checkText(parser: Parser, fullText: string, options: CheckOptions = {}): Finding[] {
  const { text } = nixVisibleText(fullText);
  const tree = parser.parse(text);
  if (!tree) throw new Error('the parser returned no tree');
  try {
    return diagnoseTree(tree, fullText, options).findings;
  } finally {
    tree.delete();
  }
}

/** Caches from the analysis of the previous version of a document, to reuse what did not change. */
export interface TreeCaches {
  summaries?: SummaryCache;
  options?: OptionCache;
}

/**
 * Everything we report on a parsed text: syntax, scope and duplicates, then the option checks,
 * then the lints, then the NUL warning; messages finalised. The one place the editor and the CLI share.
 */
export function diagnoseTree(tree: Tree, fullText: string, options: CheckOptions = {}, previous: TreeCaches = {}): { findings: Finding[]; caches: TreeCaches } {
  const { text, nulAt } = nixVisibleText(fullText);
  // The scope model is built with the diagnostics (requests find it ready); it says which names are undefined.
  let model: ScopeModel | undefined;
  const { findings, cache } = analyzeTree(tree, text, previous.summaries, (syntax) => undefinedNames((model = scopesFor(tree, syntax, text))));
  const checked = checkOptions(
    tree.rootNode,
    options.schema ?? bundledIndex(),
    {
      isModuleFile: options.isModuleFile ?? false,
      declarations: options.declarations ?? [],
      ...(options.file !== undefined ? { file: options.file } : {}),
      ...(options.workspace ? { workspace: options.workspace } : {}),
    },
    previous.options,
  );
  findings.push(...checked.findings);
  // Lints judge code that parses: in a half-typed line, every binding looks unused.
  if (model && !findings.some((f) => f.code === 'syntax-error' && f.severity === 'error')) findings.push(...lintFindings(model));
  if (nulAt >= 0) findings.push(nulFinding(nulAt));
  return { findings: finalizeFindings(findings, new LineIndex(fullText)), caches: { summaries: cache, options: checked.cache } };
}

export function nulFinding(at: number): Finding {
  return {
    start: at,
    end: at + 1,
    severity: 'warning',
    code: 'syntax-error',
    message: 'this file contains a NUL byte: Nix stops reading here and ignores the rest of the file',
  };
}
