/**
 * Builds `server/schema/jetpack-nixos.json` (a `Schema`) from the reference data extracted from
 * anduril/jetpack-nixos (`jetpack-options.json`, `jetpack-som-matrix.json`) plus our hand-written
 * files in `server/schema/`:
 *
 * - `descriptions.json`: option name → our own description (submodule fields as `parent.*.field`);
 * - `default-explanations.json`: option name → the default in words (computed or overridden defaults);
 * - `extra-options.json`: options that do not come from the reference (nixpkgs, NixOS, nix-ros-overlay),
 *   as `OptionDecl`s without descriptions.
 *
 * Usage: `npx tsx scripts/build-schema-data.ts [referenceDir]` (default: `../shared/reference` relative
 * to the repository root). `--check` compares instead of writing and exits 1 when the file is stale.
 *
 * The output is deterministic: options sorted by name, submodule fields sorted, fixed key order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OptionDecl, OptionDefault, OptionType, Schema, SomFacts } from '../server/src/schema/types';
import { SIMPLE_TYPES } from '../server/src/schema/type-expr';
import { fieldKey } from '../server/src/schema/merge';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const SCHEMA_DIR = path.join(REPO_ROOT, 'server', 'schema');
export const DEFAULT_REFERENCE_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'reference');
export const OUTPUT_FILE = path.join(SCHEMA_DIR, 'jetpack-nixos.json');

/** The revision the reference was extracted from. */
const SOURCE = { project: 'anduril/jetpack-nixos', revision: '4d857d6', date: '2026-07-30' };

/** Prefixes whose every sub-option the schema declares (see the test for the check). */
const OWNED_NAMESPACES = [
  'hardware.nvidia-jetpack',
  'services.nvargus-daemon',
  'services.nvfancontrol',
  'services.nvpmodel',
  'services.ros2',
];

/**
 * JetPack generations at 4d857d6: `overlay.nix` (l4tMajorMinorPatchVersion, cudaMajorMinorPatchVersion,
 * given here as major.minor) and `pkgs/kernels/r{35,36,39}/default.nix` (kernel version).
 */
const JETPACKS: Schema['jetpacks'] = {
  '5': { l4t: '35.6.4', cuda: '11.4', kernel: '5.10.216' },
  '6': { l4t: '36.5.0', cuda: '12.6', kernel: '5.15.185' },
  '7': { l4t: '39.2.0', cuda: '13.2', kernel: '6.8.12' },
};

/**
 * USB product ids (vendor 0955) in forced-recovery mode, from the table in
 * `/work/shared/docs/jetson-facts.md`. thor-agx-t4000's id is not confirmed (7226 and 7326 are
 * both reported), so it has none; `generic` is no particular module.
 */
const RECOVERY_USB_IDS: Record<string, string[]> = {
  generic: [],
  'orin-agx': ['7023', '7223'],
  'orin-agx-industrial': ['7023'],
  'orin-nx': ['7323', '7423'],
  'orin-nano': ['7523', '7623'],
  'thor-agx': ['7026'],
  'thor-agx-t4000': [],
  'xavier-agx': ['7019'],
  'xavier-agx-industrial': ['7019'],
  'xavier-nx': ['7e19'],
  'xavier-nx-emmc': ['7e19'],
};

/** let-bindings that option types refer to by name (`types.enum jetpackVersions`). */
const TYPE_BINDINGS: Record<string, (string | number | boolean)[]> = {
  jetpackVersions: ['5', '6', '7'],
};

/**
 * Options whose reference type text is not a type expression. `hardware.nvidia.enabled` is NixOS's
 * own boolean option; jetpack-nixos re-declares it with nothing but `readOnly = false`.
 */
const TYPE_OVERRIDES: Record<string, { type: OptionType; typeText: string }> = {
  'hardware.nvidia.enabled': { type: { kind: 'bool' }, typeText: 'types.bool' },
};

// ---------------------------------------------------------------------------------------------
// Reference file shapes (only the fields we read).

export interface RefOption {
  name: string;
  kind: string;
  type: string;
  typeEvaluated?: string;
  enumValues?: (string | number | boolean)[];
  default?: string;
  defaultText?: string;
  readOnly?: boolean;
  internal?: boolean;
  renamedTo?: string;
  file: string;
  line: number;
  staticNotes?: string[];
  setInConfig?: { file: string; rule: string };
}

export interface RefSomRow {
  input: { som: string; carrierBoard: string; super: boolean; majorVersion?: string };
  majorVersion: string;
  cudaCapabilities: string[];
  targetBoard: string | null;
  failedAssertions: string[];
  [field: string]: unknown;
}

