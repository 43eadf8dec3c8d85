import * as vscode from 'vscode';
import type { OtherNixServer } from '../../server/src/protocol';
import { SECTION } from './config';
import { findExecutable } from './nix/dev-env';
import { detectOtherNixServer, generalFeaturesStatus, KNOWN_EXTENSION_IDS, type Detection } from './other-servers';
import type { ServerController } from './lsp';

const SETTING = 'generalNixFeatures';

/** What VS Code shows us of the installed extensions and their settings. */
function detect(): Detection {
  return detectOtherNixServer({
    enabled: (id) => vscode.extensions.getExtension(id) !== undefined,
    setting: (key) => {
      const dot = key.indexOf('.');
      return vscode.workspace.getConfiguration(key.slice(0, dot)).get(key.slice(dot + 1));
    },
    findExecutable: (command) => findExecutable(command),
  });
}

function generalSetting(): string {
  return vscode.workspace.getConfiguration(SECTION).get<string>(SETTING) ?? 'auto';
}

/**
 * Side by side with another Nix language server: watches the extensions (installed, removed,
 * enabled, disabled) and their settings, tells the language server which other server is active
 * (it then leaves the general Nix features to it, see server/src/lsp/general-features.ts), and
 * shows the state in the language status area while it is worth showing.
 */
export function watchOtherNixServers(server: ServerController, log: vscode.LogOutputChannel): vscode.Disposable {
  let current: OtherNixServer | null = null;
  let said = '';
  let status: vscode.LanguageStatusItem | undefined;

  const showStatus = () => {
    const shown = generalFeaturesStatus(generalSetting(), current);
    if (!shown) {
      status?.dispose();
      status = undefined;
      return;
    }
    status ??= vscode.languages.createLanguageStatusItem('jetsonNix.generalNixFeatures', { language: 'nix' });
    status.name = 'Jetson Nix: general Nix features';
    status.text = shown.text;
    status.detail = shown.detail;
    status.command = { title: 'Change', command: 'workbench.action.openSettings', arguments: [`${SECTION}.${SETTING}`] };
  };

  const refresh = () => {
    const found = detect();
    // Notes (an installed server that cannot start) are said once, until something changes.
    const notes = found.notes.join('\n');
    if (notes && notes !== said) log.info(notes);
    said = notes;
    if (JSON.stringify(found.server) !== JSON.stringify(current)) {
      current = found.server;
      server.setOtherNixServer(current);
    }
    showStatus();
  };

  refresh();
  const watching = vscode.Disposable.from(
    vscode.extensions.onDidChange(refresh),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('nix') || e.affectsConfiguration(`${SECTION}.${SETTING}`)) refresh();
    }),
  );
  log.debug(`Watching for other Nix language servers: ${KNOWN_EXTENSION_IDS.join(', ')}`);
  return new vscode.Disposable(() => {
    watching.dispose();
    status?.dispose();
  });
}
