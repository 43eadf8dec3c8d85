import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, SERVER } from '../support/lsp-client';

/**
 * One configuration across its files, through the built server: a rule that combines the SoM in
 * flake.nix with the JetPack release in ./configuration.nix is reported in the open file, and
 * follows flake.nix as it changes on disk.
 */
const skip = !fs.existsSync(SERVER) ? 'build first (npm run build)' : false;
const SHAPE = path.join(__dirname, '..', 'fixtures', 'shapes', 'cross-file-rules');

const clients: LspClient[] = [];
const scratch: string[] = [];
after(() => {
  for (const c of clients) if (c.process.exitCode === null) c.kill();
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

test('a rule across files is reported where its value is written, and follows the other file', { skip }, async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-lsp-config-'));
  scratch.push(root);
  fs.cpSync(SHAPE, root, { recursive: true });
  const c = new LspClient();
  clients.push(c);
  await c.initializeWith({ rootUri: pathToFileURL(root).href });
  const file = path.join(root, 'configuration.nix');
  const uri = pathToFileURL(file).href;
  await c.open(uri, fs.readFileSync(file, 'utf8'));
  const first = await c.waitForDiagnostics(uri, (p) => p.diagnostics.length > 0);
  assert.deepEqual(
    first.diagnostics.map((d) => [d.code, (d as { message?: string }).message]),
    [['incompatible-jetpack-version', 'JetPack 6 does not run on xavier-agx: it supports JetPack 5 (the SoM is set in flake.nix on line 26) — in `nixosConfigurations.mapper`']],
  );

  // flake.nix now names an Orin: the JetPack release is right, and the open file says so.
  const flake = path.join(root, 'flake.nix');
  fs.writeFileSync(flake, fs.readFileSync(flake, 'utf8').replace('"xavier-agx"', '"orin-agx"'));
  await c.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(flake).href, type: 2 }] });
  await c.waitForDiagnostics(uri, (p) => p.diagnostics.length === 0);
  assert.equal(await c.shutdown(), 0);
});
