import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Context } from '../context';
import { readSettings } from '../config';
import { createDevicesView } from '../views/devices';
import { DeviceMonitor } from './monitor';
import { createRecoveryStatusItem } from './status-item';
import { scanJetsonDevices } from './sysfs';

const monitors = new WeakMap<Context, DeviceMonitor>();

/**
 * The one device monitor of the extension, shared by the Devices view, the status item and the
 * flash command (created on first use, disposed with the context). It reads the sysfs root from
 * `jetsonNix.usb.sysfsRoot`, re-read when the setting changes.
 */
export function deviceMonitor(ctx: Context): DeviceMonitor {
  let monitor = monitors.get(ctx);
  if (monitor) return monitor;
  let root = sysfsRoot(ctx);
  const created = new DeviceMonitor({ scan: () => scanJetsonDevices(root), log: (message) => ctx.log.debug(message) });
  monitor = created;
  monitors.set(ctx, created);
  ctx.track(
    created,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('jetsonNix.usb.sysfsRoot')) return;
      root = sysfsRoot(ctx);
      ctx.log.info(`Reading USB devices from ${root}`);
      void created.refresh();
    }),
  );
  return created;
}

/** The setting, with `~` expanded (a container's bind mount may live in the home folder). */
function sysfsRoot(ctx: Context): string {
  const value = readSettings(ctx.log)['usb.sysfsRoot'];
  return value === '~' || value.startsWith('~/') ? path.join(os.homedir(), value.slice(1)) : value;
}

/**
 * The Devices view and the recovery status item. Polling runs only while the view is visible, the
 * item is shown, or a flash needs it; besides, one scan at start and one each time the window
 * regains focus (a board put into recovery while the user was at the bench shows up on return).
 */
export function registerDevices(ctx: Context): vscode.Disposable[] {
  const monitor = deviceMonitor(ctx);
  const disposables = [
    createDevicesView(monitor),
    createRecoveryStatusItem(monitor),
    vscode.window.onDidChangeWindowState((state) => {
      if (state.focused) void monitor.refresh();
    }),
  ];
  void monitor.refresh();
  return disposables;
}
