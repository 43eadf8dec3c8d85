/**
 * Fixture sysfs trees for USB detection tests: a temporary directory laid out like
 * `/sys/bus/usb/devices`, where each device entry is a symlink into `devices/…`, as on a real
 * Linux machine, beside a root hub and an interface entry the scanner must skip.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { UsbDevice } from '../../client/src/usb/ids';

/** A device to lay out: the fields the scanner reads, as it returns them. */
export type FixtureDevice = UsbDevice;

export class SysfsFixture {
  readonly root: string;
  private readonly busDir: string;
  private readonly hubDir: string;

  constructor() {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-sysfs-'));
    this.busDir = path.join(this.root, 'bus', 'usb', 'devices');
    this.hubDir = path.join(this.root, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1');
    fs.mkdirSync(this.busDir, { recursive: true });
    // The root hub (Linux Foundation 1d6b:0002) and one of its interfaces: present on every machine.
    this.writeDevice(this.hubDir, { port: 'usb1', vendorId: '1d6b', productId: '0002', manufacturer: 'Linux 6.1.0 xhci-hcd', product: 'xHCI Host Controller', busnum: 1, devnum: 1 });
    fs.symlinkSync(path.relative(this.busDir, this.hubDir), path.join(this.busDir, 'usb1'));
    const iface = path.join(this.hubDir, '1-0:1.0');
    fs.mkdirSync(iface);
    fs.writeFileSync(path.join(iface, 'bInterfaceClass'), '09\n');
    fs.symlinkSync(path.relative(this.busDir, iface), path.join(this.busDir, '1-0:1.0'));
  }

  /** Plugs a device in: its directory under the hub, and the bus entry linking to it. */
  add(device: FixtureDevice): string {
    const dir = path.join(this.hubDir, device.port);
    this.writeDevice(dir, device);
    fs.symlinkSync(path.relative(this.busDir, dir), path.join(this.busDir, device.port));
    return dir;
  }

  /** Unplugs a device (it may have vanished already). */
  remove(port: string): void {
    fs.rmSync(path.join(this.busDir, port), { force: true });
    fs.rmSync(path.join(this.hubDir, port), { recursive: true, force: true });
  }

  /**
   * Makes one attribute of a device unreadable. `chmod 000` does not stop root (tests may run as
   * root), so when the file is still readable it is replaced by a directory, which no one can read
   * as a file either.
   */
  makeUnreadable(port: string, attribute: string): void {
    const file = path.join(this.hubDir, port, attribute);
    fs.chmodSync(file, 0o000);
    try {
      fs.readFileSync(file);
    } catch {
      return;
    }
    fs.chmodSync(file, 0o644);
    fs.rmSync(file);
    fs.mkdirSync(file);
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  private writeDevice(dir: string, device: FixtureDevice): void {
    fs.mkdirSync(dir, { recursive: true });
    const files: Record<string, string | number | undefined> = {
      idVendor: device.vendorId,
      idProduct: device.productId,
      manufacturer: device.manufacturer,
      product: device.product,
      serial: device.serial,
      busnum: device.busnum,
      devnum: device.devnum,
    };
    for (const [name, value] of Object.entries(files)) {
      if (value !== undefined) fs.writeFileSync(path.join(dir, name), `${value}\n`);
    }
  }
}
