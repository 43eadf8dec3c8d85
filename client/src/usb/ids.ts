/**
 * What a USB id on the flashing cable means for a Jetson: the forced-recovery product ids of each
 * module, and the look-alikes that appear on the same cable but are not something to flash.
 * No `vscode` import: the table and the classification are unit-tested with plain Node.
 */

/** NVIDIA's USB vendor id. */
export const NVIDIA_VENDOR_ID = '0955';
/** The Linux Foundation's vendor id, used by USB gadgets such as jetpack-nixos's flashing initrd. */
export const LINUX_FOUNDATION_VENDOR_ID = '1d6b';
/** Product id of a Linux multifunction composite gadget (what the flashing initrd presents). */
export const COMPOSITE_GADGET_PRODUCT_ID = '0104';
/** A Jetson that booted its operating system instead of entering recovery. */
export const BOOTED_JETSON_PRODUCT_ID = '7020';
/** The devkit's on-board debug and automation controller, present beside the recovery device. */
export const DEBUG_CONTROLLER_PRODUCT_ID = '7045';

/** A Jetson module as it identifies itself in forced-recovery mode. */
export interface RecoveryModule {
  productId: string;
  /** The module's family name, as NVIDIA prints it on the box ("AGX Orin"). */
  name: string;
  /** "a" or "an", so messages read naturally ("an AGX Orin", "a Xavier NX"). */
  article: 'a' | 'an';
  /** Memory size or variant, when this product id tells it. */
  variant?: string;
  /** NVIDIA part numbers that present this id. */
  parts: string;
  /** The `hardware.nvidia-jetpack.som` values whose flash script fits this module. */
  soms: readonly string[];
}

/**
 * The forced-recovery product ids (vendor 0955), from NVIDIA's recovery-mode tables as gathered in
 * jetson-facts.md. The SoM lists agree with `recoveryUsbIds` in server/schema/jetpack-nixos.json
 * (a unit test keeps the two in step).
 */
export const RECOVERY_MODULES: readonly RecoveryModule[] = [
  { productId: '7023', name: 'AGX Orin', article: 'an', parts: 'P3701-0000, -0005 or -0008', soms: ['orin-agx', 'orin-agx-industrial'] },
  { productId: '7223', name: 'AGX Orin', article: 'an', variant: '32 GB', parts: 'P3701-0004', soms: ['orin-agx'] },
  { productId: '7323', name: 'Orin NX', article: 'an', variant: '16 GB', parts: 'P3767-0000', soms: ['orin-nx'] },
  { productId: '7423', name: 'Orin NX', article: 'an', variant: '8 GB', parts: 'P3767-0001', soms: ['orin-nx'] },
  { productId: '7523', name: 'Orin Nano', article: 'an', variant: '8 GB', parts: 'P3767-0003 or -0005', soms: ['orin-nano'] },
  { productId: '7623', name: 'Orin Nano', article: 'an', variant: '4 GB', parts: 'P3767-0004', soms: ['orin-nano'] },
  { productId: '7019', name: 'AGX Xavier', article: 'an', parts: 'P2888', soms: ['xavier-agx', 'xavier-agx-industrial'] },
  { productId: '7e19', name: 'Xavier NX', article: 'a', parts: 'P3668', soms: ['xavier-nx', 'xavier-nx-emmc'] },
  { productId: '7026', name: 'AGX Thor', article: 'an', parts: 'P3834-0008', soms: ['thor-agx'] },
];

const BY_PRODUCT = new Map(RECOVERY_MODULES.map((m) => [m.productId, m]));

/** One USB device as read from sysfs. Ids are lower-case 4-digit hex strings. */
export interface UsbDevice {
  /** The sysfs directory name (`1-4.2`): the bus and port path, stable while the cable stays in the same port. */
  port: string;
  vendorId: string;
  productId: string;
  manufacturer?: string;
  product?: string;
  serial?: string;
  busnum?: number;
  devnum?: number;
}

/**
 * How a device on the cable matters for flashing:
 * - `recovery`: a known module in forced-recovery mode, ready to flash;
 * - `unknown-recovery`: an NVIDIA 7xxx id we have no table entry for (likely a newer module);
 * - `booted`: a Jetson that booted normally and must be put into recovery first;
 * - `debug-controller`: the devkit's debug controller, never the flashing target;
 * - `flashing`: jetpack-nixos's flashing initrd, i.e. a flash in progress.
 */
export type DeviceKind = 'recovery' | 'unknown-recovery' | 'booted' | 'debug-controller' | 'flashing';

export interface JetsonDevice extends UsbDevice {
  kind: DeviceKind;
  /** The module, for `recovery` devices. */
  module?: RecoveryModule;
}

/** How to enter forced recovery on a devkit, said the same way everywhere. */
export const ENTER_RECOVERY_HINT = 'put it in recovery: hold Force Recovery, press Reset, then release both';

