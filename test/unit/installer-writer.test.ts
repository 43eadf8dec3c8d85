/**
 * Write Installer to USB Drive, without a real drive: fixture `lsblk --json` outputs decide which
 * drives are offered (never one holding a mounted system, never the image's own), the flow is run
 * with a fake UI (confirmation and refusal paths), and the fixed write script runs for real with
 * dd and sha256sum on a regular file standing in for the drive (its "root" is `env`, which runs
 * the command unchanged: nothing here has or needs root).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifyDrives, describeDrive, lsblkArgs, parseLsblk, type BlockDevice, type LsblkReading } from '../../client/src/installer/drives';
import { writeInstaller, type WriteDeps } from '../../client/src/installer/flow';
import { describeWriteExit, writeTerminalLaunch, type WriteTools } from '../../client/src/installer/write-script';
import { which } from '../../client/src/system/which';
import { DOCTOR_FIXTURES } from '../support/doctor-facts';

const LSBLK = path.join(DOCTOR_FIXTURES, 'lsblk');
const lsblk = (name: string) => parseLsblk(fs.readFileSync(path.join(LSBLK, name), 'utf8'));
const devices = (name: string): BlockDevice[] => {
  const r = lsblk(name);
  assert.ok(r.ok);
  return r.devices;
};
const temporary: string[] = [];
after(() => temporary.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-writer-'));
  temporary.push(dir);
  return dir;
}

test('only removable drives with a medium and no system mount are offered; each refusal says why', () => {
  const laptop = classifyDrives(devices('laptop-usb.json'), '/home/dev/robot/result/iso/nixos.iso');
  assert.deepEqual(laptop.eligible.map((e) => [e.drive.path, e.unmount]), [
    ['/dev/sda', [{ device: '/dev/sda1', mountpoint: '/media/dev/STICK' }]],
    ['/dev/sdc', []],
  ]);
  assert.deepEqual(laptop.refused.map((r) => [r.drive.path, r.reason]), [
    ['/dev/sdb', 'it has no medium (an empty card reader?)'],
    ['/dev/mmcblk0', 'it is not a removable drive'],
    ['/dev/nvme0n1', 'it holds /boot/efi, a mounted system partition'],
  ]);
  assert.equal(describeDrive(laptop.eligible[0]!.drive), '/dev/sda, SanDisk 3.2Gen1, 30.8 GB (USB)');

  // Hot-plugged is not enough: a USB disk holding /boot and swap is the system's.
  const external = classifyDrives(devices('external-boot.json'), '/nix/store/x-nixos.iso');
  assert.deepEqual(external.refused.map((r) => [r.drive.path, r.reason]), [['/dev/sdd', 'it holds /boot, a mounted system partition']]);
  assert.deepEqual(external.eligible.map((e) => e.drive.path), ['/dev/sde']);
  // The image lying on the drive itself: writing would destroy what is being written.
  const onStick = classifyDrives(devices('external-boot.json'), '/media/dev/Elements/nixos.iso');
  assert.deepEqual(onStick.refused.at(-1), { drive: onStick.refused.at(-1)!.drive, reason: 'the image itself is on it (/media/dev/Elements)' });

  const vm = classifyDrives(devices('vm.json'), '/tmp/x.iso');
  assert.deepEqual(vm.eligible, []);
  assert.deepEqual(vm.refused.map((r) => r.reason), ['it is not a removable drive', 'it holds the running system (/)']);

  const old = classifyDrives(devices('old-format.json'), '/tmp/x.iso');
  assert.deepEqual(old.eligible.map((e) => [e.drive.path, e.drive.size, e.drive.model]), [['/dev/sdb', 8011120640, 'USB Flash Drive']]);
  assert.deepEqual(old.refused.map((r) => r.reason), ['it holds the running system (/)']);
  const locked = parseLsblk(JSON.stringify({ blockdevices: [{ name: 'sdf', size: 1e9, rm: true, type: 'disk', ro: true, mountpoints: [null] }] }));
  assert.ok(locked.ok);
  assert.equal(classifyDrives(locked.devices, '/x.iso').refused[0]!.reason, 'it is read-only (a locked SD card?)');

  assert.deepEqual(parseLsblk('lsblk: unknown column'), { ok: false, error: 'lsblk did not print JSON' });
  assert.deepEqual(lsblkArgs(), ['--json', '--bytes', '--output', 'NAME,PATH,SIZE,MODEL,RM,HOTPLUG,TRAN,TYPE,RO,MOUNTPOINTS']);
});

const TOOLS: WriteTools = { elevation: '/usr/bin/sudo', shell: '/bin/sh', dd: '/usr/bin/dd', sha256sum: '/usr/bin/sha256sum', head: '/usr/bin/head', sync: '/usr/bin/sync', umount: '/usr/bin/umount' };

/** A fake UI and services around fixture lsblk outputs; records what happened. */
function fakeDeps(options: { lsblk: string | string[]; pick?: string; confirm?: boolean; exitCode?: number }) {
  const outputs = Array.isArray(options.lsblk) ? [...options.lsblk] : [options.lsblk, options.lsblk];
  const record = { confirmations: [] as Array<{ message: string; detail: string; action: string }>, launches: [] as string[][], offered: [] as string[] };
  const deps: WriteDeps = {
    platform: 'linux',
    lsblk: async (): Promise<LsblkReading> => lsblk(outputs.length > 1 ? outputs.shift()! : outputs[0]!),
    tools: () => ({ ok: true, tools: TOOLS }),
    image: async (file) => ({ ok: true, realPath: file, size: 1_200_000_000 }),
    ui: {
      pickDrive: async (eligible) => {
        record.offered = eligible.map((e) => e.drive.path);
        return eligible.find((e) => e.drive.path === options.pick);
      },
      confirm: async (summary) => {
        record.confirmations.push(summary);
        return options.confirm ?? false;
      },
    },
    runTerminal: async (launch) => {
      record.launches.push(launch.shellArgs);
      return options.exitCode;
    },
    statusFile: async () => ({ file: '/tmp/jetson-nix-status/exit', done: async () => undefined }),
    log: () => undefined,
  };
  return { deps, record };
}

