import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Parser } from 'web-tree-sitter';
import type { OptionDecl, OptionDefault, OptionType, Schema } from '../../server/src/schema/types';
import { type Extraction, extractSchema } from '../../server/src/schema/extract';
import { createNixParser } from '../../server/src/parse/parser';
import { PLACEHOLDER_DESCRIPTION, formatReport, mergeSchema, readTree } from '../../scripts/schema';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'schema-src');

let parser: Parser;
let extraction: Extraction;

before(async () => {
  parser = await createNixParser();
  extraction = extractSchema(readTree(FIXTURE), parser);
});

// ---------------------------------------------------------------------------------------------
// Building the expected declarations.

const bool: OptionType = { kind: 'bool' };
const str: OptionType = { kind: 'str' };
const path_: OptionType = { kind: 'path' };

interface Extra {
  default?: OptionDefault;
  readOnly?: boolean;
  internal?: boolean;
  renamedTo?: string;
}

/** A declaration as the extractor gives it: empty description, readOnly/internal always set. */
function opt(name: string, type: OptionType, typeText: string, file: string, line: number, extra: Extra = {}): OptionDecl {
  const d: OptionDecl = { name, type, typeText, description: '', readOnly: extra.readOnly ?? false, internal: extra.internal ?? false, declaredIn: { file: `modules/${file}`, line } };
  if (extra.default) d.default = extra.default;
  if (extra.renamedTo) d.renamedTo = extra.renamedTo;
  return d;
}

/** A literal default: its text and value. */
function lit(text: string, literal: unknown): OptionDefault {
  return { text, literal };
}

/** A computed default: text only. */
function computed(text: string): OptionDefault {
  return { text };
}

const variantFields: Record<string, OptionDecl> = {
  boardid: opt('boardid', str, 'types.str', 'submodules.nix', 19),
  fuselevel: opt('fuselevel', str, 'types.str', 'submodules.nix', 20, { default: lit('"production"', 'production') }),
};
const variantsType: OptionType = { kind: 'listOf', of: { kind: 'submodule', options: variantFields } };
const boardType: OptionType = { kind: 'enum', values: ['alpha', 'beta'] };
const logoType: OptionType = { kind: 'nullOr', of: path_ };

