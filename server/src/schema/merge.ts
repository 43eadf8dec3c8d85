/**
 * Merging a freshly extracted jetpack-nixos schema with ours: the structure comes from the source;
 * our descriptions, default explanations, SoM facts and other projects' options are kept. Used by
 * `npm run schema` (to refresh the bundled file) and by the live schema (the flake.lock-pinned
 * jetpack-nixos, read at run time).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OptionDecl, OptionDefault, OptionType, Schema } from './types';
import { type Extraction, type RemovedOption, type SourceFile, UNTYPED } from './extract';
import { readTextSync } from '../shared/safe-read';

/**
 * The description of an option nobody has described yet. It does not end a sentence, so the
 * schema-data test ("description should end a sentence") fails until it is replaced.
 */
export const PLACEHOLDER_DESCRIPTION = 'TODO: no description yet, write one in server/schema/descriptions.json';

/** Our key for a submodule field: `parent.*.field`. */
export function fieldKey(parent: string, field: string): string {
  return `${parent}.*.${field}`;
}

/** What changed, for people: names are full (`parent.*.field` for submodule fields). */
export interface MergeReport {
  /** Options that are new in the source; they have the placeholder description. */
  added: string[];
  /** Options that are gone from the source (dropped from the schema). */
  removed: string[];
  /** Options whose structural fields changed, with the fields. */
  changed: { name: string; fields: string[] }[];
  /** Options declared without a type whose type was kept from the current schema. */
  typeKept: string[];
  /** Options declared as removed upstream (`mkRemovedOptionModule`): the schema cannot carry them. */
  removedUpstream: RemovedOption[];
  /** Options still without a description (new ones, or descriptions never written). */
  undescribed: string[];
  /** Computed defaults without an explanation in default-explanations.json. */
  unexplained: string[];
  /** The extractor's problems, and conflicts found while merging. */
  problems: string[];
}

export interface MergeInput {
  current: Schema;
  extraction: Extraction;
  descriptions: Record<string, string>;
  explanations: Record<string, string>;
  source: Schema['source'];
  /** The description of an option nobody has described yet (default: PLACEHOLDER_DESCRIPTION). */
  placeholder?: string;
}

/** Merges freshly extracted options into the current schema, and says what changed. */
export function mergeSchema(input: MergeInput): { schema: Schema; report: MergeReport } {
  const { current, extraction } = input;
  const report: MergeReport = { added: [], removed: [], changed: [], typeKept: [], removedUpstream: [...extraction.removed], undescribed: [], unexplained: [], problems: [...extraction.problems] };
  const extras = current.options.filter((o) => o.project);
  const extraNames = new Set(extras.map((o) => o.name));
  const old = new Map(current.options.filter((o) => !o.project).map((o) => [o.name, o] as const));
  const fresh: OptionDecl[] = [];
  for (const o of extraction.options) {
    if (extraNames.has(o.name)) {
      report.problems.push(`${o.name}: declared in the source and in extra-options.json; the extra option is kept`);
      continue;
    }
    fresh.push(withOurData(o, old.get(o.name), input, report));
  }
  const options = [...fresh, ...extras].sort((a, b) => compare(a.name, b.name));
  aliasTypes(options, report);
  diff(flatten(current.options.filter((o) => !o.project)), flatten(fresh), report);
  const schema: Schema = { source: { ...input.source }, ownedNamespaces: current.ownedNamespaces, options, soms: current.soms, jetpacks: current.jetpacks };
  return { schema, report };
}

/** An extracted option with our description and explanation, in the schema's key order. */
function withOurData(o: OptionDecl, before: OptionDecl | undefined, input: MergeInput, report: MergeReport, key = o.name): OptionDecl {
  let type = o.type;
  let typeText = o.typeText;
  if (typeText === UNTYPED && !o.renamedTo && before && before.typeText !== UNTYPED) {
    // A partial re-declaration (no `type`): the type comes from the declaration elsewhere.
    type = before.type;
    typeText = before.typeText;
    report.typeKept.push(key);
  }
  const described = input.descriptions[key] ?? (before?.description && before.description !== PLACEHOLDER_DESCRIPTION ? before.description : undefined);
  if (!described) report.undescribed.push(key);
  return ordered({
    ...o,
    // An alias takes its target's type (fields and all) once every option is known.
    type: o.renamedTo ? type : ourType(type, key, beforeFields(before), input, report),
    typeText,
    default: o.default && ourDefault(o.default, key, before?.default, input, report),
    description: described ?? input.placeholder ?? PLACEHOLDER_DESCRIPTION,
  });
}

function ourDefault(d: OptionDefault, key: string, before: OptionDefault | undefined, input: MergeInput, report: MergeReport): OptionDefault {
  const out: OptionDefault = { text: d.text };
  if ('literal' in d) out.literal = d.literal;
  // An explanation written for another default would now be wrong, so only an unchanged one is kept.
  const explanation = input.explanations[key] ?? (before?.text === d.text ? before.explanation : undefined);
  if (explanation !== undefined) out.explanation = explanation;
  else if (!('literal' in d)) report.unexplained.push(key);
  return out;
}