/** Classifies a USB device, or returns undefined when it has nothing to do with a Jetson. */
export function classify(device: UsbDevice): JetsonDevice | undefined {
  const vendor = device.vendorId.toLowerCase();
  const product = device.productId.toLowerCase();
  if (vendor === LINUX_FOUNDATION_VENDOR_ID) {
    // Any Linux gadget may use 1d6b:0104; only jetpack-nixos's initrd calls itself "NixOS serial".
    const isFlashInitrd = product === COMPOSITE_GADGET_PRODUCT_ID && device.manufacturer === 'NixOS' && /serial/i.test(device.product ?? '');
    return isFlashInitrd ? { ...device, kind: 'flashing' } : undefined;
  }
  if (vendor !== NVIDIA_VENDOR_ID) return undefined;
  if (product === BOOTED_JETSON_PRODUCT_ID) return { ...device, kind: 'booted' };
  if (product === DEBUG_CONTROLLER_PRODUCT_ID) return { ...device, kind: 'debug-controller' };
  const module = BY_PRODUCT.get(product);
  if (module) return { ...device, kind: 'recovery', module };
  if (/^7[0-9a-f]{3}$/.test(product)) return { ...device, kind: 'unknown-recovery' };
  return undefined;
}

/** Whether the device is a Jetson in forced-recovery mode (known or not), i.e. something to flash. */
export function isInRecovery(device: JetsonDevice): boolean {
  return device.kind === 'recovery' || device.kind === 'unknown-recovery';
}

/** `0955:7023`. */
export function usbId(device: UsbDevice): string {
  return `${device.vendorId}:${device.productId}`;
}

/** The module's name with its variant ("Orin NX 16 GB"), or "unknown Jetson" for an unknown id. */
export function moduleName(device: JetsonDevice): string {
  if (device.module) return device.module.variant ? `${device.module.name} ${device.module.variant}` : device.module.name;
  switch (device.kind) {
    case 'unknown-recovery':
      return 'unknown Jetson';
    case 'booted':
      return 'Jetson (booted)';
    case 'debug-controller':
      return 'devkit debug controller';
    default:
      return 'Jetson flashing initrd';
  }
}

/** "an AGX Orin (0955:7023)": the module as the object of a sentence. */
export function moduleWithArticle(device: JetsonDevice): string {
  if (device.module) return `${device.module.article} ${device.module.name} (${usbId(device)})`;
  return `an unknown Jetson (${usbId(device)})`;
}

/** Where the device is plugged in, for telling two boards apart ("USB 1-4, bus 1 device 7"). */
export function location(device: UsbDevice): string {
  const numbers = device.busnum !== undefined && device.devnum !== undefined ? `, bus ${device.busnum} device ${device.devnum}` : '';
  return `USB ${device.port}${numbers}`;
}

/** One sentence on what the device is and what to do about it. */
export function explain(device: JetsonDevice): string {
  switch (device.kind) {
    case 'recovery':
      return `${device.module!.article === 'an' ? 'An' : 'A'} ${moduleName(device)} module (${device.module!.parts}) in forced-recovery mode, ready to flash.`;
    case 'unknown-recovery':
      return `An NVIDIA device in recovery mode whose product id ${device.productId} is not in our table (possibly a newer module); flashing it cannot check that the configuration matches.`;
    case 'booted':
      return `A Jetson that booted normally (0955:${BOOTED_JETSON_PRODUCT_ID}) cannot be flashed: ${ENTER_RECOVERY_HINT}.`;
    case 'debug-controller':
      return `The devkit's debug and automation controller (0955:${DEBUG_CONTROLLER_PRODUCT_ID}); it is not the module to flash.`;
    case 'flashing':
      return 'jetpack-nixos\'s flashing initrd (1d6b:0104 "NixOS serial"): a flash is in progress on this board.';
  }
}

/**
 * Why nothing can be flashed right now, for a device list without a Jetson in recovery: a flash
 * already running, a board that booted normally, or nothing at all.
 */
export function describeSituation(devices: readonly JetsonDevice[]): string {
  const flashing = devices.find((d) => d.kind === 'flashing');
  if (flashing) return `A flash is already in progress: jetpack-nixos's flashing initrd (1d6b:0104) is on USB ${flashing.port}. Wait for it to finish.`;
  const booted = devices.find((d) => d.kind === 'booted');
  if (booted) return `The Jetson on USB ${booted.port} booted normally (0955:${BOOTED_JETSON_PRODUCT_ID}): ${ENTER_RECOVERY_HINT}.`;
  return 'No Jetson in recovery mode on USB: hold Force Recovery, press Reset, release both, and connect the flashing USB-C port to this computer.';
}

/** The status bar text for the devices in recovery ("AGX Orin in recovery (0955:7023)"), or undefined when there are none. */
export function recoveryStatusText(devices: readonly JetsonDevice[]): string | undefined {
  const recovery = devices.filter(isInRecovery);
  if (recovery.length === 0) return undefined;
  if (recovery.length > 1) return `${recovery.length} Jetsons in recovery`;
  const device = recovery[0]!;
  return `${device.module ? moduleName(device) : 'Jetson'} in recovery (${usbId(device)})`;
}
