import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, SERVER, type PublishedDiagnostics } from '../support/lsp-client';
import { fifo, removeTempDirs, tempDir, zeroLink } from '../support/hostile';
import { FLAKE_OUTPUTS, SCHEMA_INFO, type FlakeOutputs, type SchemaInfo } from '../../server/src/protocol';

/**
 * Issue 11's reproducers through the built server over stdio: a flake.lock that is a FIFO or a
 * link to /dev/zero while flake.nix is open, `modules = [ /dev/zero ]` through the flake-outputs
 * request, and a FIFO `*.nix` the file watcher reports. Before the safe reader the server blocked
 * for good on the FIFOs and grew by a gigabyte a second on /dev/zero. Each test has a timeout, so
 * that a regression fails instead of hanging the run.
 */
const skip = !fs.existsSync(SERVER) ? 'build first (npm run build)' : false;
const TIMEOUT = 30_000;

const clients: LspClient[] = [];
after(() => {
  for (const c of clients) if (c.process.exitCode === null) c.kill();
  removeTempDirs();
});

async function start(root: string): Promise<LspClient> {
  const c = new LspClient();
  clients.push(c);
  c.connection.onRequest('window/workDoneProgress/create', () => null);
  await c.initializeWith({ rootUri: pathToFileURL(root).href, capabilities: { window: { workDoneProgress: true } } });
  return c;
}

const FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  outputs = { self, nixpkgs }: {
    nixosConfigurations.robot = nixpkgs.lib.nixosSystem {
      modules = [ /dev/zero ./pipe.nix ./hosts/robot.nix ];
    };
  };
}
`;

const lockProblem = (p: PublishedDiagnostics) => p.diagnostics.find((d) => d.code === 'invalid-lock-file')?.message;

test('a flake.lock that is a FIFO, then /dev/zero: the server answers and says why the lock is not used', { skip, timeout: TIMEOUT }, async () => {
  const root = tempDir('lsp-lock');
  fs.writeFileSync(path.join(root, 'flake.nix'), FLAKE);
  const lockFile = fifo(path.join(root, 'flake.lock'));
  const c = await start(root);
  const uri = pathToFileURL(path.join(root, 'flake.nix')).href;
  await c.open(uri, FLAKE);
  const onFifo = await c.waitForDiagnostics(uri, (p) => lockProblem(p) !== undefined);
  assert.equal(lockProblem(onFifo), 'flake.lock is not a regular file (a named pipe), so it was not read; the inputs are not checked against it.');

  const line = FLAKE.split('\n').findIndex((l) => l.includes('inputs.nixpkgs'));
  const hover = await c.connection.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line, character: 10 } });
  assert.match(hover!.contents.value, /\*\*nixpkgs\*\* · flake input[\s\S]*flake\.lock is not a regular file \(a named pipe\)/);
  await c.connection.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line, character: 9 } });
  // The live schema read the same lock in the background, and says why it uses the bundled schema.
  const info = await waitFor(() => c.connection.sendRequest<SchemaInfo>(SCHEMA_INFO, { uri }), (i) => /named pipe/.test(i.reason ?? ''));
  assert.equal(info.source, 'bundled');

  fs.rmSync(lockFile);
  zeroLink(lockFile);
  await c.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(lockFile).href, type: 2 }] });
  const onZero = await c.waitForDiagnostics(uri, (p) => /a device/.test(lockProblem(p) ?? ''));
  assert.equal(lockProblem(onZero), 'flake.lock is not a regular file (a device), so it was not read; the inputs are not checked against it.');
  assert.equal(await c.shutdown(), 0);
});

test('`modules = [ /dev/zero ./pipe.nix … ]` through jetsonNix/flakeOutputs: the other modules are still read', { skip, timeout: TIMEOUT }, async () => {
  const root = tempDir('lsp-outputs');
  fs.writeFileSync(path.join(root, 'flake.nix'), FLAKE);
  fifo(path.join(root, 'pipe.nix'));
  fs.mkdirSync(path.join(root, 'hosts'));
  fs.writeFileSync(path.join(root, 'hosts', 'robot.nix'), '{ ... }: { hardware.nvidia-jetpack = { som = "orin-nx"; carrierBoard = "devkit"; }; }\n');
  const c = await start(root);
  const uri = pathToFileURL(path.join(root, 'flake.nix')).href;
  // From disk, as the Jetson view and the task provider ask before anything is opened; then open.
  for (const open of [false, true]) {
    if (open) await c.open(uri, FLAKE);
    const outputs = await c.connection.sendRequest<FlakeOutputs | null>(FLAKE_OUTPUTS, { uri });
    assert.deepEqual(outputs?.configurations.map((x) => [x.name, x.som, x.carrierBoard]), [['robot', 'orin-nx', 'devkit']], `open: ${open}`);
  }
  assert.equal(await c.shutdown(), 0);
});

test('a FIFO *.nix in the workspace, indexed and then reported by the file watcher, does not block the server', { skip, timeout: TIMEOUT }, async () => {
  const root = tempDir('lsp-index');
  const outside = tempDir('lsp-index-outside');
  fs.mkdirSync(path.join(root, 'modules'));
  fs.writeFileSync(path.join(root, 'modules', 'scout.nix'), '{ ... }: { networking.hostName = "scoutInside"; scoutInside = 1; }\n');
  fs.writeFileSync(path.join(outside, 'secret.nix'), '{ outsideSecret = 1; }\n');
  fs.symlinkSync(path.join(outside, 'secret.nix'), path.join(root, 'modules', 'linked.nix'));
  const pipe = fifo(path.join(root, 'modules', 'pipe.nix'));
  const zero = zeroLink(path.join(root, 'modules', 'zero.nix'));
  const c = await start(root);
  const uri = pathToFileURL(path.join(root, 'modules', 'open.nix')).href;
  await c.open(uri, '{ a = 1; }\n');
  await c.diagnostics(uri);
  await c.connection.sendNotification('workspace/didChangeWatchedFiles', {
    changes: [pipe, zero].map((f) => ({ uri: pathToFileURL(f).href, type: 1 })),
  });
  await c.connection.sendNotification('textDocument/didSave', { textDocument: { uri: pathToFileURL(pipe).href } });
  // Answers come, and the index holds what is in the workspace and nothing a link leads out to.
  await c.change(uri, 2, [{ text: '{ a = 2; }\n' }]);
  await c.diagnostics(uri, 2);
  const symbols = async (query: string) => (await c.connection.sendRequest<{ name: string }[]>('workspace/symbol', { query })).map((s) => s.name);
  assert.ok((await symbols('scoutInside')).includes('scoutInside'));
  assert.deepEqual(await symbols('outsideSecret'), []);
  await waitFor(async () => c.logs, (logs) => logs.some((l) => /Indexed \d+ \.nix files for option declarations/.test(l)));
  assert.equal(await c.shutdown(), 0);
});

/** Polls `ask` until `accept` holds (the server works in the background), up to 10 s. */
async function waitFor<T>(ask: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await ask();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
