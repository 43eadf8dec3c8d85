/**
 * `jetsonNix.deploy`, `jetsonNix.deployFleet` and `jetsonNix.rollBack`: the VS Code face of
 * deploy/ (the flow, the fleet, the rollback). Nothing runs in Restricted Mode; nothing changes
 * on a robot before a modal confirmation naming the robot, the configuration and what changes;
 * the outcome is said as it is (deployed, rolled back and why, or unknown and what to check),
 * with the activation's output in the "Jetson Nix Deploy" log.
 */
import * as vscode from 'vscode';
import type { Context } from '../context';
import { readSettings } from '../config';
import { robotService } from '../robots/service';
import { isDeployable, type RobotEntry } from '../robots/list';
import { doctorCapability } from '../deploy/build-place';
import { hostDoctor } from '../doctor/index';
import { deployFleet, outcomeLine } from '../deploy/fleet';
import type { RobotDeploy } from '../deploy/flow';
import { rollBack } from '../deploy/rollback';
import type { DeployDependencies, DeployOutcome, DeployTarget } from '../deploy/types';
import { VscodeDeployUi } from '../deploy/vscode-ui';
import { offerDeployTool, robotOf, toolOnPath, trustedForRobots } from './robots';

function dependencies(ctx: Context, ui: VscodeDeployUi): DeployDependencies {
  const service = robotService(ctx);
  const s = readSettings(ctx.log);
  const nix = s['nix.executable'];
  return {
    nix,
    pool: service.pool(),
    paths: service.paths(),
    settings: { confirmTimeoutSeconds: s['deploy.confirmTimeoutSeconds'], buildOn: s['deploy.buildOn'] as DeployDependencies['settings']['buildOn'], substituteOnRobot: s['deploy.substituteOnRobot'], action: s['deploy.activation'] as 'switch' | 'boot' },
    // The build doctor: can this machine build the robot's system (natively, emulated, on a builder)?
    capability: doctorCapability(hostDoctor(ctx)),
    ui,
    log: (line) => service.log.info(line),
  };
}

async function pickRobots(ctx: Context): Promise<RobotEntry[] | undefined> {
  const robots = robotService(ctx).robots().filter(isDeployable);
  if (robots.length === 0) {
    void vscode.window.showInformationMessage('No robot to deploy to: add one to jetsonNix.robots (name, host, configuration), or define deploy-rs nodes or a colmena hive in flake.nix.', 'Open Settings').then((c) => c && vscode.commands.executeCommand('workbench.action.openSettings', 'jetsonNix.robots'));
    return undefined;
  }
  const items = robots.map((robot) => ({ label: robot.name, description: [robot.address?.host, robot.configuration, robot.tool?.kind].filter(Boolean).join(' · '), robot }));
  const picked = await vscode.window.showQuickPick(items, { title: 'Deploy to which robots?', canPickMany: true });
  return picked?.map((p) => p.robot);
}

/** `jetsonNix.deploy`: one robot, from its row or picked. */
export const deployCommand =
  (ctx: Context) =>
  async (arg?: unknown): Promise<void> => {
    if (!trustedForRobots()) return;
    let robot = robotOf(arg);
    if (!robot) {
      const robots = robotService(ctx).robots().filter((r) => isDeployable(r) || r.tool);
      const picked = await vscode.window.showQuickPick(
        robots.map((r) => ({ label: r.name, description: [r.address?.host, r.configuration, r.tool?.kind].filter(Boolean).join(' · '), robot: r })),
        { title: 'Deploy to which robot?' },
      );
      robot = picked?.robot;
    }
    if (!robot) return;
    if (robot.tool && toolOnPath(robot.tool.kind)) {
      const handled = await offerDeployTool(robot);
      if (handled) return;
    }
    if (!isDeployable(robot)) {
      void vscode.window.showErrorMessage(robot.problem ?? `${robot.name} has no configuration Jetson Nix can deploy${robot.tool ? ` and ${robot.tool.kind === 'deploy-rs' ? "deploy-rs's deploy" : 'colmena'} is not on PATH` : ''}.`);
      return;
    }
    await runDeploys(ctx, [robot], false);
  };

/** `jetsonNix.deployFleet`: several robots in parallel, or a canary first. */
export const deployFleetCommand =
  (ctx: Context) =>
  async (): Promise<void> => {
    if (!trustedForRobots()) return;
    const robots = await pickRobots(ctx);
    if (!robots || robots.length === 0) return;
    let canary = false;
    if (robots.length > 1) {
      const parallel = readSettings(ctx.log)['deploy.parallel'];
      const mode = await vscode.window.showQuickPick(
        [
          { label: 'All together', description: `${Math.min(parallel, robots.length)} at a time`, canary: false },
          { label: `Canary: ${robots[0]!.name} first`, description: 'then the rest after you confirm', canary: true },
        ],
        { title: `Deploy to ${robots.length} robots` },
      );
      if (!mode) return;
      canary = mode.canary;
    }
    await runDeploys(ctx, robots, canary);
  };

