/**
 * Side by side with another Nix language server (`jetsonNix.generalNixFeatures`): stand-in
 * extensions carrying Nix IDE's and rnix-lsp's extension ids (test/extension-host/stand-ins/,
 * packed by scripts/test-extension-host.mjs; no code, they start no server) are installed and
 * uninstalled while VS Code runs, and Nix IDE's settings changed, as a user would. The language
 * servers they would start are stand-in executables, never run: Jetson Nix only checks they exist.
 * Everything is undone at the end (settings, extensions, PATH).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite, suiteSetup, suiteTeardown, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import { codes, findings, fixtureUri, openFixture, rangeOf, revertAndCloseAll, SERVER_TIMEOUT_MS, waitFor, waitForFindings } from './helpers';

const NIX_IDE = 'jnoortheen.nix-ide';
const NIX_LSP = 'aaronduino.nix-lsp';
const BOTH = 'syntax-error,undefined-variable';

/** A stand-in language server executable: Jetson Nix looks for it, nobody starts it. */
function standInServer(dir: string, name: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\necho "stand-in for the Jetson Nix tests: never started" >&2\nexit 1\n', { mode: 0o755 });
  return file;
}

async function install(id: string): Promise<void> {
  const dir = process.env.JETSON_NIX_EH_STANDINS;
  assert.ok(dir, 'JETSON_NIX_EH_STANDINS is not set: run the suite with scripts/test-extension-host.mjs');
  await vscode.commands.executeCommand('workbench.extensions.installExtension', vscode.Uri.file(path.join(dir, `${id}.vsix`)));
  await waitFor(`${id} to be installed and enabled`, () => vscode.extensions.getExtension(id) !== undefined, (present) => present, { timeoutMs: SERVER_TIMEOUT_MS });
}

async function uninstall(id: string): Promise<void> {
  if (!vscode.extensions.getExtension(id)) return;
  await vscode.commands.executeCommand('workbench.extensions.uninstallExtension', id);
  await waitFor(`${id} to be gone`, () => vscode.extensions.getExtension(id) !== undefined, (present) => !present, { timeoutMs: SERVER_TIMEOUT_MS });
}

async function set(section: string, key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration(section).update(key, value, vscode.ConfigurationTarget.Global);
}

/** Our semantic tokens of a document, or undefined when no provider is registered (left to the other server). */
async function semanticTokens(uri: vscode.Uri): Promise<vscode.SemanticTokens | undefined> {
  return vscode.commands.executeCommand<vscode.SemanticTokens | undefined>('vscode.provideDocumentSemanticTokens', uri);
}

async function symbols(uri: vscode.Uri): Promise<unknown[]> {
  return (await vscode.commands.executeCommand<unknown[] | undefined>('vscode.executeDocumentSymbolProvider', uri)) ?? [];
}

async function completionLabels(document: vscode.TextDocument, position: vscode.Position): Promise<string[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, position);
  return list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
}

