import * as vscode from 'vscode';
import type { FlakeModel } from './flake-model';
import { sectionItems, type Section, type ViewItem } from './flake-items';

/**
 * One section of the Jetson view (Configurations, Packages, Dev Shells) over the shared flake
 * model. Elements are the plain `ViewItem`s, so commands run from an item receive its
 * `buildTarget` or `shellTarget` directly.
 */
export class FlakeTreeProvider implements vscode.TreeDataProvider<ViewItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ViewItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly model: FlakeModel,
    private readonly section: Section,
  ) {
    this.subscription = model.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(element?: ViewItem): ViewItem[] {
    return element ? (element.children ?? []) : sectionItems(this.section, [...this.model.flakes]);
  }

  getTreeItem(item: ViewItem): vscode.TreeItem {
    const collapsible = item.children
      ? item.contextValue === 'flake'
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.Collapsed
      : vscode.TreeItemCollapsibleState.None;
    const tree = new vscode.TreeItem(item.label, collapsible);
    tree.id = item.id;
    tree.description = item.description;
    tree.tooltip = item.tooltip;
    tree.contextValue = item.contextValue;
    tree.iconPath = new vscode.ThemeIcon(item.icon, item.contextValue === 'message.error' ? new vscode.ThemeColor('errorForeground') : undefined);
    if (item.contextValue === 'message.error') {
      tree.command = { command: 'jetsonNix.showLogs', title: 'Open Logs' };
      tree.tooltip = `${item.tooltip ?? ''}\nClick to open the logs.`;
    } else if (item.location) {
      const { start } = item.location.span;
      tree.command = {
        command: 'vscode.open',
        title: 'Open Definition',
        arguments: [vscode.Uri.file(item.location.file), { selection: new vscode.Range(start.line, start.character, start.line, start.character), preview: true }],
      };
    }
    return tree;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