/** Everything the fixture tree declares, sorted by name. */
const EXPECTED: OptionDecl[] = [
  // default.nix: `inherit (lib) mkOption types;`, nested `options = { hardware.fake = { … }; }`.
  opt('hardware.fake.board', boardType, 'types.enum [ "alpha" "beta" ]', 'default.nix', 22, { default: lit('"alpha"', 'alpha') }),
  // renames.nix: mkRenamedOptionModule in `imports = with lib; [ … ]`; the type is the target's.
  opt('hardware.fake.bootloader.logo', logoType, 'lib.types.nullOr lib.types.path', 'renames.nix', 5, { renamedTo: 'hardware.fake.firmware.logo' }),
  // mkAliasOptionModule to an option outside the tree: untyped until the merge knows the target.
  opt('hardware.fake.container.enable', { kind: 'anything' }, 'unspecified', 'renames.nix', 11, { renamedTo: 'hardware.nvidia-container-toolkit.enable' }),
  opt('hardware.fake.enable', bool, 'types.bool', 'default.nix', 20, { default: lit('false', false) }),
  // submodules.nix: attrsOf (submodule { options.x = …; }) with a submoduleWith inside.
  opt(
    'hardware.fake.firmware.devices',
    {
      kind: 'attrsOf',
      of: {
        kind: 'submodule',
        options: {
          ports: opt(
            'ports',
            { kind: 'listOf', of: { kind: 'submodule', options: { speed: opt('speed', { kind: 'int' }, 'types.int', 'submodules.nix', 33, { default: lit('9600', 9600) }) } } },
            'types.listOf (types.submoduleWith { ... })',
            'submodules.nix',
            31,
            { default: lit('[ ]', []) },
          ),
          serial: opt('serial', { kind: 'nullOr', of: str }, 'types.nullOr types.str', 'submodules.nix', 30, { default: lit('null', null) }),
        },
      },
    },
    'types.attrsOf (types.submodule { ... })',
    'submodules.nix',
    28,
    { default: lit('{ }', {}) },
  ),
  opt('hardware.fake.firmware.logo', logoType, 'lib.types.nullOr lib.types.path', 'renames.nix', 16, { default: lit('null', null) }),
  // A let-bound submodule type used by name.
  opt(
    'hardware.fake.firmware.partitions',
    { kind: 'listOf', of: { kind: 'submodule', options: { size: opt('size', { kind: 'ints.unsigned' }, 'types.ints.unsigned', 'submodules.nix', 8) } } },
    'types.listOf partitionType',
    'submodules.nix',
    41,
    { default: lit('[ ]', []) },
  ),
  // listOf (submodule ({ config, name, ... }: { options = …; })).
  opt('hardware.fake.firmware.variants', variantsType, 'types.listOf (types.submodule { ... })', 'submodules.nix', 15, { internal: true }),
  // Comments dropped and layout collapsed in the default's text.
  opt('hardware.fake.flasher', { kind: 'unknown', text: 'options.nixpkgs.pkgs.type' }, 'options.nixpkgs.pkgs.type', 'default.nix', 47, {
    default: computed('import pkgs.path { system = "x86_64-linux"; }'),
  }),
  // A dotted name inside a nested set: the line is the one of the name.
  opt('hardware.fake.kernel.realtime', bool, 'types.bool', 'default.nix', 37, { default: lit('false', false) }),
  opt('hardware.fake.name', str, 'types.str', 'default.nix', 42, { default: computed('"${cfg.board}-board"') }),
  opt('hardware.fake.oldBoard', boardType, 'types.enum [ "alpha" "beta" ]', 'default.nix', 15, { renamedTo: 'hardware.fake.board' }),
  // mkRenamedOptionModuleWith { from; to; }.
  opt('hardware.fake.oldVariants', variantsType, 'types.listOf (types.submodule { ... })', 'renames.nix', 8, { renamedTo: 'hardware.fake.firmware.variants' }),
  opt('hardware.fake.script', { kind: 'package' }, 'types.package', 'default.nix', 54, { readOnly: true, internal: true }),
  // types.nix: one option per type constructor, through `lib.mkOption` and `lib.types.*`.
  opt('hardware.fake.types.anything', { kind: 'anything' }, 'lib.types.anything', 'types.nix', 16),
  opt('hardware.fake.types.attrs', { kind: 'attrsOf', of: { kind: 'anything' } }, 'lib.types.attrs', 'types.nix', 17, { default: lit('{ }', {}) }),
  opt('hardware.fake.types.attrsOf', { kind: 'attrsOf', of: { kind: 'int' } }, 'lib.types.attrsOf lib.types.int', 'types.nix', 21),
  opt('hardware.fake.types.between', { kind: 'ints.between', min: 0, max: 232 }, 'lib.types.ints.between 0 232', 'types.nix', 29, { default: lit('0', 0) }),
  opt('hardware.fake.types.bool', bool, 'lib.types.bool', 'types.nix', 6),
  opt('hardware.fake.types.either', { kind: 'oneOf', of: [path_, str] }, 'lib.types.either lib.types.path lib.types.str', 'types.nix', 23),
  opt('hardware.fake.types.enum', { kind: 'enum', values: ['a', 1] }, 'lib.types.enum [ "a" 1 ]', 'types.nix', 18),
  opt('hardware.fake.types.float', { kind: 'float' }, 'lib.types.float', 'types.nix', 10, { default: lit('1.5', 1.5) }),
  opt('hardware.fake.types.int', { kind: 'int' }, 'lib.types.int', 'types.nix', 7, { default: lit('-1', -1) }),
  opt('hardware.fake.types.lazyAttrsOf', { kind: 'attrsOf', of: bool }, 'lib.types.lazyAttrsOf lib.types.bool', 'types.nix', 22),
  opt('hardware.fake.types.lines', { kind: 'lines' }, 'lib.types.lines', 'types.nix', 13, { default: lit('""', '') }),
  opt('hardware.fake.types.listOf', { kind: 'listOf', of: str }, 'lib.types.listOf lib.types.str', 'types.nix', 20, { default: lit('[ "x" "y" ]', ['x', 'y']) }),
  opt('hardware.fake.types.nullOr', logoType, 'lib.types.nullOr lib.types.path', 'types.nix', 19, { default: lit('null', null) }),
  opt('hardware.fake.types.number', { kind: 'number' }, 'lib.types.number', 'types.nix', 11),
  opt(
    'hardware.fake.types.oneOf',
    { kind: 'oneOf', of: [{ kind: 'functionTo', of: { kind: 'lines' } }, { kind: 'lines' }] },
    'lib.types.oneOf [ (lib.types.functionTo lib.types.lines) lib.types.lines ]',
    'types.nix',
    24,
    { default: lit('""', '') },
  ),
  opt('hardware.fake.types.package', { kind: 'package' }, 'lib.types.package', 'types.nix', 15),
  opt('hardware.fake.types.path', path_, 'lib.types.path', 'types.nix', 14),
  opt('hardware.fake.types.positive', { kind: 'ints.positive' }, 'lib.types.ints.positive', 'types.nix', 8, { default: lit('240', 240) }),
  opt('hardware.fake.types.str', str, 'lib.types.str', 'types.nix', 12, { default: lit('"say \\"hi\\""', 'say "hi"') }),
  opt('hardware.fake.types.uniq', bool, 'lib.types.uniq lib.types.bool', 'types.nix', 28),
  opt('hardware.fake.types.unsigned', { kind: 'ints.unsigned' }, 'lib.types.ints.unsigned', 'types.nix', 9),
  // `types.enum boardVersions`, the list bound in a let.
  opt('hardware.fake.version', { kind: 'enum', values: ['1', '2', '3'] }, 'types.enum boardVersions', 'default.nix', 32, {
    default: computed('if cfg.board == "beta" then "3" else "2"'),
  }),
  // with-lib.nix (`with lib;`): a partial re-declaration without a type.
  opt('hardware.nvidia.enabled', { kind: 'anything' }, 'unspecified', 'with-lib.nix', 21),
  // `mkEnableOption "…" // { default = true; }`.
  opt('services.fakefan.enable', bool, 'types.bool', 'with-lib.nix', 8, { default: lit('true', true) }),
  opt('services.fakefan.package', { kind: 'package' }, 'types.package', 'with-lib.nix', 15, { default: computed('pkgs.fakefan') }),
  // `type = with types; …`.
  opt(
    'services.fakefan.profile',
    { kind: 'nullOr', of: { kind: 'listOf', of: { kind: 'enum', values: ['quiet', 'cool'] } } },
    'with types; nullOr (listOf (enum [ "quiet" "cool" ]))',
    'with-lib.nix',
    10,
    { default: lit('null', null) },
  ),
  // with-types.nix: `with lib; with lib.types;` around the whole module.
  opt('services.fakefan.speeds', { kind: 'attrsOf', of: { kind: 'oneOf', of: [{ kind: 'int' }, str] } }, 'attrsOf (either int str)', 'with-types.nix', 7, {
    default: lit('{ }', {}),
  }),
  opt('services.fakefan.tool', { kind: 'nullOr', of: { kind: 'package' } }, 'types.nullOr types.package', 'with-lib.nix', 17, { default: lit('null', null) }),
];

