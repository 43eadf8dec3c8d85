/**
 * Proves the harness itself, without our extension: code-server starts, Chromium shows the
 * workbench, a file opens through Quick Open, typed text reaches the editor and the disk,
 * and the status bar and Command Palette respond.
 *
 * Run: scripts/e2e-setup.sh && node --import tsx --test test/e2e/smoke.e2e.test.ts
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { E2E_TEST_TIMEOUT_MS, withVsCode } from './harness';

test('smoke: VS Code opens a file, and typed text is shown and saved', { timeout: E2E_TEST_TIMEOUT_MS }, (t) =>
  withVsCode(t, { files: { 'hello.txt': 'hello from the fixture\n', 'notes/todo.txt': 'nothing yet\n' } }, async (vs) => {
    await vs.workbench.openFile('hello.txt');
    await vs.editor.waitForText('hello from the fixture\n');
    await vs.workbench.waitForLanguageMode('Plain Text');

    // Type at the end of the first line and on a new line, as a user would.
    await vs.editor.goTo(1, 23);
    await vs.editor.type(', typed in the browser\nsecond line');
    await vs.editor.waitForText('hello from the fixture, typed in the browser\nsecond line\n');
    await vs.editor.save();
    assert.equal(fs.readFileSync(path.join(vs.workspace, 'hello.txt'), 'utf8'), 'hello from the fixture, typed in the browser\nsecond line\n');

    // A file in a sub-folder, then a command from the Command Palette by its title.
    await vs.workbench.openFile('notes/todo.txt');
    await vs.editor.waitForText('nothing yet\n');
    const problems = await vs.problems.read();
    assert.deepEqual(problems, [], 'a plain text workspace has no problems');
  }),
);

// The helpers the extension scenarios rely on, checked against VS Code's built-in TypeScript
// support, so a harness problem shows up here and not as a puzzling extension failure.
test('smoke: language features are readable (built-in TypeScript)', { timeout: E2E_TEST_TIMEOUT_MS }, (t) =>
  withVsCode(t, { files: { 'src/greet.ts': 'const greeting: string = "hi";\nconsole.log(greeting);\nlet count: number = "oops";\n' } }, async (vs) => {
    await vs.workbench.openFile('src/greet.ts');
    await vs.workbench.waitForLanguageMode('TypeScript');
    const tokens = await vs.editor.waitForColours('const greeting', 3);
    assert.ok(tokens.some((tok) => tok.text === 'const'), `tokens: ${JSON.stringify(tokens)}`);

    const status = await vs.workbench.waitForLanguageStatus('"TypeScript version"', (i) => i.detail === 'TypeScript version');
    assert.deepEqual(status.links, ['Select Version']);

    const hover = await vs.editor.hoverAt('greeting', 1);
    assert.match(hover, /const greeting: string/);

    const problems = await vs.problems.waitFor('the type error', (list) => list.some((p) => p.source === 'ts' && p.line === 3));
    assert.match(problems[0]!.message, /not assignable to type 'number'/);
    assert.equal(problems[0]!.severity, 'error');

    // Fix the error by typing, as a user would: the problem goes away.
    await vs.editor.goTo(3, 21);
    for (let i = 0; i < '"oops"'.length; i++) await vs.editor.press('Delete');
    await vs.editor.type('42');
    await vs.problems.waitFor('no problems', (list) => list.length === 0);

    await vs.editor.goTo(2, 23);
    await vs.editor.type('\ngreeting.');
    const suggestions = await vs.editor.complete();
    assert.ok(suggestions.includes('length'), `suggestions: ${suggestions.join(', ')}`);
    await vs.workbench.pressEscape();
  }),
);
