import * as vscode from 'vscode';
import type { Context } from '../context';
import { flashCommand, installUdevRulesCommand, scanDevicesCommand } from './flash';
import { applyDevShellEnv, openDevShell, resetDevShellEnv } from './dev-shell';
import { newProject } from './new-project';
import { buildCommand } from './build';
import { deployCommand, deployFleetCommand, rollBackCommand } from './deploy';
import { addRobotToSettings, checkRobotAgainstWorkspace, openRobotTerminal, showRobotJournal } from './robots';
import { buildInstallerCommand, writeInstallerCommand } from './installer';
import { checkBuildSetupCommand } from '../doctor/report-view';
import { useRemoteBuilderCommand } from '../doctor/remote-builder';

/** Every command of the extension, by id; each is a small factory taking the context. */
const COMMANDS: Record<string, (ctx: Context) => (...args: unknown[]) => unknown> = {
  'jetsonNix.restartServer': (ctx) => () => ctx.server.restart(),
  'jetsonNix.showLogs': (ctx) => () => ctx.log.show(true),
  'jetsonNix.flash': flashCommand,
  'jetsonNix.scanDevices': scanDevicesCommand,
  'jetsonNix.installUdevRules': installUdevRulesCommand,
  'jetsonNix.openDevShell': openDevShell,
  'jetsonNix.applyDevShellEnv': applyDevShellEnv,
  'jetsonNix.resetDevShellEnv': resetDevShellEnv,
  'jetsonNix.newProject': newProject,
  'jetsonNix.build': buildCommand,
  'jetsonNix.deploy': deployCommand,
  'jetsonNix.deployFleet': deployFleetCommand,
  'jetsonNix.rollBack': rollBackCommand,
  'jetsonNix.openRobotTerminal': openRobotTerminal,
  'jetsonNix.showRobotJournal': showRobotJournal,
  'jetsonNix.checkRobotAgainstWorkspace': checkRobotAgainstWorkspace,
  'jetsonNix.addRobotToSettings': addRobotToSettings,
  'jetsonNix.checkBuildSetup': checkBuildSetupCommand,
  'jetsonNix.useRemoteBuilder': useRemoteBuilderCommand,
  'jetsonNix.buildInstaller': buildInstallerCommand,
  'jetsonNix.writeInstallerToUsb': writeInstallerCommand,
};

export function registerCommands(ctx: Context): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, factory]) => vscode.commands.registerCommand(id, factory(ctx)));
}