/** The type with our data on the fields of its submodules. */
function ourType(t: OptionType, key: string, before: Record<string, OptionDecl> | undefined, input: MergeInput, report: MergeReport): OptionType {
  switch (t.kind) {
    case 'nullOr':
    case 'listOf':
    case 'attrsOf':
    case 'functionTo':
      return { kind: t.kind, of: ourType(t.of, key, before, input, report) };
    case 'oneOf':
      return { kind: 'oneOf', of: t.of.map((o) => ourType(o, key, before, input, report)) };
    case 'submodule': {
      const options: Record<string, OptionDecl> = {};
      for (const name of Object.keys(t.options).sort(compare)) {
        options[name] = withOurData(t.options[name]!, before?.[name], input, report, fieldKey(key, name));
      }
      return { kind: 'submodule', options };
    }
    default:
      return t;
  }
}

/** The submodule fields of an option's type (below listOf/attrsOf/nullOr), if any. */
function beforeFields(d: OptionDecl | undefined): Record<string, OptionDecl> | undefined {
  let t = d?.type;
  while (t && (t.kind === 'nullOr' || t.kind === 'listOf' || t.kind === 'attrsOf')) t = t.of;
  return t?.kind === 'submodule' ? t.options : undefined;
}

/** A renamed option has its target's type, wherever the target is declared (extras included). */
function aliasTypes(options: OptionDecl[], report: MergeReport): void {
  const byName = new Map(options.map((o) => [o.name, o] as const));
  for (const o of options) {
    if (!o.renamedTo || o.project) continue;
    const target = byName.get(o.renamedTo);
    if (!target) {
      report.problems.push(`${o.name}: renamed to ${o.renamedTo}, which the schema does not declare`);
      continue;
    }
    o.type = structuredClone(target.type);
    o.typeText = target.typeText;
  }
}

/** Every declaration with its full name (`parent.*.field` for submodule fields). */
function flatten(options: OptionDecl[]): Map<string, OptionDecl> {
  const out = new Map<string, OptionDecl>();
  const visit = (d: OptionDecl, key: string): void => {
    out.set(key, d);
    // An alias's fields are its target's: listing them twice would only be noise.
    if (d.renamedTo) return;
    for (const f of Object.values(beforeFields(d) ?? {})) visit(f, fieldKey(key, f.name));
  };
  for (const o of options) visit(o, o.name);
  return out;
}

const STRUCTURAL = ['type', 'typeText', 'default', 'readOnly', 'internal', 'renamedTo', 'declaredIn'] as const;

function diff(before: Map<string, OptionDecl>, after: Map<string, OptionDecl>, report: MergeReport): void {
  for (const name of [...after.keys()].sort(compare)) if (!before.has(name)) report.added.push(name);
  for (const name of [...before.keys()].sort(compare)) if (!after.has(name)) report.removed.push(name);
  for (const [name, a] of [...after].sort((x, y) => compare(x[0], y[0]))) {
    const b = before.get(name);
    if (!b) continue;
    const fields = STRUCTURAL.filter((f) => structural(f, b) !== structural(f, a));
    if (fields.length > 0) report.changed.push({ name, fields: [...fields] });
  }
}

/** A field as compared: submodule fields are compared on their own, so types leave them out. */
function structural(field: (typeof STRUCTURAL)[number], d: OptionDecl): string {
  if (field === 'type') return JSON.stringify(d.type, (k, v: unknown) => (k === 'options' ? Object.keys(v as object).sort() : v));
  if (field === 'default') return JSON.stringify(d.default ? { text: d.default.text, literal: d.default.literal } : null);
  if (field === 'readOnly' || field === 'internal') return String(Boolean(d[field]));
  return JSON.stringify(d[field] ?? null);
}

/** A declaration with the schema file's key order. */
function ordered(d: OptionDecl): OptionDecl {
  const out: Record<string, unknown> = { name: d.name, type: d.type, typeText: d.typeText };
  if (d.default) out['default'] = d.default;
  out['description'] = d.description;
  for (const key of ['readOnly', 'internal', 'renamedTo', 'declaredIn', 'project'] as const) if (d[key] !== undefined) out[key] = d[key];
  return out as unknown as OptionDecl;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}


/**
 * Every `.nix` file under `root` (hidden folders and node_modules left out), paths relative to it.
 * Symbolic links, FIFOs and devices are not followed or opened; a listed file that then cannot be
 * read (replaced, over the cap) stops the run with the reason rather than giving a partial schema.
 */
export function readTree(root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(rel);
      else if (e.isFile() && e.name.endsWith('.nix')) {
        const read = readTextSync(path.join(root, rel), { kind: 'nix' });
        if (!read.ok) throw new Error(read.message);
        out.push({ path: rel, text: read.value });
      }
    }
  };
  walk('');
  return out.sort((a, b) => compare(a.path, b.path));
}

