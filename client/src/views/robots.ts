import * as vscode from 'vscode';
import type { Context } from '../context';
import { robotService, type RobotService } from '../robots/service';
import type { RobotEntry } from '../robots/list';
import { robotRow, type RobotRow } from './robot-items';

/** A row of the Robots section; robot rows carry their robot, so commands run from them receive it. */
export interface RobotNode extends RobotRow {
  robot?: RobotEntry;
}

/**
 * The Robots section of the Jetson view: the workspace's robots (settings, deploy-rs, colmena,
 * host-name suggestions) with their status. Robots are contacted only while the section is
 * visible (each time it is opened) or on Refresh, never in Restricted Mode.
 */
class RobotsProvider implements vscode.TreeDataProvider<RobotNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RobotNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly service: RobotService) {
    this.subscription = service.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(element?: RobotNode): RobotNode[] {
    if (element) return element.children ?? [];
    return this.service.robots().map((robot) => ({ ...robotRow(robot, this.service.status(robot.id), vscode.workspace.isTrusted), robot }));
  }

  getTreeItem(node: RobotNode): vscode.TreeItem {
    const state = node.children ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    item.iconPath = new vscode.ThemeIcon(node.icon);
    const location = node.robot?.location;
    if (location) {
      const { start } = location.span;
      item.command = { command: 'vscode.open', title: 'Open Definition', arguments: [vscode.Uri.file(location.file), { selection: new vscode.Range(start.line, start.character, start.line, start.character), preview: true }] };
    }
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** Registers the Robots section and reads the robots' status whenever it is opened. */
export function registerRobotsView(ctx: Context): vscode.Disposable[] {
  const service = robotService(ctx);
  const provider = new RobotsProvider(service);
  const view = vscode.window.createTreeView('jetsonNix.robots', { treeDataProvider: provider });
  const refresh = () => vscode.window.withProgress({ location: { viewId: 'jetsonNix.robots' } }, () => service.refresh());
  const message = () => {
    view.message = vscode.workspace.isTrusted ? undefined : 'Restricted Mode: robots are listed from flake.nix and settings, but not contacted. Trust this folder to see their status.';
  };
  message();
  return [
    provider,
    view,
    view.onDidChangeVisibility((e) => {
      if (e.visible) void refresh();
    }),
    // Robots of a flake appear once the language server has read it: read theirs too while the section is open.
    service.onDidChange(() => {
      if (view.visible) void service.refreshNew();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      message();
      if (view.visible) void refresh();
    }),
    vscode.commands.registerCommand('jetsonNix.refreshRobots', () => refresh()),
  ];
}
