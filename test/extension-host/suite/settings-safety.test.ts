/**
 * In a trusted workspace, the workspace's settings apply, but a relative jetsonNix.nix.executable
 * is still never run: resolved against the flake's folder, `./tools/nix` from a cloned
 * repository's settings used to run as soon as the folder was trusted (flake discovery needs no
 * click). The fake `nix` here leaves a marker if it runs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { logText, waitFor, workspaceFolder } from './helpers';

suite('Settings that name executables', () => {
  test('a relative jetsonNix.nix.executable in the workspace settings is refused, never run', async () => {
    assert.equal(vscode.workspace.isTrusted, true);
    const tools = path.join(workspaceFolder().uri.fsPath, 'tools');
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jn-eh-marker-')), 'nix-ran');
    fs.mkdirSync(tools, { recursive: true });
    fs.writeFileSync(path.join(tools, 'nix'), `#!/bin/sh\necho "$*" >> '${marker}'\n`, { mode: 0o755 });
    const settings = () => vscode.workspace.getConfiguration('jetsonNix');
    await settings().update('nix.executable', './tools/nix', vscode.ConfigurationTarget.Workspace);
    try {
      // A trusted workspace may set it (machine-overridable): the value applies...
      await waitFor('the workspace setting to apply', () => settings().get('nix.executable'), (value) => value === './tools/nix');
      // ...and flake discovery, which runs Nix on this flake (it has no inputs) without a click, refuses it.
      await vscode.commands.executeCommand('jetsonNix.refreshView');
      await waitFor('the refusal in the log', logText, (text) => text.includes('"./tools/nix" is a relative path, which Jetson Nix never runs'));
      assert.equal(fs.existsSync(marker), false, `the workspace's ./tools/nix ran: ${fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : ''}`);
    } finally {
      await settings().update('nix.executable', undefined, vscode.ConfigurationTarget.Workspace);
      fs.rmSync(tools, { recursive: true, force: true });
    }
  });
});
