import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, SERVER } from '../support/lsp-client';
import { FIXTURES, nixFilesUnder } from '../support/corpus';

/**
 * Navigation over LSP, through the built server spoken to over stdio: each request type the
 * navigation module answers, the lints in the diagnostics (with their quick fix and their
 * setting), and a 1 MB file.
 */
const clients: LspClient[] = [];
after(() => {
  for (const c of clients) if (c.process.exitCode === null) c.kill();
});
const skip = !fs.existsSync(SERVER) ? 'build first (npm run build)' : false;

interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

const TEXT = `{ pkgs, ... }:
let
  robotName = "scout";
  unused = 1;
  ports = { ssh = 22; };
in
{
  imports = [ ./hardware.nix ];
  networking.hostName = robotName;
  environment.systemPackages = map (p: p) [ pkgs.git ];
  services.openssh.ports = [ ports.ssh ];
}
`;

async function started(): Promise<{ c: LspClient; uri: string; root: string }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-nav-'));
  fs.writeFileSync(path.join(root, 'hardware.nix'), '{ }\n');
  fs.writeFileSync(path.join(root, 'configuration.nix'), TEXT);
  const c = new LspClient();
  clients.push(c);
  const init = await c.initialize();
  const caps = init.capabilities as Record<string, unknown>;
  assert.equal(caps.definitionProvider, true);
  assert.equal(caps.referencesProvider, true);
  assert.equal(caps.documentHighlightProvider, true);
  assert.deepEqual(caps.renameProvider, { prepareProvider: true });
  const tokens = caps.semanticTokensProvider as { legend: { tokenTypes: string[] }; full: boolean };
  assert.ok(tokens.full && tokens.legend.tokenTypes.includes('namespace'));
  assert.ok((caps.completionProvider as { triggerCharacters: string[] }).triggerCharacters.includes('.'));
  const uri = pathToFileURL(path.join(root, 'configuration.nix')).href;
  await c.open(uri, TEXT);
  return { c, uri, root };
}

const at = (line: number, character: number) => ({ line, character });

test('definition, references, highlights, rename, tokens, hover and completion over LSP', { skip }, async () => {
  const { c, uri, root } = await started();
  const request = <T>(method: string, params: Record<string, unknown>) => c.connection.sendRequest<T>(method, { textDocument: { uri }, ...params });

  const definition = await request<{ uri: string; range: Range }[]>('textDocument/definition', { position: at(8, 26) });
  assert.deepEqual(definition, [{ uri, range: { start: at(2, 2), end: at(2, 11) } }]);
  const file = await request<{ uri: string }[]>('textDocument/definition', { position: at(7, 18) });
  assert.equal(file[0]?.uri, pathToFileURL(path.join(root, 'hardware.nix')).href);

  const references = await request<{ range: Range }[]>('textDocument/references', { position: at(2, 4), context: { includeDeclaration: true } });
  assert.deepEqual(references.map((r) => r.range.start), [at(2, 2), at(8, 24)]);
  const highlights = await request<{ kind: number }[]>('textDocument/documentHighlight', { position: at(2, 4) });
  assert.deepEqual(highlights.map((h) => h.kind), [3, 2]);

  const prepared = await request<{ placeholder: string }>('textDocument/prepareRename', { position: at(8, 26) });
  assert.equal(prepared.placeholder, 'robotName');
  await assert.rejects(request('textDocument/prepareRename', { position: at(0, 3) }), /`pkgs` is an argument of a function that takes `pkgs`.*passes it by this name/);
  const edit = await request<{ documentChanges: { textDocument: { version: number }; edits: { newText: string }[] }[] }>('textDocument/rename', { position: at(8, 26), newName: 'hostName' });
  assert.deepEqual(edit.documentChanges[0]!.edits.map((e) => e.newText), ['hostName', 'hostName']);
  assert.equal(edit.documentChanges[0]!.textDocument.version, 1);
  await assert.rejects(request('textDocument/rename', { position: at(8, 26), newName: 'map' }), /is the builtin/);

  const semantic = await request<{ data: number[] }>('textDocument/semanticTokens/full', {});
  assert.ok(semantic.data.length > 0 && semantic.data.length % 5 === 0);

  const hover = await request<{ contents: { value: string } }>('textDocument/hover', { position: at(9, 33) });
  assert.match(hover.contents.value, /map :: /);
  const completion = await request<{ label: string }[]>('textDocument/completion', { position: at(10, 32) });
  assert.ok(completion.some((i) => i.label === 'ports') && completion.some((i) => i.label === 'robotName'), completion.map((i) => i.label).join(' '));
  assert.equal(await c.shutdown(), 0);
});

test('lints are published with a quick fix, and a setting turns them off', { skip }, async () => {
  const { c, uri } = await started();
  const published = await c.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'unused-binding'));
  const lint = published.diagnostics.find((d) => d.code === 'unused-binding')!;
  assert.deepEqual((lint as { tags?: number[] }).tags, [1], 'tagged Unnecessary, so editors fade it out');
  assert.deepEqual([lint.range.start, lint.severity], [at(3, 2), 2]);
  const actions = await c.connection.sendRequest<{ title: string; edit: { documentChanges: { edits: { newText: string }[] }[] } }[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: lint.range,
    context: { diagnostics: [lint] },
  });
  assert.equal(actions[0]?.title, 'Remove the unused binding `unused`');
  await c.connection.sendNotification('workspace/didChangeConfiguration', { settings: { jetsonNix: { lints: { unusedBinding: false } } } });
  const quiet = await c.waitForDiagnostics(uri, (p) => !p.diagnostics.some((d) => d.code === 'unused-binding'));
  assert.deepEqual(quiet.diagnostics.filter((d) => d.code === 'unused-binding'), []);
  assert.equal(await c.shutdown(), 0);
});

