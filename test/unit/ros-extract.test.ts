/**
 * The ROS package index extractor on a fixture tree in nix-ros-overlay's shape
 * (`test/fixtures/ros-overlay`, written here): distributions, generated packages, the names the
 * overlays add or replace, and what it reports instead of guessing.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { createNixParser } from '../../server/src/parse/parser';
import { extractRosIndex } from '../../server/src/ros/extract';
import { readDistroList, readGenerated } from '../../server/src/ros/extract-distros';
import { readPackage } from '../../server/src/ros/extract-package';
import { overlayBindings } from '../../server/src/ros/overlay-names';
import { readIndex, writeIndex } from '../../server/src/ros/index-file';
import { indentedStringValue } from '../../server/src/ros/nix-read';
import { RosIndex } from '../../server/src/ros/ros-index';
import type { DistroExtraction, Extraction, OverlayName } from '../../server/src/ros/types';
import { folderSource, formatReport } from '../../scripts/ros-index';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'ros-overlay');

let parser: Parser;
let extraction: Extraction;

before(async () => {
  parser = await createNixParser();
  extraction = await extractRosIndex(folderSource(FIXTURE), parser);
});

function distro(name: string): DistroExtraction {
  const d = extraction.distros.find((x) => x.name === name);
  assert.ok(d, `no distribution ${name}`);
  return d;
}

function overlay(d: string, name: string): Omit<OverlayName, 'line'> | undefined {
  const o = distro(d).overlayNames.find((x) => x.name === name);
  if (!o) return undefined;
  const { line: _line, ...rest } = o;
  return rest;
}

test('distributions come from distros/default.nix, with their ROS version; other attributes are kept apart', () => {
  assert.deepEqual(extraction.distros.map((d) => [d.name, d.rosVersion]), [['humble', 2], ['jazzy', 2], ['lyrical', 2]]);
  assert.deepEqual(extraction.otherAttributes, ['recurseForDerivations', 'lib', 'mkRosDistroOverlay']);
});

test('packages are the names generated.nix binds, sorted; a folder it does not name is not a package', () => {
  assert.deepEqual(distro('jazzy').packages.map((p) => p.attr), [
    'ament-cmake', 'cyclonedds', 'demo-nodes-cpp', 'depthai-ros', 'gurumdds-cmake-module', 'nav2-bringup',
    'odd-package', 'pmb2-navigation', 'rclcpp', 'rclpy', 'rmf-assets', 'rmw-cyclonedds-cpp',
  ]);
  assert.equal(extraction.strayDirectories, 1, 'jazzy/old-package is on disk but not generated');
  assert.ok(!distro('lyrical').packages.some((p) => p.attr === 'rmw-cyclonedds-cpp'));
});

test('a package: ROS name from the release URL, version, description, licenses, build type, dependencies by list', () => {
  const nav2 = distro('jazzy').packages.find((p) => p.attr === 'nav2-bringup');
  assert.deepEqual(nav2, {
    attr: 'nav2-bringup',
    rosName: 'nav2_bringup',
    version: '1.3.12-r1',
    description: 'Bringup scripts and configurations for the Nav2 stack',
    licenses: ['lib.licenses.asl20'],
    buildType: 'ament_cmake',
    dependencies: { build: ['ament-cmake'], propagated: ['launch-ros', 'navigation2', 'slam-toolbox'], check: ['ament-lint-auto'], native: ['ament-cmake'], other: [] },
  });
  const cyclone = distro('humble').packages.find((p) => p.attr === 'cyclonedds')!;
  assert.deepEqual(cyclone.licenses, ['EPL-2.0', 'BSD-3-Clause'], 'licenses written as strings stay strings');
  const rclpy = distro('lyrical').packages.find((p) => p.attr === 'rclpy')!;
  assert.deepEqual(rclpy.dependencies.propagated, ['rcl', 'python3Packages.pyyaml'], 'selections of a formal are kept whole');
});

test('a ROS name that is not the attribute with dashes is kept as the URL spells it', () => {
  assert.equal(distro('jazzy').packages.find((p) => p.attr === 'depthai-ros')!.rosName, 'depthai-ros');
  assert.equal(distro('humble').packages.find((p) => p.attr === 'hpp-fcl')!.rosName, 'hpp-fcl');
});

test("descriptions: escapes decoded, indented strings read as Nix reads them", () => {
  const gazebo = distro('humble').packages.find((p) => p.attr === 'gazebo-ros')!;
  assert.equal(gazebo.description, 'Utilities to interface with <a href="http://gazebosim.org">Gazebo</a> through ROS.');
  const pmb2 = distro('jazzy').packages.find((p) => p.attr === 'pmb2-navigation')!;
  // The first line has no indentation, so nothing is stripped from the second.
  assert.equal(pmb2.description, 'PMB2-specific launch files needed to run\n    navigation on the PMB2 robot.');
});

test('what is not read is reported, and the package keeps its name', () => {
  const problems = extraction.problems.map((p) => `${p.file}:${p.line}: ${p.message}`);
  assert.deepEqual(problems, [
    'distros/jazzy/gurumdds-cmake-module/default.nix:16: buildInputs has `.2`, which is not a name',
    'distros/jazzy/odd-package/default.nix:5: does not call buildRosPackage with an attribute set',
  ]);
  const gurum = distro('jazzy').packages.find((p) => p.attr === 'gurumdds-cmake-module')!;
  assert.deepEqual(gurum.dependencies.build, ['_unresolved_gurumdds-3'], 'Nix reads `_unresolved_gurumdds-3.2` as a name and a number');
  assert.deepEqual(distro('jazzy').packages.find((p) => p.attr === 'odd-package'), { attr: 'odd-package', licenses: [], dependencies: { build: [], propagated: [], check: [], native: [], other: [] } });
  const rmf = distro('jazzy').packages.find((p) => p.attr === 'rmf-assets')!;
  assert.equal(rmf.version, '1.6.3-r1', 'formals with a trailing comma (which Nix accepts) are read');
});

test('overlay names: nixpkgs packages, aliases, null, packages of the overlay, scope functions', () => {
  assert.deepEqual(overlay('jazzy', 'coal'), { name: 'coal', kind: 'nixpkgs', target: 'python3Packages.coal', file: 'distros/distro-overlay.nix' });
  assert.deepEqual(overlay('jazzy', 'hpp-fcl'), { name: 'hpp-fcl', kind: 'alias', target: 'coal', file: 'distros/distro-overlay.nix' });
  assert.deepEqual(overlay('jazzy', 'freeimage'), { name: 'freeimage', kind: 'null', file: 'distros/distro-overlay.nix' });
  assert.deepEqual(overlay('jazzy', 'tl-expected-nixpkgs'), { name: 'tl-expected-nixpkgs', kind: 'nixpkgs', target: 'tl-expected', file: 'distros/distro-overlay.nix' });
  assert.deepEqual(overlay('jazzy', 'boost'), { name: 'boost', kind: 'nixpkgs', target: 'boost', file: 'distros/distro-overlay.nix' }, 'self.boost.override { … } is still nixpkgs boost');
  assert.deepEqual(overlay('jazzy', 'buildEnv'), { name: 'buildEnv', kind: 'package', target: 'distros/build-env', file: 'distros/distro-overlay.nix' });
  assert.deepEqual(overlay('jazzy', 'rosidl-generator-rs'), { name: 'rosidl-generator-rs', kind: 'package', target: 'pkgs/rosidl-generator-rs', file: 'distros/ros2-overlay.nix' });
  assert.deepEqual(overlay('jazzy', 'python'), { name: 'python', kind: 'alias', target: 'python3', file: 'distros/ros2-overlay.nix' });
  for (const name of ['callPackage', 'newScope', 'overrideScope', "overrideScope'", 'packages']) assert.equal(overlay('jazzy', name)?.kind, 'scope', name);
});

test('conditional overlays follow the distribution: Qt 5 for humble and jazzy, Qt 6 for lyrical', () => {
  assert.equal(overlay('jazzy', 'pcl')?.target, 'pclWithQt5');
  assert.equal(overlay('lyrical', 'pcl')?.target, 'pclWithQt6');
  assert.equal(overlay('jazzy', 'mapviz-plugins'), undefined);
  assert.deepEqual(overlay('lyrical', 'mapviz-plugins'), { name: 'mapviz-plugins', kind: 'alias', target: 'mapviz', file: 'distros/qt6-overlay.nix' }, 'a generated package replaced by another');
});

test('overrides keep the generated package; an override of a package the distribution lacks is bound but broken', () => {
  for (const name of ['rclcpp', 'rclpy', 'nav2-bringup', 'demo-nodes-cpp', 'cyclonedds']) assert.equal(overlay('jazzy', name), undefined, name);
  assert.equal(overlay('humble', 'gazebo-ros'), undefined, 'humble generates gazebo-ros');
  assert.deepEqual(overlay('jazzy', 'gazebo-ros'), { name: 'gazebo-ros', kind: 'broken', file: 'distros/distro-overlay.nix' });
  assert.deepEqual(overlay('jazzy', 'gz-tools-vendor'), { name: 'gz-tools-vendor', kind: 'broken', file: 'distros/jazzy/overrides.nix' });
});

test('an overlay whose names cannot be read makes its distribution incomplete, and says where', () => {
  assert.deepEqual(distro('humble').incomplete, []);
  assert.deepEqual(distro('jazzy').incomplete, []);
  assert.deepEqual(distro('lyrical').incomplete, [{ file: 'distros/lyrical/overrides.nix', line: 10, message: 'calls lib.optionalAttrs, whose names are not read' }]);
});

test('the compact file round-trips every package and overlay name', () => {
  const read = readIndex(writeIndex(extraction, { project: 'lopsided98/nix-ros-overlay', revision: 'fixture' }, []));
  assert.ok('index' in read, 'error' in read ? read.error : '');
  const index = new RosIndex(read.index);
  for (const d of extraction.distros) {
    for (const p of d.packages) {
      const info = index.packageInfo(d.name, p.attr)!;
      const replacedBy = d.overlayNames.find((o) => o.name === p.attr);
      assert.deepEqual(info, { distro: d.name, ...p, rosName: p.rosName ?? p.attr.replace(/-/g, '_'), ...(replacedBy ? { replacedBy } : {}) }, `${d.name}.${p.attr}`);
    }
    for (const o of d.overlayNames) assert.deepEqual(index.overlayName(d.name, o.name), o);
    assert.equal(index.isComplete(d.name), d.incomplete.length === 0);
  }
});

test('the report names every distribution, the stray folders and each entry not read', () => {
  const lines = formatReport(extraction);
  assert.match(lines[0]!, /^ {2}humble: 9 packages, 19 names from overlays, 0 packages with dependencies superflore could not resolve$/);
  assert.match(lines[1]!, /^ {2}jazzy: 12 packages, .*, 1 packages with dependencies superflore could not resolve$/);
  assert.match(lines[2]!, /lyrical: .*; names incomplete: distros\/lyrical\/overrides.nix:10 calls lib.optionalAttrs/);
  assert.ok(lines.includes('  package folders no generated.nix refers to (not attributes, skipped): 1'));
  assert.ok(lines.includes('not read (2):'));
});

test('indented strings: escapes, interpolation and the last line', () => {
  assert.equal(indentedStringValue("''\n    a\n      b\n  ''"), 'a\n  b\n');
  assert.equal(indentedStringValue("''a ''$b '''c''' ''\\n''"), "a $b ''c'' \n");
  assert.equal(indentedStringValue("''a ${b}''"), undefined);
  assert.equal(indentedStringValue("''\n  x\n  ''"), 'x\n');
});

test('bad input is reported, never thrown: binary data, half-typed files, deep nesting, an unreadable tree', async () => {
  const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 97) % 256)).toString('latin1');
  const deep = `self: super: { rosPackages = ${'{ a = '.repeat(2000)}1${' ; }'.repeat(2000)}; }`;
  for (const text of [binary, '{ lib, buildRosPackage', deep, '']) {
    const where = { file: 'x/default.nix', distro: 'jazzy', attr: 'x' };
    assert.ok(readPackage(text, where, parser).problems.length > 0);
    const generated = readGenerated(text, 'g.nix', parser);
    assert.ok(!generated.complete || generated.problems.length > 0);
    assert.deepEqual(readDistroList(text, 'd.nix', parser).distros, []);
  }
  const nested = parser.parse(`rosSelf: rosSuper: ${'('.repeat(500)}{ a = 1; }${')'.repeat(500)} // ${'x // '.repeat(300)}{ }`)!;
  try {
    const read = overlayBindings(nested.rootNode.namedChildren[0]!, 'o.nix');
    assert.ok(read.incomplete.length > 0, 'names behind unbound variables are not guessed');
  } finally {
    nested.delete();
  }
  const missing = await extractRosIndex({ read: async () => ({ ok: false, message: 'no such file' }) }, parser);
  assert.deepEqual(missing, { distros: [], otherAttributes: [], problems: [{ file: 'distros/default.nix', message: 'no such file' }], strayDirectories: 0 });
});
