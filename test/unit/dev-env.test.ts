import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffEnvironment, isRosShell, parseNulEnvironment, rosDistroOf, shellStatusText, shellTerminalName } from '../../client/src/nix/dev-env';

/** The environment diff applied to the workspace, and how a shell is named in the status bar and terminals. */

test('env -0 output: values may hold newlines and `=`', () => {
  const env = parseNulEnvironment('A=1\0shellHook=export X=1\nexport Y=2\n\0EMPTY=\0=bogus\0NOEQUALS\0');
  assert.deepEqual(env, { A: '1', shellHook: 'export X=1\nexport Y=2\n', EMPTY: '' });
});

test('list variables the shell extends become prepends or appends; others are replaced', () => {
  const base = { PATH: '/usr/bin:/bin', PYTHONPATH: '/a', LD_LIBRARY_PATH: '/lib', EDITOR: 'vi', SAME: 'x', GONE: 'y' };
  const shell = {
    PATH: '/nix/store/abc-colcon/bin:/nix/store/def-ros/bin:/usr/bin:/bin',
    PYTHONPATH: '/a:/nix/store/ros/lib/python3.12/site-packages',
    LD_LIBRARY_PATH: '/other',
    EDITOR: 'nano',
    SAME: 'x',
    AMENT_PREFIX_PATH: '/nix/store/ros',
    // Same prefix but no separator: a different value, not an extension.
    ROS_VERSION: '2',
  };
  assert.deepEqual(diffEnvironment({ ...base, ROS_VERSION: '' }, shell), [
    { name: 'AMENT_PREFIX_PATH', kind: 'replace', value: '/nix/store/ros' },
    { name: 'EDITOR', kind: 'replace', value: 'nano' },
    { name: 'LD_LIBRARY_PATH', kind: 'replace', value: '/other' },
    { name: 'PATH', kind: 'prepend', value: '/nix/store/abc-colcon/bin:/nix/store/def-ros/bin:' },
    { name: 'PYTHONPATH', kind: 'append', value: ':/nix/store/ros/lib/python3.12/site-packages' },
    { name: 'ROS_VERSION', kind: 'replace', value: '2' },
  ]);
  assert.deepEqual(diffEnvironment({ A: '/x' }, { A: '/x2' }), [{ name: 'A', kind: 'replace', value: '/x2' }]);
});

test("the shell process's own variables are never applied to terminals", () => {
  const shell = {
    PWD: '/flake',
    OLDPWD: '/',
    SHLVL: '2',
    _: '/usr/bin/env',
    HOME: '/homeless-shelter',
    TMPDIR: '/tmp/nix-shell.x',
    TEMP: '/tmp/nix-shell.x',
    NIX_BUILD_TOP: '/tmp/nix-shell.x',
    NIX_GCROOT: '/nix/store/x-env',
    TERM: 'dumb',
    TERM_PROGRAM: 'x',
    VSCODE_IPC_HOOK: 'x',
    'BASH_FUNC_f%%': '() { :; }',
    NIX_CONFIG: 'extra-experimental-features = flakes',
    IN_NIX_SHELL: 'impure',
  };
  assert.deepEqual(diffEnvironment({}, shell), [{ name: 'IN_NIX_SHELL', kind: 'replace', value: 'impure' }]);
});

test('ROS shells are named by their distribution', () => {
  assert.equal(rosDistroOf('example-ros2-desktop-jazzy'), 'jazzy');
  assert.equal(rosDistroOf('example-ros2-basic'), undefined);
  assert.equal(rosDistroOf('example-ros2-basic', { ROS_DISTRO: 'humble' }), 'humble');
  assert.equal(rosDistroOf('hummingbird'), undefined);
  assert.equal(shellStatusText('default', { ROS_DISTRO: 'kilted' }), 'ROS 2 kilted shell');
  assert.equal(shellStatusText('example-ros2-desktop-jazzy'), 'ROS 2 jazzy shell');
  assert.equal(shellStatusText('default', { PATH: '/bin' }), 'Dev shell: default');
  assert.equal(shellTerminalName('example-ros2-desktop-jazzy'), 'ROS 2: example-ros2-desktop-jazzy');
  assert.equal(shellTerminalName('ros2'), 'ROS 2: ros2');
  assert.equal(shellTerminalName('default'), 'nix develop: default');
  assert.equal(isRosShell('microscope'), false);
  assert.equal(isRosShell('micro-ros'), true);
});
