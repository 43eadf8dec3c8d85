/**
 * Scenario 4 of the end-to-end suite: the Jetson view of the packaged extension in a real VS Code
 * (code-server in headless Chromium), with real Nix 2.8 offline. A user opens the Jetson view,
 * sees the fixture flake's configuration, package and dev shell (confirmed by Nix), builds the
 * package from its inline action, and opens the dev shell in a terminal.
 *
 * Run: npm run package && scripts/e2e-setup.sh && node --import tsx --test test/e2e/views.e2e.test.ts
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { E2E_TEST_TIMEOUT_MS, packagedExtension, waitFor, withVsCode, workingDirectory, type TreeItem, type TreeSection, type VsCodeSession } from './harness';

/** A flake of raw derivations (see its flake.nix): one configuration, one package, one dev shell. */
const WORKSPACE = path.join(__dirname, 'fixtures', 'flake-workspace');

/** What the view's tooltip adds while an item is only read from flake.nix, before Nix confirmed it. */
const NOT_CONFIRMED = 'not confirmed by Nix';

/**
 * How long Nix may take: listing the outputs (three `nix eval`s), building a derivation, entering
 * a shell. A second or two each on an idle machine; generous for a loaded 2-core CI machine.
 */
const NIX_TIMEOUT_MS = 120_000;

describe('Jetson view in VS Code (code-server) with real Nix', () => {
  test(
    'Scenario 4: the Jetson view lists the flake, Build runs Nix and reports success, Open Dev Shell opens the shell',
    { timeout: E2E_TEST_TIMEOUT_MS + NIX_TIMEOUT_MS },
    (t) => {
      // A new derivation on every run (the package reads ./nonce), so the build really runs.
      const nonce = `run-${process.pid}-${Date.now()}`;
      return withVsCode(t, { vsix: packagedExtension(t), workspace: WORKSPACE, files: { nonce } }, async (vs) => {
        await vs.sideBar.openContainer('Jetson', { timeoutMs: 60_000 });
        const configurations = await confirmedItems(vs, 'Configurations', ['robot']);
        const packages = await confirmedItems(vs, 'Packages', ['camera-calibration']);
        const shells = await confirmedItems(vs, 'Dev Shells', ['ros2']);
        t.diagnostic(`view: ${[...configurations, ...packages, ...shells].map((i) => `${i.label} (${i.description})`).join(', ')}`);

        const [robot] = configurations;
        assert.equal(robot!.description, 'orin-agx · JetPack 6', 'the SoM and JetPack version read from the inline module');
        assert.match(robot!.tooltip, /nixosConfigurations\.robot/);
        assert.match(robot!.tooltip, /Carrier board: devkit/);
        assert.deepEqual(robot!.actions, ['Build…', 'Flash Jetson…']);
        assert.match(packages[0]!.tooltip, /packages\.x86_64-linux\.camera-calibration/);
        assert.deepEqual(packages[0]!.actions, ['Build…']);
        assert.equal(shells[0]!.description, 'ROS 2');
        assert.deepEqual(shells[0]!.actions, ['Open Dev Shell…']);
        await vs.screenshot('view');

        await buildPackage(vs, nonce);
        await openDevShell(vs);
      });
    },
  );
});

/**
 * Expands a section of the Jetson view and waits until it lists exactly `labels`, each confirmed
 * by Nix (the view shows flake.nix's static reading first, then what `nix eval` listed).
 */
async function confirmedItems(vs: VsCodeSession, name: string, labels: string[]): Promise<TreeItem[]> {
  const section: TreeSection = vs.sideBar.section(name);
  await section.expand();
  return section.waitForItems(
    `${labels.join(', ')}, confirmed by Nix`,
    (items) => JSON.stringify(items.map((i) => i.label)) === JSON.stringify(labels) && items.every((i) => !i.tooltip.includes(NOT_CONFIRMED)),
    { timeoutMs: NIX_TIMEOUT_MS },
  );
}

/**
 * "Build…" on the package: Nix builds it, the notification names the out path and offers
 * "Reveal Result" and "Copy Path"; the path is in the store with what the builder wrote, and
 * "Reveal Result" selects the `result` link in the Explorer.
 */
async function buildPackage(vs: VsCodeSession, nonce: string): Promise<void> {
  await vs.sideBar.section('Packages').clickInlineAction('camera-calibration', 'Build…');
  // An error would say why at once (and stay on screen), so wait for either outcome.
  const outcome = await vs.notifications.waitFor(
    'saying the build of camera-calibration succeeded or failed',
    (n) => n.source === 'Jetson Nix' && (n.message.startsWith('Built camera-calibration') || n.severity === 'error'),
    { timeoutMs: NIX_TIMEOUT_MS },
  );
  assert.equal(outcome.severity, 'info', `the build failed: ${outcome.message}`);
  assert.deepEqual(outcome.buttons, ['Reveal Result', 'Copy Path']);
  const outPath = /(\/nix\/store\/[a-z0-9]{32}-camera-calibration)$/.exec(outcome.message)?.[1];
  assert.ok(outPath, `no out path in ${JSON.stringify(outcome.message)}`);
  assert.equal(fs.readFileSync(outPath, 'utf8'), `calibrated ${nonce}\n`, 'the builder ran for this run');
  assert.equal(fs.realpathSync(path.join(vs.workspace, 'result')), outPath, 'nix build linked ./result to the out path');
  await vs.screenshot('built');

  await vs.notifications.clickButton('Built camera-calibration', 'Reveal Result');
  await waitFor('the Explorer to select "result"', () => vs.sideBar.explorerRows(), (rows) => rows.some((r) => r.name === 'result' && r.selected));
}

/**
 * "Open Dev Shell…" on the shell: a terminal named after it opens in the flake's folder, running
 * the shell `nix develop` starts (bash with Nix's rc file), where the shell's variables and its
 * shellHook's are set.
 */
async function openDevShell(vs: VsCodeSession): Promise<void> {
  await vs.sideBar.openContainer('Jetson');
  await vs.sideBar.section('Dev Shells').clickInlineAction('ros2', 'Open Dev Shell…');
  await vs.terminals.waitForTerminal('ROS 2: ros2');

  // `nix develop` evaluates and builds the shell's environment, then replaces itself with bash.
  const [shell] = await waitFor(
    'the bash that `nix develop` starts, in the workspace',
    () => vs.findProcesses('bash --rcfile').filter((p) => workingDirectory(p.pid) === vs.workspace),
    (found) => found.length === 1,
    { timeoutMs: NIX_TIMEOUT_MS },
  );
  assert.ok(shell);
  // Only the shell can print these values: the typed line shows the variable names, not the values.
  await vs.terminals.type('echo "[$FOO_FROM_SHELL|$HOOK_RAN|$ROS_DISTRO]"\n');
  await vs.terminals.waitForText('the dev shell\'s variables', (text) => text.includes('[set by the ros2 dev shell|1|jazzy]'));
  await vs.screenshot('dev-shell');
}
