import type { Parser, Tree } from 'web-tree-sitter';
import type { Finding } from './diagnostic';
import { analyzeTree, type SummaryCache } from './analyze';
import { LineIndex } from '../text/line-index';
import { checkOptions, type OptionCache } from '../options/check';
import type { OptionIndex } from '../options/schema-index';
import type { OptionDecl } from '../schema/types';
import { bundledIndex } from '../schema/bundled';
import { scopesFor, undefinedNames, type ScopeModel } from '../scope/index';
import { lintFindings } from './lints';
import * as path from 'node:path';
import { applySuppressions } from './suppressions';
import { disabledCodes, type CodeSwitches, type DiagnosticCode } from './codes';
import { readFlake } from '../flake/inputs';
import type { LockFile } from '../flake/lock';
import { flakeFindings } from '../features/flake-inputs';
import { isExcluded, type RepoConfig } from '../repo-config';

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

/**
 * What the workspace says about a file, beyond its own text: the one context both the editor and
 * `jetson-nix check` give the analysis, so that they report the same findings.
 */
export interface CheckOptions {
  /** The file's path (flake checks run on `flake.nix`); absent for documents not on disk. */
  file?: string;
  /** The option schema to validate against (the bundled jetpack-nixos schema by default). */
  schema?: OptionIndex;
  /** The file is listed as a module somewhere (a `modules` or `imports` list). */
  isModuleFile?: boolean;
  /** Options declared by the workspace's other files. */
  declarations?: OptionDecl[];
  /** Reads the flake.lock beside a flake.nix (absent: flake inputs are checked without a lock). */
  lockFile?: (flakeNix: string) => LockFile;
  /** What not to report (see `policyFor`). */
  policy?: ReportPolicy;
}

/** The codes switched off for a file, and whether `.jetson-nix.json` excludes it altogether. */
export interface ReportPolicy {
  disabled: ReadonlySet<DiagnosticCode>;
  excluded?: boolean;
}

/**
 * The policy for a file: the one place the editor's lint switches, `--no-lints` and the
 * repository's `.jetson-nix.json` (disabled codes, excluded paths) are combined.
 */
export function policyFor(file: string | undefined, switches: Omit<CodeSwitches, 'disable'>, config: RepoConfig | undefined): ReportPolicy {
  return {
    disabled: disabledCodes({ ...switches, ...(config ? { disable: config.disable } : {}) }),
    excluded: file !== undefined && config !== undefined && isExcluded(config, file),
  };
}

/**
 * Checks a whole text from scratch (the CLI's path). The editor keeps trees and caches per
 * document instead (see `parse/document.ts`); both end in `diagnoseTree`.
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
 * Everything we report on a parsed text: syntax, scope and duplicates, the option checks, the
 * lints, the NUL warning, and in flake.nix its inputs against flake.lock; then the suppression
 * comments and the policy. The one function behind the editor's diagnostics and `jetson-nix check`.
 */
export function diagnoseTree(tree: Tree, fullText: string, options: CheckOptions = {}, previous: TreeCaches = {}): { findings: Finding[]; caches: TreeCaches } {
  const { text, nulAt } = nixVisibleText(fullText);
  // The scope model is built with the diagnostics (requests find it ready); it says which names are undefined.
  let model: ScopeModel | undefined;
  const { findings, cache } = analyzeTree(tree, text, previous.summaries, (syntax) => undefinedNames((model = scopesFor(tree, syntax, text))));
  const checked = checkOptions(
    tree.rootNode,
    options.schema ?? bundledIndex(),
    { isModuleFile: options.isModuleFile ?? false, declarations: options.declarations ?? [] },
    previous.options,
  );
  findings.push(...checked.findings);
  const parses = !findings.some((f) => f.code === 'syntax-error' && f.severity === 'error');
  // Lints judge code that parses: in a half-typed line, every binding looks unused.
  if (model && parses) findings.push(...lintFindings(model));
  if (nulAt >= 0) findings.push(nulFinding(nulAt));
  if (options.file !== undefined && path.basename(options.file) === 'flake.nix') findings.push(...flakeInputFindings(tree, text, options));
  const caches = { summaries: cache, options: checked.cache };
  if (options.policy?.excluded) return { findings: [], caches };
  const lines = new LineIndex(fullText);
  const reported = applySuppressions(finalizeFindings(findings, lines), tree.rootNode, text, lines, parses);
  const disabled = options.policy?.disabled;
  return { findings: disabled?.size ? reported.filter((f) => !disabled.has(f.code)) : reported, caches };
}

/** flake.nix's inputs, checked against the syntax and against the flake.lock beside it. */
function flakeInputFindings(tree: Tree, text: string, options: CheckOptions): Finding[] {
  const model = readFlake(tree.rootNode, text);
  return model ? flakeFindings(model, options.lockFile?.(options.file!) ?? { state: 'absent' }) : [];
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
