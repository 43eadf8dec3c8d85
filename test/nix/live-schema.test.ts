/**
 * The live schema with real Nix: a flake whose flake.lock pins a jetpack-nixos source (a small
 * tree written here, standing for a newer upstream revision) that `nix flake lock` has put in the
 * store. The server must validate against that source, say so in hover, fall back to the bundled
 * schema when the source is not in the store or the workspace is not trusted, and never run Nix.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, SERVER } from '../support/lsp-client';
import { findOnPath, offlineNixEnv } from '../support/nix';
import { readLockedJetpack, sourceStorePath, nixBase32 } from '../../server/src/schema/live';
import { SCHEMA_INFO, WORKSPACE_TRUSTED, type SchemaInfo } from '../../server/src/protocol';

const nix = findOnPath('nix');
const skip = !nix ? 'nix is not installed (apt-get install nix-bin)' : !fs.existsSync(SERVER) ? 'build first (npm run build)' : false;

/** jetpack-nixos "from the future": the options users set most, and one the bundled schema lacks. */
const UPSTREAM_MODULE = `{ config, lib, pkgs, ... }:
let
  inherit (lib) mkEnableOption mkOption types;
in
{
  options.hardware.nvidia-jetpack = {
    enable = mkEnableOption "Jetson support";
    som = mkOption {
      type = types.enum [ "generic" "orin-agx" "orin-nx" "orin-nano" "thor-agx" "xavier-agx" ];
      default = "generic";
    };
    carrierBoard = mkOption {
      type = types.enum [ "generic" "devkit" ];
      default = "generic";
    };
    majorVersion = mkOption {
      type = types.enum [ "5" "6" "7" ];
      default = "6";
    };
    gpioWatchdog.enable = mkEnableOption "the GPIO watchdog";
  };
}
`;

const ROBOT = `{ config, lib, pkgs, ... }:
{
  hardware.nvidia-jetpack.enable = true;
  hardware.nvidia-jetpack.som = "orin-agx";
  hardware.nvidia-jetpack.gpioWatchdog.enable = true;
}
`;

const clients: LspClient[] = [];
after(async () => {
  for (const c of clients) c.process.kill();
});

/** A workspace with a flake pinning a local jetpack-nixos source, locked (and so copied into the store) by real Nix. */
function lockedWorkspace(): { root: string; robotUri: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-live-'));
  const upstream = path.join(base, 'jetpack-nixos');
  fs.mkdirSync(path.join(upstream, 'modules'), { recursive: true });
  fs.writeFileSync(path.join(upstream, 'modules', 'default.nix'), UPSTREAM_MODULE);
  // A unique file, so the source's hash (and store path) is this test run's own.
  fs.writeFileSync(path.join(upstream, 'README.md'), `test run ${base}\n`);
  const root = path.join(base, 'robot');
  fs.mkdirSync(root);
  fs.writeFileSync(
    path.join(root, 'flake.nix'),
    `{\n  inputs.jetpack-nixos = { url = "path:${upstream}"; flake = false; };\n  outputs = { self, jetpack-nixos }: { nixosModules.robot = ./robot.nix; };\n}\n`,
  );
  fs.writeFileSync(path.join(root, 'robot.nix'), ROBOT);
  execFileSync(nix!, ['flake', 'lock'], { cwd: root, env: offlineNixEnv(), stdio: 'pipe' });
  return { root, robotUri: pathToFileURL(path.join(root, 'robot.nix')).href };
}

async function start(root: string, initializationOptions: Record<string, unknown> = {}): Promise<LspClient> {
  const c = new LspClient();
  clients.push(c);
  // PATH without nix: the server must not need it (it computes store paths itself).
  await c.initializeWith({ rootUri: pathToFileURL(root).href, initializationOptions });
  return c;
}

const codes = (p: { diagnostics: { code: string }[] }) => p.diagnostics.map((d) => d.code);
const severities = (p: { diagnostics: { code: string }[] }) => p.diagnostics.map((d) => (d as { severity?: number }).severity);

test('the store path of a locked source is computed as Nix does', { skip }, async () => {
  const { root } = lockedWorkspace();
  const lookup = await readLockedJetpack(root);
  assert.ok('found' in lookup, JSON.stringify(lookup));
  const computed = sourceStorePath(lookup.found.narHash)!;
  const archived = JSON.parse(execFileSync(nix!, ['flake', 'archive', '--json', '--dry-run'], { cwd: root, env: offlineNixEnv(), encoding: 'utf8' })) as {
    inputs: Record<string, { path: string }>;
  };
  assert.equal(computed, archived.inputs['jetpack-nixos']!.path);
  assert.ok(fs.existsSync(path.join(computed, 'modules', 'default.nix')));
  assert.equal(nixBase32(new Uint8Array(20)), '0'.repeat(32));
  assert.equal(sourceStorePath('sha512-abc'), undefined);
});

