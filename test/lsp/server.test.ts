import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { LspClient, SERVER } from '../support/lsp-client';

/** The built server, started over stdio and spoken to in LSP, as Neovim or Helix would. */

const clients: LspClient[] = [];
function client(): LspClient {
  const c = new LspClient();
  clients.push(c);
  return c;
}
after(() => {
  for (const c of clients) if (c.process.exitCode === null) c.kill();
});

describe('language server over stdio', { skip: !fs.existsSync(SERVER) ? 'build first (npm run build)' : false }, () => {
  test('initialize announces incremental sync and our name', async () => {
    const c = client();
    const result = await c.initialize();
    assert.deepEqual(result.capabilities.textDocumentSync, { openClose: true, change: 2, save: { includeText: false } });
    assert.equal(result.serverInfo?.name, 'jetson-nix');
    assert.equal(await c.shutdown(), 0);
  });

  test('didOpen publishes diagnostics with codes, source, ranges and related information', async () => {
    const c = client();
    await c.initialize();
    const uri = 'file:///robot/configuration.nix';
    await c.open(uri, '{ config, ... }:\n{\n  networking.hostName = name;\n  a = 1;\n  a = 2;\n}\n');
    const p = await c.diagnostics(uri, 1);
    assert.deepEqual(
      p.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character, d.range.end.character, d.message, d.source, d.severity]),
      [
        ['undefined-variable', 2, 24, 28, 'undefined variable `name`', 'jetson-nix', 1],
        ['duplicate-attribute', 4, 2, 3, 'attribute `a` is already defined on line 4', 'jetson-nix', 1],
      ],
    );
    assert.equal(await c.shutdown(), 0);
  });

  test('incremental didChange updates the diagnostics of that version', async () => {
    const c = client();
    await c.initialize();
    const uri = 'file:///robot/module.nix';
    await c.open(uri, '{ pkgs, ... }:\n{\n  environment.systemPackages = [ pkgs.htop ];\n}\n');
    assert.deepEqual((await c.diagnostics(uri, 1)).diagnostics, []);
    // Delete the `;`: a syntax error appears.
    await c.change(uri, 2, [{ range: { start: { line: 2, character: 44 }, end: { line: 2, character: 45 } }, text: '' }]);
    const broken = await c.diagnostics(uri, 2);
    assert.deepEqual(broken.diagnostics.map((d) => d.message), ['missing `;` after the binding of `environment.systemPackages`']);
    // Put it back: the error goes away.
    await c.change(uri, 3, [{ range: { start: { line: 2, character: 44 }, end: { line: 2, character: 44 } }, text: ';' }]);
    assert.deepEqual((await c.diagnostics(uri, 3)).diagnostics, []);
    assert.equal(await c.shutdown(), 0);
  });

  test('didClose clears the document diagnostics', async () => {
    const c = client();
    await c.initialize();
    const uri = 'file:///robot/broken.nix';
    await c.open(uri, '{ a = b; }');
    assert.equal((await c.diagnostics(uri, 1)).diagnostics.length, 1);
    await c.close(uri);
    const cleared = await c.diagnostics(uri);
    assert.deepEqual(cleared.diagnostics, []);
    assert.equal(await c.shutdown(), 0);
  });

  test('a file over the size limit gets one note, and other documents are still served', async () => {
    const c = client();
    await c.initialize({ diagnostics: { maxFileSizeKb: 64 } });
    const big = 'file:///robot/generated.nix';
    await c.open(big, '{\n' + '  x = 1;\n'.repeat(20000) + '}\n');
    await c.open('file:///robot/small.nix', 'y');
    const note = await c.diagnostics(big, 1);
    assert.deepEqual(note.diagnostics.map((d) => [d.code, d.severity]), [['file-too-large', 3]]);
    assert.equal((await c.diagnostics('file:///robot/small.nix', 1)).diagnostics[0]?.message, 'undefined variable `y`');
    assert.equal(await c.shutdown(), 0);
  });

  test('hostile documents do not take the server down', async () => {
    const c = client();
    await c.initialize();
    const docs: [string, string][] = [
      ['file:///nul.nix', '{ a = 1; }\0\0\0'],
      ['file:///deep.nix', '['.repeat(20000)],
      ['file:///unterminated.nix', '"' + 'x'.repeat(50000)],
      ['file:///empty.nix', ''],
      ['file:///crlf.nix', '{\r\n  a = 1\r\n}\r\n'],
    ];
    for (const [uri, text] of docs) await c.open(uri, text);
    for (const [uri] of docs) assert.ok((await c.diagnostics(uri, 1)).diagnostics.length >= 1, uri);
    await c.open('file:///fine.nix', '{ }');
    assert.deepEqual((await c.diagnostics('file:///fine.nix', 1)).diagnostics, []);
    assert.equal(await c.shutdown(), 0);
  });

  test('invalid settings fall back to defaults with a warning in the log', async () => {
    const c = client();
    await c.initialize({ diagnostics: { debounceMs: 'soon' } });
    await c.open('file:///a.nix', 'z');
    await c.diagnostics('file:///a.nix', 1);
    assert.ok(c.logs.some((l) => l.includes('jetsonNix.diagnostics.debounceMs must be a number')), c.logs.join('\n'));
    assert.equal(await c.shutdown(), 0);
  });
});
