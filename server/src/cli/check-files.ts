import type { Parser } from 'web-tree-sitter';
import * as path from 'node:path';
import { checkText, nixVisibleText, policyFor } from '../analysis/check';
import type { OptionDecl, Schema } from '../schema/types';
import { OptionIndex } from '../options/schema-index';
import { BUNDLED_SCHEMA } from '../schema/bundled';
import { loadLiveSchema, readLockedJetpack, NO_LOCK, NOT_PINNED } from '../schema/live';
import { LockFiles } from '../flake/lock';
import { RepoConfigs, type RepoConfig } from '../repo-config';
import { addToFacts, emptyWorkspaceFacts, mayContribute, scanFile } from '../options/workspace';
import type { DiagnosticCode, Finding, Severity } from '../analysis/diagnostic';
import { LineIndex, type Range } from '../text/line-index';
import { readTextSync, type ReadFailure } from '../shared/safe-read';

/** One reported problem, in the CLI's JSON shape (0-based LSP positions). */
export interface Report {
  file: string;
  range: Range;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
}

/** What the files of a run say about each other, in a form a worker thread can receive. */
export interface SharedFacts {
  declarations: OptionDecl[];
  moduleFiles: string[];
  /** Flake folders whose flake.lock pins a jetpack-nixos that is in the local store, with its schema. */
  schemas?: { dir: string; schema: Schema }[];
  /** `false` for `--no-lints`. */
  lints?: boolean;
}

/** Why a flake has no live schema, when that is nothing to tell the user about. */
const QUIET_REASONS = new Set([NO_LOCK, NOT_PINNED]);

/**
 * The live schema of every flake among the files (a folder with a flake.nix and a flake.lock
 * pinning jetpack-nixos whose source is in the local store). Nothing is run or downloaded.
 */
export async function collectLiveSchemas(parser: Parser, files: string[], note: (message: string) => void): Promise<{ dir: string; schema: Schema }[]> {
  const dirs = [...new Set(files.filter((f) => path.basename(f) === 'flake.nix').map((f) => path.dirname(path.resolve(f))))].sort();
  const out: { dir: string; schema: Schema }[] = [];
  for (const dir of dirs) {
    const live = await loadLiveSchema(dir, parser, BUNDLED_SCHEMA);
    if ('reason' in live) {
      // Worth saying when there is a lock that pins something we could not use (not in the store,
      // unreadable, invalid): the user can fix that. No lock, or no jetpack-nixos in it, is normal,
      // and when the pin is the revision the bundled schema comes from, nothing is missing.
      if (await pinsBundledRevision(dir)) note(`${path.relative(process.cwd(), dir) || '.'}: options checked against jetpack-nixos ${BUNDLED_SCHEMA.source.revision} pinned in flake.lock (the schema bundled with Jetson Nix)`);
      else if (!QUIET_REASONS.has(live.reason)) note(`${path.relative(process.cwd(), dir) || '.'}: ${live.reason}; using the bundled schema (${BUNDLED_SCHEMA.source.revision})`);
      continue;
    }
    note(`${path.relative(process.cwd(), dir) || '.'}: options checked against jetpack-nixos ${live.locked.label} pinned in flake.lock`);
    out.push({ dir, schema: live.schema });
  }
  return out;
}

async function pinsBundledRevision(dir: string): Promise<boolean> {
  const locked = await readLockedJetpack(dir);
  return 'found' in locked && locked.found.rev !== undefined && locked.found.rev.startsWith(BUNDLED_SCHEMA.source.revision);
}

/** The problems of the `.jetson-nix.json` files a run used, as reports on those files. */
export function configReports(configs: RepoConfig[]): Report[] {
  return configs.flatMap((config) => {
    const lines = new LineIndex(config.text);
    const file = displayPath(config.file);
    return config.problems.map((p) => ({ file, range: lines.range(p.start, p.end), severity: 'error' as const, code: 'invalid-config' as const, message: p.message }));
  });
}

/** A path as the user would type it: relative to the working folder when it is below it. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** The schema for a file: its nearest enclosing flake's live schema, if any. */
function schemaPicker(schemas: { dir: string; schema: Schema }[]): (file: string) => OptionIndex | undefined {
  const indexes = new Map(schemas.map((s) => [s.dir, new OptionIndex(s.schema)] as const));
  return (file) => {
    let dir = path.dirname(path.resolve(file));
    for (;;) {
      const found = indexes.get(dir);
      if (found) return found;
      const parent = path.dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  };
}

/**
 * The first pass of a run: option declarations and module references across all files. Only
 * files that can contribute are parsed (a quick text test), so the pass costs little.
 */
export function collectFacts(parser: Parser, files: string[]): SharedFacts {
  const facts = emptyWorkspaceFacts();
  for (const file of files) {
    const read = readTextSync(file, { kind: 'nix' });
    if (!read.ok) continue; // reported by checkFiles
    const text = read.value;
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

const START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * Why a file was not checked. Too large is a warning: the file may be fine, it is only beyond
 * what the check reads (`READ_LIMITS.nix`). Anything else (a FIFO, a device, no permission) is
 * an error: what was asked for could not be checked at all.
 */
function unreadableReport(file: string, failure: ReadFailure): Report {
  if (failure.reason === 'too-large') return { file, range: START, severity: 'warning', code: 'file-too-large', message: `this file ${failure.problem}, so it was not checked` };
  return { file, range: START, severity: 'error', code: 'unreadable-file', message: `this file ${failure.problem}` };
}

/**
 * Checks files one after another with one parser; an unreadable file becomes a report. Each file
 * gets the same context the editor gives it: the run's facts, the flake.lock beside a flake.nix,
 * and the policy of its `.jetson-nix.json`.
 */
export function checkFiles(parser: Parser, files: string[], shared: SharedFacts = { declarations: [], moduleFiles: [] }, configs = new RepoConfigs()): Report[] {
  const moduleFiles = new Set(shared.moduleFiles);
  const schemaFor = schemaPicker(shared.schemas ?? []);
  const locks = new LockFiles();
  const out: Report[] = [];
  for (const file of files) {
    const policy = policyFor(file, { lints: shared.lints ?? true }, configs.forFile(file));
    const read = readTextSync(file, { kind: 'nix' });
    if (!read.ok) {
      const report = unreadableReport(file, read);
      if (!policy.disabled.has(report.code)) out.push(report);
      continue;
    }
    const text = read.value;
    let findings: Finding[];
    try {
      const schema = schemaFor(file);
      findings = checkText(parser, text, {
        file,
        declarations: shared.declarations,
        isModuleFile: moduleFiles.has(path.resolve(file)),
        ...(schema ? { schema } : {}),
        lockFile: (flakeNix) => locks.besideFlake(flakeNix),
        policy,
      });
    } catch (err) {
      // One file we cannot analyse must not cost the reports of all the others.
      const reason = err instanceof Error ? err.message : String(err);
      if (!policy.disabled.has('analysis-failed')) out.push({ file, range: START, severity: 'error', code: 'analysis-failed', message: `could not analyse this file (${reason}); please report it` });
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