const ISO = '/nix/store/8q0xh0h1x9s0n4n1sbw3xkq7a1lm3s4k-nixos-minimal-aarch64-linux.iso/iso/nixos-minimal-aarch64-linux.iso';

test('confirmed: the modal names the drive, its size and model and what is unmounted; then the terminal writes it', async () => {
  const { deps, record } = fakeDeps({ lsblk: 'laptop-usb.json', pick: '/dev/sda', confirm: true, exitCode: 0 });
  const outcome = await writeInstaller(ISO, deps, new AbortController().signal);
  assert.deepEqual(record.offered, ['/dev/sda', '/dev/sdc']);
  assert.deepEqual(record.confirmations[0], {
    message: 'Erase /dev/sda, SanDisk 3.2Gen1, 30.8 GB (USB) and write the installer to it?',
    detail:
      'Everything on /dev/sda (SanDisk 3.2Gen1, 30.8 GB) is erased and replaced by nixos-minimal-aarch64-linux.iso (1.2 GB). It first unmounts /dev/sda1 (/media/dev/STICK).\n\n' +
      'dd runs as root through /usr/bin/sudo in a terminal, where you type your password; then the drive is read back and compared with the image.',
    action: 'Erase and Write /dev/sda',
  });
  const args = record.launches[0]!;
  // The elevation and every program are absolute paths; the image, drive and partitions are arguments.
  assert.deepEqual(args.slice(2, 5), ['jetson-nix-write-terminal', '/tmp/jetson-nix-status/exit', '/usr/bin/sudo']);
  assert.deepEqual(args.slice(5, 9), ['/bin/sh', '-c', args[7]!, 'jetson-nix-write']);
  assert.deepEqual(args.slice(9), ['/usr/bin/dd', ISO, '/dev/sda', '/usr/bin/sha256sum', '/usr/bin/head', '/usr/bin/sync', '/usr/bin/umount', '', '1200000000', '/dev/sda1']);
  assert.deepEqual(outcome, { status: 'written', message: 'The installer was written to /dev/sda and verified: what the drive holds matches the image. Plug it into the Jetson and boot from it.' });
});