test('options follow the jetpack-nixos revision flake.lock pins, and hover says so', { skip }, async () => {
  const { root, robotUri } = lockedWorkspace();
  const c = await start(root);
  await c.open(robotUri, ROBOT);
  const settled = await c.waitForDiagnostics(robotUri, (p) => p.diagnostics.length === 0);
  assert.deepEqual(codes(settled), []);
  const info = await c.connection.sendRequest<SchemaInfo>(SCHEMA_INFO, { uri: robotUri });
  assert.equal(info.source, 'locked');
  assert.equal(info.storePath, sourceStorePath(((await readLockedJetpack(root)) as { found: { narHash: string } }).found.narHash));

  const line = ROBOT.split('\n').findIndex((l) => l.includes('gpioWatchdog'));
  const hover = await c.connection.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', {
    textDocument: { uri: robotUri },
    position: { line, character: ROBOT.split('\n')[line]!.indexOf('enable = true') + 2 },
  });
  assert.match(hover!.contents.value, /gpioWatchdog\.enable/);
  assert.ok(hover!.contents.value.includes(`at ${info.revision}, the revision your flake.lock pins`), hover!.contents.value);
  assert.match(hover!.contents.value, /no description of it yet/);

  // An option the pinned revision does not declare is unknown, even though the bundled schema has it.
  await c.change(robotUri, 2, [{ text: ROBOT.replace('gpioWatchdog.enable = true', 'firmware.autoUpdate = true') }]);
  const removed = await c.diagnostics(robotUri, 2);
  assert.deepEqual(codes(removed), ['unknown-option']);
  assert.ok(c.logs.some((l) => /Validating .* against jetpack-nixos .* from flake\.lock/.test(l)), c.logs.join('\n'));
  assert.equal(await c.shutdown(), 0);
});

test('without the pinned source in the store, or in an untrusted workspace, the bundled schema is used', { skip }, async () => {
  const { root, robotUri } = lockedWorkspace();
  // Untrusted: the store is not read; the new option is unknown to the bundled schema.
  const c = await start(root, { workspaceTrusted: false });
  await c.open(robotUri, ROBOT);
  const bundled = await c.waitForDiagnostics(robotUri, (p) => p.diagnostics.length > 0);
  assert.deepEqual(codes(bundled), ['unknown-option']);
  // The pinned revision may declare it: a note (severity 3) that says why, not an error.
  assert.deepEqual(severities(bundled), [3]);
  assert.match((bundled.diagnostics[0] as unknown as { message: string }).message, /only a note: flake\.lock pins jetpack-nixos \S+, which is not read in an untrusted workspace/);
  const info = await c.connection.sendRequest<SchemaInfo>(SCHEMA_INFO, { uri: robotUri });
  assert.deepEqual([info.source, info.reason], ['bundled', 'the workspace is not trusted']);
  // Trusting the workspace switches to the pinned revision without a restart.
  await c.connection.sendNotification(WORKSPACE_TRUSTED);
  await c.waitForDiagnostics(robotUri, (p) => p.diagnostics.length === 0);

  // A lock naming a source that is not in the store: nothing is fetched, the bundled schema is used.
  const lockFile = path.join(root, 'flake.lock');
  const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { nodes: Record<string, { locked?: { narHash?: string } }> };
  lock.nodes['jetpack-nixos']!.locked!.narHash = 'sha256-' + Buffer.alloc(32, 7).toString('base64');
  fs.writeFileSync(lockFile, JSON.stringify(lock, null, 2));
  await c.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(lockFile).href, type: 2 }] });
  const fallback = await c.waitForDiagnostics(robotUri, (p) => p.diagnostics.length > 0);
  assert.deepEqual(codes(fallback), ['unknown-option']);
  assert.deepEqual(severities(fallback), [3]);
  const after = await c.connection.sendRequest<SchemaInfo>(SCHEMA_INFO, { uri: robotUri });
  assert.equal(after.source, 'bundled');
  assert.match(after.reason!, /is not in the local Nix store/);
  assert.equal(await c.shutdown(), 0);
});

test('the setting switches the live schema off', { skip }, async () => {
  const { root, robotUri } = lockedWorkspace();
  const c = await start(root, { schema: { useLockedJetpackNixos: false } });
  await c.open(robotUri, ROBOT);
  const bundled = await c.waitForDiagnostics(robotUri, (p) => p.diagnostics.length > 0);
  assert.deepEqual(codes(bundled), ['unknown-option']);
  assert.deepEqual(severities(bundled), [1], 'the user chose the bundled schema: it judges');
  await c.connection.sendNotification('workspace/didChangeConfiguration', { settings: { jetsonNix: { schema: { useLockedJetpackNixos: true } } } });
  await c.waitForDiagnostics(robotUri, (p) => p.diagnostics.length === 0);
  assert.equal(await c.shutdown(), 0);
});

test('jetson-nix check uses the pinned revision too, unless told --bundled-schema', { skip }, () => {
  const { root } = lockedWorkspace();
  const cli = path.join(path.dirname(SERVER), 'cli.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'check', ...args, root], { encoding: 'utf8', env: { ...process.env, PATH: '' } });
  const live = run();
  assert.equal(live.status, 0, live.stdout + live.stderr);
  assert.match(live.stderr, /options checked against jetpack-nixos \S+ pinned in flake\.lock/);
  const bundled = run('--bundled-schema');
  assert.equal(bundled.status, 1);
  assert.match(bundled.stdout, /robot\.nix:5:\d+: error unknown-option: `hardware\.nvidia-jetpack\.gpioWatchdog`/);
});
