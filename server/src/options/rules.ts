import * as path from 'node:path';
import type { Finding, Fix } from '../analysis/diagnostic';
import type { Definition } from './modules';
import type { OptionIndex } from './schema-index';
import { literalOf, unparen, type Literal } from './values';
import { argumentName } from '../schema/nix-static';

/**
 * Rules across options, from jetpack-nixos's own assertions and the facts of each SoM. A rule
 * fires only when every value it needs is a literal, set unconditionally (not under `mkIf`) in the
 * same configuration; a value left unset counts as its default only where the default is fixed.
 */

const JP = 'hardware.nvidia-jetpack';

/** Whether the rules read an option: jetpack-nixos's own, and the CUDA capabilities of nixpkgs. */
export function readByRules(name: string): boolean {
  return name.startsWith(`${JP}.`) || name === 'nixpkgs.config.cudaCapabilities';
}

/** A literal without references to tree nodes, so it can be cached across edits. */
export type PlainLiteral =
  | { kind: 'string'; value: string }
  | { kind: 'int' | 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'path'; value: string }
  | { kind: 'list'; elements: PlainLiteral[] }
  | { kind: 'null' | 'attrs' | 'function' | 'unknown' };

export function plainLiteral(l: Literal): PlainLiteral {
  if (l.kind === 'list') return { kind: 'list', elements: l.elements.map((e) => plainLiteral(e.value)) };
  if (l.kind === 'attrs') return { kind: 'attrs' };
  return l;
}

/**
 * What the rules need of a definition, with offsets only (no tree nodes): it can be cached with
 * its module and moved when text before it changes.
 */
export interface RuleDef {
  name: string;
  kind: Definition['kind'];
  conditional: boolean;
  literal: PlainLiteral;
  /** The value's range, where a finding about it goes. */
  start: number;
  end: number;
  /** Where options can be added after this binding, and the set path its names are written from. */
  anchor?: { after: number; indent: string; setPath: string };
  /** Set for a definition in another file of the configuration: offsets are that file's, and only its line is shown. */
  origin?: { file: string; line: number };
  /** The value is the module's argument of this name (`som = som;`): a configuration's `specialArgs` may give it. */
  arg?: string;
}

export function toRuleDef(d: Definition): RuleDef {
  const value = d.value;
  const literal = d.kind === 'value' && value ? plainLiteral(literalOf(value)) : { kind: 'unknown' as const };
  const def: RuleDef = {
    name: d.path.map((s) => s.name).join('.'),
    kind: d.kind,
    conditional: d.conditional,
    literal,
    start: value?.startIndex ?? d.path[d.path.length - 1]!.start,
    end: value?.endIndex ?? d.path[d.path.length - 1]!.end,
  };
  const bare = value && d.kind === 'value' ? unparen(value) : d.inherited;
  const arg = bare?.type === 'variable_expression' || bare?.type === 'identifier' ? argumentName(bare) : undefined;
  if (arg !== undefined) def.arg = arg;
  const binding = value?.parent;
  const attrpath = binding?.type === 'binding' ? binding.childForFieldName('attrpath') : null;
  if (binding && attrpath) {
    const written = attrpath.namedChildren.filter((c) => c?.type === 'identifier' || c?.type === 'string_expression').length;
    def.anchor = {
      after: binding.endIndex,
      indent: ' '.repeat(binding.startPosition.column),
      setPath: d.path.slice(0, d.path.length - written).map((s) => s.name).join('.'),
    };
  }
  return def;
}

/** Moves a rule definition by `by` characters (its module moved in the document). */
export function shiftRuleDef(d: RuleDef, by: number): RuleDef {
  if (by === 0) return d;
  const out: RuleDef = { ...d, start: d.start + by, end: d.end + by };
  if (d.anchor) out.anchor = { ...d.anchor, after: d.anchor.after + by };
  return out;
}

interface Fact {
  literal: PlainLiteral;
  start: number;
  end: number;
  def: RuleDef;
}

/**
 * The options of one configuration whose value is certain: exactly one definition, unconditional,
 * a literal. An option defined more than once, under `mkIf`, or by a non-literal is uncertain and
 * appears only in `defined`.
 */
