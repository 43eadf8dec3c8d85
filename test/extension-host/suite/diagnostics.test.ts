/**
 * Diagnostics through the API: what the e2e suite's scenario 2 reads in the Problems panel,
 * read here with vscode.languages.getDiagnostics, and fixed with WorkspaceEdits instead of typing.
 */
import * as assert from 'node:assert/strict';
import { suite, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import { codes, openFixture, rangeOf, replace, revertAndCloseAll, waitForFindings } from './helpers';

suite('Diagnostics', () => {
  teardown(revertAndCloseAll);

  test('modules/broken.nix gets a syntax error and an undefined variable, and fixing both clears them', async () => {
    const document = await openFixture('modules/broken.nix');
    const found = await waitForFindings(document, 'syntax-error and undefined-variable', (list) =>
      codes(list).join() === 'syntax-error,undefined-variable',
    );

    const undefinedName = found.find((f) => f.code === 'undefined-variable')!;
    assert.equal(undefinedName.severity, 'Error');
    assert.equal(undefinedName.text, 'name', JSON.stringify(undefinedName));
    assert.match(undefinedName.message, /undefined variable `name`/);
    assert.equal(undefinedName.line, rangeOf(document, 'name', 'hostName =').start.line);

    const missingSemicolon = found.find((f) => f.code === 'syntax-error')!;
    assert.equal(missingSemicolon.severity, 'Error');
    assert.match(missingSemicolon.message, /missing `;`/);
    const unterminated = rangeOf(document, 'hardware.nvidia-jetpack.enable = true');
    assert.equal(missingSemicolon.line, unterminated.start.line, JSON.stringify(missingSemicolon));

    // Add the missing `;`: only the undefined variable is left.
    await replace(document, new vscode.Range(unterminated.end, unterminated.end), ';');
    await waitForFindings(document, 'only undefined-variable after adding `;`', (list) => codes(list).join() === 'undefined-variable');

    // Replace `name` with a string: nothing is left.
    await replace(document, rangeOf(document, 'name', 'hostName ='), '"orin-robot"');
    await waitForFindings(document, 'no diagnostics after replacing `name`', (list) => list.length === 0);
    assert.match(document.getText(), /networking\.hostName = "orin-robot";\n\s+hardware\.nvidia-jetpack\.enable = true;\n/);
  });
});