test('on a 1 MB file, definition, references and semantic tokens answer quickly', { skip }, async (t) => {
  const files = nixFilesUnder(path.join(FIXTURES, 'corpus')).map((f) => fs.readFileSync(f, 'utf8'));
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 1024 * 1024; i++) {
    const part = `(${files[i % files.length]}\n)`;
    parts.push(part);
    size += part.length + 1;
  }
  const text = `let marker = 1; in [\n${parts.join('\n')}\nmarker\n]\n`;
  const lines = text.split('\n');
  const last = lines.length - 3;
  const c = new LspClient();
  clients.push(c);
  await c.initialize();
  const uri = 'file:///robot/big.nix';
  const opened = Date.now();
  await c.open(uri, text);
  await c.diagnostics(uri, 1, 60000);
  t.diagnostic(`1 MB: open to first diagnostics ${Date.now() - opened} ms`);
  const timed = async (method: string, params: Record<string, unknown>) => {
    const started = performance.now();
    const result = await c.connection.sendRequest<unknown>(method, { textDocument: { uri }, ...params });
    const ms = performance.now() - started;
    t.diagnostic(`1 MB: ${method} ${ms.toFixed(1)} ms`);
    return { result, ms };
  };
  const definition = await timed('textDocument/definition', { position: at(last, 2) });
  assert.deepEqual((definition.result as { range: Range }[])[0]?.range.start, at(0, 4));
  const references = await timed('textDocument/references', { position: at(0, 5), context: { includeDeclaration: true } });
  assert.equal((references.result as unknown[]).length, 2);
  const tokens = await timed('textDocument/semanticTokens/full', {});
  assert.ok((tokens.result as { data: number[] }).data.length > 10000);
  // The requirement is 200 ms; a shared test machine gets a generous margin (figures are in the log).
  for (const r of [definition, references, tokens]) assert.ok(r.ms < 2000, `${r.ms.toFixed(0)} ms`);
  assert.equal(await c.shutdown(), 0);
});

const HOSTS = `let
  mkHost = { hostName, system ? "aarch64-linux" }: {
    inherit system;
    modules = [ { networking.hostName = hostName; } ];
  };
in
{
  scout = mkHost { hostName = "scout"; };
  module = { config, ... }: { };
}
`;

test('renaming a named argument is an edit the user confirms, or refused where it cannot be confirmed', { skip }, async () => {
  const uri = 'file:///robot/hosts.nix';
  const rename = async (c: LspClient, position: { line: number; character: number }) =>
    c.connection.sendRequest<{
      documentChanges: { textDocument: { version: number }; edits: { range: Range; newText: string; annotationId?: string }[] }[];
      changeAnnotations?: Record<string, { label: string; needsConfirmation: boolean; description: string }>;
    }>('textDocument/rename', { textDocument: { uri }, position, newName: 'name' });

  // VS Code announces change annotations: the edit comes with one that needs confirmation.
  const vscodeLike = new LspClient();
  clients.push(vscodeLike);
  await vscodeLike.initializeWith({ capabilities: { workspace: { workspaceEdit: { documentChanges: true, changeAnnotationSupport: { groupsOnLabel: true } } } } });
  await vscodeLike.open(uri, HOSTS);
  const prepared = await vscodeLike.connection.sendRequest<{ placeholder: string }>('textDocument/prepareRename', { textDocument: { uri }, position: at(1, 15) });
  assert.equal(prepared.placeholder, 'hostName');
  const edit = await rename(vscodeLike, at(1, 15));
  const [change] = edit.documentChanges;
  assert.deepEqual(change!.edits.map((e) => [e.range.start, e.newText, e.annotationId]), [
    [at(1, 13), 'name', 'callers-pass-it-by-name'],
    [at(3, 40), 'name', 'callers-pass-it-by-name'],
  ]);
  assert.deepEqual(edit.changeAnnotations, {
    'callers-pass-it-by-name': {
      label: 'Callers pass it by this name',
      description: '`hostName` is a named argument: calls that pass `hostName = …` keep the old name. Rename it there too.',
      needsConfirmation: true,
    },
  });
  // A `let` binding needs no confirmation.
  const plain = await rename(vscodeLike, at(1, 3));
  assert.equal(plain.changeAnnotations, undefined);
  assert.ok(plain.documentChanges[0]!.edits.every((e) => e.annotationId === undefined));
  // A module's argument is refused, with the reason.
  await assert.rejects(rename(vscodeLike, at(8, 15)), /`config` is an argument of a NixOS module: the module system passes it by this name/);
  assert.equal(await vscodeLike.shutdown(), 0);

  // An editor without change annotations would apply it without asking: refused instead.
  const plainClient = new LspClient();
  clients.push(plainClient);
  await plainClient.initialize();
  await plainClient.open(uri, HOSTS);
  await assert.rejects(
    plainClient.connection.sendRequest('textDocument/prepareRename', { textDocument: { uri }, position: at(1, 15) }),
    /named argument: calls that pass `hostName = …` keep the old name\. Rename it there too\. This editor cannot show the rename for confirmation/,
  );
  await assert.rejects(rename(plainClient, at(1, 15)), /cannot show the rename for confirmation/);
  assert.equal((await rename(plainClient, at(1, 3))).documentChanges[0]!.edits.length, 2);
  assert.equal(await plainClient.shutdown(), 0);
});
