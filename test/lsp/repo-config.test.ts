import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, SERVER } from '../support/lsp-client';
import { tempTree } from '../support/temp-tree';

/**
 * `.jetson-nix.json` in the editor, through the built server over stdio: read for the files under
 * its folder, read again when the watcher reports a change, its problems shown on the file itself
 * and in the log, and a broken file never taking the diagnostics of the others down.
 */
const skip = !fs.existsSync(SERVER) ? 'build first (npm run build)' : false;

const clients: LspClient[] = [];
const scratch: string[] = [];
after(() => {
  for (const c of clients) if (c.process.exitCode === null) c.kill();
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const root = tempTree(files, 'jetson-nix-lsp-config-');
  scratch.push(root);
  return root;
}

const codes = (p: { diagnostics: { code: string }[] }) => p.diagnostics.map((d) => d.code).sort();

test('.jetson-nix.json disables and excludes in the editor, and is read again when it changes', { skip }, async () => {
  const text = 'let\n  unused = (1);\nin x\n';
  const root = workspace({ '.jetson-nix.json': '{ "disable": ["useless-parens"] }', 'hosts/a.nix': text, 'vendor/b.nix': text });
  const c = new LspClient();
  clients.push(c);
  await c.initializeWith({ rootUri: pathToFileURL(root).href });
  const a = pathToFileURL(path.join(root, 'hosts/a.nix')).href;
  const b = pathToFileURL(path.join(root, 'vendor/b.nix')).href;
  const config = path.join(root, '.jetson-nix.json');
  const configUri = pathToFileURL(config).href;
  await c.open(a, text);
  await c.open(b, text);
  assert.deepEqual(codes(await c.diagnostics(a, 1)), ['undefined-variable', 'unused-binding']);
  assert.deepEqual(codes(await c.diagnostics(b, 1)), ['undefined-variable', 'unused-binding']);

  fs.writeFileSync(config, '{ "disable": ["unused-binding"], "exclude": ["vendor/"] }');
  await c.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: configUri, type: 2 }] });
  await c.waitForDiagnostics(a, (p) => codes(p).join() === 'undefined-variable,useless-parens');
  await c.waitForDiagnostics(b, (p) => p.diagnostics.length === 0);

  // A broken file: its problems on the file itself and in the log; what is valid still applies.
  fs.writeFileSync(config, '{\n  "disable": ["unused-bindng", "useless-parens"],\n  "exclude": ["vendor/"]\n}\n');
  await c.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: configUri, type: 2 }] });
  const problems = await c.waitForDiagnostics(configUri, (p) => p.diagnostics.length > 0);
  assert.deepEqual(
    problems.diagnostics.map((d) => [d.code, d.severity, d.range.start, d.message]),
    [['invalid-config', 1, { line: 1, character: 14 }, '`unused-bindng` is not a Jetson Nix code: did you mean `unused-binding`?']],
  );
  await c.waitForDiagnostics(a, (p) => codes(p).join() === 'undefined-variable,unused-binding');
  assert.ok(c.logs.some((l) => l.includes('`unused-bindng` is not a Jetson Nix code')), c.logs.join('\n'));

  // Deleted: the problems go with it, and nothing is disabled or excluded any more.
  fs.rmSync(config);
  await c.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: configUri, type: 3 }] });
  await c.waitForDiagnostics(configUri, (p) => p.diagnostics.length === 0);
  await c.waitForDiagnostics(b, (p) => codes(p).join() === 'undefined-variable,unused-binding,useless-parens');
  assert.equal(await c.shutdown(), 0);
});

test('a suppression comment works as the user types it, and an unused one offers its removal', { skip }, async () => {
  const c = new LspClient();
  clients.push(c);
  await c.initialize();
  const uri = 'file:///robot/suppressed.nix';
  const text = 'let\n  unused = 1; # jetson-nix: ignore[unused-binding]\n  kept = 2; # jetson-nix: ignore[empty-let]\nin kept\n';
  await c.open(uri, text);
  const published = await c.diagnostics(uri, 1);
  assert.deepEqual(codes(published), ['unused-suppression']);
  const diagnostic = published.diagnostics[0]!;
  assert.deepEqual((diagnostic as { tags?: number[] }).tags, [1], 'shown faded out, as unnecessary');
  const actions = await c.connection.sendRequest<{ title: string; edit: { documentChanges: { edits: { newText: string }[] }[] } }[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: diagnostic.range,
    context: { diagnostics: [diagnostic] },
  });
  assert.deepEqual(actions.map((a) => a.title), ['Remove the unused suppression']);

  // Any other finding offers the comment itself, after its real fixes; applied, the finding goes.
  const plain = 'let\n  spare = 1; # why\nin { }\n';
  await c.change(uri, 2, [{ text: plain }]);
  const lint = (await c.diagnostics(uri, 2)).diagnostics[0]!;
  const offered = await c.connection.sendRequest<{ title: string; isPreferred?: boolean; edit: { documentChanges: { edits: { range: { start: { line: number; character: number } }; newText: string }[] }[] } }[]>(
    'textDocument/codeAction',
    { textDocument: { uri }, range: lint.range, context: { diagnostics: [lint] } },
  );
  assert.deepEqual(offered.map((a) => [a.title, a.isPreferred ?? false]), [['Remove the unused binding `spare`', true], ['Ignore `unused-binding` on this line', false]]);
  const edit = offered[1]!.edit.documentChanges[0]!.edits[0]!;
  assert.deepEqual([edit.range.start, edit.newText], [{ line: 1, character: 0 }, '  # jetson-nix: ignore[unused-binding]\n']);
  await c.change(uri, 3, [{ range: { start: edit.range.start, end: edit.range.start }, text: edit.newText }]);
  assert.deepEqual((await c.diagnostics(uri, 3)).diagnostics, []);
  assert.equal(await c.shutdown(), 0);
});
