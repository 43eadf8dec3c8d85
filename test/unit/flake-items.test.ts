import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allBuildTargets, allShells, sectionItems, type FlakeState, type ViewItem } from '../../client/src/views/flake-items';
import type { FlakeOutputs } from '../../server/src/protocol';

/** What the Jetson view shows: static names first, replaced by Nix's; failures as items; targets for the commands. */

const span = (line: number) => ({ start: { line, character: 4 }, end: { line, character: 9 } });

const STATIC: FlakeOutputs = {
  configurations: [
    { name: 'robot', som: 'orin-agx', carrierBoard: 'devkit', majorVersion: '6', span: span(10) },
    { name: 'old', span: span(20) },
  ],
  packages: [
    { name: 'flash-robot', system: 'x86_64-linux', span: span(30) },
    { name: 'installer-iso', system: 'x86_64-linux', span: span(31) },
    { name: 'sd-image', system: 'aarch64-linux', span: span(32) },
  ],
  devShells: [
    { name: 'default', span: span(40) },
    { name: 'ros2 jazzy', system: 'x86_64-linux', span: span(41) },
  ],
  inputs: [],
};

function flake(extra: Partial<FlakeState> = {}): FlakeState {
  return { dir: '/work/robot', label: 'robot', system: 'x86_64-linux', outputs: STATIC, ...extra };
}

const brief = (items: ViewItem[]) => items.map((i) => [i.label, i.description, i.contextValue, i.confirmed]);

test('before Nix answers, the static reading is shown, for this system only', () => {
  const state = flake();
  assert.deepEqual(brief(sectionItems('configurations', [state])), [
    ['robot', 'orin-agx · JetPack 6', 'configuration', false],
    ['old', undefined, 'configuration', false],
  ]);
  assert.deepEqual(brief(sectionItems('packages', [state])), [
    ['flash-robot', 'flash script', 'package.flash', false],
    ['installer-iso', 'ISO image', 'package', false],
  ]);
  assert.deepEqual(brief(sectionItems('devShells', [state])), [
    ['default', undefined, 'devShell', false],
    ['ros2 jazzy', 'ROS 2 jazzy', 'devShell', false],
  ]);
  const robot = sectionItems('configurations', [state])[0]!;
  assert.deepEqual(robot.location, { file: '/work/robot/flake.nix', span: span(10) });
  assert.match(robot.tooltip!, /Carrier board: devkit\nRead from flake\.nix; not confirmed by Nix\./);
});

test("Nix's names replace the static ones and keep their details; a failure is an item", () => {
  const state = flake({
    nix: {
      configurations: { names: ['robot', 'lab'] },
      packages: { error: 'the package set is broken' },
      devShells: { names: ['default', 'ros2 jazzy'] },
      inputShells: [
        { input: 'nix-ros-overlay', listing: { names: ['example-ros2-basic', 'example-ros2-desktop-jazzy'] } },
        { input: 'other-ros-overlay', listing: { error: 'boom' } },
      ],
    },
  });
  // `old` is gone (Nix does not list it), `lab` is new (computed in flake.nix), `robot` keeps its SoM.
  assert.deepEqual(brief(sectionItems('configurations', [state])), [
    ['robot', 'orin-agx · JetPack 6', 'configuration', true],
    ['lab', undefined, 'configuration', true],
  ]);
  const packages = sectionItems('packages', [state]);
  assert.deepEqual(brief(packages), [
    ['flash-robot', 'flash script', 'package.flash', false],
    ['installer-iso', 'ISO image', 'package', false],
    ['Nix could not list these', 'the package set is broken', 'message.error', undefined],
  ]);
  const shells = sectionItems('devShells', [state]);
  assert.deepEqual(brief(shells), [
    ['default', undefined, 'devShell', true],
    ['ros2 jazzy', 'ROS 2 jazzy', 'devShell', true],
    ['nix-ros-overlay examples', '2 shells', 'inputShells', undefined],
    ['Shells of other-ros-overlay', 'boom', 'message.error', undefined],
  ]);
  assert.deepEqual(brief(shells[2]!.children!), [
    ['example-ros2-basic', 'ROS 2', 'devShell', true],
    ['example-ros2-desktop-jazzy', 'ROS 2 jazzy', 'devShell', true],
  ]);
});

test('items carry what the build and dev shell commands need', () => {
  const state = flake({ nix: { configurations: { names: ['robot'] }, packages: { names: ['flash-robot'] }, devShells: { names: ['default', 'ros2 jazzy'] }, inputShells: [{ input: 'nix-ros-overlay', listing: { names: ['example-ros2-basic'] } }] } });
  assert.deepEqual(
    allBuildTargets([state]).map((t) => t.target),
    [
      { flakeDir: '/work/robot', installable: '.#nixosConfigurations.robot.config.system.build.toplevel', label: 'robot' },
      { flakeDir: '/work/robot', installable: '.#packages.x86_64-linux.flash-robot', label: 'flash-robot' },
    ],
  );
  assert.deepEqual(
    allShells([state]).map((s) => [s.target, s.input]),
    [
      [{ flakeDir: '/work/robot', ref: '.#default', extraArgs: [], name: 'default' }, undefined],
      [{ flakeDir: '/work/robot', ref: '.#devShells.x86_64-linux."ros2 jazzy"', extraArgs: [], name: 'ros2 jazzy' }, undefined],
      [{ flakeDir: '/work/robot', ref: 'nix-ros-overlay#example-ros2-basic', extraArgs: ['--inputs-from', '.'], name: 'example-ros2-basic' }, 'nix-ros-overlay'],
    ],
  );
});

test('several flakes get one node each; a notice explains why Nix was not asked', () => {
  const tools: FlakeState = {
    dir: '/work/tools',
    label: 'tools',
    system: 'x86_64-linux',
    outputs: { configurations: [], packages: [{ name: 'lint', system: 'x86_64-linux', span: span(3) }], devShells: [], inputs: [] },
    notice: { severity: 'info', message: 'nixpkgs is not in the Nix store yet' },
  };
  const nodes = sectionItems('packages', [flake(), tools]);
  assert.deepEqual(brief(nodes), [
    ['robot', undefined, 'flake', undefined],
    ['tools', undefined, 'flake', undefined],
  ]);
  assert.deepEqual(brief(nodes[1]!.children!), [
    ['lint', undefined, 'package', false],
    ['Not confirmed with Nix', 'nixpkgs is not in the Nix store yet', 'message.info', undefined],
  ]);
  // Ids are unique across sections and flakes, so the trees keep their state across refreshes.
  const ids = ['configurations', 'packages', 'devShells'].flatMap((s) => sectionItems(s as 'packages', [flake(), tools]).flatMap((n) => [n.id, ...(n.children ?? []).map((c) => c.id)]));
  assert.equal(new Set(ids).size, ids.length);
});
