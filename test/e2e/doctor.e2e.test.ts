/**
 * Scenario 7 of the end-to-end suite: the build doctor in a real VS Code (code-server in headless
 * Chromium), with real Nix 2.8 offline on this x86_64 machine, which has no emulation and no
 * builder for aarch64-linux. The workspace is test/fixtures/flakes/doctor-aarch64 (an aarch64-linux
 * package whose builder is /bin/sh, so Nix refuses it only for its system, as it refuses a real
 * Jetson kernel). Building it (Jetson Nix: Build…, as the Jetson view lists this machine's
 * packages only) shows the doctor's explanation and fixes before
 * anything runs; the emulation fix types its commands into a terminal without running them; built
 * anyway, Nix's refusal is shown as the doctor's explanation, never the raw line; and Check Build
 * Setup shows the report.
 *
 * Run: npm run package && scripts/e2e-setup.sh && node --import tsx --test test/e2e/doctor.e2e.test.ts
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { E2E_TEST_TIMEOUT_MS, packagedExtension, waitFor, withVsCode, type VsCodeSession } from './harness';

const WORKSPACE = path.join(__dirname, '..', 'fixtures', 'flakes', 'doctor-aarch64');
const NIX_TIMEOUT_MS = 120_000;

const PREFLIGHT = 'This machine cannot build kernel: it needs aarch64-linux.';
const EXPLANATION = 'Building linux-5.15 needs aarch64-linux, but this machine builds x86_64-linux, and Nix found no builder or emulation for aarch64-linux.';
const EMULATION = 'Emulate aarch64-linux with QEMU (Debian/Ubuntu)';

describe('The build doctor in VS Code (code-server) with real Nix', () => {
  test('Scenario 7: building an aarch64 package without the capability shows the explanation and the fixes, not a raw error', { timeout: E2E_TEST_TIMEOUT_MS + 2 * NIX_TIMEOUT_MS }, (t) => {
    const nonce = `run-${process.pid}-${Date.now()}`;
    return withVsCode(t, { vsix: packagedExtension(t), workspace: WORKSPACE, files: { nonce } }, async (vs) => {
      await vs.sideBar.openContainer('Jetson', { timeoutMs: 60_000 });
      await preflightOffersFixes(vs);
      await emulationIsTypedNotRun(vs);
      await refusedBuildIsExplained(vs);
      await buildSetupReport(vs);
    });
  });
});

/** Jetson Nix: Build… and the aarch64-linux package, from flake.nix's static reading. */
async function buildKernel(vs: VsCodeSession): Promise<void> {
  await vs.workbench.runCommand('Jetson Nix: Build…', { opensQuickPick: true });
  await vs.workbench.waitForQuickPick('the kernel package', (items) => items.some((i) => i.label === 'kernel' && i.description === 'aarch64-linux'), { timeoutMs: NIX_TIMEOUT_MS });
  await vs.workbench.pickQuickPickItem('kernel', 'aarch64-linux');
}

/** Before Nix runs, a modal says why not and lists the fixes for this Debian machine. */
async function preflightOffersFixes(vs: VsCodeSession): Promise<void> {
  await buildKernel(vs);
  const dialog = await vs.dialogs.waitFor('saying this machine cannot build kernel', (d) => `${d.message} ${d.detail}`.includes(PREFLIGHT), { timeoutMs: NIX_TIMEOUT_MS });
  assert.match(dialog.detail, /This machine cannot build aarch64-linux: its Nix builds x86_64-linux, no builder for aarch64-linux is configured, and no emulation for aarch64-linux is set up\./);
  assert.ok(dialog.detail.includes(`• ${EMULATION}: Install QEMU's static emulators`), dialog.detail);
  assert.match(dialog.detail, /• Use a remote builder for aarch64-linux: /);
  for (const button of ['Set Up Emulation…', 'Use a Remote Builder…', 'Show Build Setup', 'Build Anyway']) assert.ok(dialog.buttons.includes(button), `${button} in ${dialog.buttons.join(', ')}`);
  assert.deepEqual(vs.findProcesses('nix build'), [], 'nothing was built before the user chose');
  await vs.screenshot('preflight');
  await vs.dialogs.clickButton('Set Up Emulation…');
}

/** The emulation fix needs root: its commands are typed into a terminal and wait for the user's Enter. */
async function emulationIsTypedNotRun(vs: VsCodeSession): Promise<void> {
  const confirm = await vs.dialogs.waitFor('asking to open a terminal with the commands', (d) => `${d.message} ${d.detail}`.includes(`${EMULATION}?`));
  assert.match(confirm.detail, /sudo apt-get install -y qemu-user-static binfmt-support/);
  assert.match(confirm.detail, /extra-platforms = aarch64-linux/);
  await vs.dialogs.clickButton('Open Terminal with Commands');
  await vs.terminals.waitForTerminal(EMULATION);
  await vs.terminals.waitForText('the commands typed in', (text) => text.includes('sudo apt-get install -y qemu-user-static binfmt-support &&'));
  assert.deepEqual(vs.findProcesses('apt-get'), [], 'typed, not run');
  await vs.screenshot('emulation-commands');
}

/** Built anyway: Nix refuses it, and the notification is the doctor's explanation with the fixes. */
async function refusedBuildIsExplained(vs: VsCodeSession): Promise<void> {
  await buildKernel(vs);
  await vs.dialogs.waitFor('the pre-flight again', (d) => `${d.message} ${d.detail}`.includes(PREFLIGHT));
  await vs.dialogs.clickButton('Build Anyway');
  const failure = await vs.notifications.waitFor('explaining why kernel was not built', (n) => n.source === 'Jetson Nix' && n.severity === 'error', { timeoutMs: NIX_TIMEOUT_MS });
  assert.equal(failure.message, EXPLANATION);
  assert.deepEqual(failure.buttons, ['Set Up Emulation…', 'Use a Remote Builder…', 'Show Build Setup', 'Show Full Log']);
  const all = await vs.notifications.read();
  assert.ok(!all.some((n) => n.message.includes('is required to build')), `a raw Nix error is shown: ${JSON.stringify(all)}`);
  await vs.screenshot('explained');
  await vs.notifications.clickButton(EXPLANATION, 'Show Build Setup');
}

/** The report: a read-only Markdown document with the machine, the outputs and the fixes. */
async function buildSetupReport(vs: VsCodeSession): Promise<void> {
  await waitFor('the build setup report', () => vs.workbench.activeEditorUri(), (uri) => uri?.startsWith('jetson-nix-doctor:') === true, { timeoutMs: NIX_TIMEOUT_MS });
  const top = await vs.editor.text();
  assert.match(top, /^# Jetson Nix: Build Setup for /);
  assert.match(top, /\*\*Some outputs of the flake cannot be built here: see the fixes below\.\*\*/);
  assert.match(top, /## This machine/);
  // Scrolled to the outputs with the editor's own search, as a user would.
  await vs.editor.focus();
  await vs.editor.press('Control+f');
  await vs.page.keyboard.type('## Outputs of');
  await vs.editor.press('Escape');
  await waitFor('the outputs in view', () => vs.editor.text(), (text) => text.includes('✗ kernel (aarch64-linux): This machine cannot build aarch64-linux'));
  await vs.screenshot('report');
}
