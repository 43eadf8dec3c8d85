/**
 * Builds as VS Code tasks of type `nix` (declared in package.json's taskDefinitions), so users can
 * put them in tasks.json, bind keys and re-run them:
 *
 *   { "type": "nix", "installable": ".#nixosConfigurations.robot.config.system.build.sdImage", "flake": "fleet", "args": ["--keep-going"] }
 *
 * They run `nix build <installable> <args…> -L` as a process (argument arrays, no shell), with
 * the `$nix` problem matchers. The tasks offered are read from flake.nix statically by the
 * language server: listing them evaluates nothing (running one does, and VS Code runs no task in
 * Restricted Mode).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Context } from './context';
import { readSettings } from './config';
import { FLAKE_OUTPUTS, type FlakeOutputs, type FlakeOutputsParams } from '../../server/src/protocol';
import { configurationInstallable, installableLabel, packageInstallable, taskBuildArgs } from './nix/build';
import { nixConfigEnv, resolveExecutable, ToolMissingError } from './nix/exec';

export const TASK_TYPE = 'nix';
/** Both layouts of Nix's errors (see package.json's problemMatchers). */
const PROBLEM_MATCHERS = ['$nix', '$nix-compact'];

interface NixTaskDefinition extends vscode.TaskDefinition {
  installable: string;
  /** The flake's folder, relative to the workspace folder. */
  flake?: string;
  args?: string[];
}

export function registerNixTasks(ctx: Context): vscode.Disposable {
  return vscode.tasks.registerTaskProvider(TASK_TYPE, {
    provideTasks: () => provideTasks(ctx),
    resolveTask: (task) => resolveTask(ctx, task),
  });
}

/** One task per configuration (its system) and per package of every flake.nix in the workspace. */
async function provideTasks(ctx: Context): Promise<vscode.Task[]> {
  const tasks: vscode.Task[] = [];
  for (const uri of await vscode.workspace.findFiles('**/flake.nix', '**/node_modules/**')) {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) continue;
    const outputs = await ctx.server.request<FlakeOutputsParams, FlakeOutputs | null>(FLAKE_OUTPUTS, { uri: uri.toString() });
    if (!outputs) continue;
    const flake = path.relative(folder.uri.fsPath, path.dirname(uri.fsPath));
    const installables = [
      ...outputs.configurations.map((c) => configurationInstallable(c.name)),
      ...outputs.packages.map((p) => packageInstallable(p.name, p.system)),
    ];
    for (const installable of new Set(installables)) {
      const definition: NixTaskDefinition = { type: TASK_TYPE, installable, ...(flake ? { flake } : {}) };
      const task = createTask(ctx, definition, folder, `build ${installableLabel(installable)}${flake ? ` (${flake})` : ''}`);
      if (!task) return [];
      tasks.push(task);
    }
  }
  return tasks;
}

/** A task written in tasks.json: checked, then given its execution. */
function resolveTask(ctx: Context, task: vscode.Task): vscode.Task | undefined {
  const definition = task.definition;
  if (!isNixTaskDefinition(definition)) {
    ctx.log.warn(`A "nix" task needs "installable" (a string); "flake" must be a string and "args" a list of strings: ${JSON.stringify(definition)}`);
    return undefined;
  }
  return createTask(ctx, definition, task.scope ?? vscode.TaskScope.Workspace, task.name);
}

/**
 * The `nix` a task runs: an absolute path, so that neither the task's folder nor a PATH changed by
 * a dev shell decides what runs. A Nix that is not installed stays a bare name (VS Code then says
 * it cannot find it when the task runs); a relative path is refused, and no task is offered.
 */
function taskExecutable(ctx: Context): string | undefined {
  const setting = readSettings(ctx.log)['nix.executable'];
  try {
    return resolveExecutable(setting);
  } catch (err) {
    if (!(err instanceof ToolMissingError)) throw err;
    ctx.log.warn(`Nix tasks: ${err.message}`);
    return setting.includes('/') ? undefined : setting;
  }
}

function createTask(ctx: Context, definition: NixTaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope, name: string): vscode.Task | undefined {
  const nix = taskExecutable(ctx);
  if (nix === undefined) return undefined;
  const folder = typeof scope === 'object' ? scope : vscode.workspace.workspaceFolders?.[0];
  const base = folder?.uri.fsPath ?? process.cwd();
  const execution = new vscode.ProcessExecution(nix, taskBuildArgs(definition), {
    cwd: path.resolve(base, definition.flake ?? '.'),
    env: nixConfigEnv(),
  });
  const task = new vscode.Task(definition, scope, name, TASK_TYPE, execution, PROBLEM_MATCHERS);
  task.group = vscode.TaskGroup.Build;
  task.detail = `nix ${taskBuildArgs(definition).join(' ')}`;
  return task;
}

function isNixTaskDefinition(value: vscode.TaskDefinition): value is NixTaskDefinition {
  const { installable, flake, args } = value as Partial<NixTaskDefinition>;
  return (
    typeof installable === 'string' &&
    installable.trim() !== '' &&
    (flake === undefined || typeof flake === 'string') &&
    (args === undefined || (Array.isArray(args) && args.every((a) => typeof a === 'string')))
  );
}
