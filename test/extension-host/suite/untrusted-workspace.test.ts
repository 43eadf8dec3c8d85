/**
 * Restricted Mode with a hostile repository (the untrusted run: scripts/extension-host-untrusted.mjs
 * builds the workspace). Its settings point jetsonNix.nix.executable at a fake `nix` and
 * jetsonNix.usb.sysfsRoot at a tree whose idVendor is a symbolic link to /dev/zero (another is a
 * FIFO); its .git/config has a core.fsmonitor hook. The fake tools leave markers in
 * JETSON_NIX_EH_MARKERS when they run. Nothing may run, nothing may crash, and what Restricted
 * Mode allows (diagnostics, hover) must still work.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { suite, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import { codes, EXTENSION_ID, hoverText, logText, openFixture, rangeOf, revertAndCloseAll, SERVER_TIMEOUT_MS, waitFor, waitForFindings, workspaceFolder } from './helpers';

function markers(): string[] {
  const dir = process.env.JETSON_NIX_EH_MARKERS;
  assert.ok(dir, 'JETSON_NIX_EH_MARKERS is not set: run the suite with scripts/test-extension-host.mjs --suite untrusted');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => `${f}: ${fs.readFileSync(path.join(dir, f), 'utf8').trim()}`) : [];
}

const fixture = (...parts: string[]) => path.join(workspaceFolder().uri.fsPath, ...parts);

suite('Untrusted workspace (Restricted Mode)', () => {
  teardown(revertAndCloseAll);

  test('the workspace is untrusted; its settings naming an executable or a system path are ignored', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    // The hostile settings are there (otherwise this test could not fail)...
    const written = JSON.parse(fs.readFileSync(fixture('.vscode', 'settings.json'), 'utf8')) as Record<string, string>;
    assert.equal(written['jetsonNix.nix.executable'], fixture('tools', 'nix'));
    assert.equal(written['jetsonNix.usb.sysfsRoot'], fixture('sysfs'));
    // ...and VS Code does not apply them: restrictedConfigurations, and usb.sysfsRoot is a machine setting.
    const settings = vscode.workspace.getConfiguration('jetsonNix');
    assert.equal(settings.get('nix.executable'), 'nix');
    assert.equal(settings.get('usb.sysfsRoot'), '/sys');
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    await waitFor(`${EXTENSION_ID} to be active`, () => extension.isActive, (active) => active, { timeoutMs: SERVER_TIMEOUT_MS });
  });

  test('diagnostics and hover still work', async () => {
    const broken = await openFixture('modules/broken.nix');
    await waitForFindings(broken, 'both problems', (list) => codes(list).join() === 'syntax-error,undefined-variable');
    const jetson = await openFixture('modules/jetson.nix');
    await waitForFindings(jetson, 'the invalid SoM', (list) => codes(list).includes('invalid-enum-value'));
    const at = rangeOf(jetson, 'som', 'hardware.nvidia-jetpack').start.translate(0, 1);
    const hovers = await waitFor(
      'a hover on som',
      () => vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', jetson.uri, at),
      (list) => hoverText(list ?? []).includes('hardware.nvidia-jetpack.som'),
      { timeoutMs: SERVER_TIMEOUT_MS },
    );
    assert.match(hoverText(hovers), /hardware\.nvidia-jetpack\.som/);
  });

  test('nothing runs: not the fake nix, not the fsmonitor hook, whatever the commands', async () => {
    // The Jetson view reads flake.nix statically; in a trusted folder this refresh would also ask Nix.
    await vscode.commands.executeCommand('jetsonNix.refreshView');
    await vscode.commands.executeCommand('jetsonNix.scanDevices');
    // Each of these says it is off in Restricted Mode (a notification nobody answers here).
    for (const command of ['jetsonNix.build', 'jetsonNix.openDevShell', 'jetsonNix.applyDevShellEnv']) await vscode.commands.executeCommand(command);
    void vscode.commands.executeCommand('jetsonNix.flash');
    await vscode.commands.executeCommand('notifications.clearAll');
    assert.deepEqual(markers(), []);
  });

  test('even the user\'s own sysfsRoot pointing at the hostile tree cannot hurt the extension host', async () => {
    const settings = () => vscode.workspace.getConfiguration('jetsonNix');
    const root = fixture('sysfs');
    await settings().update('usb.sysfsRoot', root, vscode.ConfigurationTarget.Global);
    try {
      await waitFor('the user setting to apply', () => settings().get('usb.sysfsRoot'), (value) => value === root);
      await waitFor('the scanner to read the hostile tree', logText, (text) => text.includes(`Reading USB devices from ${root}`));
      const before = process.memoryUsage().rss;
      // A readFileSync of /dev/zero took 1.5 GB in 1.5 s and brought the host down; the FIFO would hang it.
      await vscode.commands.executeCommand('jetsonNix.scanDevices');
      await vscode.commands.executeCommand('jetsonNix.scanDevices');
      const grown = process.memoryUsage().rss - before;
      assert.ok(grown < 256 * 1024 * 1024, `the extension host grew by ${Math.round(grown / 1024 / 1024)} MB while scanning`);
    } finally {
      await settings().update('usb.sysfsRoot', undefined, vscode.ConfigurationTarget.Global);
    }
    // Still serving.
    const broken = await openFixture('modules/broken.nix');
    await waitForFindings(broken, 'both problems', (list) => codes(list).join() === 'syntax-error,undefined-variable');
    assert.deepEqual(markers(), []);
  });
});