suite('Side by side with another Nix language server', () => {
  let bin: string;
  const path0 = process.env.PATH;

  suiteSetup(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-stand-in-servers-'));
  });
  teardown(revertAndCloseAll);
  suiteTeardown(async () => {
    process.env.PATH = path0;
    await set('nix', 'enableLanguageServer', undefined).catch(() => undefined);
    await set('nix', 'serverPath', undefined).catch(() => undefined);
    await set('jetsonNix', 'generalNixFeatures', undefined);
    await uninstall(NIX_IDE);
    await uninstall(NIX_LSP);
    fs.rmSync(bin, { recursive: true, force: true });
  });

  test('Nix IDE running nixd gets the general Nix features; the Jetson ones stay; they come back when it stops', async () => {
    const broken = await openFixture('modules/broken.nix');
    const jetson = await openFixture('modules/jetson.nix');
    await waitForFindings(broken, 'both general problems', (list) => codes(list).join() === BOTH);
    await waitForFindings(jetson, 'the SoM problem', (list) => codes(list).join() === 'invalid-enum-value');
    assert.ok(await semanticTokens(broken.uri), 'our semantic tokens while the general features are ours');
    // Where a value is typed (`enable = true`), names and builtins are offered while they are ours.
    const value = rangeOf(jetson, 'true').start;
    assert.ok((await completionLabels(jetson, value)).includes('toString'));

    // Installed with its language server off (Nix IDE's default): nothing changes.
    await install(NIX_IDE);
    await set('nix', 'serverPath', standInServer(bin, 'nixd'));
    assert.equal(codes(findings(broken)).join(), BOTH);

    // Its language server on: the general problems, tokens, name completions and the outline are nixd's.
    await set('nix', 'enableLanguageServer', true);
    await waitForFindings(broken, 'no general problem next to nixd', (list) => list.length === 0);
    await waitFor('our semantic tokens to be unregistered', () => semanticTokens(broken.uri), (t) => t === undefined);
    assert.equal(codes(findings(jetson)).join(), 'invalid-enum-value', 'the Jetson check stays');
    assert.deepEqual(await symbols(broken.uri), [], 'the outline of a module is nixd’s');
    assert.ok((await symbols(fixtureUri('flake.nix'))).length > 0, 'the outline of flake.nix stays ours');
    const labels = await completionLabels(jetson, value);
    assert.ok(!labels.includes('builtins') && !labels.includes('toString'), labels.join(' '));
    // Option completion inside the SoM string is Jetson Nix's own.
    assert.ok((await completionLabels(jetson, rangeOf(jetson, 'orin-agx', 'som =').end)).includes('orin-agx'));

    // A restarted server starts in the same state (the initialization options say so).
    await vscode.commands.executeCommand('jetsonNix.restartServer');
    await waitForFindings(jetson, 'the SoM problem from the new server', (list) => codes(list).join() === 'invalid-enum-value');
    assert.equal(codes(findings(broken)).join(), '');

    // `on` keeps them beside nixd; back to `auto` leaves them again.
    await set('jetsonNix', 'generalNixFeatures', 'on');
    await waitForFindings(broken, 'both problems with the setting on', (list) => codes(list).join() === BOTH);
    await set('jetsonNix', 'generalNixFeatures', undefined);
    await waitForFindings(broken, 'none again with auto', (list) => list.length === 0);

    // A server command that does not exist starts nothing (Nix IDE falls back to its own check).
    await set('nix', 'serverPath', path.join(bin, 'not-installed', 'nixd'));
    await waitForFindings(broken, 'both problems when nixd is missing', (list) => codes(list).join() === BOTH);
    await set('nix', 'serverPath', standInServer(bin, 'nil'));
    await waitForFindings(broken, 'none next to nil', (list) => list.length === 0);

    // Uninstalled (its settings stay): everything is Jetson Nix's again; installed again, it is not.
    await uninstall(NIX_IDE);
    await waitForFindings(broken, 'both problems without Nix IDE', (list) => codes(list).join() === BOTH);
    await waitFor('our semantic tokens to be registered again', () => semanticTokens(broken.uri), (t) => t !== undefined);
    await install(NIX_IDE);
    await waitForFindings(broken, 'none with Nix IDE installed again', (list) => list.length === 0);

    // Its language server switched off.
    await set('nix', 'enableLanguageServer', undefined);
    await waitForFindings(broken, 'both problems with Nix IDE’s server off', (list) => codes(list).join() === BOTH);
    await set('nix', 'serverPath', undefined);
    await uninstall(NIX_IDE);
  });

  test("rnix-lsp's extension, installed while VS Code runs, gets them too", async () => {
    const broken = await openFixture('modules/broken.nix');
    await waitForFindings(broken, 'both general problems', (list) => codes(list).join() === BOTH);
    // rnix-lsp is looked up on the extension host's PATH, as the user's profile would set it.
    process.env.PATH = `${path.dirname(standInServer(bin, 'rnix-lsp'))}${path.delimiter}${path0 ?? ''}`;
    await install(NIX_LSP);
    await waitForFindings(broken, 'no general problem next to rnix-lsp', (list) => list.length === 0);
    await uninstall(NIX_LSP);
    await waitForFindings(broken, 'both problems once it is uninstalled', (list) => codes(list).join() === BOTH);
    process.env.PATH = path0;
  });
});
