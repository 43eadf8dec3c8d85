import * as vscode from 'vscode';
import type { ServerController, ServerState } from './lsp';

const TEXT: Record<ServerState, string> = {
  starting: '$(sync~spin) Jetson Nix: starting',
  ready: '$(check) Jetson Nix: ready',
  failed: '$(error) Jetson Nix: failed',
  stopped: '$(circle-slash) Jetson Nix: stopped',
};

/**
 * The server's health in the language status area of Nix files: one item with the state and an
 * "Open Logs" link, one with "Restart". A failure also shows a notification once.
 */
export function createServerStatus(server: ServerController): vscode.Disposable {
  const selector: vscode.DocumentSelector = { language: 'nix' };
  const status = vscode.languages.createLanguageStatusItem('jetsonNix.status', selector);
  status.name = 'Jetson Nix';
  status.command = { title: 'Open Logs', command: 'jetsonNix.showLogs' };
  const control = vscode.languages.createLanguageStatusItem('jetsonNix.restart', selector);
  control.name = 'Jetson Nix language server';
  control.text = 'Nix language server';
  control.command = { title: 'Restart', command: 'jetsonNix.restartServer' };

  const update = (state: ServerState) => {
    status.text = TEXT[state];
    status.busy = state === 'starting';
    status.severity =
      state === 'failed' ? vscode.LanguageStatusSeverity.Error : state === 'stopped' ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
    status.detail = state === 'failed' ? server.failure ?? 'see the logs' : state === 'ready' ? 'Nix diagnostics without evaluation' : '';
    if (state === 'failed') {
      void vscode.window.showErrorMessage(server.failure ?? 'The Jetson Nix language server failed.', 'Restart', 'Open Logs').then((choice) => {
        if (choice === 'Restart') void vscode.commands.executeCommand('jetsonNix.restartServer');
        else if (choice === 'Open Logs') void vscode.commands.executeCommand('jetsonNix.showLogs');
      });
    }
  };
  update(server.state);
  const sub = server.onDidChangeState(update);
  return vscode.Disposable.from(status, control, sub);
}
