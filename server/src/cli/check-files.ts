import type { Parser } from 'web-tree-sitter';
import * as path from 'node:path';
import { checkText } from '../analysis/check';
import type { OptionDecl, Schema } from '../schema/types';
import { OptionIndex } from '../options/schema-index';
import { BUNDLED_SCHEMA } from '../schema/bundled';
import { loadLiveSchema, unverifiedNote } from '../schema/live';
import { listedModules, modulesOf, WorkspaceScan } from '../options/workspace';
import type { ConfigurationFacts, FileModuleFacts } from '../options/cross-file';
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
  /** Module paths with a part we cannot know (`…/hosts/*`). */
  moduleGlobs?: string[];
  /** Each file's own module, as the configurations across files read it. */
  modules?: [string, FileModuleFacts][];
  configurations?: ConfigurationFacts[];
  /** Files that exist but were not parsed (they add nothing to a configuration). */
  plain?: string[];
  /**
   * Flake folders whose flake.lock pins a jetpack-nixos that is in the local store, with its
   * schema; or, with `unverified` (why, in words), one other than the bundled revision that is not.
   */
  schemas?: FlakeSchemaEntry[];
}

/** The schema of one flake folder: live (extracted from the store), or the bundled one standing in unverified. */
export type FlakeSchemaEntry = { dir: string; schema: Schema; unverified?: undefined } | { dir: string; schema?: undefined; unverified: string };

/**
 * The live schema of every flake among the files (a folder with a flake.nix and a flake.lock
 * pinning jetpack-nixos whose source is in the local store). Nothing is run or downloaded.
 */
export async function collectLiveSchemas(parser: Parser, files: string[], note: (message: string) => void): Promise<FlakeSchemaEntry[]> {
  const dirs = [...new Set(files.filter((f) => path.basename(f) === 'flake.nix').map((f) => path.dirname(path.resolve(f))))].sort();
  const out: FlakeSchemaEntry[] = [];
  for (const dir of dirs) {
    const live = await loadLiveSchema(dir, parser, BUNDLED_SCHEMA);
    if ('reason' in live) {
      if (!live.unverified) continue;
      // Only worth saying when a pinned source exists but is not here: the user can fix that.
      note(`${path.relative(process.cwd(), dir) || '.'}: ${live.reason}; option findings there are notes, not errors`);
      out.push({ dir, unverified: unverifiedNote(live.unverified.locked, live.unverified.why, BUNDLED_SCHEMA) });
      continue;
    }
    note(`${path.relative(process.cwd(), dir) || '.'}: options checked against jetpack-nixos ${live.locked.label} pinned in flake.lock`);
    out.push({ dir, schema: live.schema });
  }
  return out;
}

/** The schema for a file: its nearest enclosing flake's live schema, if any. */
function schemaPicker(schemas: FlakeSchemaEntry[]): (file: string) => OptionIndex | undefined {
  const indexes = new Map(schemas.map((s) => [s.dir, s.schema ? new OptionIndex(s.schema) : new OptionIndex(BUNDLED_SCHEMA, [], s.unverified)] as const));
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
 * The first pass of a run: option declarations, module references and configurations across all
 * files. Only files that can contribute are parsed (a quick text test), so the pass costs little.
 */
export function collectFacts(parser: Parser, files: string[]): SharedFacts {
  const scan = new WorkspaceScan(parser, (file) => {
    try {
      return readNixFile(file);
    } catch {
      return undefined;
    }
  });
  for (const file of files) scan.update(path.resolve(file));
  const facts = scan.facts();
  return {
    declarations: facts.declarations,
    moduleFiles: [...facts.moduleFiles],
    moduleGlobs: [...facts.moduleGlobs],
    modules: [...facts.modules],
    configurations: facts.configurations,
    plain: scan.plainFiles(),
  };
}

/** Checks files one after another with one parser; an unreadable file becomes a report. */
export function checkFiles(parser: Parser, files: string[], shared: SharedFacts = { declarations: [], moduleFiles: [] }): Report[] {
  const isListed = listedModules({ moduleFiles: new Set(shared.moduleFiles), moduleGlobs: shared.moduleGlobs ?? [] });
  const plain = new Set(shared.plain ?? []);
  const workspace = modulesOf({ modules: new Map(shared.modules ?? []), configurations: shared.configurations ?? [] }, (f) => plain.has(f));
  const schemaFor = schemaPicker(shared.schemas ?? []);
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
      const schema = schemaFor(file);
      const abs = path.resolve(file);
      findings = checkText(parser, text, { declarations: shared.declarations, isModuleFile: isListed(abs), file: abs, workspace, ...(schema ? { schema } : {}) });
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
