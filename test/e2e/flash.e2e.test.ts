/**
 * Scenario 5 of the end-to-end suite: a Jetson in recovery mode, as the packaged extension sees
 * it in a real VS Code (code-server in headless Chromium). No Jetson can be plugged in here, so
 * `jetsonNix.usb.sysfsRoot` points at a fixture sysfs tree (test/support/sysfs.ts) where the
 * test plugs in and unplugs an AGX Orin in forced-recovery mode (0955:7023). The user sees it in
 * the Devices section and the status bar, clicks the status item to flash, picks the workspace's
 * Orin NX configuration, and is refused with the explanation, twice, before anything is built or
 * run as root.
 *
 * Run: npm run package && scripts/e2e-setup.sh && node --import tsx --test test/e2e/flash.e2e.test.ts
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { SysfsFixture, type FixtureDevice } from '../support/sysfs';
import { E2E_TEST_TIMEOUT_MS, packagedExtension, waitFor, withVsCode, type VsCodeSession } from './harness';

/** A flake with an AGX Orin configuration (`agx`) and an Orin NX one (`nx`), SoMs set in inline modules. */
const WORKSPACE = path.join(__dirname, 'fixtures', 'flash-workspace');

/** An AGX Orin devkit in forced-recovery mode, as Linux lists it: NVIDIA's APX recovery device. */
const AGX_ORIN: FixtureDevice = { port: '1-4', vendorId: '0955', productId: '7023', manufacturer: 'NVIDIA Corp.', product: 'APX', busnum: 1, devnum: 7 };

/** The recovery status item: VS Code's id for an extension's item is `<extension id>.<item id>`. */
const RECOVERY_ITEM = 'jetson-nix.jetson-nix.jetsonNix.recovery';

const MISMATCH = 'The configuration targets orin-nx but the connected module is an AGX Orin (0955:7023).';

describe('Flashing in VS Code (code-server) with a fixture USB tree', () => {
  test('Scenario 5: an AGX Orin in recovery shows in the view and status bar; flashing an Orin NX configuration is refused', { timeout: E2E_TEST_TIMEOUT_MS }, async (t) => {
    const sysfs = new SysfsFixture();
    try {
      await withVsCode(t, { vsix: packagedExtension(t), workspace: WORKSPACE, settings: { 'jetsonNix.usb.sysfsRoot': sysfs.root } }, async (vs) => {
        await vs.sideBar.openContainer('Jetson', { timeoutMs: 60_000 });
        const configurations = vs.sideBar.section('Configurations');
        await configurations.expand();
        await configurations.waitForItems('agx (orin-agx) and nx (orin-nx)', (items) =>
          JSON.stringify(items.map((i) => [i.label, i.description])) === JSON.stringify([['agx', 'orin-agx · JetPack 6'], ['nx', 'orin-nx · JetPack 6']]),
        );

        const devices = vs.sideBar.section('Devices');
        await devices.expand();
        await waitFor('the Devices section to say no Jetson is in recovery', () => devices.welcomeText(), (text) => text.startsWith('No Jetson in recovery mode on USB.'));

        // Plugged in while the view is visible: it polls, so the board shows up by itself.
        const plugged = Date.now();
        sysfs.add(AGX_ORIN);
        const [device] = await devices.waitForItems('the AGX Orin', (items) => items.length === 1 && items[0]!.label === 'AGX Orin');
        t.diagnostic(`the AGX Orin showed in the Devices section ${Date.now() - plugged} ms after it was plugged in`);
        assert.equal(device!.description, 'recovery · 0955:7023 · USB 1-4');
        assert.match(device!.tooltip, /^An AGX Orin module \(P3701-0000, -0005 or -0008\) in forced-recovery mode, ready to flash\./);
        assert.match(device!.tooltip, /0955:7023 on USB 1-4, bus 1 device 7/);
        assert.deepEqual(device!.actions, ['Flash Jetson…']);
        await vs.workbench.waitForStatusBarItem(RECOVERY_ITEM, 'to show the AGX Orin', (item) => item?.text === 'AGX Orin in recovery (0955:7023)');
        await vs.screenshot('in-recovery');

        await refuseOrinNxConfiguration(vs);
        await vs.screenshot('refused');

        // Unplugged: the view and the status bar follow.
        sysfs.remove(AGX_ORIN.port);
        await devices.waitForItems('no device', (items) => items.length === 0);
        await vs.workbench.waitForStatusBarItem(RECOVERY_ITEM, 'to be gone', (item) => item === undefined);
      });
    } finally {
      sysfs.cleanup();
    }
  });
});

