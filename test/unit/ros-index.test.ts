/**
 * Lookups in the ROS package index: distributions, packages, did-you-mean for the three common
 * mistakes, removed distributions; on the fixture overlay and on the bundled index.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createNixParser } from '../../server/src/parse/parser';
import { bundledRosIndex } from '../../server/src/ros/bundled';
import { extractRosIndex } from '../../server/src/ros/extract';
import { readIndex, writeIndex } from '../../server/src/ros/index-file';
import { RosIndex } from '../../server/src/ros/ros-index';
import { listWords, suggestDistro, suggestPackage } from '../../server/src/ros/suggest';
import type { RemovedDistro } from '../../server/src/ros/types';
import { closest, editDistance } from '../../server/src/util/edit-distance';
import { folderSource } from '../../scripts/ros-index';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'ros-overlay');

const REMOVED: RemovedDistro[] = [
  {
    name: 'noetic',
    rosVersion: 1,
    removedIn: { revision: '9fd143d597f1822a80e3e93659a90a714cdeea2a', date: '2025-10-14', subject: 'Remove Noetic' },
    lastRevision: '3fd619842f1ed857daa1de3a99a8f5698bd60bc6',
    branches: [{ name: 'ros1-25.05', date: '2026-02-05', revision: '1c2cd8c32f99d52e2e4400177b9e43afa2b2d7a3' }],
  },
  {
    name: 'foxy',
    rosVersion: 2,
    removedIn: { revision: '5ee25dafd951beb16e87b5fc19c8b3438928093a', date: '2025-09-20', subject: 'Remove Foxy' },
    lastRevision: '3132847267e0d03ba640ed2fe7d3d5d7075a1a3d',
    branches: [],
  },
];

let index: RosIndex;

before(async () => {
  const extraction = await extractRosIndex(folderSource(FIXTURE), await createNixParser());
  const read = readIndex(writeIndex(extraction, { project: 'lopsided98/nix-ros-overlay', revision: 'fixture' }, REMOVED));
  assert.ok('index' in read);
  index = new RosIndex(read.index);
});

test('distributions, with package counts and whether their names are complete', () => {
  assert.deepEqual(
    index.distros().map((d) => [d.name, d.packages, d.complete]),
    [['humble', 9, true], ['jazzy', 12, true], ['lyrical', 7, false]],
  );
  assert.ok(index.hasDistro('jazzy') && !index.hasDistro('noetic'));
  assert.deepEqual(index.otherAttributes(), ['recurseForDerivations', 'lib', 'mkRosDistroOverlay']);
});

test('has: generated packages and the names overlays bind; not ROS names, not other distributions', () => {
  assert.ok(index.has('jazzy', 'nav2-bringup'));
  assert.ok(index.has('jazzy', 'hpp-fcl'), 'an overlay alias');
  assert.ok(index.has('jazzy', 'buildEnv') && index.has('jazzy', 'overrideScope'));
  assert.ok(index.has('jazzy', 'gazebo-ros'), 'bound by an override even though jazzy lacks the package');
  assert.ok(!index.has('jazzy', 'nav2_bringup'));
  assert.ok(!index.has('lyrical', 'rmw-cyclonedds-cpp'));
  assert.ok(!index.has('kilted', 'rclcpp'), 'unknown distribution');
  assert.ok(index.names('jazzy').includes('coal') && index.names('jazzy').includes('rclcpp'));
});

test('packageInfo decodes one package; a replaced one says by what', () => {
  assert.deepEqual(index.packageInfo('humble', 'hpp-fcl')?.replacedBy, { name: 'hpp-fcl', kind: 'alias', target: 'coal', file: 'distros/distro-overlay.nix', line: 25 });
  assert.equal(index.packageInfo('jazzy', 'coal'), undefined, 'coal is not a generated package');
  assert.equal(index.packageInfo('jazzy', 'depthai-ros')?.rosName, 'depthai-ros');
});

test('ROS names map to attributes, including the ones spelt with dashes', () => {
  assert.equal(index.attrOfRosName('jazzy', 'nav2_bringup'), 'nav2-bringup');
  assert.equal(index.attrOfRosName('jazzy', 'depthai-ros'), 'depthai-ros');
  assert.equal(index.attrOfRosName('jazzy', 'depthai_ros'), undefined, 'its ROS name is depthai-ros, not depthai_ros');
  assert.equal(index.attrOfRosName('lyrical', 'rmw_cyclonedds_cpp'), undefined);
});

test('did-you-mean: the ROS name with underscores', () => {
  assert.deepEqual(suggestPackage(index, 'jazzy', 'nav2_bringup'), [
    { kind: 'ros-name', replacement: 'nav2-bringup', message: '`nav2_bringup` is the ROS name; nix-ros-overlay names the package `nav2-bringup`' },
  ]);
});

test('did-you-mean: a package of other distributions, computed from the data', () => {
  const s = suggestPackage(index, 'lyrical', 'rmw-cyclonedds-cpp');
  assert.deepEqual(s[0], { kind: 'other-distro', distros: ['humble', 'jazzy'], message: '`rmw-cyclonedds-cpp` exists in humble and jazzy, not in lyrical' });
  const underscored = suggestPackage(index, 'lyrical', 'rmw_cyclonedds_cpp');
  assert.equal(underscored[0]?.message, '`rmw-cyclonedds-cpp` exists in humble and jazzy, not in lyrical');
  assert.deepEqual(suggestPackage(index, 'humble', 'depthai-ros')[0]?.distros, ['jazzy']);
});

test('did-you-mean: typos, closest first, none for a name that exists or is far from everything', () => {
  assert.deepEqual(suggestPackage(index, 'jazzy', 'nav2-bringpu'), [{ kind: 'typo', replacement: 'nav2-bringup', message: 'did you mean `nav2-bringup`?' }]);
  assert.deepEqual(suggestPackage(index, 'jazzy', 'rclpp').map((s) => s.replacement), ['rclpy', 'rclcpp'], 'one edit each; the longer common start first');
  assert.deepEqual(suggestPackage(index, 'jazzy', 'nav2_bringpu').map((s) => s.replacement), ['nav2-bringup'], 'underscores and a typo');
  assert.deepEqual(suggestPackage(index, 'jazzy', 'rclcpp'), []);
  assert.deepEqual(suggestPackage(index, 'jazzy', 'something-else-entirely'), []);
  assert.deepEqual(suggestPackage(index, 'kilted', 'rclcpp'), [], 'no suggestions in an unknown distribution');
});

test('removed distributions: where they went', () => {
  assert.equal(index.removedDistro('noetic')?.branches[0]?.name, 'ros1-25.05');
  assert.equal(
    suggestDistro(index, 'noetic')?.message,
    '`noetic` (ROS 1) was removed from nix-ros-overlay on 2025-10-14 (9fd143d: Remove Noetic). It lives on in the `ros1-25.05` branch: `github:lopsided98/nix-ros-overlay/ros1-25.05`.',
  );
  assert.equal(
    suggestDistro(index, 'foxy')?.message,
    '`foxy` (ROS 2) was removed from nix-ros-overlay on 2025-09-20 (5ee25da: Remove Foxy). The last revision with it is `github:lopsided98/nix-ros-overlay/3132847267e0d03ba640ed2fe7d3d5d7075a1a3d`. Current distributions: humble, jazzy and lyrical.',
  );
  assert.deepEqual(suggestDistro(index, 'jazy')?.typos, ['jazzy']);
  assert.equal(suggestDistro(index, 'jazzy'), undefined);
  assert.equal(suggestDistro(index, 'lib'), undefined, 'other attributes of rosPackages are not distributions, nor mistakes');
  assert.equal(suggestDistro(index, 'ardent')?.message, '`ardent` is not a ROS distribution of nix-ros-overlay (nix-ros-overlay has humble, jazzy and lyrical)');
});

test('edit distance counts a swap of neighbours as one edit and stops at the budget', () => {
  assert.equal(editDistance('nav2-bringpu', 'nav2-bringup'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('abc', 'xyzxyz', 2), 3);
  assert.deepEqual(closest('Rclcpp', ['rclcpp', 'rclpy']), ['rclcpp', 'rclpy'], 'case costs nothing');
  assert.equal(listWords(['a', 'b', 'c']), 'a, b and c');
});

test('the bundled index: the five distributions of its overlay revision, and the removed ones', () => {
  const bundled = bundledRosIndex();
  assert.ok('index' in bundled, 'error' in bundled ? bundled.error : '');
  const b = bundled.index;
  assert.equal(b.source.project, 'lopsided98/nix-ros-overlay');
  assert.match(b.source.revision, /^[0-9a-f]{40}$/);
  assert.deepEqual(b.distros().map((d) => d.name), ['humble', 'jazzy', 'kilted', 'lyrical', 'rolling']);
  for (const d of b.distros()) {
    assert.ok(d.packages > 1000 && d.complete, `${d.name}: ${d.packages} packages, complete ${String(d.complete)}`);
    assert.ok(b.has(d.name, 'rclcpp') && b.has(d.name, 'ament-cmake'), d.name);
  }
  assert.equal(b.packageInfo('jazzy', 'nav2-bringup')?.rosName, 'nav2_bringup');
  assert.equal(suggestPackage(b, 'jazzy', 'nav2_bringup')[0]?.replacement, 'nav2-bringup');
  assert.deepEqual(b.removedDistro('noetic')?.branches.map((x) => x.name), ['ros1-25.05']);
  for (const name of ['foxy', 'galactic', 'iron']) {
    const r = b.removedDistro(name);
    assert.ok(r && r.rosVersion === 2 && /^[0-9a-f]{40}$/.test(r.lastRevision), name);
  }
});
