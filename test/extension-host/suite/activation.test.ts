/**
 * Activation: the fixture workspace has a flake.nix, so the activation event `workspaceContains`
 * (any flake.nix, see package.json) must activate the extension before any Nix file is opened.
 * This file runs first (the runner sorts the suite files by name), while no Nix document is open.
 */
import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { EXTENSION_ID, fixtureUri, SERVER_TIMEOUT_MS, waitFor } from './helpers';

suite('Activation', () => {
  test('activates on a workspace containing flake.nix, before any Nix file is opened', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded; extensions: ${vscode.extensions.all.map((e) => e.id).join(', ')}`);
    await vscode.workspace.fs.stat(fixtureUri('flake.nix'));

    const nixDocuments = () => vscode.workspace.textDocuments.filter((d) => d.languageId === 'nix').map((d) => d.uri.toString());
    assert.deepEqual(nixDocuments(), [], 'a Nix document is open, so onLanguage:nix could have activated the extension');

    // Never extension.activate(): that would activate it whatever its activation events say.
    await waitFor(`${EXTENSION_ID} to be active`, () => extension.isActive, (active) => active, { timeoutMs: SERVER_TIMEOUT_MS });
    assert.deepEqual(nixDocuments(), [], 'a Nix document was opened while waiting');
  });

  test('registers its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['jetsonNix.restartServer', 'jetsonNix.showLogs']) {
      assert.ok(commands.includes(id), `command ${id} is not registered`);
    }
  });

  test('jetsonNix.showLogs runs', async () => {
    await vscode.commands.executeCommand('jetsonNix.showLogs');
  });
});
