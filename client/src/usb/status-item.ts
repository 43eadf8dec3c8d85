import * as vscode from 'vscode';
import { recoveryStatusText } from './ids';
import type { DeviceMonitor } from './monitor';

/**
 * "$(circuit-board) AGX Orin in recovery (0955:7023)" in the status bar while a Jetson is in
 * recovery mode; a click starts flashing. Hidden when there is none. While shown it keeps the
 * monitor polling, so it disappears within two seconds of the board leaving recovery.
 */
export function createRecoveryStatusItem(monitor: DeviceMonitor): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('jetsonNix.recovery', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Jetson in recovery mode';
  item.command = 'jetsonNix.flash';
  let demand: { dispose(): void } | undefined;
  const update = () => {
    const text = recoveryStatusText(monitor.devices);
    if (text) {
      item.text = `$(circuit-board) ${text}`;
      item.tooltip = 'A Jetson is in forced-recovery mode on USB. Click to flash it.';
      item.show();
      demand ??= monitor.demand('status item shown');
    } else {
      item.hide();
      demand?.dispose();
      demand = undefined;
    }
  };
  update();
  const subscription = monitor.onDidChange(update);
  return vscode.Disposable.from(item, subscription, { dispose: () => demand?.dispose() });
}