export function facts(definitions: RuleDef[]): { literal: Map<string, Fact>; defined: Set<string> } {
  const byName = new Map<string, RuleDef[]>();
  for (const d of definitions) {
    const list = byName.get(d.name) ?? [];
    list.push(d);
    byName.set(d.name, list);
  }
  const literal = new Map<string, Fact>();
  for (const [name, defs] of byName) {
    const d = defs[0]!;
    if (defs.length !== 1 || d.kind !== 'value' || d.conditional || d.literal.kind === 'unknown') continue;
    literal.set(name, { literal: d.literal, start: d.start, end: d.end, def: d });
  }
  return { literal, defined: new Set(byName.keys()) };
}

function str(f: Fact | undefined): string | undefined {
  return f?.literal.kind === 'string' ? f.literal.value : undefined;
}

/** A rule's finding, and whether it stands in another file (reported when that file is checked). */
type RuleFinding = Finding & { elsewhere?: boolean };

function error(code: Finding['code'], at: Fact, message: string, related?: Fact, relatedMessage = ''): RuleFinding {
  const f: RuleFinding = { start: at.start, end: at.end, severity: 'error', code, message };
  if (at.def.origin) f.elsewhere = true;
  if (related && !related.def.origin) f.related = { start: related.start, end: related.end, message: relatedMessage };
  return f;
}

/**
 * Where a fact is written, for a message: `on line {line}` (filled in from `related`) in this file,
 * `in ../flake.nix on line 12` in another one of the configuration.
 */
function where(f: Fact | undefined, dir: string | undefined): string {
  const origin = f?.def.origin;
  if (!origin) return 'on line {line}';
  return `in ${dir !== undefined ? path.relative(dir, origin.file) : path.basename(origin.file)} on line ${origin.line + 1}`;
}

/** A placeholder a user must replace, valid for the option's type so the file stays checkable. */
function placeholder(name: string, index: OptionIndex): string {
  const t = index.byName.get(name)?.type;
  const leaf = name.split('.').pop()!;
  if (t?.kind === 'bool') return 'true;';
  return `"/run/keys/${leaf.replace(/File$/, '').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}"; # TODO: the real file, kept outside the Nix store`;
}

/** Inserts the missing options after the gate's binding, written relative to the same set. */
function addOptionsFix(gate: RuleDef, missing: string[], index: OptionIndex): Fix | undefined {
  const a = gate.anchor;
  if (!a) return undefined;
  const lines = missing.map((m) => `\n${a.indent}${a.setPath && m.startsWith(a.setPath + '.') ? m.slice(a.setPath.length + 1) : m} = ${placeholder(m, index)}`);
  return { title: `Add ${missing.length === 1 ? 'the missing option' : `the ${missing.length} missing options`}`, edits: [{ start: a.after, end: a.after, newText: lines.join('') }] };
}

/**
 * `unseen`: the configuration includes modules this file does not show, so an option left unset
 * here may be set there, and a default may not be the value.
 */
