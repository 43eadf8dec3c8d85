import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, SERVER, type PublishedDiagnostics } from '../support/lsp-client';

/**
 * `jetsonNix.generalNixFeatures` over LSP, with the built server: next to another Nix language
 * server (what the extension sends as `otherNixServer`), the general Nix features answer nothing
 * and their capabilities are unregistered; Jetson and flake features stay; a change of the other
 * server or of the setting switches them back, without a restart.
 */
const clients: LspClient[] = [];
after(() => {
  for (const c of clients) if (c.process.exitCode === null) c.kill();
});
const skip = !fs.existsSync(SERVER) ? 'build first (npm run build)' : false;

const NIXD = { name: 'nixd', via: 'Nix IDE (jnoortheen.nix-ide)' };

/** A module with a general problem (an undefined name), a Jetson one (an unknown SoM) and a path. */
const MODULE = `{ config, lib, ... }:
{
  imports = [ ./hardware.nix ];
  networking.hostName = hostname;
  hardware.nvidia-jetpack.som = "orin-agx-64";
  environment.etc."motd".text = toString 1;
}
`;
const BROKEN = '{ networking.hostName = "scout" }\n';

/** Every capability a general Nix feature registers at run time, as VS Code announces it can. */
const DYNAMIC = Object.fromEntries(
  ['definition', 'references', 'documentHighlight', 'rename', 'semanticTokens', 'formatting', 'rangeFormatting', 'documentSymbol'].map((k) => [k, { dynamicRegistration: true }]),
);

interface Registration {
  id: string;
  method: string;
  registerOptions: { documentSelector: { language: string; pattern?: string }[] };
}

/** A client that records what the server registers and unregisters, as VS Code would apply it. */
function recordRegistrations(c: LspClient): Map<string, Registration> {
  const live = new Map<string, Registration>();
  c.connection.onRequest('client/registerCapability', (p: { registrations: Registration[] }) => {
    for (const r of p.registrations) live.set(r.id, r);
  });
  c.connection.onRequest('client/unregisterCapability', (p: { unregisterations: { id: string }[] }) => {
    for (const r of p.unregisterations) live.delete(r.id);
  });
  return live;
}

/** What is registered: `method` or `method:pattern` when narrowed to some files. */
function registered(live: Map<string, Registration>): string[] {
  return [...live.values()].map((r) => r.method + (r.registerOptions.documentSelector[0]?.pattern ? `:${r.registerOptions.documentSelector[0].pattern}` : '')).sort();
}

