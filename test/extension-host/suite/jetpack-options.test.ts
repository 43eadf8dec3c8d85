/**
 * jetpack-nixos options through the API: what the e2e suite's scenario 3 does with the mouse
 * and keyboard (hover, completion, Auto Fix), done here with VS Code's provider commands.
 * modules/jetson.nix sets `som = "orin-agx-64"`, which is not a valid SoM.
 */
import * as assert from 'node:assert/strict';
import { suite, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import { codes, hoverText, labelOf, openFixture, rangeOf, revertAndCloseAll, waitFor, waitForFindings, type Finding } from './helpers';

const FILE = 'modules/jetson.nix';
const BAD_SOM = '"orin-agx-64" is not a valid value of `hardware.nvidia-jetpack.som`';
const FIX_TITLE = 'Change to "orin-agx"';

/** Opens the file and waits for its one problem: the invalid SoM. */
async function openWithInvalidSom(): Promise<{ document: vscode.TextDocument; problem: Finding }> {
  const document = await openFixture(FILE);
  const [problem] = await waitForFindings(document, 'invalid-enum-value', (list) => codes(list).join() === 'invalid-enum-value');
  return { document, problem: problem! };
}

suite('jetpack-nixos options', () => {
  teardown(revertAndCloseAll);

  test('an invalid SoM is an invalid-enum-value error on the value', async () => {
    const { document, problem } = await openWithInvalidSom();
    assert.equal(problem.severity, 'Error');
    assert.equal(problem.text, '"orin-agx-64"');
    assert.ok(problem.message.includes(BAD_SOM), problem.message);
    assert.equal(problem.line, rangeOf(document, '"orin-agx-64"').start.line);
  });

  test('the quick fix "Change to "orin-agx"" repairs the value and clears the problem', async () => {
    const { document } = await openWithInvalidSom();
    const value = rangeOf(document, '"orin-agx-64"');
    const actions = await waitFor(
      `a code action "${FIX_TITLE}"`,
      () => vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', document.uri, value),
      (list) => (list ?? []).some((a) => a.title === FIX_TITLE),
    );
    // A vscode.Command has a string `command`; a CodeAction an optional Command object.
    const fix = actions.find((a): a is vscode.CodeAction => a.title === FIX_TITLE && typeof a.command !== 'string');
    assert.ok(fix, `"${FIX_TITLE}" is a Command, not a CodeAction: ${JSON.stringify(actions)}`);
    assert.equal(fix.kind?.value, vscode.CodeActionKind.QuickFix.value, `kind of the fix: ${fix.kind?.value}`);
    // Preferred: what "Auto Fix..." applies (the e2e suite's way). The API command does not return
    // the fix's `diagnostics` (VS Code drops them when converting), so they cannot be checked here.
    assert.equal(fix.isPreferred, true, 'the did-you-mean fix is the preferred one');

    assert.ok(fix.edit, 'the fix has an edit');
    assert.ok(await vscode.workspace.applyEdit(fix.edit), 'applying the fix failed');
    if (fix.command) await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));

    assert.match(document.getText(), /som = "orin-agx";/);
    await waitForFindings(document, 'no diagnostics after the quick fix', (list) => list.length === 0);
  });

  test('hover on `som` shows the option documentation', async () => {
    const { document } = await openWithInvalidSom();
    const som = rangeOf(document, 'som', 'hardware.nvidia-jetpack');
    const position = som.start.translate(0, 1);
    const hovers = await waitFor(
      'a hover on `som`',
      () => vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position),
      (list) => hoverText(list ?? []).includes('hardware.nvidia-jetpack.som'),
    );
    const text = hoverText(hovers);
    assert.match(text, /hardware\.nvidia-jetpack\.som/);
    assert.match(text, /Declared in jetpack-nixos/);
    assert.match(text, /orin-agx/, 'the hover lists the valid values');
  });

  test('completion inside the string offers orin-agx', async () => {
    const { document } = await openWithInvalidSom();
    // Just after `"orin-agx`, where the e2e suite asks for suggestions.
    const position = rangeOf(document, 'orin-agx', 'som =').end;
    const completions = await waitFor(
      'completion items including orin-agx',
      () => vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, position),
      (list) => (list?.items ?? []).some((item) => labelOf(item) === 'orin-agx'),
    );
    const labels = completions.items.map(labelOf);
    for (const som of ['orin-agx', 'orin-nx', 'xavier-agx']) assert.ok(labels.includes(som), `suggestions: ${labels.join(', ')}`);
  });
});
