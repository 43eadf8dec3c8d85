import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, SERVER } from '../support/lsp-client';

/** Completion, hover, quick fixes and the summary lens, through the real server over stdio. */
const clients: LspClient[] = [];
after(() => {
  for (const c of clients) if (c.process.exitCode === null) c.kill();
});

test('option intelligence over LSP', { skip: !fs.existsSync(SERVER) ? 'build first (npm run build)' : false }, async () => {
  const c = new LspClient();
  clients.push(c);
  const init = await c.initialize();
  assert.ok(init.capabilities.completionProvider && init.capabilities.hoverProvider && init.capabilities.codeActionProvider && init.capabilities.codeLensProvider);
  const uri = 'file:///robot/jetson.nix';
  const text = '{ config, lib, pkgs, ... }:\n{\n  hardware.nvidia-jetpack = {\n    enable = true;\n    som = "orin-agx-64";\n    carrierBoard = "devkit";\n  };\n}\n';
  await c.open(uri, text);
  const published = await c.diagnostics(uri, 1);
  assert.deepEqual(published.diagnostics.map((d) => [d.code, d.range.start.line]), [['invalid-enum-value', 4]]);

  const hover = await c.connection.sendRequest<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 5 } });
  assert.match(hover.contents.value, /\*\*hardware\.nvidia-jetpack\.som\*\*/);

  const completion = await c.connection.sendRequest<{ label: string }[]>('textDocument/completion', { textDocument: { uri }, position: { line: 4, character: 12 } });
  assert.ok(completion.some((i) => i.label === 'orin-agx'), JSON.stringify(completion.map((i) => i.label)));

  const actions = await c.connection.sendRequest<{ title: string; edit: { documentChanges: { textDocument: { version: number }; edits: { newText: string }[] }[] } }[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: published.diagnostics[0]!.range,
    context: { diagnostics: published.diagnostics },
  });
  assert.equal(actions[0]?.title, 'Change to "orin-agx"');
  // The edit names the version the fix was computed for, so a stale fix is refused, not misapplied.
  assert.equal(actions[0]?.edit.documentChanges[0]?.edits[0]?.newText, '"orin-agx"');
  assert.equal(actions[0]?.edit.documentChanges[0]?.textDocument.version, 1);

  const lenses = await c.connection.sendRequest<{ command: { title: string } }[]>('textDocument/codeLens', { textDocument: { uri } });
  assert.deepEqual(lenses, []); // the SoM is not valid, so no summary
  assert.equal(await c.shutdown(), 0);
});

test('option declarations and imports elsewhere in the workspace are taken into account', { skip: !fs.existsSync(SERVER) ? 'build first (npm run build)' : false }, async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-ws-'));
  fs.mkdirSync(path.join(root, 'modules'));
  fs.writeFileSync(
    path.join(root, 'modules', 'kestrel-board.nix'),
    '{ lib, ... }: {\n  options.hardware.nvidia-jetpack.carrierBoard = lib.mkOption { type = lib.types.enum [ "kestrel" ]; };\n}\n',
  );
  const host = '{ config, ... }: {\n  imports = [ ./kestrel-board.nix ];\n  hardware.nvidia-jetpack.carrierBoard = "kestrel";\n}\n';
  fs.writeFileSync(path.join(root, 'modules', 'host.nix'), host);
  const c = new LspClient();
  clients.push(c);
  await c.initializeWith({ rootUri: pathToFileURL(root).href });
  const uri = pathToFileURL(path.join(root, 'modules', 'host.nix')).href;
  await c.open(uri, host);
  // Once the workspace is indexed, the custom board is a valid carrier board.
  const settled = await c.waitForDiagnostics(uri, (p) => p.diagnostics.length === 0);
  assert.deepEqual(settled.diagnostics, []);
  assert.ok(c.logs.some((l) => /Indexed 2 \.nix files/.test(l)), c.logs.join('\n'));
  assert.equal(await c.shutdown(), 0);
});
