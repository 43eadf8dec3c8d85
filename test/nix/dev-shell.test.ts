/**
 * Dev shell environments with real Nix, offline: the fixture robot flake's ROS 2 shell (a raw
 * derivation with a bash builder, ROS variables and a shellHook) and an example shell of its
 * nix-ros-overlay-like input, captured with `nix develop … --command bash -c 'env -0 > "$0"'`
 * and compared with the environment they started from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath, offlineNixEnv } from '../support/nix';
import { captureDevShellEnvironment, diffEnvironment, shellStatusText } from '../../client/src/nix/dev-env';
import { resolveExecutable, ToolMissingError } from '../../client/src/nix/exec';

const nix = findOnPath('nix');
const skip = !nix && !process.env.CI ? 'nix is not installed (apt-get install nix-bin)' : false;
const FLAKES = path.join(__dirname, '..', 'fixtures', 'flakes');

function robotFlake(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-devshell-'));
  fs.cpSync(path.join(FLAKES, 'view-robot'), dir, { recursive: true });
  fs.cpSync(path.join(FLAKES, 'view-ros-overlay'), path.join(dir, 'ros-overlay'), { recursive: true });
  return dir;
}

test("a ROS 2 dev shell's environment is captured, shellHook included, and only its changes are applied", { skip }, async () => {
  assert.ok(nix, 'nix must be installed in CI (.ci/run installs nix-bin)');
  const flakeDir = robotFlake();
  // What the editor's environment already has: the shell must extend PYTHONPATH and PATH, not replace them.
  const env = { ...offlineNixEnv(), PYTHONPATH: '/home/me/lib/python', FOO: 'outer', UNTOUCHED: 'same' };
  const started = Date.now();
  const capture = await captureDevShellEnvironment({ nix, flakeDir, ref: '.#ros2', env });
  const elapsed = Date.now() - started;
  assert.ok(capture.ok, capture.ok ? '' : capture.message);
  assert.equal(capture.environment.HOOK_RAN, '1', 'the shellHook ran');
  assert.equal(capture.environment.FOO, 'bar baz');
  assert.equal(fs.existsSync(path.join(flakeDir, 'flake.lock')), false, 'capturing never writes flake.lock');

  const changes = new Map(diffEnvironment(capture.base, capture.environment).map((c) => [c.name, c]));
  assert.deepEqual(changes.get('FOO'), { name: 'FOO', kind: 'replace', value: 'bar baz' });
  assert.deepEqual(changes.get('ROS_DISTRO'), { name: 'ROS_DISTRO', kind: 'replace', value: 'jazzy' });
  assert.deepEqual(changes.get('AMENT_PREFIX_PATH'), { name: 'AMENT_PREFIX_PATH', kind: 'replace', value: '/opt/ros/jazzy' });
  assert.deepEqual(changes.get('PYTHONPATH'), { name: 'PYTHONPATH', kind: 'prepend', value: '/opt/ros/jazzy/lib/python3/site-packages:' });
  // nix develop puts the shell's PATH before the outer one.
  assert.deepEqual(changes.get('PATH'), { name: 'PATH', kind: 'prepend', value: '/usr/bin:/bin:' });
  // Unchanged variables and the shell process's own (its folder, nesting, scratch dirs) are not applied.
  for (const name of ['UNTOUCHED', 'PWD', 'SHLVL', '_', 'HOME', 'TMPDIR', 'NIX_BUILD_TOP', 'NIX_CONFIG']) assert.equal(changes.has(name), false, name);
  assert.equal(shellStatusText('ros2', capture.environment), 'ROS 2 jazzy shell');
  console.log(`# capturing the fixture dev shell took ${elapsed} ms`);
});

test("an input's example shell is captured at the revision the flake locks (--inputs-from)", { skip }, async () => {
  assert.ok(nix);
  const flakeDir = robotFlake();
  const env = offlineNixEnv();
  execFileSync(nix, ['flake', 'lock'], { cwd: flakeDir, env, stdio: 'pipe' });
  const capture = await captureDevShellEnvironment({ nix, flakeDir, ref: 'nix-ros-overlay#example-ros2-desktop-humble', extraArgs: ['--inputs-from', '.'], env });
  assert.ok(capture.ok, capture.ok ? '' : capture.message);
  assert.equal(capture.environment.ROS_DISTRO, 'humble');
  assert.equal(capture.environment.AMENT_PREFIX_PATH, '/opt/ros/humble');
  assert.equal(shellStatusText('example-ros2-desktop-humble', capture.environment), 'ROS 2 humble shell');
});

test('a shell that does not exist is one sentence; a cancelled capture says so', { skip }, async () => {
  assert.ok(nix);
  const flakeDir = robotFlake();
  const env = offlineNixEnv();
  const missing = await captureDevShellEnvironment({ nix, flakeDir, ref: '.#nope', env });
  assert.equal(missing.ok, false);
  assert.ok(!missing.ok && !missing.cancelled);
  assert.match(missing.message, /does not provide attribute.*nope/);
  assert.doesNotMatch(missing.message, /\n|\u001b/);

  const controller = new AbortController();
  const pending = captureDevShellEnvironment({ nix, flakeDir, ref: '.#ros2', env, signal: controller.signal });
  controller.abort();
  const cancelled = await pending;
  assert.deepEqual(cancelled.ok ? 'captured' : cancelled.cancelled, true);
  assert.equal(fs.readdirSync(os.tmpdir()).some((d) => d.startsWith('jetson-nix-env-') && fs.existsSync(path.join(os.tmpdir(), d, 'environment'))), false, 'no capture file is left behind');
});

test('without Nix on PATH, capturing fails with one clear error and no terminal is started', async () => {
  const flakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-devshell-nonix-'));
  await assert.rejects(captureDevShellEnvironment({ nix: 'nix', flakeDir, ref: '.#ros2', env: { PATH: '' } }), (err: unknown) => {
    assert.ok(err instanceof ToolMissingError);
    assert.match(err.message, /^Nix was not found/);
    return true;
  });
  // The terminal of `jetsonNix.openDevShell` is started only with an executable found here.
  assert.throws(() => resolveExecutable('nix', ''), /^ToolMissingError: Nix was not found/);
  assert.throws(() => resolveExecutable('/nonexistent/bin/nix'), ToolMissingError);
  if (nix) assert.equal(resolveExecutable('nix'), nix);
});