async function runDeploys(ctx: Context, robots: RobotEntry[], canary: boolean): Promise<void> {
  const service = robotService(ctx);
  const ui = new VscodeDeployUi(service.log);
  const deps = dependencies(ctx, ui);
  const targets: DeployTarget[] = robots.map((r) => ({ robot: r.address!, flakeDir: r.flakeDir!, configuration: r.configuration! }));
  const deploys: RobotDeploy[] = [];
  const title = robots.length === 1 ? `Deploying ${targets[0]!.configuration} to ${targets[0]!.robot.name}` : `Deploying to ${robots.length} robots`;
  service.log.info(`${title}${canary ? ' (canary first)' : ''}`);
  const outcomes = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    ui.attach(progress);
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => {
      const refusal = deploys.map((d) => d.cancelRefusal()).find((r) => r !== undefined);
      if (refusal) {
        service.log.warn(`Cancel refused: ${refusal}`);
        void vscode.window.showWarningMessage(`Cancel refused: ${refusal}`);
      }
      // Robots not yet activating stop; those activating go on under their supervisor.
      controller.abort();
    });
    try {
      return await deployFleet(targets, deps, {
        parallel: readSettings(ctx.log)['deploy.parallel'],
        canary,
        signal: controller.signal,
        onDeploy: (d) => deploys.push(d),
        continueAfterCanary: async (first, rest) => {
          const button = `Deploy to ${rest.length} More`;
          return (await vscode.window.showInformationMessage(`Canary ${first.robot} is deployed: ${first.message}`, { modal: true, detail: rest.map((p) => p.target.robot.name).join(', ') }, button)) === button;
        },
      });
    } finally {
      cancel.dispose();
    }
  });
  report(service.log, outcomes, robots);
  await service.refresh(robots);
}

/** The outcome in the log (every line, the activation output) and one notification. */
function report(log: vscode.LogOutputChannel, outcomes: DeployOutcome[], robots: RobotEntry[] = []): void {
  for (const o of outcomes) {
    log.info(outcomeLine(o));
    if (o.output) log.info(`Activation output on ${o.robot} (${o.unit ?? 'supervisor'}):\n${o.output.trimEnd()}`);
  }
  const showLog = (choice: string | undefined) => choice && log.show(true);
  if (outcomes.length === 1) {
    const o = outcomes[0]!;
    if (o.result === 'deployed' || o.result === 'unchanged') void vscode.window.showInformationMessage(o.message, 'Show Log').then(showLog);
    else if (o.result === 'cancelled') vscode.window.setStatusBarMessage(o.message, 8000);
    else if (o.result === 'unknown') void vscode.window.showWarningMessage(o.message, 'Show Log').then(showLog);
    else if (o.sshFailure === 'host-key-unknown') {
      const robot = robots.find((r) => r.name === o.robot);
      void vscode.window.showErrorMessage(o.message, 'Open SSH Terminal').then((c) => c && vscode.commands.executeCommand('jetsonNix.openRobotTerminal', { robot }));
    }
    else void vscode.window.showErrorMessage(o.message, o.output ? 'Show Activation Output' : 'Show Log').then(showLog);
    return;
  }
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.result, (counts.get(o.result) ?? 0) + 1);
  const text = `Deploy: ${[...counts].map(([result, n]) => `${n} ${result}`).join(', ')}.`;
  const bad = outcomes.some((o) => o.result !== 'deployed' && o.result !== 'unchanged');
  void (bad ? vscode.window.showWarningMessage(text, 'Show Log') : vscode.window.showInformationMessage(text, 'Show Log')).then(showLog);
}

/** `jetsonNix.rollBack`: an earlier generation, through the same supervisor. */
export const rollBackCommand =
  (ctx: Context) =>
  async (arg?: unknown): Promise<void> => {
    if (!trustedForRobots()) return;
    const robot = robotOf(arg) ?? (await vscode.window.showQuickPick(robotService(ctx).robots().filter((r) => r.address && !r.problem).map((r) => ({ label: r.name, robot: r })), { title: 'Roll back which robot?' }))?.robot;
    if (!robot?.address) return;
    const service = robotService(ctx);
    const ui = new VscodeDeployUi(service.log);
    const cwd = robot.flakeDir ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    const deps = dependencies(ctx, ui);
    const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rolling back ${robot.name}` }, (progress) => {
      ui.attach(progress);
      return rollBack({ deps, robot: robot.address!, ui, cwd, signal: new AbortController().signal });
    });
    report(service.log, [outcome]);
    await service.refresh([robot]);
  };
