import * as vscode from 'vscode';
import { explain, location, moduleName, moduleWithArticle, usbId, type JetsonDevice } from '../usb/ids';
import { describeTarget, type FlashCandidate } from './candidates';
import type { CandidateChoice, FlashSummary, FlashUi, FlashWarning } from './dependencies';

const GROUPS: Record<FlashCandidate['kind'], string> = {
  configuration: 'Configurations of the workspace',
  package: 'Flash packages of the workspace',
  reference: 'jetpack-nixos reference firmware (downloads jetpack-nixos and NVIDIA\'s BSP)',
};

interface CandidatePick extends vscode.QuickPickItem {
  candidate?: FlashCandidate;
}

/**
 * The flow's questions as VS Code dialogs: quick picks for choices, modal dialogs for warnings and
 * the final confirmation, and a progress notification while the script runs. Cancelling that
 * notification asks first (stopping a firmware write midway is rarely what anyone wants), then
 * calls `onStopRequested`.
 */
export class VscodeFlashUi implements FlashUi {
  private progressReporter: vscode.Progress<{ message?: string }> | undefined;
  private closeProgress: (() => void) | undefined;
  private progressOpen = false;
  private ended = false;
  private lastMessage = '';

  constructor(private readonly onStopRequested: () => void) {}

  async waitForDevice(situation: string, appeared: Promise<void>): Promise<boolean> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Waiting for a Jetson in recovery mode', cancellable: true },
      (progress, token) => {
        progress.report({ message: situation });
        return Promise.race([appeared.then(() => true), new Promise<boolean>((resolve) => token.onCancellationRequested(() => resolve(false)))]);
      },
    );
  }

  async pickDevice(devices: readonly JetsonDevice[]): Promise<JetsonDevice | undefined> {
    const picked = await vscode.window.showQuickPick(
      devices.map((device) => ({ label: `$(circuit-board) ${moduleName(device)}`, description: `${usbId(device)} · ${location(device)}`, detail: explain(device), device })),
      { title: 'Flash which Jetson?', placeHolder: 'Several Jetsons are in recovery mode', ignoreFocusOut: true },
    );
    return picked?.device;
  }

  async pickCandidate(choices: readonly CandidateChoice[], device: JetsonDevice): Promise<FlashCandidate | undefined> {
    const items: CandidatePick[] = [];
    for (const kind of ['configuration', 'package', 'reference'] as const) {
      const group = choices.filter((c) => c.candidate.kind === kind);
      if (group.length === 0) continue;
      items.push({ label: GROUPS[kind], kind: vscode.QuickPickItemKind.Separator });
      for (const { candidate, check } of group) {
        items.push({ label: candidate.name, description: describeTarget(candidate), detail: fitDetail(check, candidate, device), candidate });
      }
    }
    const picked = await vscode.window.showQuickPick(items, {
      title: `Flash ${moduleWithArticle(device)} with…`,
      placeHolder: 'A configuration whose flash script to build and run',
      matchOnDescription: true,
      ignoreFocusOut: true,
    });
    return picked?.candidate;
  }

  async warn(warning: FlashWarning): Promise<boolean> {
    const options: vscode.MessageOptions = { modal: true };
    if (warning.detail) options.detail = warning.detail;
    // The first button is the one Enter presses: it must be the safe one, never the override.
    const safe: vscode.MessageItem = { title: "Don't Flash" };
    const override: vscode.MessageItem = { title: warning.action };
    return (await vscode.window.showWarningMessage(warning.message, options, safe, override)) === override;
  }

  async pickScript(scripts: readonly string[]): Promise<string | undefined> {
    return vscode.window.showQuickPick([...scripts], { title: 'The build holds several flash scripts: run which one?', ignoreFocusOut: true });
  }

  async confirm(summary: FlashSummary): Promise<boolean> {
    return (await vscode.window.showWarningMessage(summary.message, { modal: true, detail: summary.detail }, summary.action)) === summary.action;
  }

  progress(message: string): void {
    this.lastMessage = message;
    if (this.progressReporter) this.progressReporter.report({ message });
    else this.openProgress();
  }

  /** Closes the progress notification: the flow has ended. */
  dispose(): void {
    this.ended = true;
    this.closeProgress?.();
  }

  private openProgress(): void {
    if (this.progressOpen || this.ended) return;
    this.progressOpen = true;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Flashing the Jetson', cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          // The flow may have ended before VS Code got round to showing the notification.
          if (this.ended) {
            this.progressOpen = false;
            resolve();
            return;
          }
          this.progressReporter = progress;
          progress.report({ message: this.lastMessage });
          const close = () => {
            this.progressOpen = false;
            this.progressReporter = undefined;
            this.closeProgress = undefined;
            resolve();
          };
          this.closeProgress = close;
          token.onCancellationRequested(() => {
            close();
            void this.askToStop();
          });
        }),
    );
  }

  private async askToStop(): Promise<void> {
    const stop = 'Stop Flashing';
    const choice = await vscode.window.showWarningMessage(
      'Stop the flash script?',
      { modal: true, detail: 'Stopping while the firmware is being written leaves the module without working firmware until it is flashed again from recovery mode.' },
      stop,
    );
    if (choice === stop) this.onStopRequested();
    else this.openProgress();
  }
}

/** Why a candidate does or does not fit, shown under its name in the picker. */
function fitDetail(check: CandidateChoice['check'], candidate: FlashCandidate, device: JetsonDevice): string | undefined {
  const reference = candidate.kind === 'reference' ? ` Builds ${candidate.target.installable}.` : '';
  switch (check.verdict) {
    case 'match':
      return reference ? reference.trim() : undefined;
    case 'mismatch':
      return `$(warning) Targets ${candidate.som}; the connected module is ${moduleWithArticle(device)}.`;
    case 'not-flashable':
      return `$(error) ${check.message}`;
    case 'unverifiable':
      return `$(question) ${check.message}${reference}`;
    case 'partial':
      return `$(info) ${check.message}`;
  }
}