// ---------------------------------------------------------------------------------------------
// The extractor.

test('the fixture tree yields exactly the declared options', () => {
  assert.deepEqual(
    extraction.options.map((o) => o.name),
    EXPECTED.map((o) => o.name),
  );
  for (const [i, expected] of EXPECTED.entries()) assert.deepEqual(extraction.options[i], expected, expected.name);
});

test('mkRemovedOptionModule is reported as removed, not declared', () => {
  assert.deepEqual(extraction.removed, [
    { name: 'hardware.fake.legacyMode', message: 'Legacy mode is gone; use hardware.fake.board.', declaredIn: { file: 'modules/renames.nix', line: 12 } },
  ]);
});

test('what cannot be read statically is skipped with a problem line', () => {
  assert.deepEqual(extraction.problems, [
    'modules/renames.nix:13: mkChangedOptionModule maps old options through a function; the old options are not extracted',
    'modules/unreadable.nix:10: hardware.fake.unreadable.viaHelper: cannot read statically: mkFakeOption "x"',
    'modules/unreadable.nix:11: hardware.fake.unreadable: an option with a dynamic name is skipped: ${builtins.head names} = lib.mkOption { type = lib.types.str; };',
    'modules/unreadable.nix:12: mkOption with an argument that is not a set literal is skipped: lib.mkOption (lib.optionalAttrs true { type = lib.types.str; })',
  ]);
});

test('packages, data sets and text that mention mkOption are not modules', () => {
  assert.ok(!extraction.options.some((o) => o.declaredIn?.file.startsWith('pkgs/')));
  const data = extractSchema([{ path: 'a.nix', text: '{ fileSystems."/" = { device = "x"; options = [ "ro" ]; }; }' }], parser);
  assert.deepEqual(data, { options: [], removed: [], problems: [] });
});

