import * as vscode from 'vscode';
import { Context } from './context';
import { registerCommands } from './commands';
import { createServerStatus } from './status';
import { SECTION } from './config';
import { registerDevices } from './usb/index';
import { registerFlakeViews } from './views';
import { registerBuildSupport } from './commands/build';
import { registerNixTasks } from './tasks';
import { watchOtherNixServers } from './coexist';
import { registerRobotsView } from './views/robots';
import { registerDeployToolTasks } from './commands/robots';
import { registerDoctor } from './doctor/index';
import { registerReportView } from './doctor/report-view';

let context: Context | undefined;

export async function activate(extension: vscode.ExtensionContext): Promise<void> {
  const ctx = new Context(extension);
  context = ctx;
  extension.subscriptions.push(ctx);
  ctx.track(...registerCommands(ctx), createServerStatus(ctx.server));
  ctx.track(...registerDevices(ctx));
  ctx.track(...registerFlakeViews(ctx));
  ctx.track(registerBuildSupport(), registerNixTasks(ctx));
  ctx.track(...registerRobotsView(ctx), registerDeployToolTasks(ctx));
  ctx.track(...registerReportView(ctx), ...registerDoctor(ctx));
  ctx.track(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SECTION)) ctx.log.info('Settings changed; the language server was told.');
    }),
  );
  ctx.log.info(`Jetson Nix ${String(extension.extension.packageJSON.version)} activating in VS Code ${vscode.version}`);
  // Before the server starts: it is told at once whether to leave the general Nix features to another server.
  ctx.track(watchOtherNixServers(ctx.server, ctx.log));
  await ctx.server.start();
}

export async function deactivate(): Promise<void> {
  await context?.server.stop();
  context = undefined;
}
