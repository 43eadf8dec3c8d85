/**
 * Commands and tasks through the `vscode` API: every command package.json declares is
 * registered (no placeholder ids), and the `nix` task provider offers the fixture flake's package
 * as a build task that runs `nix build` as a process, without a shell.
 */
import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { EXTENSION_ID, SERVER_TIMEOUT_MS, waitFor } from './helpers';

suite('Commands and tasks', () => {
  test('every command declared in package.json is registered', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    await waitFor(`${EXTENSION_ID} to be active`, () => extension.isActive, (active) => active, { timeoutMs: SERVER_TIMEOUT_MS });
    const declared = (extension.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
    assert.ok(declared.length >= 10, `only ${declared.length} commands declared`);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(declared.filter((id) => !registered.has(id)), []);
  });

  test('the nix task provider offers a build task for the flake package, run without a shell', async () => {
    const tasks = await waitFor(
      'a nix task for calibration-data',
      () => vscode.tasks.fetchTasks({ type: 'nix' }),
      (list) => list.some((t) => String(t.definition['installable']).includes('calibration-data')),
      { timeoutMs: SERVER_TIMEOUT_MS },
    );
    const task = tasks.find((t) => String(t.definition['installable']).includes('calibration-data'))!;
    assert.ok(task.execution instanceof vscode.ProcessExecution, 'a process execution (argument array), not a shell command');
    const execution = task.execution as vscode.ProcessExecution;
    assert.equal(execution.args[0], 'build');
    assert.ok(execution.args.includes(String(task.definition['installable'])));
    assert.equal(task.group?.id, vscode.TaskGroup.Build.id);
  });
});
