/**
 * Flake discovery with real Nix, offline: the fixture robot flake (configurations, images, a flash
 * script, a ROS 2 shell) with a nix-ros-overlay-like input providing example shells, a flake with
 * an evaluation error, the guard that keeps Nix from downloading inputs, and an absent Nix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath, offlineNixEnv } from '../support/nix';
import { DiscoveryCache, discoverWithNix, downloadRisk, exampleShellInputs, flakeFingerprint, hostSystem, listAttrNames, type NixDiscovery } from '../../client/src/nix/discovery';
import { ToolMissingError } from '../../client/src/nix/exec';
import { sourceStorePath } from '../../server/src/schema/live';

const nix = findOnPath('nix');
const skip = !nix && !process.env.CI ? 'nix is not installed (apt-get install nix-bin)' : false;
const FLAKES = path.join(__dirname, '..', 'fixtures', 'flakes');
const SYSTEM = 'x86_64-linux';

/** The robot fixture copied outside any git repository, with the overlay next to it as ./ros-overlay. */
function robotFlake(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-discovery-'));
  fs.cpSync(path.join(FLAKES, 'view-robot'), dir, { recursive: true });
  fs.cpSync(path.join(FLAKES, 'view-ros-overlay'), path.join(dir, 'ros-overlay'), { recursive: true });
  return dir;
}

function namesOf(listing: NixDiscovery['packages']): string[] {
  assert.ok('names' in listing, `expected names, got ${JSON.stringify(listing)}`);
  return listing.names;
}

test('the host system is written as Nix writes it', () => {
  assert.equal(hostSystem('x64', 'linux'), 'x86_64-linux');
  assert.equal(hostSystem('arm64', 'darwin'), 'aarch64-darwin');
  assert.equal(hostSystem('arm64', 'linux'), 'aarch64-linux');
});

test('Nix lists configurations, packages, dev shells and the example shells of a nix-ros-overlay input', { skip }, async () => {
  assert.ok(nix, 'nix must be installed in CI (.ci/run installs nix-bin)');
  const env = offlineNixEnv();
  const flakeDir = robotFlake();
  const options = { nix, flakeDir, env, system: SYSTEM };
  const declared = [{ name: 'nix-ros-overlay', url: 'path:./ros-overlay', span: span() }];
  // Until the flake is locked, Nix is not asked (it would have to lock, and maybe fetch, the inputs).
  assert.match(downloadRisk(flakeDir, declared)!, /^There is no flake\.lock for nix-ros-overlay yet: run `nix flake lock`/);
  const unlocked = await discoverWithNix(options);
  assert.deepEqual(unlocked.configurations, { error: 'flake.lock is out of date for flake.nix: run `nix flake lock`, then refresh' });
  assert.deepEqual(unlocked.inputShells, []);
  assert.equal(fs.existsSync(path.join(flakeDir, 'flake.lock')), false, 'discovery never writes flake.lock');

  execFileSync(nix, ['flake', 'lock'], { cwd: flakeDir, env, stdio: 'pipe' });
  assert.equal(downloadRisk(flakeDir, declared), undefined);
  assert.match(downloadRisk(flakeDir, [{ ...declared[0]!, url: 'path:./elsewhere' }])!, /^flake\.nix asks for another nix-ros-overlay than flake\.lock locks/);
  const started = Date.now();
  const found = await discoverWithNix(options);
  const elapsed = Date.now() - started;
  assert.deepEqual(namesOf(found.configurations), ['robot', 'rover']);
  assert.deepEqual(namesOf(found.packages), ['default', 'flash-robot', 'installer-iso']);
  assert.deepEqual(namesOf(found.devShells), ['ros2']);
  assert.deepEqual(
    found.inputShells.map((s) => [s.input, namesOf(s.listing)]),
    [['nix-ros-overlay', ['example-ros2-basic', 'example-ros2-desktop-humble', 'example-ros2-desktop-jazzy']]],
  );
  // Another system's outputs are simply absent, not an error.
  const other = await discoverWithNix({ ...options, system: 'aarch64-darwin' });
  assert.deepEqual([namesOf(other.packages), namesOf(other.devShells)], [[], []]);
  console.log(`# discovery of the fixture flake with Nix took ${elapsed} ms`);
});

