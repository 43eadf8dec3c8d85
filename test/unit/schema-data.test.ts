import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OptionDecl, OptionType, Schema } from '../../server/src/schema/types';
import {
  DEFAULT_REFERENCE_DIR,
  OUTPUT_FILE,
  type RefOption,
  buildSchema,
  firstEnum,
  parseNixLiteral,
  parseNixType,
  readJson,
  serializeSchema,
} from '../../scripts/build-schema-data';

/** The reference data lives outside the repository; JETSON_NIX_REFERENCE points elsewhere. */
const referenceDir = process.env['JETSON_NIX_REFERENCE'] ?? DEFAULT_REFERENCE_DIR;
const haveReference = fs.existsSync(path.join(referenceDir, 'jetpack-options.json'));
const needsReference = { skip: haveReference ? false : `reference data not found in ${referenceDir}` };

const schema = readJson<Schema>(OUTPUT_FILE);
const reference: RefOption[] = haveReference ? readJson<{ options: RefOption[] }>(path.join(referenceDir, 'jetpack-options.json')).options : [];
const byName = new Map(schema.options.map((o) => [o.name, o] as const));

/** Every declaration, submodule fields included, with its full name (`parent.*.field`). */
function allDecls(options: OptionDecl[]): { fullName: string; decl: OptionDecl }[] {
  const out: { fullName: string; decl: OptionDecl }[] = [];
  const visitType = (t: OptionType, parent: string): void => {
    switch (t.kind) {
      case 'nullOr':
      case 'listOf':
      case 'attrsOf':
      case 'functionTo':
        visitType(t.of, parent);
        break;
      case 'oneOf':
        t.of.forEach((o) => visitType(o, parent));
        break;
      case 'submodule':
        for (const f of Object.values(t.options)) visit(f, `${parent}.*.${f.name}`);
        break;
      default:
        break;
    }
  };
  const visit = (d: OptionDecl, fullName: string): void => {
    out.push({ fullName, decl: d });
    visitType(d.type, fullName);
  };
  for (const o of options) visit(o, o.name);
  return out;
}

/** The submodule inside a type (below listOf/attrsOf/nullOr), if any. */
function submoduleOf(t: OptionType): Record<string, OptionDecl> | undefined {
  if (t.kind === 'submodule') return t.options;
  if (t.kind === 'nullOr' || t.kind === 'listOf' || t.kind === 'attrsOf') return submoduleOf(t.of);
  return undefined;
}

/**
 * The kind the reference's type text implies, read independently of the generator: the first
 * `types.X` of the evaluated type. Two reference entries are not type expressions.
 */
const EXPECTED_KIND_EXCEPTIONS: Record<string, string> = {
  // NixOS's own `types.bool` option, re-declared by jetpack-nixos with only `readOnly = false`.
  'hardware.nvidia.enabled': 'bool',
  // `options.nixpkgs.pkgs.type`: a package-set type we do not model.
  'hardware.nvidia-jetpack.flasherPkgs': 'unknown',
};

