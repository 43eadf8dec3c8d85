import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, SERVER, type PublishedDiagnostics } from '../support/lsp-client';

/**
 * Outline, workspace symbols (with work-done progress), folding, selection ranges, links,
 * formatting and flake awareness, through the built server over stdio.
 */
const skip = !fs.existsSync(SERVER) ? 'build first (npm run build)' : false;
const FIXTURES = path.join(__dirname, '..', 'fixtures');
/** Stands in for nixfmt: no Nix formatter is installable here (not in Debian bookworm, not on npm). */
const FAKE_NIXFMT = path.join(FIXTURES, 'formatter', 'nixfmt');

const clients: LspClient[] = [];
const scratch: string[] = [];
after(() => {
  for (const c of clients) if (c.process.exitCode === null) c.kill();
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** A server started with `PATH` as given (formatters are looked up there). */
function startServer(searchPath: string): LspClient {
  const saved = process.env.PATH;
  process.env.PATH = searchPath;
  try {
    const c = new LspClient();
    clients.push(c);
    return c;
  } finally {
    process.env.PATH = saved;
  }
}

interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

function offsetOf(text: string, p: { line: number; character: number }): number {
  const lines = text.split('\n');
  return lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
}

function applyEdits(text: string, edits: { range: Range; newText: string }[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => offsetOf(text, b.range.start) - offsetOf(text, a.range.start))) {
    out = out.slice(0, offsetOf(text, e.range.start)) + e.newText + out.slice(offsetOf(text, e.range.end));
  }
  return out;
}

test('a flake workspace: outline, workspace symbols with progress, folding, selection, links', { skip }, async () => {
  const root = tempDir('jetson-nix-lsp-structure-');
  fs.cpSync(path.join(FIXTURES, 'flakes-static', 'robot'), root, { recursive: true });
  const c = startServer(process.env.PATH ?? '');
  const progress: string[] = [];
  c.connection.onRequest('window/workDoneProgress/create', () => null);
  c.connection.onNotification('$/progress', (p: { value: { kind: string; title?: string } }) => progress.push(p.value.kind + (p.value.title ? ` ${p.value.title}` : '')));
  const init = await c.connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(root).href,
    capabilities: { window: { workDoneProgress: true } },
  });
  await c.connection.sendNotification('initialized', {});
  for (const capability of ['documentSymbolProvider', 'workspaceSymbolProvider', 'foldingRangeProvider', 'selectionRangeProvider', 'documentLinkProvider', 'documentFormattingProvider', 'documentRangeFormattingProvider']) {
    assert.ok(init.capabilities[capability], capability);
  }
  const uri = pathToFileURL(path.join(root, 'flake.nix')).href;
  const text = fs.readFileSync(path.join(root, 'flake.nix'), 'utf8');
  await c.open(uri, text);
  await c.diagnostics(uri, 1);

  const symbols = await c.connection.sendRequest<{ name: string; kind: number; children?: { name: string; detail?: string }[] }[]>('textDocument/documentSymbol', { textDocument: { uri } });
  const inputs = symbols.find((s) => s.name === 'inputs');
  assert.deepEqual(inputs?.children?.map((s) => s.name), ['nixpkgs', 'jetpack-nixos', 'nix-ros-overlay', 'flake-utils', 'calibration']);
  const outputs = symbols.find((s) => s.name === 'outputs');
  assert.ok(outputs?.children?.some((s) => s.name === 'nixosConfigurations.scout' && s.detail === 'NixOS configuration'));

  const found = await c.connection.sendRequest<{ name: string; location: { uri: string } }[]>('workspace/symbol', { query: 'scout' });
  assert.ok(found.some((s) => s.name === 'nixosConfigurations.scout' && s.location.uri === uri), JSON.stringify(found));
  assert.ok(found.some((s) => s.location.uri.endsWith('/hosts/scout.nix') || s.name === 'nixosConfigurations.scout'));
  assert.equal(progress[0], 'begin Indexing Nix symbols', 'indexing showed a progress indicator');
  assert.equal(progress[progress.length - 1], 'end');
  assert.ok(progress.slice(1, -1).every((p) => p === 'report'), progress.join(', '));

  const folds = await c.connection.sendRequest<{ startLine: number; endLine: number }[]>('textDocument/foldingRange', { textDocument: { uri } });
  assert.ok(folds.some((f) => f.startLine === 3 && f.endLine === 14), JSON.stringify(folds)); // inputs = { … };

  const som = text.indexOf('orin-nx');
  const before = text.slice(0, som).split('\n');
  const position = { line: before.length - 1, character: before[before.length - 1]!.length + 2 };
  const [selection] = await c.connection.sendRequest<{ range: Range; parent?: unknown }[]>('textDocument/selectionRange', { textDocument: { uri }, positions: [position] });
  assert.deepEqual(selection!.range, { start: { line: position.line, character: position.character - 2 }, end: { line: position.line, character: position.character + 5 } });
  assert.ok(selection!.parent);

  const links = await c.connection.sendRequest<{ target: string }[]>('textDocument/documentLink', { textDocument: { uri } });
  assert.ok(links.some((l) => l.target === 'https://github.com/anduril/jetpack-nixos'));
  assert.ok(links.some((l) => l.target === pathToFileURL(path.join(root, 'hosts', 'scout.nix')).href));
  assert.equal(await c.shutdown(), 0);
});

