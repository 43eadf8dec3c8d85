/**
 * The live ROS package index with real Nix: a flake whose flake.lock pins a copy of the fixture
 * overlay (standing for the nix-ros-overlay revision a robot flake locks), put in the store by
 * `nix flake lock`. The index must come from that store path, say which revision, and say why
 * when the locked source is not in the store; nothing runs Nix but the test itself.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath, offlineNixEnv } from '../support/nix';
import { parseLock } from '../../server/src/flake/lock';
import { createNixParser } from '../../server/src/parse/parser';
import { sourceStorePath } from '../../server/src/schema/live';
import { findRosOverlay, loadLiveRosIndex, readLockedRosOverlay } from '../../server/src/ros/live';
import type { RemovedDistro } from '../../server/src/ros/types';

const nix = findOnPath('nix');
const skip = nix ? false : 'nix is not installed';
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'ros-overlay');

const temporary: string[] = [];
after(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

/** A robot flake pinning a copy of the fixture overlay, locked by real Nix. */
function lockedFlake(inputName = 'nix-ros-overlay'): { root: string; overlay: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-ros-live-'));
  temporary.push(base);
  const overlay = path.join(base, 'nix-ros-overlay');
  fs.cpSync(FIXTURE, overlay, { recursive: true });
  // A unique file, so that this run's source has its own hash and store path.
  fs.writeFileSync(path.join(overlay, 'RUN'), `${base}\n`);
  const root = path.join(base, 'robot');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'flake.nix'), `{\n  inputs.${inputName} = { url = "path:${overlay}"; flake = false; };\n  outputs = { self, ${inputName} }: { };\n}\n`);
  execFileSync(nix!, ['flake', 'lock'], { cwd: root, env: offlineNixEnv(), stdio: 'pipe' });
  return { root, overlay };
}

const NOETIC: RemovedDistro = {
  name: 'noetic',
  rosVersion: 1,
  removedIn: { revision: '9fd143d597f1822a80e3e93659a90a714cdeea2a', date: '2025-10-14', subject: 'Remove Noetic' },
  lastRevision: '3fd619842f1ed857daa1de3a99a8f5698bd60bc6',
  branches: [{ name: 'ros1-25.05', date: '2026-02-05', revision: '1c2cd8c32f99d52e2e4400177b9e43afa2b2d7a3' }],
};

test('the index comes from the locked source in the store, with its revision', { skip }, async () => {
  const { root } = lockedFlake();
  const lookup = await readLockedRosOverlay(root);
  assert.ok('found' in lookup, 'reason' in lookup ? lookup.reason : '');
  const live = await loadLiveRosIndex(root, await createNixParser(), { removed: [NOETIC, { ...NOETIC, name: 'jazzy' }] });
  assert.ok('index' in live, 'reason' in live ? live.reason : '');
  assert.equal(live.storePath, sourceStorePath(lookup.found.narHash));
  assert.ok(fs.existsSync(live.storePath));
  assert.equal(live.locked.input, 'nix-ros-overlay');
  assert.equal(live.locked.label, lookup.found.narHash.replace(/^sha256-/, '').slice(0, 12), 'a path: input has no git revision: the hash names it');
  assert.equal(live.index.source.lockedIn, 'flake.lock');
  assert.equal(live.index.source.revision, lookup.found.narHash);
  assert.deepEqual(live.index.distros().map((d) => d.name), ['humble', 'jazzy', 'lyrical']);
  assert.equal(live.index.packageInfo('jazzy', 'nav2-bringup')?.version, '1.3.12-r1');
  assert.equal(live.index.removedDistro('noetic')?.branches[0]?.name, 'ros1-25.05', 'carried over from the bundled index');
  assert.equal(live.index.removedDistro('jazzy'), undefined, 'a distribution the pinned revision has is not removed for this flake');
  assert.equal(live.problems.length, 2);
});

test('a locked source that is not in the store, or no nix-ros-overlay at all, gives a reason', { skip }, async () => {
  const { root } = lockedFlake();
  const lockFile = path.join(root, 'flake.lock');
  const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { nodes: Record<string, { locked?: { narHash?: string } }> };
  lock.nodes['nix-ros-overlay']!.locked!.narHash = 'sha256-' + Buffer.alloc(32, 7).toString('base64');
  fs.writeFileSync(lockFile, JSON.stringify(lock));
  const missing = await loadLiveRosIndex(root, await createNixParser());
  assert.ok('reason' in missing);
  assert.match(missing.reason, /^nix-ros-overlay [0-9A-Za-z+/]{12} \(locked in flake\.lock\) is not in the local Nix store \(\/nix\/store\/[0-9a-z]{32}-source\)/);
  const none = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-ros-live-none-'));
  temporary.push(none);
  assert.deepEqual(await loadLiveRosIndex(none, await createNixParser()), { reason: 'no flake.lock' });
});

test('the overlay is found by repository, by URL or by input name, following follows', () => {
  const lock = (nodes: Record<string, unknown>, rootInputs: Record<string, unknown>): ReturnType<typeof findRosOverlay> => {
    const parsed = parseLock(JSON.stringify({ version: 7, root: 'root', nodes: { root: { inputs: rootInputs }, ...nodes } }));
    assert.ok('lock' in parsed);
    return findRosOverlay(parsed.lock);
  };
  const github = { locked: { type: 'github', owner: 'lopsided98', repo: 'nix-ros-overlay', rev: '2004728f9f450421c9d44b62d6c707a5834139bb', narHash: 'sha256-' + 'A'.repeat(43) + '=', lastModified: 1785542400 } };
  assert.deepEqual(lock({ ros: github }, { ros: 'ros' }), {
    found: { input: 'ros', narHash: github.locked.narHash, rev: github.locked.rev, date: '2026-08-01', project: 'lopsided98/nix-ros-overlay', label: '2004728' },
  });
  const git = { locked: { type: 'git', url: 'https://example.org/forks/nix-ros-overlay.git', narHash: github.locked.narHash } };
  assert.equal((lock({ overlay: git }, { overlay: 'overlay' }) as { found: { input: string } }).found.input, 'overlay');
  // The robot's own input follows the one a vendor flake brings.
  const followed = lock({ vendor: { inputs: { 'nix-ros-overlay': 'nix-ros-overlay_2' } }, 'nix-ros-overlay_2': github }, { vendor: 'vendor', rosOverlay: ['vendor', 'nix-ros-overlay'] });
  assert.equal((followed as { found: { input: string } }).found.input, 'rosOverlay');
  assert.deepEqual(lock({ nixpkgs: { locked: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', narHash: github.locked.narHash } } }, { nixpkgs: 'nixpkgs' }), { reason: 'flake.lock does not pin nix-ros-overlay' });
  assert.deepEqual(lock({ 'nix-ros-overlay': { locked: { type: 'path', path: '/x' } } }, { 'nix-ros-overlay': 'nix-ros-overlay' }), { reason: 'the locked nix-ros-overlay has no narHash' });
});