/**
 * The user clicks the status item, picks the Orin NX configuration (the picker already warns that
 * it does not fit), and is refused in a modal dialog; "Flash anyway…" only leads to a second
 * warning, which the user cancels. Nothing is built, no terminal opens, nothing runs as root.
 */
async function refuseOrinNxConfiguration(vs: VsCodeSession): Promise<void> {
  await vs.workbench.clickStatusBarItem(RECOVERY_ITEM);
  const choices = await vs.workbench.waitForQuickPick('the two configurations', (items) => ['agx', 'nx'].every((label) => items.some((i) => i.label === label)));
  assert.equal(await vs.workbench.quickPickTitle(), 'Flash an AGX Orin (0955:7023) with…');
  const [agx, nx] = ['agx', 'nx'].map((label) => choices.find((i) => i.label === label)!);
  assert.deepEqual([agx!.description, agx!.detail, agx!.separator], ['orin-agx · devkit · JetPack 6', '', 'Configurations of the workspace']);
  assert.deepEqual([nx!.description, nx!.detail], ['orin-nx · devkit · JetPack 6', 'Targets orin-nx; the connected module is an AGX Orin (0955:7023).']);
  await vs.workbench.pickQuickPickItem('nx');

  const refusal = await vs.dialogs.waitFor('refusing the Orin NX configuration', (d) => d.message.includes('orin-nx'));
  assert.equal(refusal.message, MISMATCH);
  assert.equal(refusal.detail, 'Pick a configuration for this module instead, or connect the module the configuration is for.');
  // VS Code lays the default button out last (Enter presses it): it must be the safe one.
  assert.deepEqual(refusal.buttons, ['Flash anyway…', 'Cancel', "Don't Flash"]);
  await vs.screenshot('mismatch');

  await vs.dialogs.clickButton('Flash anyway…');
  const second = await vs.dialogs.waitFor('warning a second time', (d) => `${d.message} ${d.detail}`.includes('unable to boot'));
  assert.match(`${second.message} ${second.detail}`, /Firmware built for orin-nx can leave an AGX Orin unable to boot until it is flashed again with a matching configuration \("orin-agx" or "orin-agx-industrial"\)\. Flash it anyway\?/);
  assert.deepEqual(second.buttons, ['Flash anyway', 'Cancel', "Don't Flash"]);
  await vs.dialogs.clickButton('Cancel');

  const log = await waitFor(
    'the log to say the flash was refused',
    () => vs.logText('Jetson Nix.log'),
    (text) => text.includes(`Flash refused at preflight: ${MISMATCH}`),
  );
  assert.doesNotMatch(log, /Build of \S+ started/, 'nothing was built');
  assert.equal(await vs.dialogs.read(), undefined);
  assert.deepEqual(await vs.terminals.names(), [], 'no terminal was opened');
  assert.deepEqual(
    vs.findProcesses('').filter((p) => /(^|\/)(sudo|pkexec)\b|initrd-flash/.test(p.cmdline)).map((p) => p.cmdline),
    [],
    'nothing runs as root',
  );
  assert.equal(fs.existsSync(path.join(vs.workspace, 'result')), false, 'no flash script was built');
}