test('an evaluation error is one sentence for its output kind; the others are still listed', { skip }, async () => {
  assert.ok(nix);
  const flakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-discovery-error-'));
  fs.writeFileSync(
    path.join(flakeDir, 'flake.nix'),
    '{\n  outputs = { self }: {\n    packages.x86_64-linux = throw "the package set is broken";\n    devShells.x86_64-linux.default = 1;\n  };\n}\n',
  );
  const found = await discoverWithNix({ nix, flakeDir, env: offlineNixEnv(), system: SYSTEM });
  assert.ok('error' in found.packages);
  assert.match(found.packages.error, /the package set is broken/);
  assert.doesNotMatch(found.packages.error, /\u001b\[|--show-trace/);
  assert.deepEqual(namesOf(found.devShells), ['default']);
  assert.deepEqual(namesOf(found.configurations), []);
});

test('inputs that would be downloaded keep Nix from being asked', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-discovery-lock-'));
  const github = { name: 'nixpkgs', url: 'github:NixOS/nixpkgs/nixos-24.11', span: span() };
  assert.match(downloadRisk(dir, [github])!, /There is no flake\.lock for nixpkgs yet.*nix flake lock/);
  const narHash = 'sha256-OCRX5KtI4oogwahsGkItURKsel0ygVNMofxiMd+6zwQ=';
  const lock = {
    version: 7,
    root: 'root',
    nodes: {
      root: { inputs: { nixpkgs: ['nix-ros-overlay', 'nixpkgs'], 'nix-ros-overlay': 'nix-ros-overlay', local: 'local' } },
      'nix-ros-overlay': { inputs: { nixpkgs: 'nixpkgs' }, locked: { type: 'github', owner: 'lopsided98', repo: 'nix-ros-overlay', rev: 'a'.repeat(40), narHash }, original: { type: 'github', owner: 'lopsided98', repo: 'nix-ros-overlay' } },
      nixpkgs: { locked: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: 'b'.repeat(40), narHash: 'sha256-6IyuHNH6/I3ppLPwp3mfZMkRjfuLc6rJSELJ79UMJLc=' }, original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs' } },
      local: { locked: { type: 'path', path: './local', narHash: 'sha256-' + 'A'.repeat(43) + '=' }, original: { type: 'path', path: './local' } },
    },
  };
  fs.writeFileSync(path.join(dir, 'flake.lock'), JSON.stringify(lock));
  const present = new Set<string>();
  const exists = (p: string) => present.has(p);
  const declared = [github, { name: 'nix-ros-overlay', span: span() }, { name: 'local', url: 'path:./local', span: span() }];
  assert.equal(downloadRisk(dir, declared, exists), 'nixpkgs and nix-ros-overlay are not in the Nix store yet, and Nix would download them: build once (or run `nix flake archive`), then refresh');
  present.add(sourceStorePath(narHash)!);
  assert.match(downloadRisk(dir, declared, exists)!, /^nixpkgs is not in the Nix store yet/);
  present.add(sourceStorePath(lock.nodes.nixpkgs.locked.narHash)!);
  assert.equal(downloadRisk(dir, declared, exists), undefined);
  // An input flake.nix declares that the lock does not know yet would be fetched to lock it.
  assert.match(downloadRisk(dir, [...declared, { name: 'jetpack-nixos', url: 'github:anduril/jetpack-nixos', span: span() }], exists)!, /^flake\.lock does not lock jetpack-nixos yet/);
  // The overlay's example shells are listed only when its own locked inputs are in the store too.
  const overlaySource = sourceStorePath(narHash)!;
  assert.deepEqual(exampleShellInputs(dir, (p) => p === overlaySource || present.has(p)), ['nix-ros-overlay']);
  // A URL edited in flake.nix after locking would be fetched again: compared in the form Nix records it.
  const jetpack = { locked: { type: 'github', owner: 'anduril', repo: 'jetpack-nixos', rev: 'c'.repeat(40), narHash: lock.nodes.nixpkgs.locked.narHash }, original: { type: 'github', owner: 'anduril', repo: 'jetpack-nixos', ref: 'master' } };
  fs.writeFileSync(path.join(dir, 'flake.lock'), JSON.stringify({ ...lock, nodes: { ...lock.nodes, root: { inputs: { jetpack: 'jetpack' } }, jetpack } }));
  const jetpackAt = (url: string) => downloadRisk(dir, [{ name: 'jetpack', url, span: span() }], exists);
  assert.equal(jetpackAt('github:anduril/jetpack-nixos/master'), undefined);
  assert.equal(jetpackAt('github:anduril/jetpack-nixos?ref=master'), undefined);
  assert.match(jetpackAt('github:anduril/jetpack-nixos/release-24.11')!, /^flake\.nix asks for another jetpack than flake\.lock locks/);
  assert.equal(jetpackAt('git+https://github.com/anduril/jetpack-nixos'), undefined, 'forms that cannot be compared are not reported');
  fs.writeFileSync(path.join(dir, 'flake.lock'), '{ "version": 7');
  assert.match(downloadRisk(dir, declared, exists)!, /flake\.lock is not valid JSON/);
});

test('the cache answers until flake.nix or flake.lock change, and forgets failures', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-discovery-cache-'));
  fs.writeFileSync(path.join(dir, 'flake.nix'), '{ outputs = { self }: { }; }');
  const cache = new DiscoveryCache<number>();
  let runs = 0;
  const compute = async () => ++runs;
  assert.equal(await cache.get(dir, compute), 1);
  assert.equal(await cache.get(dir, compute), 1);
  fs.writeFileSync(path.join(dir, 'flake.lock'), '{}');
  assert.equal(await cache.get(dir, compute), 2);
  fs.appendFileSync(path.join(dir, 'flake.nix'), '\n');
  assert.equal(await cache.get(dir, compute), 3);
  cache.invalidate(dir);
  assert.equal(await cache.get(dir, compute), 4);
  await assert.rejects(cache.get(dir.concat('/'), () => Promise.reject(new Error('boom'))));
  assert.equal(await cache.get(dir.concat('/'), compute), 5);
});

test('the cache\'s fingerprint survives a flake.lock linked to /dev/zero and a flake.nix that is a FIFO', { timeout: 20_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-discovery-hostile-files-'));
  fs.symlinkSync('/dev/zero', path.join(dir, 'flake.lock'));
  execFileSync('mkfifo', [path.join(dir, 'flake.nix')]);
  const before = process.memoryUsage().rss;
  const fingerprint = flakeFingerprint(dir);
  assert.equal(fingerprint, flakeFingerprint(dir));
  assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024);
  fs.rmSync(path.join(dir, 'flake.lock'));
  assert.notEqual(flakeFingerprint(dir), fingerprint, 'a missing file is told apart from a refused one');
});

test('without Nix on PATH, discovery fails with one clear error', async () => {
  const flakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-discovery-nonix-'));
  await assert.rejects(listAttrNames({ nix: 'nix', flakeDir, env: { PATH: '' } }, `path:${flakeDir}`, ['packages', 'x86_64-linux']), (err: unknown) => {
    assert.ok(err instanceof ToolMissingError);
    assert.match(err.message, /^Nix was not found .*jetsonNix\.nix\.executable/);
    return true;
  });
});

function span() {
  return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}
