/**
 * The packaged extension (jetson-nix.vsix, from `npm run package`) in a real VS Code:
 * code-server in headless Chromium, driven as a user drives it. Each scenario gets a fresh
 * VS Code with the extension installed and a copy of fixtures/workspace.
 *
 * Run: npm run package && scripts/e2e-setup.sh && node --import tsx --test test/e2e/extension.e2e.test.ts
 *
 * To add a scenario: add a `test(...)` below that calls `withExtension`, open a file with
 * `openNixFile`, and use the helpers of harness.ts (workbench, editor, problems).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import {
  E2E_TEST_TIMEOUT_MS,
  isAlive,
  waitFor,
  waitUntil,
  withVsCode,
  type LanguageStatusItem,
  type Problem,
  type VsCodeSession,
} from './harness';
import { packagedExtension } from './harness/extension';

const WORKSPACE = path.join(__dirname, 'fixtures', 'workspace');

/** How long the language server may take to say "ready" (it loads its WebAssembly parser). */
const SERVER_TIMEOUT_MS = 60_000;

/** The server states the language status item shows, as "Jetson Nix: <state>". */
type ServerState = 'starting' | 'ready' | 'failed' | 'stopped';

/** Our diagnostics, as the Problems panel shows them. */
const SOURCE = 'jetson-nix';
const MISSING_SEMICOLON = 'missing `;`';
const UNDEFINED_NAME = 'undefined variable `name`';
const BAD_SOM = '"orin-agx-64" is not a valid value of `hardware.nvidia-jetpack.som`';

describe('Jetson Nix extension in VS Code (code-server)', () => {
  test('Scenario 1: the vsix installs; a Nix module gets the Nix mode, colours and a ready server', { timeout: E2E_TEST_TIMEOUT_MS }, (t) =>
    withExtension(t, async (vs) => {
      const installed = fs.readdirSync(vs.extensionsDir).filter((d) => d.startsWith('jetson-nix.jetson-nix-'));
      assert.equal(installed.length, 1, `installed extensions: ${fs.readdirSync(vs.extensionsDir).join(', ')}`);

      const ready = await openNixFile(vs, 'modules/robot.nix');
      const tokens = await vs.editor.waitForColours('environment.etc."robot/cameras".text', 3);
      t.diagnostic(`tokens: ${tokens.map((tok) => `${JSON.stringify(tok.text)}=${tok.className}`).join(' ')}`);

      assert.match(ready.text, /Jetson Nix: ready/);
      const links = (await vs.workbench.languageStatusItems()).flatMap((i) => i.links);
      assert.ok(links.includes('Open Logs') && links.includes('Restart'), `language status links: ${links.join(', ')}`);
    }),
  );

  test('Scenario 2: a syntax error and an undefined variable show in Problems and clear when fixed by typing', { timeout: E2E_TEST_TIMEOUT_MS }, (t) =>
    withExtension(t, async (vs) => {
      await openNixFile(vs, 'modules/broken.nix');
      const problems = await waitForOurProblems(vs, `"${MISSING_SEMICOLON}" and "${UNDEFINED_NAME}"`, (list) =>
        hasMessage(list, MISSING_SEMICOLON) && hasMessage(list, UNDEFINED_NAME),
      );
      assert.deepEqual(
        problems.map((p) => [p.severity, p.line, p.file]).sort(),
        [['error', 5, 'broken.nix'], ['error', 6, 'broken.nix']],
        JSON.stringify(problems),
      );
      await vs.screenshot('with-problems');

      // Add the missing `;` at the end of line 6: only the undefined variable is left.
      await vs.editor.goTo(6, 1);
      await vs.editor.press('End');
      await vs.editor.type(';');
      await waitForOurProblems(vs, `only "${UNDEFINED_NAME}"`, (list) => list.length === 1 && hasMessage(list, UNDEFINED_NAME));

      // Replace `name` (line 5, column 25) with a string: nothing is left.
      await vs.editor.goTo(5, 25);
      for (let i = 0; i < 'name'.length; i++) await vs.editor.press('Delete');
      await vs.editor.type('"orin-robot"');
      await waitForOurProblems(vs, 'no problems', (list) => list.length === 0);
    }),
  );

  test('Scenario 3: a wrong SoM is listed, hover documents it, completion offers orin-agx, and the quick fix repairs it', { timeout: E2E_TEST_TIMEOUT_MS }, (t) =>
    withExtension(t, async (vs) => {
      await openNixFile(vs, 'modules/jetson.nix');
      const [problem] = await waitForOurProblems(vs, `"${BAD_SOM}"`, (list) => list.length === 1 && hasMessage(list, BAD_SOM));
      assert.deepEqual([problem!.severity, problem!.line, problem!.file], ['error', 6, 'jetson.nix']);

      const hover = await vs.editor.hoverAt('som');
      t.diagnostic(`hover: ${hover.slice(0, 200)}`);
      assert.match(hover, /hardware\.nvidia-jetpack\.som/);
      assert.match(hover, /Declared in jetpack-nixos/);
      await vs.screenshot('hover');

      // Inside the string, after "orin-agx": completion offers the real SoM names.
      await vs.editor.goTo(6, 20);
      const labels = await vs.editor.complete();
      assert.ok(labels.includes('orin-agx'), `suggestions: ${labels.join(', ')}`);
      await vs.editor.press('Escape');
      await vs.screenshot('completion-closed');

      // On the value, "Auto Fix..." applies the preferred quick fix: the did-you-mean.
      await vs.editor.goTo(6, 12);
      await vs.workbench.runCommand('Auto Fix...');
      await waitFor('the fixed value in the editor', () => vs.editor.text(), (text) => text.includes('som = "orin-agx";'));
      await waitForOurProblems(vs, 'no problems after the quick fix', (list) => list.length === 0);
    }),
  );

  test('Scenario 6: a killed language server shows as failed, and Restart brings it and its diagnostics back', { timeout: E2E_TEST_TIMEOUT_MS }, (t) =>
    withExtension(t, async (vs) => {
      await openNixFile(vs, 'modules/robot.nix');
      const [server] = await waitForLanguageServers(vs, 1);
      process.kill(server!.pid, 'SIGKILL');
      await waitUntil(`the language server (pid ${server!.pid}) to die`, () => !isAlive(server!.pid));

      await waitForServer(vs, ['failed', 'stopped']);
      await vs.screenshot('after-kill');

      await vs.workbench.runCommand('Jetson Nix: Restart Language Server');
      await waitForServer(vs, ['ready']);
      const [restarted] = await waitForLanguageServers(vs, 1);
      assert.notEqual(restarted!.pid, server!.pid, 'Restart started a new server process');

      // Diagnostics work again: a file opened after the restart gets its problems.
      await vs.workbench.openFile('modules/broken.nix');
      await waitForOurProblems(vs, `"${MISSING_SEMICOLON}" and "${UNDEFINED_NAME}" after the restart`, (list) =>
        hasMessage(list, MISSING_SEMICOLON) && hasMessage(list, UNDEFINED_NAME),
      );
    }),
  );
});

