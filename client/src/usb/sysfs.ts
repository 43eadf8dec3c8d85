/**
 * Reads USB devices from Linux sysfs (`<root>/bus/usb/devices/<port>/idVendor` …): no native
 * module, no permissions beyond reading /sys. A device can vanish between listing the directory
 * and reading its files (the board resets while we look), and some files are unreadable or absent
 * (`serial` often is): neither is an error, the device is simply skipped or read without that file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readText } from '../../../server/src/shared/safe-read';
import { classify, LINUX_FOUNDATION_VENDOR_ID, NVIDIA_VENDOR_ID, type JetsonDevice, type UsbDevice } from './ids';

/** The two reads the scanner does, so tests can interpose on them (e.g. remove a device mid-scan). */
export interface SysfsReader {
  readdir(dir: string): Promise<string[]>;
  readFile(file: string): Promise<string>;
}

/**
 * Asynchronous reads through the one safe reader: regular files only, at most a page each. The
 * root comes from a setting, so the tree may be anything: an `idVendor` that is a symbolic link to
 * /dev/zero once took 1.5 GB in 1.5 s through readFileSync and brought the extension host down,
 * and a FIFO would block it forever. A sysfs attribute is a regular file of one page, so nothing
 * real is refused.
 */
export const NODE_SYSFS: SysfsReader = {
  readdir: async (dir) => {
    const names: string[] = [];
    // Leaving the loop early closes the directory.
    for await (const entry of await fs.promises.opendir(dir)) {
      names.push(entry.name);
      if (names.length >= MAX_USB_ENTRIES) break;
    }
    return names;
  },
  readFile: async (file) => {
    const read = await readText(file, { kind: 'attribute' });
    if (!read.ok) throw new Error(read.message);
    return read.value;
  },
};

/**
 * Entries of the USB folder looked at, at most: a real machine has a few dozen (127 devices per
 * bus at most); a hand-made tree of millions must not turn one poll into millions of reads.
 */
export const MAX_USB_ENTRIES = 1024;

/** The directory holding one entry per USB device under a sysfs root. */
export function usbDevicesDir(sysfsRoot: string): string {
  return path.join(sysfsRoot, 'bus', 'usb', 'devices');
}

/**
 * Every USB device under `<sysfsRoot>/bus/usb/devices` with its ids; the descriptive files
 * (manufacturer, product, serial, bus and device numbers) are read only for NVIDIA and Linux
 * Foundation devices, the only ones that can matter for flashing, so a poll stays cheap. Interface
 * entries (`1-4:1.0`) and root hubs are skipped. Returns an empty list when the directory does not
 * exist (no USB, or not Linux).
 */
export async function scanUsbDevices(sysfsRoot: string, reader: SysfsReader = NODE_SYSFS): Promise<UsbDevice[]> {
  const dir = usbDevicesDir(sysfsRoot);
  let entries: string[];
  try {
    entries = await reader.readdir(dir);
  } catch {
    return [];
  }
  // Interfaces carry a colon; root hubs are `usbN`: neither has its own idVendor worth reading.
  const ports = entries.filter((name) => !name.includes(':') && !name.startsWith('usb')).sort(comparePorts).slice(0, MAX_USB_ENTRIES);
  const devices = await Promise.all(ports.map((port) => readDevice(dir, port, reader)));
  return devices.filter((d): d is UsbDevice => d !== undefined);
}

/** Scans and keeps the devices that mean something for a Jetson, in port order. */
export async function scanJetsonDevices(sysfsRoot: string, reader: SysfsReader = NODE_SYSFS): Promise<JetsonDevice[]> {
  const devices = await scanUsbDevices(sysfsRoot, reader);
  return devices.map(classify).filter((d): d is JetsonDevice => d !== undefined);
}

async function readDevice(dir: string, port: string, reader: SysfsReader): Promise<UsbDevice | undefined> {
  const read = (name: string) => readAttribute(reader, path.join(dir, port, name));
  // Gone, or not a device: a device without ids cannot be classified, so it is skipped.
  const vendorId = await read('idVendor');
  if (!isHexId(vendorId)) return undefined;
  const productId = await read('idProduct');
  if (!isHexId(productId)) return undefined;
  const vendor = vendorId.toLowerCase();
  if (vendor !== NVIDIA_VENDOR_ID && vendor !== LINUX_FOUNDATION_VENDOR_ID) return { port, vendorId: vendor, productId: productId.toLowerCase() };
  const [manufacturer, product, serial, busnum, devnum] = await Promise.all(
    ['manufacturer', 'product', 'serial', 'busnum', 'devnum'].map(read),
  );
  const device: UsbDevice = { port, vendorId: vendor, productId: productId.toLowerCase() };
  if (manufacturer) device.manufacturer = manufacturer;
  if (product) device.product = product;
  if (serial) device.serial = serial;
  const bus = toNumber(busnum);
  const dev = toNumber(devnum);
  if (bus !== undefined) device.busnum = bus;
  if (dev !== undefined) device.devnum = dev;
  return device;
}

/** One sysfs attribute without its newline, or undefined when it is absent, unreadable or gone. */
async function readAttribute(reader: SysfsReader, file: string): Promise<string | undefined> {
  try {
    const text = (await reader.readFile(file)).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

function isHexId(value: string | undefined): value is string {
  return value !== undefined && /^[0-9a-fA-F]{4}$/.test(value);
}

function toNumber(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Orders `1-2` before `1-10` and `1-4` before `1-4.1`, as a user reads port paths. */
function comparePorts(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
