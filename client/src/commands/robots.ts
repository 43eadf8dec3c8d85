/**
 * The other robot commands: Open SSH Terminal, Show Journal (`journalctl -f`), Check Against
 * Workspace (does the robot run what the workspace builds now? evaluation, so trusted only),
 * Add to Settings (a host-name suggestion becomes a `jetsonNix.robots` entry), and the deploy-rs
 * or colmena task for robots those tools manage. SSH runs in terminals with argument arrays.
 */
import * as vscode from 'vscode';
import type { Context } from '../context';
import { readSettings } from '../config';
import { expandHome, programPath, robotService } from '../robots/service';
import type { RobotEntry } from '../robots/list';
import { remoteCommand } from '../robots/quote';
import { readStatus } from '../robots/status';
import { attrSegment } from '../nix/build';
import { nixConfigEnv, run, stripAnsi } from '../nix/exec';
import type { RobotSetting } from '../../../server/src/config';

/** Whether robots may be contacted and flakes evaluated; says why not otherwise. */
export function trustedForRobots(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage('Deploying builds the flake and contacts robots, so it is off in Restricted Mode: trust this folder first.', 'Manage Workspace Trust')
    .then((choice) => choice && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}

/** The robot a command was run on: a row of the Robots section, or nothing (then it is picked). */
export function robotOf(arg: unknown): RobotEntry | undefined {
  const robot = arg && typeof arg === 'object' ? (arg as { robot?: RobotEntry }).robot : undefined;
  return robot?.name ? robot : undefined;
}

const TOOL_EXECUTABLE = { 'deploy-rs': 'deploy', colmena: 'colmena' } as const;

/** Whether deploy-rs's `deploy` or `colmena` is installed. */
export function toolOnPath(kind: keyof typeof TOOL_EXECUTABLE): boolean {
  return programPath(TOOL_EXECUTABLE[kind]) !== undefined;
}

/** The task type package.json declares for deploy-rs and colmena runs. */
export const DEPLOY_TOOL_TASK = 'jetson-nix-deploy';

interface DeployToolDefinition extends vscode.TaskDefinition {
  tool: 'deploy-rs' | 'colmena';
  node: string;
  flake?: string;
}

/** `deploy .#node` or `colmena apply --on node`, as a task the user can re-run from tasks.json. */
export function deployToolTask(definition: DeployToolDefinition, folder: vscode.WorkspaceFolder | vscode.TaskScope = vscode.TaskScope.Workspace): vscode.Task {
  const cwd = definition.flake ?? (typeof folder === 'object' ? folder.uri.fsPath : undefined);
  const program = programPath(TOOL_EXECUTABLE[definition.tool]) ?? TOOL_EXECUTABLE[definition.tool];
  const args = definition.tool === 'deploy-rs' ? [`.#${attrSegment(definition.node)}`] : ['apply', '--on', definition.node];
  const exec = new vscode.ProcessExecution(program, args, cwd ? { cwd } : {});
  return new vscode.Task(definition, folder, `${definition.tool}: ${definition.node}`, 'jetson-nix', exec);
}

/**
 * For a deploy-rs or colmena robot whose tool is on PATH: offers that tool first (the flake
 * chose it), or Jetson Nix's own deploy when it can. True when the question was answered with
 * the tool (or dismissed).
 */
export async function offerDeployTool(robot: RobotEntry): Promise<boolean> {
  const tool = robot.tool!;
  const command = tool.kind === 'deploy-rs' ? `deploy .#${attrSegment(tool.node)}` : `colmena apply --on ${tool.node}`;
  const items: (vscode.QuickPickItem & { use: 'tool' | 'ours' })[] = [{ label: `Run ${command}`, description: `${tool.kind}, as a VS Code task`, use: 'tool' }];
  if (robot.configuration && robot.flakeDir) items.push({ label: 'Deploy with Jetson Nix', description: 'Jetson checks, what changes, automatic rollback', use: 'ours' });
  const picked = await vscode.window.showQuickPick(items, { title: `${robot.name} is a ${tool.kind} node` });
  if (!picked) return true;
  if (picked.use === 'ours') return false;
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(tool.flakeDir)) ?? vscode.TaskScope.Workspace;
  await vscode.tasks.executeTask(deployToolTask({ type: DEPLOY_TOOL_TASK, tool: tool.kind, node: tool.node, flake: tool.flakeDir }, folder));
  return true;
}

/** Resolves deploy-rs/colmena tasks written in tasks.json; lists one per robot whose tool is installed. */
export function registerDeployToolTasks(ctx: Context): vscode.Disposable {
  return vscode.tasks.registerTaskProvider(DEPLOY_TOOL_TASK, {
    provideTasks: () =>
      robotService(ctx)
        .robots()
        .filter((r) => r.tool && toolOnPath(r.tool.kind))
        .map((r) => deployToolTask({ type: DEPLOY_TOOL_TASK, tool: r.tool!.kind, node: r.tool!.node, flake: r.tool!.flakeDir })),
    resolveTask: (task) => {
      const d = task.definition as DeployToolDefinition;
      return d.tool && d.node ? deployToolTask(d, task.scope ?? vscode.TaskScope.Workspace) : undefined;
    },
  });
}

