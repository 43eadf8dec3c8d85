/**
 * The colcon workspace's packages and what each dependency becomes in a dev shell: the fixture
 * workspace (`test/fixtures/colcon-ws`) against the fixture overlay's index and the bundled one.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createNixParser } from '../../server/src/parse/parser';
import { bundledRosIndex } from '../../server/src/ros/bundled';
import { type ClassifyContext, classifyDependency, type DependencyClass } from '../../server/src/ros/classify';
import { rosConditionContext } from '../../server/src/ros/conditions';
import { extractRosIndex } from '../../server/src/ros/extract';
import { readIndex, writeIndex } from '../../server/src/ros/index-file';
import { DEV_SHELL_TAGS, resolveDependencies } from '../../server/src/ros/package-xml';
import { RosIndex } from '../../server/src/ros/ros-index';
import { rosdepAttributes, rosdepKeys, rosdepSource } from '../../server/src/ros/rosdep';
import { scanWorkspace, type WorkspaceScan } from '../../server/src/ros/workspace';
import { folderSource } from '../../scripts/ros-index';

const WS = path.join(__dirname, '..', 'fixtures', 'colcon-ws');
const OVERLAY = path.join(__dirname, '..', 'fixtures', 'ros-overlay');

let index: RosIndex;
let scan: WorkspaceScan;

before(async () => {
  const extraction = await extractRosIndex(folderSource(OVERLAY), await createNixParser());
  const read = readIndex(writeIndex(extraction, { project: 'lopsided98/nix-ros-overlay', revision: 'f1x7ure0000' }, []));
  assert.ok('index' in read);
  index = new RosIndex(read.index);
  scan = await scanWorkspace(WS);
});

function context(distro: string, idx = index): ClassifyContext {
  return { index: idx, distro, workspace: new Set(scan.packages.map((p) => p.name)) };
}

test('the workspace: src/**/package.xml as colcon finds them', () => {
  assert.deepEqual(scan.packages.map((p) => [p.name, path.relative(WS, p.file)]), [
    ['lidar_driver', 'src/drivers/lidar_driver/package.xml'],
    ['robot_bringup', 'src/robot_bringup/package.xml'],
    ['robot_msgs', 'src/robot_msgs/package.xml'],
  ], 'not below COLCON_IGNORE or AMENT_IGNORE, not in hidden folders, not inside another package');
  assert.deepEqual(scan.problems, []);
});

test('each kind: the workspace, ROS packages, system dependencies through rosdep', () => {
  const c = context('jazzy');
  assert.deepEqual(classifyDependency('robot_msgs', c), { kind: 'workspace', name: 'robot_msgs' });
  assert.deepEqual(classifyDependency('nav2_bringup', c), { kind: 'ros', name: 'nav2_bringup', attr: 'nav2-bringup', expression: 'rosPackages.jazzy.nav2-bringup' });
  assert.deepEqual(classifyDependency('depthai-ros', c), { kind: 'ros', name: 'depthai-ros', attr: 'depthai-ros', expression: 'rosPackages.jazzy.depthai-ros' });
  assert.deepEqual(classifyDependency('python3-numpy', c), { kind: 'system', name: 'python3-numpy', attrs: ['python3Packages.numpy'] });
  assert.deepEqual(classifyDependency('opengl', c), { kind: 'system', name: 'opengl', attrs: ['libGL', 'libGLU'] });
  assert.deepEqual(classifyDependency('dkms', c), { kind: 'system', name: 'dkms', attrs: [] }, 'a rule that installs nothing on NixOS');
});

test('a ROS package an overlay replaced says by what', () => {
  const hpp = classifyDependency('hpp-fcl', context('humble'));
  assert.equal(hpp.kind === 'ros' && hpp.replacedBy?.target, 'coal');
});

test('what cannot be mapped: the reason, and did-you-mean against the index and the rosdep keys', () => {
  const c = context('jazzy');
  const typo = classifyDependency('nav2_bringpu', c) as Extract<DependencyClass, { kind: 'unmapped' }>;
  assert.equal(typo.kind, 'unmapped');
  assert.equal(typo.reason, '`nav2_bringpu` is neither a ROS package of jazzy in nix-ros-overlay f1x7ure nor a rosdep key');
  assert.equal(typo.certain, true);
  assert.deepEqual(typo.suggestions[0], { kind: 'ros', replacement: 'nav2_bringup', message: 'did you mean `nav2_bringup` (`rosPackages.jazzy.nav2-bringup`)?' });
  const attr = classifyDependency('nav2-bringup', c) as Extract<DependencyClass, { kind: 'unmapped' }>;
  assert.deepEqual(attr.suggestions[0], { kind: 'ros', replacement: 'nav2_bringup', message: '`nav2-bringup` is the Nix attribute; package.xml names the package `nav2_bringup`' });
  const key = classifyDependency('python3-numpi', c) as Extract<DependencyClass, { kind: 'unmapped' }>;
  assert.deepEqual(key.suggestions.find((s) => s.kind === 'rosdep'), { kind: 'rosdep', replacement: 'python3-numpy', message: 'did you mean the rosdep key `python3-numpy`?' });
  assert.deepEqual(classifyDependency('python3-flaky', c), {
    kind: 'unmapped', name: 'python3-flaky', certain: true, suggestions: [],
    reason: "rosdep's nixos rule for `python3-flaky` is `python%{python3_pkgversion}Packages.flaky`, which is not a nixpkgs attribute",
  });
});

