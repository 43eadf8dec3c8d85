import * as vscode from 'vscode';
import { ServerController } from './lsp';

/**
 * What the extension owns for its lifetime: the log, the language server and what must be
 * disposed. Commands and views receive this one object.
 */
export class Context implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly server: ServerController;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Jetson Nix', { log: true });
    this.server = new ServerController(extension, this.log);
    this.disposables.push(this.server, this.log);
  }

  track(...items: vscode.Disposable[]): void {
    this.disposables.push(...items);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
