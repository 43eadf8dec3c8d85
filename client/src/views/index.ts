import * as vscode from 'vscode';
import type { Context } from '../context';
import { FlakeModel } from './flake-model';
import { FlakeTreeProvider } from './flake-tree';
import type { Section } from './flake-items';

const models = new WeakMap<Context, FlakeModel>();

/**
 * The workspace's flakes, one model per extension context: the views show it, and commands run
 * from the palette (open a dev shell, build) pick from it.
 */
export function flakeModel(ctx: Context): FlakeModel {
  let model = models.get(ctx);
  if (!model) {
    model = new FlakeModel(ctx);
    models.set(ctx, model);
    ctx.track(model);
  }
  return model;
}

const VIEWS: Record<string, Section> = {
  'jetsonNix.configurations': 'configurations',
  'jetsonNix.packages': 'packages',
  'jetsonNix.devShells': 'devShells',
};

/** The Configurations, Packages and Dev Shells sections of the Jetson view, and their Refresh button. */
export function registerFlakeViews(ctx: Context): vscode.Disposable[] {
  const model = flakeModel(ctx);
  const disposables: vscode.Disposable[] = [];
  const views = Object.entries(VIEWS).map(([id, section]) => {
    const provider = new FlakeTreeProvider(model, section);
    const view = vscode.window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: section === 'devShells' });
    disposables.push(provider, view);
    return view;
  });
  disposables.push(
    model.onDidChange(() => {
      for (const view of views) view.message = model.message;
    }),
    vscode.commands.registerCommand('jetsonNix.refreshView', () => model.refresh(true)),
  );
  void model.refresh();
  return disposables;
}