export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export function readReference(referenceDir: string): { options: RefOption[]; rows: RefSomRow[]; source: string } {
  const opts = readJson<{ source: string; options: RefOption[] }>(path.join(referenceDir, 'jetpack-options.json'));
  const matrix = readJson<{ rows: RefSomRow[] }>(path.join(referenceDir, 'jetpack-som-matrix.json'));
  return { options: opts.options, rows: matrix.rows, source: opts.source };
}

// ---------------------------------------------------------------------------------------------
// Nix type expressions → OptionType.

type Token =
  | { kind: 'punct'; text: '(' | ')' | '[' | ']' }
  | { kind: 'ident'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'block'; text: string }
  | { kind: 'other'; text: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      out.push({ kind: 'punct', text: c });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\') j++;
        s += src[j];
        j++;
      }
      if (j >= src.length) throw new Error('unterminated string');
      out.push({ kind: 'string', text: s });
      i = j + 1;
    } else if (c === '{') {
      // A submodule body: kept as one opaque token.
      let depth = 0;
      let j = i;
      for (; j < src.length; j++) {
        if (src[j] === '{') depth++;
        else if (src[j] === '}' && --depth === 0) break;
      }
      if (depth !== 0) throw new Error('unbalanced braces');
      out.push({ kind: 'block', text: src.slice(i, j + 1) });
      i = j + 1;
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i));
      if (!m) throw new Error(`unexpected ${c}`);
      out.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*/.exec(src.slice(i))!;
      out.push({ kind: 'ident', text: m[0] });
      i += m[0].length;
    } else {
      // `:`, `@`, `//` and the like: only meaningful inside bodies we skip.
      out.push({ kind: 'other', text: c });
      i++;
    }
  }
  return out;
}

/** The leaf types the reference's type texts use: the same table the source extractor reads with. */
const LEAVES = SIMPLE_TYPES;

class TypeParser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly bindings: Record<string, (string | number | boolean)[]>,
  ) {}

  parseAll(): OptionType {
    const t = this.parseApplication();
    if (this.pos !== this.tokens.length) throw new Error('trailing tokens');
    return t;
  }

  private next(): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw new Error('unexpected end');
    return t;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private expect(text: string): void {
    const t = this.next();
    if (t.text !== text || t.kind !== 'punct') throw new Error(`expected ${text}`);
  }

  /** A type constructor with its arguments, e.g. `types.nullOr types.path`. */
  private parseApplication(): OptionType {
    const t = this.next();
    if (t.kind === 'punct' && t.text === '(') {
      const inner = this.parseApplication();
      this.expect(')');
      return inner;
    }
    if (t.kind !== 'ident') throw new Error(`expected a type, got ${t.text}`);
    const name = t.text.replace(/^lib\./, '');
    if (!name.startsWith('types.')) throw new Error(`not a types.* expression: ${t.text}`);
    const ctor = name.slice('types.'.length);
    const leaf = LEAVES[ctor];
    if (leaf) return { ...leaf };
    switch (ctor) {
      case 'nullOr':
      case 'listOf':
      case 'attrsOf':
      case 'functionTo':
        return { kind: ctor, of: this.parseAtom() };
      case 'uniq':
        return this.parseAtom();
      case 'either':
        return { kind: 'oneOf', of: [this.parseAtom(), this.parseAtom()] };
      case 'oneOf': {
        this.expect('[');
        const of: OptionType[] = [];
        while (this.peek()?.text !== ']') of.push(this.parseAtom());
        this.expect(']');
        return { kind: 'oneOf', of };
      }
      case 'enum':
        return { kind: 'enum', values: this.parseEnumValues() };
      case 'submodule': {
        // The body is opaque here; the fields come from the reference's `parent.*.field` entries.
        const body = this.next();
        if (body.kind === 'punct' && body.text === '(') {
          let depth = 1;
          while (depth > 0) {
            const n = this.next();
            if (n.kind === 'punct' && n.text === '(') depth++;
            if (n.kind === 'punct' && n.text === ')') depth--;
          }
        } else if (body.kind !== 'block') {
          throw new Error('expected a submodule body');
        }
        return { kind: 'submodule', options: {} };
      }
      default:
        throw new Error(`unsupported type ${t.text}`);
    }
  }

  /** An argument: a parenthesised application or a bare leaf/constructor-less type. */
  private parseAtom(): OptionType {
    const t = this.peek();
    if (t?.kind === 'punct' && t.text === '(') return this.parseApplication();
    if (t?.kind === 'ident') {
      const name = t.text.replace(/^lib\./, '');
      const leaf = LEAVES[name.slice('types.'.length)];
      if (name.startsWith('types.') && leaf) {
        this.pos++;
        return { ...leaf };
      }
    }
    throw new Error(`expected a type argument at ${t?.text ?? 'end'}`);
  }

  private parseEnumValues(): (string | number | boolean)[] {
    const t = this.next();
    if (t.kind === 'ident') {
      const bound = this.bindings[t.text];
      if (!bound) throw new Error(`unknown enum binding ${t.text}`);
      return [...bound];
    }
    if (t.kind !== 'punct' || t.text !== '[') throw new Error('expected an enum list');
    const values: (string | number | boolean)[] = [];
    for (;;) {
      const v = this.next();
      if (v.kind === 'punct' && v.text === ']') return values;
      if (v.kind === 'string') values.push(v.text);
      else if (v.kind === 'number') values.push(Number(v.text));
      else if (v.kind === 'ident' && (v.text === 'true' || v.text === 'false')) values.push(v.text === 'true');
      else throw new Error(`unsupported enum value ${v.text}`);
    }
  }
}