test('a second declaration of an option is reported and the first kept', () => {
  const text = '{ lib, ... }: { options.a.b = lib.mkOption { type = lib.types.int; }; }';
  const r = extractSchema(
    [
      { path: 'one.nix', text },
      { path: 'two.nix', text: text.replace('types.int', 'types.str') },
    ],
    parser,
  );
  assert.deepEqual(r.options.map((o) => [o.name, o.typeText, o.declaredIn?.file]), [['a.b', 'lib.types.int', 'one.nix']]);
  assert.deepEqual(r.problems, ['two.nix:1: a.b is declared again (first at one.nix:1); the first declaration is kept']);
});

test('options of a module inline in imports are found, a submodule body is not taken for a module', () => {
  const text = `{ lib, ... }: {
    imports = [ ({ ... }: { options.inline.x = lib.mkEnableOption "x"; }) ];
    options.outer = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule { options.inner = lib.mkEnableOption "y"; }); };
  }`;
  const r = extractSchema([{ path: 'm.nix', text }], parser);
  assert.deepEqual(
    r.options.map((o) => o.name),
    ['inline.x', 'outer'],
  );
});

// ---------------------------------------------------------------------------------------------
// The merge into the schema.

const at = (file: string, line: number): { file: string; line: number } => ({ file: `modules/${file}`, line });

/** A small current schema: some options stay, one goes, one belongs to another project. */
function currentSchema(): Schema {
  return {
    source: { project: 'fake/jetpack', revision: 'old', date: '2020-01-01' },
    ownedNamespaces: ['hardware.fake'],
    options: [
      { name: 'hardware.fake.board', type: boardType, typeText: 'types.enum [ "alpha" "beta" ]', default: { text: '"alpha"', literal: 'alpha' }, description: 'Old words for the board.', readOnly: false, internal: false, declaredIn: at('default.nix', 21) },
      { name: 'hardware.fake.firmware.variants', type: { kind: 'listOf', of: { kind: 'submodule', options: { boardid: { ...variantFields['boardid']!, description: 'Board id, kept.' } } } }, typeText: 'types.listOf (types.submodule { ... })', description: 'Variants, kept.', readOnly: false, internal: true, declaredIn: at('submodules.nix', 15) },
      { name: 'hardware.fake.gone', type: bool, typeText: 'types.bool', description: 'Disappears upstream.', readOnly: false, internal: false, declaredIn: at('default.nix', 99) },
      { name: 'hardware.fake.version', type: { kind: 'enum', values: ['1', '2', '3'] }, typeText: 'types.enum boardVersions', default: { text: 'if cfg.board == "beta" then "3" else "2"', explanation: '"3" on beta boards, otherwise "2"' }, description: 'Version, kept.', readOnly: false, internal: false, declaredIn: at('default.nix', 32) },
      { name: 'hardware.nvidia-container-toolkit.enable', type: bool, typeText: 'types.bool', default: { text: 'false', literal: false }, description: 'From nixpkgs.', project: 'nixpkgs' },
      { name: 'hardware.nvidia.enabled', type: bool, typeText: 'types.bool', description: 'NixOS driver switch.', readOnly: false, internal: false, declaredIn: at('with-lib.nix', 21) },
    ],
    soms: [{ som: 'alpha', family: 'generic', jetpackVersions: ['6'], defaultJetpack: '6', cudaCapabilities: ['8.7'], recoveryUsbIds: [], superEffective: { '6': false } }],
    jetpacks: { '6': { l4t: '36.0.0', cuda: '12.6', kernel: '5.15' } },
  };
}

function merged(): ReturnType<typeof mergeSchema> {
  return mergeSchema({
    current: currentSchema(),
    extraction,
    descriptions: { 'hardware.fake.board': 'Which fake board, from descriptions.json.', 'hardware.fake.firmware.variants.*.fuselevel': 'Fuse level.' },
    explanations: {},
    source: { project: 'fake/jetpack', revision: 'abc1234', date: '2026-01-02' },
  });
}