test('flake awareness: lock-aware diagnostics, quick fix, hover, completion, a changed flake.lock', { skip }, async () => {
  const root = tempDir('jetson-nix-lsp-flake-');
  fs.cpSync(path.join(FIXTURES, 'flakes-static', 'robot'), root, { recursive: true });
  const c = startServer(process.env.PATH ?? '');
  await c.initializeWith({ rootUri: pathToFileURL(root).href });
  const uri = pathToFileURL(path.join(root, 'flake.nix')).href;
  const text = fs.readFileSync(path.join(root, 'flake.nix'), 'utf8');
  await c.open(uri, text);
  const first = await c.diagnostics(uri, 1);
  const warning = first.diagnostics.find((d) => d.code === 'nixpkgs-not-followed');
  assert.ok(warning, JSON.stringify(first.diagnostics));
  assert.deepEqual(warning.range.start, { line: 9, character: 4 });

  const actions = await c.connection.sendRequest<{ title: string; edit: { documentChanges: { edits: { range: Range; newText: string }[] }[] } }[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: warning.range,
    context: { diagnostics: [warning] },
  });
  // nix-ros-overlay's own setup: the flake's nixpkgs follows it (the reverse would miss its binary cache).
  const follow = actions.find((a) => /nixpkgs\.follows = "nix-ros-overlay\/nixpkgs"/.test(a.title));
  assert.ok(follow, actions.map((a) => a.title).join(' | '));
  assert.ok(!actions.some((a) => /Make nix-ros-overlay follow/.test(a.title)), actions.map((a) => a.title).join(' | '));
  const fixed = applyEdits(text, follow.edit.documentChanges[0]!.edits);
  await c.change(uri, 2, [{ text: fixed }]);
  const after = await c.diagnostics(uri, 2);
  assert.deepEqual(after.diagnostics.filter((d) => d.code === 'nixpkgs-not-followed'), []);

  const hover = await c.connection.sendRequest<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 5, character: 6 } });
  assert.match(hover.contents.value, /revision `4d857d6e2b1f4c0a9e7d3b5a8c6f1e0d2b4a6c8e`/);
  assert.match(hover.contents.value, /date 2025-07-12/);
  // The same on the argument of `outputs` that receives the input.
  const argLine = fixed.split('\n').findIndex((l) => l.includes('outputs = {'));
  const argColumn = fixed.split('\n')[argLine]!.indexOf('jetpack-nixos') + 3;
  const argHover = await c.connection.sendRequest<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: argLine, character: argColumn } });
  assert.match(argHover.contents.value, /\*\*jetpack-nixos\*\* · flake input[\s\S]*revision `4d857d6e/);

  // A half-typed override of nix-ros-overlay's inputs completes to the inputs flake.lock gives it.
  const typing = text.replace('nix-ros-overlay.url = "github:lopsided98/nix-ros-overlay/master";', 'nix-ros-overlay.url = "github:lopsided98/nix-ros-overlay/master";\n    nix-ros-overlay.inputs.');
  await c.change(uri, 3, [{ text: typing }]);
  const line = typing.split('\n').findIndex((l) => l.trim() === 'nix-ros-overlay.inputs.');
  const column = typing.split('\n')[line]!.length;
  const completion = await c.connection.sendRequest<{ label: string }[]>('textDocument/completion', { textDocument: { uri }, position: { line, character: column } });
  assert.deepEqual(completion.map((i) => i.label).filter((l) => l === 'nixpkgs' || l === 'flake-utils').sort(), ['flake-utils', 'nixpkgs']);

  // flake.lock changes on disk: the file watcher reports it and the diagnostics follow.
  await c.change(uri, 4, [{ text }]);
  await c.waitForDiagnostics(uri, (p) => p.version === 4);
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'flake.lock'), 'utf8')) as { nodes: Record<string, { inputs?: Record<string, unknown> }> };
  delete lock.nodes.root!.inputs!['flake-utils'];
  fs.writeFileSync(path.join(root, 'flake.lock'), JSON.stringify(lock, null, 2));
  await c.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(path.join(root, 'flake.lock')).href, type: 2 }] });
  const relocked = await c.waitForDiagnostics(uri, (p: PublishedDiagnostics) => p.diagnostics.some((d) => d.code === 'input-not-locked'));
  assert.match(relocked.diagnostics.find((d) => d.code === 'input-not-locked')!.message, /`flake-utils` is not in flake\.lock/);
  assert.equal(await c.shutdown(), 0);
});

test('formatting through the formatter on PATH, whole document and range, failures logged', { skip }, async () => {
  const bin = tempDir('jetson-nix-lsp-bin-');
  fs.copyFileSync(FAKE_NIXFMT, path.join(bin, 'nixfmt'));
  fs.chmodSync(path.join(bin, 'nixfmt'), 0o755);
  const c = startServer([bin, path.dirname(process.execPath)].join(path.delimiter));
  const shown: string[] = [];
  c.connection.onNotification('window/showMessage', (p: { message: string }) => shown.push(p.message));
  await c.initialize();
  const uri = 'file:///robot/format-me.nix';
  const text = '{\na = 1;\n  b = {\n  c = 2;\n  };\nd = 3;\n}\n';
  await c.open(uri, text);
  const options = { tabSize: 2, insertSpaces: true };
  const whole = await c.connection.sendRequest<{ range: Range; newText: string }[]>('textDocument/formatting', { textDocument: { uri }, options });
  assert.equal(applyEdits(text, whole), '{\n  a = 1;\n  b = {\n    c = 2;\n  };\n  d = 3;\n}\n');
  const range = await c.connection.sendRequest<{ range: Range; newText: string }[]>('textDocument/rangeFormatting', {
    textDocument: { uri },
    range: { start: { line: 3, character: 0 }, end: { line: 3, character: 5 } },
    options,
  });
  assert.equal(applyEdits(text, range), '{\na = 1;\n  b = {\n    c = 2;\n  };\nd = 3;\n}\n', 'only the selected line changes');

  await c.change(uri, 2, [{ text: '{ a = 1;\n' }]);
  const broken = await c.connection.sendRequest('textDocument/formatting', { textDocument: { uri }, options });
  assert.equal(broken, null, 'a file the formatter cannot parse is left alone');
  assert.ok(c.logs.some((l) => /nixfmt exited with code 1 on file:\/\/\/robot\/format-me\.nix/.test(l) && /unexpected end of input/.test(l)), c.logs.join('\n'));

  await c.connection.sendNotification('workspace/didChangeConfiguration', { settings: { jetsonNix: { formatting: { formatter: 'none' } } } });
  await c.change(uri, 3, [{ text }]);
  assert.equal(await c.connection.sendRequest('textDocument/formatting', { textDocument: { uri }, options }), null);
  assert.deepEqual(shown, []);
  assert.equal(await c.shutdown(), 0);
});

test('no formatter installed: one message for the session, then only the log', { skip }, async () => {
  const c = startServer(path.dirname(process.execPath));
  const shown: { type: number; message: string }[] = [];
  c.connection.onNotification('window/showMessage', (p: { type: number; message: string }) => shown.push(p));
  await c.initialize();
  const uri = 'file:///robot/a.nix';
  await c.open(uri, '{ a = 1; }\n');
  for (let i = 0; i < 3; i++) assert.equal(await c.connection.sendRequest('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } }), null);
  assert.equal(shown.length, 1, JSON.stringify(shown));
  assert.match(shown[0]!.message, /none of nixfmt, alejandra, nixpkgs-fmt is on PATH/);
  assert.equal(c.logs.filter((l) => /Cannot format/.test(l)).length, 3);
  assert.equal(await c.shutdown(), 0);
});