export function checkRules(definitions: RuleDef[], index: OptionIndex, unseen: boolean, dir?: string): Finding[] {
  const out: RuleFinding[] = [];
  const { literal, defined } = facts(definitions);
  const somFact = literal.get(`${JP}.som`);
  const som = str(somFact);
  const somInfo = som ? index.soms.get(som) : undefined;
  const versionFact = literal.get(`${JP}.majorVersion`);
  const versionValues = (index.byName.get(`${JP}.majorVersion`)?.type as { values?: unknown[] } | undefined)?.values ?? [];
  // A value outside the enum is reported as such; rules reason only about real versions.
  const version = str(versionFact) !== undefined && versionValues.includes(str(versionFact)) ? str(versionFact) : undefined;
  const versionUnset = !defined.has(`${JP}.majorVersion`) && !unseen;
  // The JetPack versions this configuration may build: the literal, the SoM's default when
  // nothing can set it, or any the SoM supports.
  const possibleVersions = version ? [version] : versionUnset && somInfo ? [somInfo.defaultJetpack] : (somInfo?.jetpackVersions ?? []);
  const effectiveVersion = possibleVersions.length === 1 ? possibleVersions[0] : undefined;

  // JetPack generations a SoM can run: Xavier only 5, Thor only 7, Orin 5, 6 or 7.
  if (somInfo && version && versionFact && !somInfo.jetpackVersions.includes(version)) {
    out.push(
      error(
        'incompatible-jetpack-version',
        versionFact,
        `JetPack ${version} does not run on ${som}: it supports JetPack ${somInfo.jetpackVersions.join(', ')} (the SoM is set ${where(somFact, dir)})`,
        somFact,
        `som = "${som}"`,
      ),
    );
  }

  const boardFact = literal.get(`${JP}.carrierBoard`);
  if (str(boardFact) === 'xavierNxDevkit' && boardFact) {
    if (som && somFact && som !== 'orin-nx') {
      out.push(error('unsupported-carrier-board', boardFact, `the xavierNxDevkit carrier board is only supported with som = "orin-nx", not "${som}" (set ${where(somFact, dir)})`, somFact, `som = "${som}"`));
    }
    if (effectiveVersion === '7') {
      out.push(error('unsupported-carrier-board', boardFact, 'the xavierNxDevkit carrier board is not supported on JetPack 7'));
    }
  }

  // CUDA code must be built for the GPU of the module.
  const capsFact = literal.get('nixpkgs.config.cudaCapabilities');
  if (somInfo && som !== 'generic' && capsFact?.literal.kind === 'list') {
    const caps = capsFact.literal.elements.map((e) => (e.kind === 'string' ? e.value : undefined));
    if (caps.every((c) => c !== undefined) && !somInfo.cudaCapabilities.some((c) => caps.includes(c))) {
      const mismatch = error(
        'cuda-capability-mismatch',
        capsFact,
        `${som} has CUDA capability ${somInfo.cudaCapabilities.join(', ')}, which this list does not include: code built for it cannot run on the module's GPU`,
        somFact,
        `som = "${som}"`,
      );
      const newText = `[ ${somInfo.cudaCapabilities.map((c) => `"${c}"`).join(' ')} ]`;
      mismatch.fixes = [{ title: `Set to ${newText} (${som})`, edits: [{ start: capsFact.start, end: capsFact.end, newText }] }];
      out.push(mismatch);
    }
  }

  // Gates that make other options required.
  const gates: [string, string[]][] = [
    [`${JP}.firmware.uefi.capsuleAuthentication.enable`, ['trustedPublicCertPemFile', 'otherPublicCertPemFile', 'signerPrivateCertPemFile'].map((f) => `${JP}.firmware.uefi.capsuleAuthentication.${f}`)],
    [`${JP}.firmware.uefi.secureBoot.enrollDefaultKeys`, ['defaultPkEslFile', 'defaultKekEslFile', 'defaultDbEslFile'].map((f) => `${JP}.firmware.uefi.secureBoot.${f}`)],
    [`${JP}.firmware.optee.supplicant.earlyBoot.enable`, [`${JP}.firmware.optee.ftpm.enable`]],
  ];
  for (const [gate, required] of gates) {
    const g = literal.get(gate);
    if (g?.literal.kind !== 'bool' || !g.literal.value) continue;
    const missing = required.filter((r) => index.byName.has(r) && !defined.has(r));
    if (missing.length > 0 && !unseen) {
      const f = error('missing-required-option', g, `\`${gate.slice(JP.length + 1)}\` needs ${missing.map((m) => `\`${m.slice(JP.length + 1)}\``).join(', ')} to be set as well`);
      const fix = addOptionsFix(g.def, missing, index);
      if (fix) f.fixes = [fix];
      out.push(f);
    }
  }

  // Settings that are accepted but change nothing.
  const superFact = literal.get(`${JP}.super`);
  const superUseless = possibleVersions.length > 0 && possibleVersions.every((v) => somInfo?.superEffective[v] === false);
  if (somInfo && superFact?.literal.kind === 'bool' && superFact.literal.value && superUseless) {
    const on = effectiveVersion ? ` with JetPack ${effectiveVersion}` : '';
    const warning = error('ineffective-option', superFact, `\`super = true\` changes nothing on ${som}${on}: only Orin NX and Orin Nano (and AGX Orin on JetPack 7) have Super modes`);
    warning.severity = 'warning';
    out.push(warning);
  }
  const autoUpdate = literal.get(`${JP}.firmware.autoUpdate`);
  if (som === 'generic' && autoUpdate?.literal.kind === 'bool' && autoUpdate.literal.value) {
    const warning = error('ineffective-option', autoUpdate, '`firmware.autoUpdate` does nothing with som = "generic": a generic SoM has no firmware to flash; set the module you have');
    warning.severity = 'warning';
    out.push(warning);
  }
  // A finding about a definition in another file is reported there, when that file is checked.
  return out.filter((f) => !f.elsewhere).map(({ elsewhere: _, ...f }) => f);
}
