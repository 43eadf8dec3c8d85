/**
 * Refreshes the structural part of `server/schema/jetpack-nixos.json` from a jetpack-nixos source
 * tree, read statically with our own parser (`server/src/schema/extract.ts`); no Nix evaluation.
 *
 * Usage: `npm run schema -- <jetpack-nixos tree> [--check] [--revision <rev>] [--date <YYYY-MM-DD>]`
 *
 * Kept from the current schema: our descriptions (`descriptions.json`, then the schema's own),
 * default explanations (`default-explanations.json`), the SoM and JetPack facts, the owned
 * namespaces and the options of other projects (`extra-options.json`, those with `project`).
 * Replaced: every structural field of jetpack-nixos's options (type, typeText, default, readOnly,
 * internal, renamedTo, declaredIn) and `source`. Options that appeared get a placeholder
 * description that fails `test/unit/schema-data.test.ts` until someone writes a real one; options
 * that disappeared are dropped. Both are reported. `--check` reports without writing and exits 1
 * when the file would change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Schema } from '../server/src/schema/types';
import { extractSchema } from '../server/src/schema/extract';
import { type MergeReport, mergeSchema, readTree } from '../server/src/schema/merge';
import { createNixParser } from '../server/src/parse/parser';
import { OUTPUT_FILE, SCHEMA_DIR, readJson, serializeSchema } from './build-schema-data';

export { PLACEHOLDER_DESCRIPTION, mergeSchema, readTree } from '../server/src/schema/merge';

// ---------------------------------------------------------------------------------------------
// The command line.

/** `git -C root …`, or undefined when it fails or prints nothing (root is not a git checkout). */
export function git(root: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The value after `name` on a command line. */
export function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The report as lines for the terminal. */
export function formatReport(report: MergeReport): string[] {
  const lines: string[] = [];
  const section = (title: string, items: string[]): void => {
    if (items.length === 0) return;
    lines.push(`${title} (${items.length}):`, ...items.map((i) => `  ${i}`));
  };
  section('new options (placeholder description: write one in server/schema/descriptions.json)', report.added);
  section('options gone from the source (dropped)', report.removed);
  section('changed options', report.changed.map((c) => `${c.name}: ${c.fields.join(', ')}`));
  section('declared without a type; type kept from the current schema', report.typeKept);
  section('removed upstream with mkRemovedOptionModule (not in the schema)', report.removedUpstream.map((r) => `${r.name} (${r.declaredIn.file}:${r.declaredIn.line}): ${r.message}`));
  section('without a description', report.undescribed);
  section('computed defaults without an explanation in server/schema/default-explanations.json', report.unexplained);
  section('could not be read statically', report.problems);
  if (lines.length === 0) lines.push('no changes');
  return lines;
}

async function main(argv: string[]): Promise<number> {
  const values = new Set([flag(argv, '--revision'), flag(argv, '--date')]);
  const tree = argv.find((a) => !a.startsWith('--') && !values.has(a));
  if (!tree) throw new Error('usage: npm run schema -- <jetpack-nixos tree> [--check] [--revision <rev>] [--date <YYYY-MM-DD>]');
  const root = path.resolve(tree);
  const revision = flag(argv, '--revision') ?? git(root, ['rev-parse', '--short', 'HEAD']);
  if (!revision) throw new Error(`${root} is not a git checkout: give its revision with --revision`);
  const date = flag(argv, '--date') ?? (flag(argv, '--revision') ? undefined : git(root, ['log', '-1', '--format=%cs']));
  const current = readJson<Schema>(OUTPUT_FILE);
  const extraction = extractSchema(readTree(root), await createNixParser());
  const { schema, report } = mergeSchema({
    current,
    extraction,
    descriptions: readJson<Record<string, string>>(path.join(SCHEMA_DIR, 'descriptions.json')),
    explanations: readJson<Record<string, string>>(path.join(SCHEMA_DIR, 'default-explanations.json')),
    source: { project: current.source.project, revision, ...(date ? { date } : {}) },
  });
  console.log(`${path.relative(process.cwd(), root) || '.'} at ${revision}: ${extraction.options.length} options extracted`);
  for (const line of formatReport(report)) console.log(line);
  const text = serializeSchema(schema);
  const stale = text !== fs.readFileSync(OUTPUT_FILE, 'utf8');
  if (argv.includes('--check')) {
    console.log(stale ? `${path.relative(process.cwd(), OUTPUT_FILE)} would change` : `${path.relative(process.cwd(), OUTPUT_FILE)} is up to date`);
    return stale ? 1 : 0;
  }
  fs.writeFileSync(OUTPUT_FILE, text);
  console.log(`wrote ${path.relative(process.cwd(), OUTPUT_FILE)}: ${schema.options.length} options`);
  return 0;
}

/** Runs a script's main with its arguments: its result is the exit code, an error one line and code 1. */
export function runCommand(run: (argv: string[]) => Promise<number>): void {
  run(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runCommand(main);