/** Runs `body` in a VS Code with the packaged extension installed and the fixture workspace open. */
function withExtension(t: TestContext, body: (vs: VsCodeSession) => Promise<void>): Promise<void> {
  return withVsCode(t, { vsix: packagedExtension(t), workspace: WORKSPACE }, body);
}

/** Opens a Nix file with Quick Open and waits for the Nix mode and a ready server; returns the status item. */
async function openNixFile(vs: VsCodeSession, relativePath: string): Promise<LanguageStatusItem> {
  await vs.workbench.openFile(relativePath);
  await vs.workbench.waitForLanguageMode('Nix');
  return waitForServer(vs, ['ready']);
}

/** Waits until our language status item shows one of `states`, e.g. "Jetson Nix: ready". */
function waitForServer(vs: VsCodeSession, states: ServerState[]): Promise<LanguageStatusItem> {
  const texts = states.map((s) => `Jetson Nix: ${s}`);
  return vs.workbench.waitForLanguageStatus(texts.map((s) => `"${s}"`).join(' or '), (i) => texts.some((s) => i.text.includes(s)), {
    timeoutMs: SERVER_TIMEOUT_MS,
  });
}

/** Waits until the Problems panel's entries from our server satisfy `accept`, and returns them. */
function waitForOurProblems(vs: VsCodeSession, what: string, accept: (ours: Problem[]) => boolean): Promise<Problem[]> {
  const ours = (list: Problem[]) => list.filter((p) => p.source === SOURCE);
  return vs.problems.waitFor(what, (list) => accept(ours(list))).then(ours);
}

function hasMessage(problems: Problem[], fragment: string): boolean {
  return problems.some((p) => p.message.includes(fragment));
}

/**
 * Waits until exactly `count` language servers of the installed extension run: node processes
 * whose command line names its dist/server/server.js.
 */
function waitForLanguageServers(vs: VsCodeSession, count: number): Promise<{ pid: number; cmdline: string }[]> {
  const script = path.join('dist', 'server', 'server.js');
  return waitFor(
    `${count} language server process(es) running ${script} from ${vs.extensionsDir}`,
    () => vs.findProcesses(script).filter((p) => p.cmdline.includes(vs.extensionsDir)),
    (list) => list.length === count,
  );
}
