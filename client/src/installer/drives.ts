/**
 * Which drives an installer image may be written to, from `lsblk --json`: removable or hot-plugged
 * whole disks with a medium, writable, holding no mounted system partition and not the image
 * itself. Every other drive is listed with the reason it is refused. No `vscode` import.
 *
 * `lsblk` changed its JSON over the years: util-linux 2.37+ prints booleans and a `mountpoints`
 * list (Debian 12 has 2.38); older versions print "0"/"1" strings and a single `mountpoint`.
 */

/** The columns asked for; every util-linux since 2.33 knows them (MOUNTPOINTS since 2.37, else MOUNTPOINT). */
export const LSBLK_COLUMNS = 'NAME,PATH,SIZE,MODEL,RM,HOTPLUG,TRAN,TYPE,RO,MOUNTPOINTS';
export const LSBLK_COLUMNS_OLD = 'NAME,PATH,SIZE,MODEL,RM,HOTPLUG,TRAN,TYPE,RO,MOUNTPOINT';

export function lsblkArgs(columns = LSBLK_COLUMNS): string[] {
  return ['--json', '--bytes', '--output', columns];
}

export interface BlockDevice {
  name: string;
  /** `/dev/sdb`. */
  path: string;
  size: number;
  model?: string;
  removable: boolean;
  hotplug: boolean;
  /** `usb`, `mmc`, `nvme`, `sata`… */
  transport?: string;
  /** `disk`, `part`, `loop`, `rom`, `crypt`, `lvm`… */
  type: string;
  readOnly: boolean;
  mountpoints: string[];
  children: BlockDevice[];
}

export type LsblkReading = { ok: true; devices: BlockDevice[] } | { ok: false; error: string };

export function parseLsblk(json: string): LsblkReading {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { ok: false, error: 'lsblk did not print JSON' };
  }
  const list = typeof parsed === 'object' && parsed !== null ? (parsed as { blockdevices?: unknown }).blockdevices : undefined;
  if (!Array.isArray(list)) return { ok: false, error: 'lsblk printed no block devices' };
  return { ok: true, devices: list.flatMap((d) => device(d, 0)) };
}

function device(raw: unknown, depth: number): BlockDevice[] {
  if (typeof raw !== 'object' || raw === null || depth > 8) return [];
  const r = raw as Record<string, unknown>;
  const name = typeof r.name === 'string' ? r.name : undefined;
  if (!name) return [];
  const mounts = Array.isArray(r.mountpoints) ? r.mountpoints : [r.mountpoint];
  const model = typeof r.model === 'string' ? r.model.trim() : '';
  return [
    {
      name,
      path: typeof r.path === 'string' ? r.path : `/dev/${name}`,
      size: Number(r.size) || 0,
      ...(model ? { model } : {}),
      removable: flag(r.rm),
      hotplug: flag(r.hotplug),
      ...(typeof r.tran === 'string' ? { transport: r.tran } : {}),
      type: typeof r.type === 'string' ? r.type : '',
      readOnly: flag(r.ro),
      mountpoints: mounts.filter((m): m is string => typeof m === 'string' && m !== ''),
      children: Array.isArray(r.children) ? r.children.flatMap((c) => device(c, depth + 1)) : [],
    },
  ];
}

function flag(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 'true';
}

/** Every mount of a device and what it contains (partitions, LUKS and LVM volumes inside them). */
export function mountsOf(d: BlockDevice): Array<{ device: string; mountpoint: string }> {
  return [...d.mountpoints.map((mountpoint) => ({ device: d.path, mountpoint })), ...d.children.flatMap(mountsOf)];
}

/** Mounts a desktop makes for removable media: unmounted before writing, with the user's consent. */
function isMediaMount(mountpoint: string): boolean {
  return /^\/(run\/)?media\/[^/]/.test(mountpoint);
}

export interface DriveChoice {
  drive: BlockDevice;
  /** Partitions mounted under /media that the write unmounts first. */
  unmount: Array<{ device: string; mountpoint: string }>;
}

export interface RefusedDrive {
  drive: BlockDevice;
  reason: string;
}

/**
 * Sorts the whole disks into those an image may be written to and those it may not (with why).
 * `imageFile` is the image's real path: the drive it lies on is refused.
 */
export function classifyDrives(devices: readonly BlockDevice[], imageFile: string): { eligible: DriveChoice[]; refused: RefusedDrive[] } {
  const eligible: DriveChoice[] = [];
  const refused: RefusedDrive[] = [];
  for (const drive of devices.filter((d) => d.type === 'disk')) {
    const reason = refusal(drive, imageFile);
    if (reason) refused.push({ drive, reason });
    else eligible.push({ drive, unmount: mountsOf(drive) });
  }
  return { eligible, refused };
}

function refusal(drive: BlockDevice, imageFile: string): string | undefined {
  const mounts = mountsOf(drive);
  const system = mounts.find((m) => !isMediaMount(m.mountpoint));
  if (system) return system.mountpoint === '/' ? 'it holds the running system (/)' : `it holds ${system.mountpoint === '[SWAP]' ? 'swap space' : system.mountpoint}, a mounted system partition`;
  if (!drive.removable && !drive.hotplug) return 'it is not a removable drive';
  if (drive.size === 0) return 'it has no medium (an empty card reader?)';
  if (drive.readOnly) return 'it is read-only (a locked SD card?)';
  const source = mounts.find((m) => imageFile === m.mountpoint || imageFile.startsWith(`${m.mountpoint}/`));
  if (source) return `the image itself is on it (${source.mountpoint})`;
  return undefined;
}

/** `32017047552` → `32.0 GB` (decimal, as drives are sold). */
export function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let unit = 0;
  let value = bytes;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** `/dev/sdb, SanDisk Ultra, 32.0 GB (USB)`: how the drive is named to the user everywhere. */
export function describeDrive(drive: BlockDevice): string {
  const transport = drive.transport ? ` (${drive.transport.toUpperCase()})` : '';
  return `${drive.path}, ${drive.model ?? 'unknown model'}, ${formatSize(drive.size)}${transport}`;
}

/** Whether the drive about to be written is still the one the user confirmed: same path, size and model, still eligible. */
export function sameDrive(before: BlockDevice, now: BlockDevice | undefined): boolean {
  return !!now && now.path === before.path && now.size === before.size && (now.model ?? '') === (before.model ?? '');
}