test('a package of another distribution, and an incomplete index, are said so', () => {
  const lyrical = classifyDependency('rmw_cyclonedds_cpp', context('lyrical')) as Extract<DependencyClass, { kind: 'unmapped' }>;
  assert.equal(lyrical.certain, false, "lyrical's overrides.nix has names that were not read");
  assert.match(lyrical.reason, /that index is incomplete, so it may exist$/);
  assert.deepEqual(lyrical.suggestions[0], { kind: 'ros', message: '`rmw-cyclonedds-cpp` exists in humble and jazzy, not in lyrical' });
});

test('the fixture workspace against the bundled index: only the deliberate mistakes stay unmapped', () => {
  const bundled = bundledRosIndex();
  assert.ok('index' in bundled);
  const c = context('jazzy', bundled.index);
  const unmapped: string[] = [];
  const ros = new Set<string>();
  for (const p of scan.packages) {
    for (const r of resolveDependencies(p.manifest, rosConditionContext('jazzy'))) {
      if (!r.active || !DEV_SHELL_TAGS.has(r.dependency.tag)) continue;
      const k = classifyDependency(r.dependency.name, c);
      if (k.kind === 'unmapped') unmapped.push(k.name);
      if (k.kind === 'ros') ros.add(k.expression);
    }
  }
  assert.deepEqual(unmapped.sort(), ['libfoo-dev', 'nav2_bringpu', 'python3-flaky']);
  assert.equal(classifyDependency('rosdoc2', c).kind, 'unmapped', 'a documentation tool nix-ros-overlay lacks; a dev shell leaves doc_depend out');
  for (const e of ['rosPackages.jazzy.rclcpp', 'rosPackages.jazzy.launch-ros', 'rosPackages.jazzy.ament-lint-auto', 'rosPackages.jazzy.rmw-cyclonedds-cpp']) assert.ok(ros.has(e), e);
});

test('the rosdep table carries its provenance and every key of the reference', () => {
  assert.match(rosdepSource(), /^ros\/rosdistro rosdep\/base\.yaml and rosdep\/python\.yaml at [0-9a-f]{10}/);
  assert.equal(rosdepKeys().length, 1280);
  assert.equal(rosdepAttributes('no-such-key'), undefined);
  assert.equal(rosdepAttributes('toString'), undefined, 'only the table’s own keys');
});

test('bad workspaces: a FIFO, a link out of the workspace, a folder link, a name given twice', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-colcon-'));
  try {
    const pkg = (dir: string, name: string): void => {
      fs.mkdirSync(path.join(root, 'src', dir), { recursive: true });
      fs.writeFileSync(path.join(root, 'src', dir, 'package.xml'), `<package format="3"><name>${name}</name></package>`);
    };
    pkg('one', 'same');
    pkg('two', 'same');
    fs.mkdirSync(path.join(root, 'src', 'fifo'));
    execFileSync('mkfifo', [path.join(root, 'src', 'fifo', 'package.xml')]);
    fs.mkdirSync(path.join(root, 'src', 'outside'));
    fs.symlinkSync(path.join(WS, 'src', 'robot_msgs', 'package.xml'), path.join(root, 'src', 'outside', 'package.xml'));
    fs.symlinkSync('/', path.join(root, 'src', 'root-link'));
    const s = await scanWorkspace(root);
    assert.deepEqual(s.packages.map((p) => p.name), ['same', 'same']);
    assert.deepEqual(s.problems.map((p) => [path.relative(root, p.file), p.message.replaceAll(root, '<ws>')]), [
      ['src/fifo/package.xml', '<ws>/src/fifo/package.xml is not a regular file (a named pipe), so it was not read'],
      ['src/outside/package.xml', `<ws>/src/outside/package.xml points outside <ws>, so it was not read`],
      ['src/two/package.xml', 'the package same is also in src/one/package.xml'],
    ]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