function expectedKind(o: RefOption): string {
  const exception = EXPECTED_KIND_EXCEPTIONS[o.name];
  if (exception) return exception;
  const text = (o.typeEvaluated ?? o.type).replace(/\blib\.types\./g, 'types.');
  const m = /^\(?types\.(ints\.[a-z]+|[A-Za-z]+)/.exec(text);
  assert.ok(m, `${o.name}: cannot read a kind from ${text}`);
  return m[1] === 'either' ? 'oneOf' : m[1]!;
}

function findDecl(name: string): OptionDecl | undefined {
  const m = /^(.*)\.\*\.([^.]+)$/.exec(name);
  if (!m) return byName.get(name);
  const parent = byName.get(m[1]!);
  return parent ? submoduleOf(parent.type)?.[m[2]!] : undefined;
}

test('every option of the reference is in the schema with the same name, type kind, enum values and readOnly', needsReference, () => {
  assert.equal(reference.length, 103);
  for (const o of reference) {
    const d = findDecl(o.name);
    assert.ok(d, `${o.name} is missing from the schema`);
    assert.equal(d.type.kind, expectedKind(o), `${o.name}: type kind`);
    if (o.enumValues) assert.deepEqual(firstEnum(d.type), o.enumValues, `${o.name}: enum values`);
    assert.equal(Boolean(d.readOnly), Boolean(o.readOnly), `${o.name}: readOnly`);
    assert.equal(Boolean(d.internal), Boolean(o.internal), `${o.name}: internal`);
    assert.equal(d.renamedTo, o.renamedTo, `${o.name}: renamedTo`);
    assert.deepEqual(d.declaredIn, { file: o.file, line: o.line }, `${o.name}: declaredIn`);
    if (o.default !== undefined) assert.equal(d.default?.text, o.default, `${o.name}: default text`);
    else assert.equal(d.default, undefined, `${o.name}: has no declared default`);
  }
});

test('the schema has nothing under jetpack-nixos namespaces that the reference lacks', needsReference, () => {
  const refNames = new Set(reference.map((o) => o.name));
  for (const o of schema.options) {
    if (o.project) continue;
    assert.ok(refNames.has(o.name), `${o.name} is not in the reference`);
  }
});

test('the committed schema is what the generator produces', needsReference, () => {
  const text = serializeSchema(buildSchema(referenceDir));
  assert.ok(text === fs.readFileSync(OUTPUT_FILE, 'utf8'), 'server/schema/jetpack-nixos.json is stale: run npx tsx scripts/build-schema-data.ts');
});

test('no two options share a name', () => {
  const seen = new Set<string>();
  for (const o of schema.options) {
    assert.ok(!seen.has(o.name), `${o.name} is declared twice`);
    seen.add(o.name);
  }
  const sorted = schema.options.map((o) => o.name);
  assert.deepEqual(sorted, [...sorted].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'options are sorted by name');
});

test('every option has its own short description', () => {
  for (const { fullName, decl } of allDecls(schema.options)) {
    const d = decl.description.trim();
    assert.ok(d.length > 0, `${fullName}: empty description`);
    assert.notEqual(d, fullName, `${fullName}: description is the name`);
    assert.notEqual(d, decl.name, `${fullName}: description is the name`);
    assert.ok(d.length <= 400, `${fullName}: description is ${d.length} characters; keep it to one to three short sentences`);
    assert.ok(/[.!?)`"]$/.test(d), `${fullName}: description should end a sentence`);
  }
});

test('every literal default fits its type; enum defaults are among the values', () => {
  for (const { fullName, decl } of allDecls(schema.options)) {
    if (!decl.default || !('literal' in decl.default)) continue;
    const v = decl.default.literal;
    const t = decl.type;
    const inner = t.kind === 'nullOr' ? t.of : t;
    if (v === null) {
      assert.equal(t.kind, 'nullOr', `${fullName}: null default on a non-nullable type`);
      continue;
    }
    if (inner.kind === 'enum') assert.ok(inner.values.includes(v as string), `${fullName}: default ${JSON.stringify(v)} is not one of ${JSON.stringify(inner.values)}`);
    if (inner.kind === 'listOf' && inner.of.kind === 'enum') {
      const values = inner.of.values;
      for (const e of v as unknown[]) assert.ok(values.includes(e as string), `${fullName}: default element ${JSON.stringify(e)} is not a valid value`);
    }
    if (inner.kind === 'bool') assert.equal(typeof v, 'boolean', fullName);
    if (inner.kind === 'int' || inner.kind === 'ints.unsigned' || inner.kind === 'ints.positive') assert.ok(Number.isInteger(v), fullName);
    if (inner.kind === 'ints.positive') assert.ok((v as number) > 0, fullName);
    if (inner.kind === 'str' || inner.kind === 'lines') assert.equal(typeof v, 'string', fullName);
    if (inner.kind === 'listOf') assert.ok(Array.isArray(v), fullName);
  }
});

test('computed defaults are explained in words', () => {
  for (const { fullName, decl } of allDecls(schema.options)) {
    if (decl.default && !('literal' in decl.default)) assert.ok(decl.default.explanation, `${fullName}: computed default ${decl.default.text} has no explanation`);
  }
  const mv = byName.get('hardware.nvidia-jetpack.majorVersion');
  assert.match(mv?.default?.explanation ?? '', /"7" for thor.*"6" for orin.*generic.*"5" for xavier/);
  assert.equal(byName.get('hardware.nvidia-jetpack.configureCuda')?.default?.text, 'config.hardware.graphics.enable');
});

test('renamedTo targets exist and are not renamed themselves', () => {
  const renamed = schema.options.filter((o) => o.renamedTo);
  assert.equal(renamed.length, 11);
  for (const o of renamed) {
    const target = byName.get(o.renamedTo!);
    assert.ok(target, `${o.name} → ${o.renamedTo}: the target is not in the schema`);
    assert.equal(target.renamedTo, undefined, `${o.name} → ${o.renamedTo}: the target is an alias too`);
    assert.equal(JSON.stringify(o.type), JSON.stringify(target.type), `${o.name}: type differs from its target`);
  }
});

test('firmware.variants is one option with its fields as a submodule', () => {
  const v = byName.get('hardware.nvidia-jetpack.firmware.variants');
  assert.ok(v);
  assert.equal(v.type.kind, 'listOf');
  const fields = submoduleOf(v.type);
  assert.deepEqual(Object.keys(fields ?? {}).sort(), ['boardid', 'boardrev', 'boardsku', 'chiprev', 'chipsku', 'fab', 'fuselevel', 'ramcode']);
  assert.ok(!schema.options.some((o) => o.name.includes('*')), 'no option name contains *');
});

test('types the brief calls out are modelled exactly', () => {
  const type = (n: string): OptionType | undefined => byName.get(n)?.type;
  assert.deepEqual(type('hardware.nvidia-jetpack.majorVersion'), { kind: 'enum', values: ['5', '6', '7'] });
  assert.deepEqual(type('hardware.nvidia-jetpack.firmware.secureBoot.pkcFile'), { kind: 'nullOr', of: { kind: 'oneOf', of: [{ kind: 'path' }, { kind: 'str' }] } });
  assert.deepEqual(type('hardware.nvidia-jetpack.firmware.secureBoot.preSignCommands'), { kind: 'oneOf', of: [{ kind: 'functionTo', of: { kind: 'lines' } }, { kind: 'lines' }] });
  assert.deepEqual(type('hardware.nvidia-jetpack.devicePkgs'), { kind: 'attrsOf', of: { kind: 'anything' } });
  assert.deepEqual(type('hardware.nvidia-jetpack.flashScriptOverrides.initrdFlashSerialEnumerateTimeoutSeconds'), { kind: 'ints.positive' });
  assert.equal(byName.get('hardware.nvidia-jetpack.flashScript')?.readOnly, true);
});

test('the type parser reads NixOS type expressions', () => {
  assert.deepEqual(parseNixType('types.nullOr (types.listOf (types.enum [ "a" "b" ]))'), { kind: 'nullOr', of: { kind: 'listOf', of: { kind: 'enum', values: ['a', 'b'] } } });
  assert.deepEqual(parseNixType('lib.types.either types.int types.str'), { kind: 'oneOf', of: [{ kind: 'int' }, { kind: 'str' }] });
  assert.deepEqual(parseNixType('types.enum jetpackVersions'), { kind: 'enum', values: ['5', '6', '7'] });
  assert.deepEqual(parseNixType('types.uniq types.bool'), { kind: 'bool' });
  assert.deepEqual(parseNixType('types.listOf (types.submodule ({ config, ... }: { options = { }; }))'), { kind: 'listOf', of: { kind: 'submodule', options: {} } });
  assert.deepEqual(parseNixType('options.nixpkgs.pkgs.type'), { kind: 'unknown', text: 'options.nixpkgs.pkgs.type' });
  assert.deepEqual(parseNixType('types.ints.between 0 232'), { kind: 'unknown', text: 'types.ints.between 0 232' });
  assert.deepEqual(parseNixLiteral('[ ]'), { value: [] });
  assert.deepEqual(parseNixLiteral('"generic"'), { value: 'generic' });
  assert.equal(parseNixLiteral('"${cfg.som}-${cfg.carrierBoard}"'), undefined);
  assert.equal(parseNixLiteral('config.hardware.graphics.enable'), undefined);
});

test('extra options name their project; options outside nixpkgs say where they are declared', () => {
  const extra = ['nixpkgs.config.allowUnfree', 'nixpkgs.config.cudaSupport', 'nixpkgs.config.cudaCapabilities', 'hardware.graphics.enable', 'hardware.nvidia-container-toolkit.enable'];
  for (const n of extra) assert.equal(byName.get(n)?.project, 'nixpkgs', n);
  assert.deepEqual(byName.get('nixpkgs.config.cudaCapabilities')?.type, { kind: 'listOf', of: { kind: 'str' } });
  const ros = schema.options.filter((o) => o.name.startsWith('services.ros2.'));
  assert.ok(ros.length >= 5);
  for (const o of ros) assert.equal(o.project, 'nix-ros-overlay', o.name);
  for (const { fullName, decl } of allDecls(schema.options)) {
    if (decl.project === 'nixpkgs') continue;
    if (fullName.startsWith('nixpkgs.') || fullName.startsWith('hardware.graphics.') || fullName.startsWith('hardware.nvidia-container-toolkit.')) continue;
    assert.ok(decl.declaredIn && decl.declaredIn.file.length > 0 && decl.declaredIn.line > 0, `${fullName}: declaredIn`);
  }
});

test('owned namespaces hold options, and nixpkgs.config / hardware.graphics are not owned', () => {
  for (const ns of schema.ownedNamespaces) assert.ok(schema.options.some((o) => o.name.startsWith(ns + '.')), `${ns} has no options`);
  for (const ns of ['nixpkgs.config', 'hardware.graphics', 'nixpkgs', 'hardware', 'services']) assert.ok(!schema.ownedNamespaces.includes(ns), ns);
  assert.ok(schema.ownedNamespaces.includes('hardware.nvidia-jetpack'));
});

test('soms cover every SoM enum value, with JetPack versions that exist', () => {
  const som = byName.get('hardware.nvidia-jetpack.som');
  assert.ok(som && som.type.kind === 'enum');
  assert.deepEqual(schema.soms.map((s) => s.som).sort(), som.type.values.map(String).sort());
  const mv = byName.get('hardware.nvidia-jetpack.majorVersion');
  assert.ok(mv && mv.type.kind === 'enum');
  assert.deepEqual(Object.keys(schema.jetpacks).sort(), mv.type.values.map(String).sort());
  for (const s of schema.soms) {
    assert.ok(s.jetpackVersions.length > 0, s.som);
    assert.ok(s.jetpackVersions.includes(s.defaultJetpack), `${s.som}: default JetPack ${s.defaultJetpack} is not supported`);
    for (const v of s.jetpackVersions) assert.ok(schema.jetpacks[v], `${s.som}: JetPack ${v}`);
    assert.deepEqual(Object.keys(s.superEffective).sort(), [...s.jetpackVersions].sort(), `${s.som}: superEffective per supported version`);
    for (const id of s.recoveryUsbIds) assert.match(id, /^[0-9a-f]{4}$/, `${s.som}: USB id ${id}`);
    assert.equal(s.family, s.som === 'generic' ? 'generic' : s.som.split('-')[0], s.som);
    assert.ok(s.cudaCapabilities.length > 0, s.som);
  }
  const get = (n: string) => schema.soms.find((s) => s.som === n)!;
  assert.deepEqual(get('xavier-nx').jetpackVersions, ['5']);
  assert.deepEqual(get('thor-agx').jetpackVersions, ['7']);
  assert.deepEqual(get('orin-nx').jetpackVersions, ['5', '6', '7']);
  assert.equal(get('generic').flashTarget, undefined);
  assert.equal(get('orin-agx').flashTarget, 'jetson-agx-orin-devkit');
  assert.deepEqual(get('thor-agx').cudaCapabilities, ['11.0']);
  assert.deepEqual(get('generic').cudaCapabilities, ['7.2', '8.7']);
  assert.equal(get('xavier-agx').superEffective['5'], false);
  assert.equal(get('orin-nano').superEffective['6'], true);
});

test('JetPack generations carry L4T, CUDA and kernel versions', () => {
  assert.match(schema.jetpacks['5']!.l4t, /^35\.6\./);
  assert.match(schema.jetpacks['6']!.l4t, /^36\.5\./);
  assert.match(schema.jetpacks['7']!.l4t, /^39\.2\./);
  assert.equal(schema.jetpacks['5']!.cuda, '11.4');
  assert.equal(schema.jetpacks['6']!.cuda, '12.6');
  assert.match(schema.jetpacks['7']!.cuda, /^13\./);
  assert.match(schema.jetpacks['5']!.kernel, /^5\.10/);
  assert.match(schema.jetpacks['6']!.kernel, /^5\.15/);
  assert.match(schema.jetpacks['7']!.kernel, /^6\.8/);
  assert.deepEqual(schema.source, { project: 'anduril/jetpack-nixos', revision: '4d857d6', date: '2026-07-30' });
});
