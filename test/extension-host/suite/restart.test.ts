/**
 * `jetsonNix.restartServer` (the e2e suite's scenario 6 clicks Restart in the language status):
 * after a restart, open files get their diagnostics again, edits are diagnosed again, and newly
 * opened files are diagnosed. Runs last (file name order): it replaces the language server.
 */
import * as assert from 'node:assert/strict';
import { suite, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import { codes, EXTENSION_ID, findings, openFixture, rangeOf, replace, revertAndCloseAll, SERVER_TIMEOUT_MS, waitFor, waitForFindings } from './helpers';

suite('Restart', () => {
  teardown(revertAndCloseAll);

  test('jetsonNix.restartServer keeps diagnostics working', async () => {
    const broken = await openFixture('modules/broken.nix');
    await waitForFindings(broken, 'both diagnostics before the restart', (list) => codes(list).join() === 'syntax-error,undefined-variable');

    // Every change of broken.nix's diagnostics, in order: the old client clears them when it
    // stops, the new server publishes them again.
    const seen: string[] = [];
    const recorder = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((uri) => uri.toString() === broken.uri.toString())) seen.push(codes(findings(broken)).join() || '(none)');
    });
    try {
      // The command returns the restart's promise: it resolves once the new server is running.
      await vscode.commands.executeCommand('jetsonNix.restartServer');
      assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, 'the extension is still active');
      // The document that was open is synchronised with the new server and diagnosed again.
      await waitFor(
        'broken.nix diagnostics to be cleared by the old server and published by the new one',
        () => seen.slice(),
        (list) => list.includes('(none)') && list.slice(list.indexOf('(none)')).includes('syntax-error,undefined-variable'),
        { timeoutMs: SERVER_TIMEOUT_MS },
      );
    } finally {
      recorder.dispose();
    }
    assert.equal(codes(findings(broken)).join(), 'syntax-error,undefined-variable', `changes seen: ${seen.join(' → ')}`);

    // An edit is diagnosed by the new server: proof that it follows the document.
    const unterminated = rangeOf(broken, 'hardware.nvidia-jetpack.enable = true');
    await replace(broken, new vscode.Range(unterminated.end, unterminated.end), ';');
    await waitForFindings(broken, 'only undefined-variable after an edit after the restart', (list) => codes(list).join() === 'undefined-variable');

    // A file opened after the restart is diagnosed too.
    const jetson = await openFixture('modules/jetson.nix');
    await waitForFindings(jetson, 'invalid-enum-value after the restart', (list) => codes(list).join() === 'invalid-enum-value');
  });
});