/** Parses a NixOS type expression; anything we do not model becomes `{ kind: 'unknown', text }`. */
export function parseNixType(text: string, bindings: Record<string, (string | number | boolean)[]> = TYPE_BINDINGS): OptionType {
  try {
    return new TypeParser(tokenize(text.replace(/\/\*.*?\*\//g, '')), bindings).parseAll();
  } catch {
    return { kind: 'unknown', text };
  }
}

/** Parses a default that is a plain literal (`false`, `2`, `"generic"`, `[ ]`, `{ }`); undefined otherwise. */
export function parseNixLiteral(text: string): { value: unknown } | undefined {
  const s = text.trim();
  if (s === 'true' || s === 'false') return { value: s === 'true' };
  if (s === 'null') return { value: null };
  if (/^-?[0-9]+$/.test(s)) return { value: Number(s) };
  if (/^-?[0-9]+\.[0-9]+$/.test(s)) return { value: Number(s) };
  if (/^"([^"\\$]|\\.|\$(?!\{))*"$/.test(s)) return { value: s.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c)) };
  if (/^\{\s*\}$/.test(s)) return { value: {} };
  if (s.startsWith('[') && s.endsWith(']')) {
    let tokens: Token[];
    try {
      tokens = tokenize(s.slice(1, -1));
    } catch {
      return undefined;
    }
    const values: unknown[] = [];
    for (const t of tokens) {
      const inner = t.kind === 'string' ? { value: t.text } : t.kind === 'number' ? { value: Number(t.text) } : parseNixLiteral(t.text);
      if (!inner || t.kind === 'punct' || t.kind === 'block' || t.kind === 'other') return undefined;
      values.push(inner.value);
    }
    return { value: values };
  }
  return undefined;
}

/** The first enum in a type tree, depth first. */
export function firstEnum(t: OptionType): (string | number | boolean)[] | undefined {
  switch (t.kind) {
    case 'enum':
      return t.values;
    case 'nullOr':
    case 'listOf':
    case 'attrsOf':
    case 'functionTo':
      return firstEnum(t.of);
    case 'oneOf':
      for (const o of t.of) {
        const e = firstEnum(o);
        if (e) return e;
      }
      return undefined;
    default:
      return undefined;
  }
}

function hasUnknown(t: OptionType): boolean {
  switch (t.kind) {
    case 'unknown':
      return true;
    case 'nullOr':
    case 'listOf':
    case 'attrsOf':
    case 'functionTo':
      return hasUnknown(t.of);
    case 'oneOf':
      return t.of.some(hasUnknown);
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Options.


function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Builds one declaration with a fixed key order. */
function decl(parts: {
  name: string;
  type: OptionType;
  typeText: string;
  default?: OptionDefault | undefined;
  description: string;
  readOnly?: boolean | undefined;
  internal?: boolean | undefined;
  renamedTo?: string | undefined;
  declaredIn?: { file: string; line: number } | undefined;
  project?: OptionDecl['project'] | undefined;
}): OptionDecl {
  // Insertion order is the key order in the output.
  const ordered: Record<string, unknown> = { name: parts.name, type: parts.type, typeText: parts.typeText };
  if (parts.default) ordered['default'] = parts.default;
  ordered['description'] = parts.description;
  if (parts.readOnly !== undefined) ordered['readOnly'] = parts.readOnly;
  if (parts.internal !== undefined) ordered['internal'] = parts.internal;
  if (parts.renamedTo !== undefined) ordered['renamedTo'] = parts.renamedTo;
  if (parts.declaredIn) ordered['declaredIn'] = { file: parts.declaredIn.file, line: parts.declaredIn.line };
  if (parts.project) ordered['project'] = parts.project;
  return ordered as unknown as OptionDecl;
}

function orderedDefault(d: OptionDefault): OptionDefault {
  const out: OptionDefault = { text: d.text };
  if ('literal' in d) out.literal = d.literal;
  if (d.explanation !== undefined) out.explanation = d.explanation;
  return out;
}

/** Orders the keys of a type tree (and of the declarations inside submodules). */
function orderedType(t: OptionType, describe: (field: string) => string, parent: string): OptionType {
  switch (t.kind) {
    case 'enum':
      return { kind: 'enum', values: [...t.values] };
    case 'nullOr':
    case 'listOf':
    case 'attrsOf':
    case 'functionTo':
      return { kind: t.kind, of: orderedType(t.of, describe, parent) };
    case 'oneOf':
      return { kind: 'oneOf', of: t.of.map((o) => orderedType(o, describe, parent)) };
    case 'submodule': {
      const options: Record<string, OptionDecl> = {};
      for (const key of Object.keys(t.options).sort(compare)) {
        const f = t.options[key]!;
        options[key] = decl({
          name: f.name,
          type: orderedType(f.type, describe, fieldKey(parent, f.name)),
          typeText: f.typeText,
          default: f.default && orderedDefault(f.default),
          description: f.description || describe(fieldKey(parent, f.name)),
          readOnly: f.readOnly,
          internal: f.internal,
          renamedTo: f.renamedTo,
          declaredIn: f.declaredIn,
          project: f.project,
        });
      }
      return { kind: 'submodule', options };
    }
    case 'unknown':
      return { kind: 'unknown', text: t.text };
    case 'ints.between':
      return { kind: 'ints.between', min: t.min, max: t.max };
    default:
      return { kind: t.kind };
  }
}

/** Replaces the (empty) submodule of `t` with `options`. */
function fillSubmodule(t: OptionType, options: Record<string, OptionDecl>): OptionType {
  switch (t.kind) {
    case 'submodule':
      return { kind: 'submodule', options };
    case 'nullOr':
    case 'listOf':
    case 'attrsOf':
      return { kind: t.kind, of: fillSubmodule(t.of, options) };
    default:
      throw new Error('no submodule to fill');
  }
}

interface HandWritten {
  descriptions: Record<string, string>;
  explanations: Record<string, string>;
  extra: OptionDecl[];
}

export function readHandWritten(schemaDir: string = SCHEMA_DIR): HandWritten {
  return {
    descriptions: readJson<Record<string, string>>(path.join(schemaDir, 'descriptions.json')),
    explanations: readJson<Record<string, string>>(path.join(schemaDir, 'default-explanations.json')),
    extra: readJson<OptionDecl[]>(path.join(schemaDir, 'extra-options.json')),
  };
}

function defaultOf(o: RefOption, explanations: Record<string, string>, problems: string[]): OptionDefault | undefined {
  if (o.default === undefined) return undefined;
  const d: OptionDefault = { text: o.default };
  const lit = parseNixLiteral(o.default);
  if (lit) d.literal = lit.value;
  const explanation = explanations[o.name];
  if (explanation) d.explanation = explanation;
  const computed = !lit || (o.staticNotes ?? []).some((n) => n.includes('computed'));
  if (computed && !explanation) problems.push(`${o.name}: computed default ${JSON.stringify(o.default)} needs an entry in default-explanations.json`);
  return d;
}

function optionsFromReference(ref: RefOption[], hw: HandWritten, used: Set<string>, problems: string[]): OptionDecl[] {
  const describe = (key: string): string => {
    used.add(key);
    const d = hw.descriptions[key];
    if (!d) problems.push(`${key}: no description in descriptions.json`);
    return d ?? '';
  };
  const fields = new Map<string, RefOption[]>();
  const top: RefOption[] = [];
  for (const o of ref) {
    const m = /^(.*)\.\*\.([^.]+)$/.exec(o.name);
    if (m) {
      const list = fields.get(m[1]!) ?? [];
      list.push(o);
      fields.set(m[1]!, list);
    } else {
      top.push(o);
    }
  }

  const out: OptionDecl[] = [];
  for (const o of top) {
    const override = TYPE_OVERRIDES[o.name];
    let type = override?.type ?? parseNixType(o.type);
    const typeText = override?.typeText ?? o.type;
    // The evaluated type must agree with what we read from the source text.
    if (!override && o.typeEvaluated) {
      const evaluated = parseNixType(o.typeEvaluated);
      if (!hasUnknown(evaluated) && !hasUnknown(type) && JSON.stringify(evaluated) !== JSON.stringify(type)) {
        problems.push(`${o.name}: type ${o.type} and evaluated type ${o.typeEvaluated} disagree`);
      }
    }
    if (o.enumValues && JSON.stringify(firstEnum(type)) !== JSON.stringify(o.enumValues)) {
      problems.push(`${o.name}: enum values ${JSON.stringify(firstEnum(type))} differ from the reference ${JSON.stringify(o.enumValues)}`);
    }
    const subFields = fields.get(o.name);
    if (subFields) {
      const options: Record<string, OptionDecl> = {};
      for (const f of subFields) {
        const field = f.name.slice(o.name.length + 3);
        options[field] = {
          name: field,
          type: parseNixType(f.type),
          typeText: f.type,
          ...(f.default !== undefined ? { default: defaultOf({ ...f, name: f.name }, hw.explanations, problems)! } : {}),
          description: describe(f.name),
          readOnly: Boolean(f.readOnly),
          internal: Boolean(f.internal),
          declaredIn: { file: f.file, line: f.line },
        };
      }
      type = fillSubmodule(type, options);
      fields.delete(o.name);
    }
    out.push(
      decl({
        name: o.name,
        type: orderedType(type, describe, o.name),
        typeText,
        default: defaultOf(o, hw.explanations, problems),
        description: describe(o.name),
        readOnly: Boolean(o.readOnly),
        internal: Boolean(o.internal),
        renamedTo: o.renamedTo,
        declaredIn: { file: o.file, line: o.line },
      }),
    );
  }
  for (const parent of fields.keys()) problems.push(`${parent}: submodule fields without a parent option`);
  return out;
}

function extraOptions(hw: HandWritten, used: Set<string>, problems: string[]): OptionDecl[] {
  const describe = (key: string): string => {
    used.add(key);
    const d = hw.descriptions[key];
    if (!d) problems.push(`${key}: no description in descriptions.json`);
    return d ?? '';
  };
  return hw.extra.map((o) => {
    if (!o.project) problems.push(`${o.name}: extra options need a project`);
    return decl({
      name: o.name,
      type: orderedType(o.type, describe, o.name),
      typeText: o.typeText,
      default: o.default && orderedDefault(o.default),
      description: describe(o.name),
      readOnly: o.readOnly,
      internal: o.internal,
      renamedTo: o.renamedTo,
      declaredIn: o.declaredIn,
      project: o.project,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// SoMs.

function familyOf(som: string): SomFacts['family'] {
  if (som === 'generic') return 'generic';
  const family = som.split('-')[0];
  if (family === 'orin' || family === 'xavier' || family === 'thor') return family;
  throw new Error(`unknown SoM family: ${som}`);
}

/** Everything a row says except its input, to compare super = true with super = false. */
function outcome(row: RefSomRow): string {
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(row).sort(compare)) if (key !== 'input') rest[key] = row[key];
  return JSON.stringify(rest);
}

export function somFacts(rows: RefSomRow[], somValues: string[], problems: string[]): SomFacts[] {
  const find = (som: string, carrierBoard: string, majorVersion: string | undefined, superMode: boolean): RefSomRow | undefined =>
    rows.find((r) => r.input.som === som && r.input.carrierBoard === carrierBoard && r.input.majorVersion === majorVersion && r.input.super === superMode);
  const versions = Object.keys(JETPACKS).sort(compare);
  const out: SomFacts[] = [];
  for (const som of somValues) {
    const base = find(som, 'generic', undefined, false);
    const devkit = find(som, 'devkit', undefined, false);
    if (!base || !devkit) {
      problems.push(`${som}: missing from jetpack-som-matrix.json`);
      continue;
    }
    // A version is supported when the SoM evaluates on the generic or devkit carrier board without
    // failed assertions or an evaluation error in its flash target.
    const works = (r: RefSomRow | undefined): boolean => !!r && r.failedAssertions.length === 0 && r.targetBoard !== '<eval error>';
    const jetpackVersions = versions.filter((v) => works(find(som, 'generic', v, false)) || works(find(som, 'devkit', v, false)));
    const superEffective: Record<string, boolean> = {};
    for (const v of jetpackVersions) {
      superEffective[v] = ['generic', 'devkit'].some((cb) => {
        const off = find(som, cb, v, false);
        const on = find(som, cb, v, true);
        return !!off && !!on && outcome(off) !== outcome(on);
      });
    }
    // The matrix shows AGX Orin's flash target change with `super` on every JetPack, but Super
    // modes for AGX Orin exist only from JetPack 7 (L4T 39; jetson-facts.md): before that the
    // `-super` board configuration does not exist, so `super` cannot help there.
    if (som === 'orin-agx') for (const v of jetpackVersions) superEffective[v] = v === '7';
    const ids = RECOVERY_USB_IDS[som];
    if (!ids) problems.push(`${som}: no recovery USB ids listed`);
    const flashTarget = typeof devkit.targetBoard === 'string' && devkit.targetBoard !== '<eval error>' ? devkit.targetBoard : undefined;
    // Key order is the output order; flashTarget is left out when there is none.
    const facts: SomFacts = {
      som,
      family: familyOf(som),
      jetpackVersions,
      defaultJetpack: base.majorVersion,
      cudaCapabilities: [...base.cudaCapabilities],
      ...(flashTarget !== undefined ? { flashTarget } : {}),
      recoveryUsbIds: [...(ids ?? [])],
      superEffective,
    };
    if (!jetpackVersions.includes(facts.defaultJetpack)) problems.push(`${som}: default JetPack ${facts.defaultJetpack} does not evaluate`);
    out.push(facts);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

export function buildSchema(referenceDir: string = DEFAULT_REFERENCE_DIR, schemaDir: string = SCHEMA_DIR): Schema {
  const ref = readReference(referenceDir);
  if (!ref.source.includes(SOURCE.revision)) throw new Error(`reference is not from ${SOURCE.revision}: ${ref.source}`);
  const hw = readHandWritten(schemaDir);
  const problems: string[] = [];
  const used = new Set<string>();
  const options = [...optionsFromReference(ref.options, hw, used, problems), ...extraOptions(hw, used, problems)].sort((a, b) => compare(a.name, b.name));

  for (let i = 1; i < options.length; i++) if (options[i]!.name === options[i - 1]!.name) problems.push(`${options[i]!.name}: declared twice`);
  for (const key of Object.keys(hw.descriptions)) if (!used.has(key)) problems.push(`descriptions.json: ${key} is not an option`);
  const names = new Set(options.map((o) => o.name));
  for (const key of Object.keys(hw.explanations)) if (!names.has(key)) problems.push(`default-explanations.json: ${key} is not an option`);

  const som = options.find((o) => o.name === 'hardware.nvidia-jetpack.som');
  const somValues = som && som.type.kind === 'enum' ? som.type.values.map(String) : [];
  if (somValues.length === 0) problems.push('hardware.nvidia-jetpack.som is missing or not an enum');
  const soms = somFacts(ref.rows, somValues, problems);

  if (problems.length > 0) throw new Error(`schema data has problems:\n  ${problems.join('\n  ')}`);
  return {
    source: { ...SOURCE },
    ownedNamespaces: [...OWNED_NAMESPACES].sort(compare),
    options,
    soms,
    jetpacks: JETPACKS,
  };
}

export function serializeSchema(schema: Schema): string {
  return JSON.stringify(schema, null, 1) + '\n';
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const positional = argv.filter((a) => !a.startsWith('--'));
  const referenceDir = positional[0] ? path.resolve(positional[0]) : DEFAULT_REFERENCE_DIR;
  const text = serializeSchema(buildSchema(referenceDir));
  if (check) {
    const current = fs.existsSync(OUTPUT_FILE) ? fs.readFileSync(OUTPUT_FILE, 'utf8') : '';
    if (current !== text) {
      console.error(`${path.relative(process.cwd(), OUTPUT_FILE)} is out of date: run npx tsx scripts/build-schema-data.ts`);
      return 1;
    }
    console.log(`${path.relative(process.cwd(), OUTPUT_FILE)} is up to date`);
    return 0;
  }
  fs.writeFileSync(OUTPUT_FILE, text);
  const schema = JSON.parse(text) as Schema;
  console.log(`wrote ${path.relative(process.cwd(), OUTPUT_FILE)}: ${schema.options.length} options, ${schema.soms.length} SoMs`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  }
}

export { fieldKey };