async function waitFor<T>(what: string, probe: () => T, accept: (v: T) => boolean, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const codes = (p: PublishedDiagnostics) => p.diagnostics.map((d) => d.code).sort().join();

function workspace(): { root: string; module: string; broken: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-general-'));
  fs.writeFileSync(path.join(root, 'hardware.nix'), '{ }\n');
  return { root, module: pathToFileURL(path.join(root, 'configuration.nix')).href, broken: pathToFileURL(path.join(root, 'broken.nix')).href };
}

const GENERAL_REGISTRATIONS = [
  'textDocument/definition',
  'textDocument/documentHighlight',
  'textDocument/documentSymbol',
  'textDocument/formatting',
  'textDocument/rangeFormatting',
  'textDocument/references',
  'textDocument/rename',
  'textDocument/semanticTokens',
];

test('next to nixd, the general features are left to it, and come back when it goes', { skip }, async () => {
  const { module, broken } = workspace();
  const c = new LspClient();
  clients.push(c);
  const live = recordRegistrations(c);
  const init = await c.connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: { textDocument: DYNAMIC },
    initializationOptions: { generalNixFeatures: 'auto', otherNixServer: NIXD },
  });
  await c.connection.sendNotification('initialized', {});
  // Nothing only general features use is announced; hover, completion and quick fixes stay.
  for (const key of ['definitionProvider', 'referencesProvider', 'renameProvider', 'semanticTokensProvider', 'documentFormattingProvider', 'documentSymbolProvider']) {
    assert.equal(init.capabilities[key], undefined, key);
  }
  for (const key of ['hoverProvider', 'completionProvider', 'codeActionProvider', 'codeLensProvider', 'foldingRangeProvider', 'workspaceSymbolProvider']) {
    assert.ok(init.capabilities[key], key);
  }
  // The outline stays for flake.nix (its inputs and outputs), and nothing else is registered.
  await waitFor('the flake outline registration', () => registered(live), (r) => r.join() === 'textDocument/documentSymbol:**/flake.nix');
  await waitFor('the log line', () => c.logs, (l) => l.some((m) => m.startsWith('nixd (started by Nix IDE (jnoortheen.nix-ide)) is active: Jetson Nix leaves syntax errors')));

  await c.open(module, MODULE);
  await c.open(broken, BROKEN);
  assert.equal(codes(await c.diagnostics(module)), 'invalid-enum-value', 'undefined-variable is left to nixd');
  assert.equal(codes(await c.diagnostics(broken)), '', 'the syntax error is left to nixd');

  const request = <T>(method: string, params: Record<string, unknown>) => c.connection.sendRequest<T>(method, { textDocument: { uri: module }, ...params });
  // Hover and completion of names and builtins are nixd's; of paths and options, still ours.
  assert.equal(await request('textDocument/hover', { position: { line: 5, character: 33 } }), null);
  const path = await request<{ contents: { value: string } }>('textDocument/hover', { position: { line: 2, character: 16 } });
  assert.match(path.contents.value, /hardware\.nix/);
  const option = await request<{ contents: { value: string } }>('textDocument/hover', { position: { line: 4, character: 27 } });
  assert.match(option.contents.value, /som/);
  const names = await request<{ label: string }[]>('textDocument/completion', { position: { line: 5, character: 32 } });
  assert.ok(!names.some((i) => i.label === 'toString' || i.label === 'lib'), names.map((i) => i.label).join(' '));
  // A client that asks anyway gets nothing from a general feature.
  assert.equal(await request('textDocument/definition', { position: { line: 3, character: 26 } }), null);
  assert.equal(await request('textDocument/formatting', { options: { tabSize: 2, insertSpaces: true } }), null);
  assert.deepEqual(await request('textDocument/documentSymbol', {}), []);

  // nixd goes (Nix IDE's language server switched off): everything is registered and reported again.
  await c.connection.sendNotification('jetsonNix/otherNixServer', { server: null });
  await waitFor('every general registration', () => registered(live), (r) => r.join() === GENERAL_REGISTRATIONS.join());
  assert.equal(codes(await c.waitForDiagnostics(module, (p) => p.diagnostics.length > 1)), 'invalid-enum-value,undefined-variable');
  assert.equal(codes(await c.waitForDiagnostics(broken, (p) => p.diagnostics.length > 0)), 'syntax-error');
  const builtins = await request<{ label: string }[]>('textDocument/completion', { position: { line: 5, character: 32 } });
  assert.ok(builtins.some((i) => i.label === 'toString'));
  assert.match((await request<{ contents: { value: string } }>('textDocument/hover', { position: { line: 5, character: 33 } })).contents.value, /toString/);
  assert.ok((await request<unknown[]>('textDocument/documentSymbol', {})).length > 0);

  // The user switches them off: the same as next to another server, without one.
  await c.connection.sendNotification('workspace/didChangeConfiguration', { settings: { jetsonNix: { generalNixFeatures: 'off' } } });
  await waitFor('only the flake outline', () => registered(live), (r) => r.join() === 'textDocument/documentSymbol:**/flake.nix');
  assert.equal(codes(await c.waitForDiagnostics(module, (p) => p.diagnostics.length === 1)), 'invalid-enum-value');
  await waitFor('the log line', () => c.logs, (l) => l.some((m) => m.startsWith('jetsonNix.generalNixFeatures is off')));

  // `on` keeps them even next to nixd.
  await c.connection.sendNotification('jetsonNix/otherNixServer', { server: NIXD });
  await c.connection.sendNotification('workspace/didChangeConfiguration', { settings: { jetsonNix: { generalNixFeatures: 'on' } } });
  await waitFor('every general registration', () => registered(live), (r) => r.join() === GENERAL_REGISTRATIONS.join());
  assert.equal(codes(await c.waitForDiagnostics(module, (p) => p.diagnostics.length > 1)), 'invalid-enum-value,undefined-variable');
  await waitFor('the log line', () => c.logs, (l) => l.some((m) => m.includes('is active, and jetsonNix.generalNixFeatures is on: both report')));
  assert.equal(await c.shutdown(), 0);
});

test('an editor without dynamic registration gets the capabilities as they were at the start', { skip }, async () => {
  const { module } = workspace();
  const c = new LspClient();
  clients.push(c);
  const init = await c.initialize({ otherNixServer: NIXD });
  // Off from the start: not announced, except the outline (answered for flake.nix only).
  assert.equal(init.capabilities.definitionProvider, undefined);
  assert.equal(init.capabilities.documentFormattingProvider, undefined);
  assert.deepEqual(init.capabilities.documentSymbolProvider, { label: 'Nix' });
  await c.open(module, MODULE);
  assert.equal(codes(await c.diagnostics(module)), 'invalid-enum-value');
  assert.deepEqual(await c.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri: module } }), []);
  // Back on: diagnostics and requests follow at once; the capabilities need a restart, and the log says so.
  await c.connection.sendNotification('jetsonNix/otherNixServer', { server: null });
  assert.equal(codes(await c.waitForDiagnostics(module, (p) => p.diagnostics.length > 1)), 'invalid-enum-value,undefined-variable');
  await waitFor('the restart hint', () => c.logs, (l) => l.some((m) => /restart the language server to get definitionProvider, .*documentFormattingProvider/.test(m)));
  assert.ok((await c.connection.sendRequest<unknown[]>('textDocument/documentSymbol', { textDocument: { uri: module } })).length > 0);

  // A malformed notification counts as no other server, and never takes the server down.
  await c.connection.sendNotification('jetsonNix/otherNixServer', { server: { name: 42 } });
  await c.connection.sendNotification('jetsonNix/otherNixServer', null);
  assert.ok((await c.connection.sendRequest<unknown[]>('textDocument/documentSymbol', { textDocument: { uri: module } })).length > 0);
  assert.equal(await c.shutdown(), 0);
});

test('in other editors (no other server named) the general features are on', { skip }, async () => {
  const { module } = workspace();
  const c = new LspClient();
  clients.push(c);
  const init = await c.initialize();
  for (const key of ['definitionProvider', 'renameProvider', 'documentFormattingProvider', 'semanticTokensProvider', 'documentSymbolProvider']) assert.ok(init.capabilities[key], key);
  await c.open(module, MODULE);
  assert.equal(codes(await c.diagnostics(module)), 'invalid-enum-value,undefined-variable');
  assert.ok(!c.logs.some((m) => /generalNixFeatures|is active/.test(m)), c.logs.join('\n'));
  assert.equal(await c.shutdown(), 0);
});