/** ssh's arguments for an interactive session (no BatchMode: SSH may ask about the host key there). */
function interactiveArgs(ctx: Context, robot: RobotEntry, extra: string[], command?: string): string[] {
  const a = robot.address!;
  const config = readSettings(ctx.log)['deploy.sshConfigFile'].trim();
  return [...(config ? ['-F', expandHome(config)] : []), ...(a.port ? ['-p', String(a.port)] : []), ...(a.user ? ['-l', a.user] : []), ...extra, '--', a.host, ...(command ? [command] : [])];
}

function reachable(arg: unknown): RobotEntry | undefined {
  const robot = robotOf(arg);
  if (!robot) return undefined;
  if (!robot.address || robot.problem) {
    void vscode.window.showErrorMessage(robot.problem ?? `The address of ${robot.name} is not known.`);
    return undefined;
  }
  return robot;
}

/** `jetsonNix.openRobotTerminal`: an SSH session in a terminal. */
export const openRobotTerminal = (ctx: Context) => (arg?: unknown) => {
  const robot = reachable(arg);
  if (!robot || !trustedForRobots()) return;
  vscode.window.createTerminal({ name: `SSH: ${robot.name}`, shellPath: programPath('ssh') ?? 'ssh', shellArgs: interactiveArgs(ctx, robot, []), iconPath: new vscode.ThemeIcon('remote') }).show();
};

/** `jetsonNix.showRobotJournal`: `journalctl -f` on the robot, in a terminal. */
export const showRobotJournal = (ctx: Context) => (arg?: unknown) => {
  const robot = reachable(arg);
  if (!robot || !trustedForRobots()) return;
  const command = remoteCommand(['journalctl', '-f', '-n', '200']);
  vscode.window.createTerminal({ name: `Journal: ${robot.name}`, shellPath: programPath('ssh') ?? 'ssh', shellArgs: interactiveArgs(ctx, robot, ['-t'], command), iconPath: new vscode.ThemeIcon('output') }).show();
};

/** `jetsonNix.checkRobotAgainstWorkspace`: whether the robot runs what its configuration evaluates to now. */
export const checkRobotAgainstWorkspace = (ctx: Context) => async (arg?: unknown) => {
  const robot = reachable(arg);
  if (!robot || !trustedForRobots()) return;
  if (!robot.flakeDir || !robot.configuration) {
    void vscode.window.showErrorMessage(`${robot.name} has no configuration of the workspace to compare with.`);
    return;
  }
  const service = robotService(ctx);
  const nix = readSettings(ctx.log)['nix.executable'];
  const installable = `.#nixosConfigurations.${attrSegment(robot.configuration)}.config.system.build.toplevel.outPath`;
  const [evaluated, status] = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Evaluating ${robot.configuration} and asking ${robot.name}` }, () =>
    Promise.all([run(nix, ['eval', '--raw', installable], { cwd: robot.flakeDir!, env: nixConfigEnv() }), readStatus(service.pool().session(robot.address!), service.paths())]),
  );
  if (!status.ok) return void vscode.window.showErrorMessage(status.failure.message);
  if (evaluated.exitCode !== 0) {
    service.setWorkspaceCheck(robot.id, 'unknown');
    const error = stripAnsi(evaluated.stderr).split('\n').find((l) => l.startsWith('error:')) ?? 'see the log';
    service.log.error(`Evaluating ${installable} failed:\n${stripAnsi(evaluated.stderr)}`);
    return void vscode.window.showErrorMessage(`${robot.configuration} could not be evaluated: ${error}`);
  }
  const same = evaluated.stdout.trim() === status.status.currentSystem;
  service.setWorkspaceCheck(robot.id, same);
  const text = same ? `${robot.name} runs what ${robot.configuration} builds now.` : `${robot.name} runs ${status.status.currentSystem ?? 'no known system'}, not what ${robot.configuration} builds now (${evaluated.stdout.trim()}).`;
  service.log.info(text);
  void vscode.window.showInformationMessage(text);
};

/** `jetsonNix.addRobotToSettings`: keeps a suggested robot in the workspace's `jetsonNix.robots`. */
export const addRobotToSettings = (ctx: Context) => async (arg?: unknown) => {
  const robot = robotOf(arg);
  if (!robot?.address || !robot.configuration) return;
  const config = vscode.workspace.getConfiguration('jetsonNix');
  const current = readSettings(ctx.log).robots;
  if (current.some((r) => r.name === robot.name)) return;
  const entry: RobotSetting = { name: robot.name, host: robot.address.host, configuration: robot.configuration };
  await config.update('robots', [...current, entry], vscode.ConfigurationTarget.Workspace);
  void vscode.window.showInformationMessage(`${robot.name} was added to jetsonNix.robots in the workspace settings; set its user and port there if SSH needs them.`);
};
