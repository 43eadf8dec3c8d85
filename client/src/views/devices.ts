import * as vscode from 'vscode';
import { explain, location, moduleName, usbId, type JetsonDevice } from '../usb/ids';
import type { DeviceMonitor } from '../usb/monitor';

/**
 * The Devices section of the Jetson view: Jetsons in recovery mode (flashable, contextValue
 * `device.recovery`), and the look-alikes a user may mistake for one, each explaining itself. The
 * devkit's debug controller is not listed: it is never the target. While the view is visible it
 * holds a polling demand on the monitor, so changes show within two seconds; hidden, it costs
 * nothing.
 */
export class DeviceItem extends vscode.TreeItem {
  constructor(readonly device: JetsonDevice) {
    super(label(device), vscode.TreeItemCollapsibleState.None);
    this.id = `${device.port}:${usbId(device)}`;
    this.description = description(device);
    this.tooltip = tooltip(device);
    this.iconPath = new vscode.ThemeIcon(icon(device));
    this.contextValue = device.kind === 'recovery' || device.kind === 'unknown-recovery' ? 'device.recovery' : `device.${device.kind}`;
  }
}

function label(device: JetsonDevice): string {
  switch (device.kind) {
    case 'recovery':
      return moduleName(device);
    case 'unknown-recovery':
      return 'Unknown Jetson';
    case 'booted':
      return 'Jetson (booted, not in recovery)';
    default:
      return 'Jetson being flashed';
  }
}

function description(device: JetsonDevice): string {
  switch (device.kind) {
    case 'recovery':
    case 'unknown-recovery':
      return `recovery · ${usbId(device)} · USB ${device.port}`;
    case 'booted':
      return `${usbId(device)} · hold Force Recovery, press Reset`;
    default:
      return `${usbId(device)} NixOS serial · USB ${device.port}`;
  }
}

/** Plain text: product strings come from the device itself and are not rendered as Markdown. */
function tooltip(device: JetsonDevice): string {
  const lines = [explain(device), '', `${usbId(device)} on ${location(device)}`];
  if (device.product || device.manufacturer) lines.push(`${device.manufacturer ?? ''} ${device.product ?? ''}`.trim());
  if (device.serial) lines.push(`Serial ${device.serial}`);
  if (device.kind === 'recovery' || device.kind === 'unknown-recovery') lines.push('', 'Flash it with the Flash button on this row (or Jetson Nix: Flash Jetson… in the Command Palette).');
  return lines.join('\n');
}

function icon(device: JetsonDevice): string {
  switch (device.kind) {
    case 'recovery':
      return 'circuit-board';
    case 'unknown-recovery':
      return 'question';
    case 'booted':
      return 'warning';
    default:
      return 'sync~spin';
  }
}

export class DevicesTreeProvider implements vscode.TreeDataProvider<DeviceItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: { dispose(): void };

  constructor(private readonly monitor: DeviceMonitor) {
    this.subscription = monitor.onDidChange(() => this.changed.fire());
  }

  getTreeItem(item: DeviceItem): DeviceItem {
    return item;
  }

  getChildren(parent?: DeviceItem): DeviceItem[] {
    if (parent) return [];
    return this.monitor.devices.filter((d) => d.kind !== 'debug-controller').map((d) => new DeviceItem(d));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** Creates the Devices view; polling follows its visibility. */
export function createDevicesView(monitor: DeviceMonitor): vscode.Disposable {
  const provider = new DevicesTreeProvider(monitor);
  const view = vscode.window.createTreeView('jetsonNix.devices', { treeDataProvider: provider });
  let demand: { dispose(): void } | undefined;
  const followVisibility = () => {
    if (view.visible && !demand) demand = monitor.demand('Devices view visible');
    else if (!view.visible && demand) {
      demand.dispose();
      demand = undefined;
    }
  };
  followVisibility();
  const visibility = view.onDidChangeVisibility(followVisibility);
  return vscode.Disposable.from(visibility, view, provider, { dispose: () => demand?.dispose() });
}