test('the merge keeps our descriptions and the non-structural data, and replaces the source', () => {
  const { schema } = merged();
  const byName = new Map(schema.options.map((o) => [o.name, o] as const));
  const current = currentSchema();
  assert.deepEqual(schema.source, { project: 'fake/jetpack', revision: 'abc1234', date: '2026-01-02' });
  assert.deepEqual(schema.soms, current.soms);
  assert.deepEqual(schema.jetpacks, current.jetpacks);
  assert.deepEqual(schema.ownedNamespaces, current.ownedNamespaces);
  assert.deepEqual(byName.get('hardware.nvidia-container-toolkit.enable'), current.options[4]);
  // descriptions.json first, then the current schema's own words.
  assert.equal(byName.get('hardware.fake.board')?.description, 'Which fake board, from descriptions.json.');
  assert.equal(byName.get('hardware.fake.version')?.description, 'Version, kept.');
  const variants = byName.get('hardware.fake.firmware.variants')!;
  assert.ok(variants.type.kind === 'listOf' && variants.type.of.kind === 'submodule');
  assert.equal(variants.type.of.options['boardid']?.description, 'Board id, kept.');
  assert.equal(variants.type.of.options['fuselevel']?.description, 'Fuse level.');
  // The structural fields are the source's.
  assert.deepEqual(byName.get('hardware.fake.board')?.declaredIn, at('default.nix', 22));
  // An unchanged computed default keeps its explanation.
  assert.equal(byName.get('hardware.fake.version')?.default?.explanation, '"3" on beta boards, otherwise "2"');
  const names = schema.options.map((o) => o.name);
  assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
});

test('the merge types aliases from their targets and keeps the type of a re-declaration without one', () => {
  const { schema, report } = merged();
  const byName = new Map(schema.options.map((o) => [o.name, o] as const));
  assert.deepEqual(byName.get('hardware.fake.container.enable')?.type, bool);
  assert.equal(byName.get('hardware.fake.container.enable')?.typeText, 'types.bool');
  assert.deepEqual(byName.get('hardware.nvidia.enabled')?.type, bool);
  assert.deepEqual(report.typeKept, ['hardware.nvidia.enabled']);
  // The alias carries its target's fields with their descriptions.
  assert.deepEqual(byName.get('hardware.fake.oldVariants')?.type, byName.get('hardware.fake.firmware.variants')?.type);
});

test('the merge reports new, gone and changed options; new ones get a placeholder the schema test rejects', () => {
  const { schema, report } = merged();
  const byName = new Map(schema.options.map((o) => [o.name, o] as const));
  assert.deepEqual(report.removed, ['hardware.fake.gone']);
  assert.ok(!byName.has('hardware.fake.gone'));
  assert.ok(report.added.includes('hardware.fake.enable'));
  assert.ok(report.added.includes('hardware.fake.firmware.variants.*.fuselevel'));
  assert.ok(!report.added.includes('hardware.fake.board'));
  assert.equal(report.added.filter((n) => !n.includes('*')).length, EXPECTED.length - 4, 'every option but the four in the current schema');
  assert.deepEqual(
    report.added.filter((n) => n.includes('*')),
    [
      'hardware.fake.firmware.devices.*.ports',
      'hardware.fake.firmware.devices.*.ports.*.speed',
      'hardware.fake.firmware.devices.*.serial',
      'hardware.fake.firmware.partitions.*.size',
      'hardware.fake.firmware.variants.*.fuselevel',
    ],
  );
  assert.deepEqual(report.changed, [
    { name: 'hardware.fake.board', fields: ['declaredIn'] },
    { name: 'hardware.fake.firmware.variants', fields: ['type'] },
  ]);
  assert.equal(byName.get('hardware.fake.enable')?.description, PLACEHOLDER_DESCRIPTION);
  assert.ok(report.undescribed.includes('hardware.fake.enable'));
  assert.ok(!report.undescribed.includes('hardware.fake.board'));
  // The check in test/unit/schema-data.test.ts that a placeholder must fail.
  assert.doesNotMatch(PLACEHOLDER_DESCRIPTION, /[.!?)`"]$/);
  assert.ok(report.unexplained.includes('hardware.fake.name'));
  assert.ok(!report.unexplained.includes('hardware.fake.version'));
  assert.deepEqual(
    report.removedUpstream.map((r) => r.name),
    ['hardware.fake.legacyMode'],
  );
  const text = formatReport(report).join('\n');
  assert.match(text, /new options .*\n {2}hardware\.fake\.bootloader\.logo/);
  assert.match(text, /options gone from the source \(dropped\) \(1\):\n {2}hardware\.fake\.gone/);
});

test('merging the schema with its own extraction changes nothing', () => {
  const first = merged().schema;
  const again = mergeSchema({ current: first, extraction, descriptions: {}, explanations: {}, source: first.source });
  assert.deepEqual(again.schema, first);
  assert.deepEqual(again.report.added, []);
  assert.deepEqual(again.report.removed, []);
  assert.deepEqual(again.report.changed, []);
});