test('refusals: dismissed confirmation, no removable drive, a drive that changed, one too small, not Linux', async () => {
  const dismissed = fakeDeps({ lsblk: 'laptop-usb.json', pick: '/dev/sdc', confirm: false });
  assert.deepEqual(await writeInstaller(ISO, dismissed.deps, new AbortController().signal), { status: 'cancelled', message: 'Nothing was written.' });
  assert.equal(dismissed.record.launches.length, 0);

  const none = fakeDeps({ lsblk: 'vm.json' });
  const refused = await writeInstaller(ISO, none.deps, new AbortController().signal);
  assert.equal(refused.status, 'refused');
  assert.equal(refused.message, 'No removable drive to write to: plug in a USB drive (at least 1.2 GB). Not offered: /dev/zram0: it is not a removable drive; /dev/vda: it holds the running system (/).');

  // Between the confirmation and the write, the stick was swapped for another (same path, other model).
  const swapped = JSON.parse(fs.readFileSync(path.join(LSBLK, 'laptop-usb.json'), 'utf8')) as { blockdevices: Array<Record<string, unknown>> };
  swapped.blockdevices[2]!.model = 'Another Stick';
  const swappedFile = path.join(tempDir(), 'swapped.json');
  fs.writeFileSync(swappedFile, JSON.stringify(swapped));
  const changed = fakeDeps({ lsblk: ['laptop-usb.json', path.relative(LSBLK, swappedFile)], pick: '/dev/sdc', confirm: true, exitCode: 0 });
  const outcome = await writeInstaller(ISO, changed.deps, new AbortController().signal);
  assert.deepEqual(outcome, { status: 'refused', message: '/dev/sdc changed since you confirmed (unplugged, replaced or mounted); nothing was written. Start again.' });
  assert.equal(changed.record.launches.length, 0);

  const small = fakeDeps({ lsblk: 'old-format.json', pick: '/dev/sdb', confirm: true });
  small.deps.image = async (file) => ({ ok: true, realPath: file, size: 9_000_000_000 });
  assert.match((await writeInstaller(ISO, small.deps, new AbortController().signal)).message, /^\/dev\/sdb, USB Flash Drive, 8\.0 GB \(USB\) is smaller than the image \(9\.0 GB\); nothing was written\.$/);

  const mac = fakeDeps({ lsblk: 'laptop-usb.json' });
  mac.deps.platform = 'darwin';
  assert.equal((await writeInstaller(ISO, mac.deps, new AbortController().signal)).status, 'refused');

  assert.equal(describeWriteExit(3, '/dev/sda', '/usr/bin/sudo').ok, false);
  assert.match(describeWriteExit(1, '/dev/sda', '/usr/bin/pkexec').message, /a mistyped password ends pkexec with 1/);
});

/** Runs the terminal's process as VS Code would, without a terminal; resolves the recorded exit code. */
function runLaunch(launch: { shellPath: string; shellArgs: string[] }, statusFile: string): Promise<{ code: number | undefined; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(launch.shellPath, launch.shellArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdin.end('\n');
    child.on('close', () => {
      const text = fs.existsSync(statusFile) ? fs.readFileSync(statusFile, 'utf8').trim() : '';
      resolve({ code: /^\d+$/.test(text) ? Number(text) : undefined, output });
    });
  });
}

test('the write script for real: dd writes the image, reads it back, and a mismatch is caught', async () => {
  const dir = tempDir();
  const image = path.join(dir, 'nixos.iso');
  fs.writeFileSync(image, Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 31) % 251)));
  const drive = path.join(dir, 'drive.img');
  // A "drive" bigger than the image, holding other data: only the image's bytes are compared.
  fs.writeFileSync(drive, Buffer.alloc(8 * 1024 * 1024, 0xaa));
  const real: WriteTools = { elevation: which('env')!, shell: '/bin/sh', dd: which('dd')!, sha256sum: which('sha256sum')!, head: which('head')!, sync: which('sync')!, umount: which('true')! };
  const status = path.join(dir, 'exit');
  const launch = writeTerminalLaunch(real, { image, size: fs.statSync(image).size, target: drive, unmount: [], statusFile: status });
  const ok = await runLaunch(launch, status);
  assert.equal(ok.code, 0, ok.output);
  assert.match(ok.output, /Verified: SHA-256 [0-9a-f]{64}/);
  assert.ok(fs.readFileSync(drive).subarray(0, fs.statSync(image).size).equals(fs.readFileSync(image)));

  // A drive that returns other bytes than were written (here: `head` replaced by a liar).
  const liar = path.join(dir, 'liar');
  fs.writeFileSync(liar, '#!/bin/sh\necho counterfeit\n', { mode: 0o755 });
  fs.rmSync(status, { force: true });
  const bad = await runLaunch(writeTerminalLaunch({ ...real, head: liar }, { image, size: fs.statSync(image).size, target: drive, unmount: [], statusFile: status }), status);
  assert.equal(bad.code, 3, bad.output);
  assert.match(bad.output, /Verification FAILED/);

  // Paths with spaces and quotes stay single arguments.
  const odd = path.join(dir, "it's a drive.img");
  fs.writeFileSync(odd, '');
  fs.rmSync(status, { force: true });
  const quoted = await runLaunch(writeTerminalLaunch(real, { image, size: fs.statSync(image).size, target: odd, unmount: [], statusFile: status }), status);
  assert.equal(quoted.code, 0, quoted.output);
  assert.throws(() => writeTerminalLaunch({ ...real, dd: 'dd' }, { image, size: 1, target: drive, unmount: [], statusFile: status }), /not an absolute path: dd/);
});

test('which finds absolute paths only, outside excluded folders', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'sudo'), '#!/bin/sh\n', { mode: 0o755 });
  assert.equal(which('sudo', { path: `relative/bin:${dir}` }), path.join(dir, 'sudo'));
  assert.notEqual(which('sudo', { path: dir, exclude: [dir] }), path.join(dir, 'sudo'), 'a workspace folder is never trusted for sudo');
  assert.equal(which('../sudo'), undefined);
  assert.equal(which('sh', { path: '' }), '/usr/bin/sh');
});
