import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  RECOVERY_MODULES,
  classify,
  describeSituation,
  explain,
  isInRecovery,
  moduleWithArticle,
  recoveryStatusText,
  type JetsonDevice,
} from '../../client/src/usb/ids';
import { MAX_USB_ENTRIES, NODE_SYSFS, scanJetsonDevices, scanUsbDevices, usbDevicesDir, type SysfsReader } from '../../client/src/usb/sysfs';
import { DeviceMonitor } from '../../client/src/usb/monitor';
import { udevInstallCommands, udevRules, commandLine, UDEV_RULES_PATH } from '../../client/src/usb/udev';
import { SysfsFixture } from '../support/sysfs';
import type { Schema } from '../../server/src/schema/types';

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'server', 'schema', 'jetpack-nixos.json'), 'utf8')) as Schema;

function withFixture(fn: (fixture: SysfsFixture) => Promise<void>): () => Promise<void> {
  return async () => {
    const fixture = new SysfsFixture();
    try {
      await fn(fixture);
    } finally {
      fixture.cleanup();
    }
  };
}

const EXPECTED: Record<string, { name: string; soms: string[]; status: string }> = {
  '7023': { name: 'AGX Orin', soms: ['orin-agx', 'orin-agx-industrial'], status: 'AGX Orin in recovery (0955:7023)' },
  '7223': { name: 'AGX Orin', soms: ['orin-agx'], status: 'AGX Orin 32 GB in recovery (0955:7223)' },
  '7323': { name: 'Orin NX', soms: ['orin-nx'], status: 'Orin NX 16 GB in recovery (0955:7323)' },
  '7423': { name: 'Orin NX', soms: ['orin-nx'], status: 'Orin NX 8 GB in recovery (0955:7423)' },
  '7523': { name: 'Orin Nano', soms: ['orin-nano'], status: 'Orin Nano 8 GB in recovery (0955:7523)' },
  '7623': { name: 'Orin Nano', soms: ['orin-nano'], status: 'Orin Nano 4 GB in recovery (0955:7623)' },
  '7019': { name: 'AGX Xavier', soms: ['xavier-agx', 'xavier-agx-industrial'], status: 'AGX Xavier in recovery (0955:7019)' },
  '7e19': { name: 'Xavier NX', soms: ['xavier-nx', 'xavier-nx-emmc'], status: 'Xavier NX in recovery (0955:7e19)' },
  '7026': { name: 'AGX Thor', soms: ['thor-agx'], status: 'AGX Thor in recovery (0955:7026)' },
};

test('every recovery id in the table is found in sysfs and named', withFixture(async (fixture) => {
  for (const [productId, expected] of Object.entries(EXPECTED)) {
    fixture.add({ port: '1-4', vendorId: '0955', productId, product: 'APX', manufacturer: 'NVIDIA Corp.', busnum: 1, devnum: 9 });
    const devices = await scanJetsonDevices(fixture.root);
    assert.equal(devices.length, 1, productId);
    const device = devices[0]!;
    assert.equal(device.kind, 'recovery', productId);
    assert.equal(device.module?.name, expected.name, productId);
    assert.deepEqual(device.module?.soms, expected.soms, productId);
    assert.equal(recoveryStatusText(devices), expected.status);
    assert.deepEqual([device.port, device.busnum, device.devnum, device.product], ['1-4', 1, 9, 'APX']);
    fixture.remove('1-4');
  }
  assert.deepEqual(await scanJetsonDevices(fixture.root), []);
  assert.equal(Object.keys(EXPECTED).length, RECOVERY_MODULES.length);
}));

test('ids are read case-insensitively (sysfs prints lower case, but a hand-made tree may not)', () => {
  const device = classify({ port: '1-1', vendorId: '0955', productId: '7E19' });
  assert.equal(device?.module?.name, 'Xavier NX');
  assert.equal(moduleWithArticle(device!), 'a Xavier NX (0955:7E19)');
});

test('the SoMs of each id agree with the schema\'s recovery USB ids', () => {
  for (const som of schema.soms) {
    for (const id of som.recoveryUsbIds) {
      const module = RECOVERY_MODULES.find((m) => m.productId === id);
      assert.ok(module?.soms.includes(som.som), `${som.som} lists 0955:${id}, which the table does not map to it`);
    }
  }
  for (const module of RECOVERY_MODULES) {
    for (const som of module.soms) {
      assert.ok(schema.soms.find((s) => s.som === som)?.recoveryUsbIds.includes(module.productId), `${module.productId} → ${som} is not in the schema`);
    }
  }
});

test('look-alikes are recognised and explained, and foreign devices ignored', withFixture(async (fixture) => {
  fixture.add({ port: '1-1', vendorId: '0955', productId: '7020', product: 'Jetson', manufacturer: 'NVIDIA' });
  fixture.add({ port: '1-2', vendorId: '0955', productId: '7045', product: 'Debug controller' });
  fixture.add({ port: '1-3', vendorId: '1d6b', productId: '0104', manufacturer: 'NixOS', product: 'serial', serial: '0' });
  fixture.add({ port: '1-5', vendorId: '1d6b', productId: '0104', manufacturer: 'Raspberry Pi', product: 'Gadget serial' });
  fixture.add({ port: '1-6', vendorId: '046d', productId: 'c52b', manufacturer: 'Logitech', product: 'USB Receiver' });
  fixture.add({ port: '1-7', vendorId: '0955', productId: '7abc' });
  fixture.add({ port: '1-8', vendorId: '0955', productId: 'b400' });
  const devices = await scanJetsonDevices(fixture.root);
  assert.deepEqual(
    devices.map((d) => [d.port, d.kind]),
    [
      ['1-1', 'booted'],
      ['1-2', 'debug-controller'],
      ['1-3', 'flashing'],
      ['1-7', 'unknown-recovery'],
    ],
  );
  const [booted, debug, flashing, unknown] = devices as [JetsonDevice, JetsonDevice, JetsonDevice, JetsonDevice];
  assert.match(explain(booted), /booted normally \(0955:7020\).*hold Force Recovery, press Reset/);
  assert.match(explain(debug), /debug and automation controller.*not the module to flash/);
  assert.match(explain(flashing), /a flash is in progress/);
  assert.match(explain(unknown), /product id 7abc is not in our table/);
  assert.deepEqual(devices.filter(isInRecovery).map((d) => d.port), ['1-7']);
  assert.equal(recoveryStatusText(devices), 'Jetson in recovery (0955:7abc)');
  // Neither the debug controller nor the look-alikes make a status item on their own.
  assert.equal(recoveryStatusText([booted, debug, flashing]), undefined);
  assert.match(describeSituation([debug, flashing]), /already in progress.*USB 1-3/);
  assert.match(describeSituation([debug, booted]), /USB 1-1 booted normally.*hold Force Recovery/);
  assert.match(describeSituation([debug]), /No Jetson in recovery mode/);
}));

test('several devices are listed in port order, root hubs and interfaces skipped', withFixture(async (fixture) => {
  fixture.add({ port: '1-10', vendorId: '0955', productId: '7323' });
  fixture.add({ port: '1-2', vendorId: '0955', productId: '7023' });
  fixture.add({ port: '1-2.4', vendorId: '0955', productId: '7045' });
  fixture.add({ port: '2-1', vendorId: '0955', productId: '7623' });
  const all = await scanUsbDevices(fixture.root);
  assert.ok(!all.some((d) => d.port === 'usb1' || d.port.includes(':')));
  const devices = await scanJetsonDevices(fixture.root);
  assert.deepEqual(devices.map((d) => d.port), ['1-2', '1-2.4', '1-10', '2-1']);
  assert.equal(recoveryStatusText(devices), '3 Jetsons in recovery');
}));

test('unreadable or missing files do not break the scan', withFixture(async (fixture) => {
  fixture.add({ port: '1-1', vendorId: '0955', productId: '7023', product: 'APX', serial: 'abc', busnum: 1, devnum: 3 });
  fixture.add({ port: '1-2', vendorId: '0955', productId: '7323', product: 'APX' });
  fixture.add({ port: '1-3', vendorId: '0955', productId: '7523' });
  fixture.makeUnreadable('1-1', 'product');
  fixture.makeUnreadable('1-1', 'serial');
  fixture.makeUnreadable('1-1', 'devnum');
  fixture.makeUnreadable('1-2', 'idProduct');
  // A device whose id files say something that is not an id is skipped, not trusted.
  fs.writeFileSync(path.join(fixture.root, 'bus', 'usb', 'devices', '1-3', 'idVendor'), 'garbage\n');
  const devices = await scanJetsonDevices(fixture.root);
  assert.deepEqual(devices.map((d) => d.port), ['1-1']);
  assert.equal(devices[0]!.product, undefined);
  assert.equal(devices[0]!.serial, undefined);
  assert.equal(devices[0]!.devnum, undefined);
  assert.equal(devices[0]!.busnum, 1);
  assert.equal(devices[0]!.module?.name, 'AGX Orin');
}));

test('a hostile tree cannot hurt the scan: idVendor linked to /dev/zero, a FIFO, a huge file', { timeout: 20_000 }, withFixture(async (fixture) => {
  // The reproducer of the crash: a workspace pointed jetsonNix.usb.sysfsRoot at a committed tree
  // whose idVendor is a symbolic link to /dev/zero, and readFileSync took the extension host down.
  const zero = fixture.add({ port: '1-4', vendorId: '0955', productId: '7023' });
  fs.rmSync(path.join(zero, 'idVendor'));
  fs.symlinkSync('/dev/zero', path.join(zero, 'idVendor'));
  const fifo = fixture.add({ port: '1-5', vendorId: '0955', productId: '7023' });
  fs.rmSync(path.join(fifo, 'idProduct'));
  execFileSync('mkfifo', [path.join(fifo, 'idProduct')]);
  const huge = fixture.add({ port: '1-6', vendorId: '0955', productId: '7023' });
  fs.truncateSync(path.join(huge, 'idVendor'), 512 * 1024 * 1024);
  fixture.add({ port: '1-7', vendorId: '0955', productId: '7323', product: 'APX' });
  const before = process.memoryUsage().rss;
  const devices = await scanJetsonDevices(fixture.root);
  const grown = process.memoryUsage().rss - before;
  assert.deepEqual(devices.map((d) => d.port), ['1-7']);
  assert.ok(grown < 64 * 1024 * 1024, `the scan grew memory by ${Math.round(grown / 1024 / 1024)} MB`);
  // Each refusal names the file and why, for the log.
  await assert.rejects(NODE_SYSFS.readFile(path.join(zero, 'idVendor')), /idVendor is not a regular file \(a device\)/);
  await assert.rejects(NODE_SYSFS.readFile(path.join(fifo, 'idProduct')), /idProduct is not a regular file \(a named pipe\)/);
  await assert.rejects(NODE_SYSFS.readFile(path.join(huge, 'idVendor')), /idVendor is too large to read/);
}));

test('the scan reads at most MAX_USB_ENTRIES entries of a huge USB folder', withFixture(async (fixture) => {
  const dir = usbDevicesDir(fixture.root);
  for (let i = 0; i < MAX_USB_ENTRIES + 50; i++) fs.mkdirSync(path.join(dir, `9-${i}`));
  let reads = 0;
  const counting: SysfsReader = { readdir: NODE_SYSFS.readdir, readFile: (file) => (reads++, NODE_SYSFS.readFile(file)) };
  assert.deepEqual(await scanUsbDevices(fixture.root, counting), []);
  assert.ok(reads <= MAX_USB_ENTRIES, `${reads} files read`);
  assert.equal((await NODE_SYSFS.readdir(dir)).length, MAX_USB_ENTRIES);
}));

test('a missing or unreadable USB directory means no devices', async () => {
  assert.deepEqual(await scanJetsonDevices('/nonexistent-jetson-nix-root'), []);
  const fixture = new SysfsFixture();
  try {
    fs.rmSync(usbDevicesDir(fixture.root), { recursive: true });
    fs.writeFileSync(usbDevicesDir(fixture.root), 'not a directory');
    assert.deepEqual(await scanJetsonDevices(fixture.root), []);
  } finally {
    fixture.cleanup();
  }
});

test('a device vanishing between listing and reading is skipped', withFixture(async (fixture) => {
  fixture.add({ port: '1-1', vendorId: '0955', productId: '7023' });
  fixture.add({ port: '1-2', vendorId: '0955', productId: '7323' });
  fixture.add({ port: '1-3', vendorId: '0955', productId: '7523', product: 'APX' });
  let reads = 0;
  // The listing still names 1-2; it is gone by the time its files are read. 1-3 vanishes halfway
  // through (its ids were read, its other files are gone).
  const reader: SysfsReader = {
    readdir: async (dir) => {
      const entries = await NODE_SYSFS.readdir(dir);
      fixture.remove('1-2');
      return entries;
    },
    readFile: async (file) => {
      const text = await NODE_SYSFS.readFile(file);
      if (file.includes(`${path.sep}1-3${path.sep}idProduct`)) fixture.remove('1-3');
      reads++;
      return text;
    },
  };
  const devices = await scanJetsonDevices(fixture.root, reader);
  assert.deepEqual(devices.map((d) => [d.port, d.productId, d.product]), [
    ['1-1', '7023', undefined],
    ['1-3', '7523', undefined],
  ]);
  assert.ok(reads > 0);
}));

test('the monitor polls only while demanded and reports only real changes', withFixture(async (fixture) => {
  let scans = 0;
  const monitor = new DeviceMonitor({
    scan: () => {
      scans++;
      return scanJetsonDevices(fixture.root);
    },
    intervalMs: 20,
  });
  const seen: string[][] = [];
  monitor.onDidChange((devices) => seen.push(devices.map((d) => `${d.port}:${d.productId}`)));
  await sleep(100);
  assert.equal(scans, 0, 'no demand, no polling');
  assert.equal(monitor.polling, false);

  const view = monitor.demand('view');
  fixture.add({ port: '1-4', vendorId: '0955', productId: '7023' });
  await waitFor(() => seen.length === 1);
  assert.deepEqual(seen[0], ['1-4:7023']);
  const scansBefore = scans;
  await waitFor(() => scans >= scansBefore + 3);
  assert.equal(seen.length, 1, 'unchanged scans fire no event');

  fixture.remove('1-4');
  fixture.add({ port: '1-4', vendorId: '1d6b', productId: '0104', manufacturer: 'NixOS', product: 'serial' });
  // Reads are asynchronous: a scan already under way may read the old idVendor and the new
  // idProduct (as on a real bus when a board re-enumerates mid-scan); the next scan settles it.
  await waitFor(() => seen.at(-1)?.join() === '1-4:0104');

  const flow = monitor.demand('flash');
  view.dispose();
  assert.equal(monitor.polling, true, 'another demand keeps it polling');
  flow.dispose();
  assert.equal(monitor.polling, false);
  await sleep(50);
  const idle = scans;
  await sleep(100);
  assert.equal(scans, idle, 'polling stops when the last demand goes');

  // A scan on request works without polling, and picks up the change.
  const events = seen.length;
  fixture.remove('1-4');
  assert.deepEqual(await monitor.refresh(), []);
  assert.deepEqual(seen.slice(events), [[]]);
  monitor.dispose();
}));

test('the monitor survives a failing scan and a failing listener', async () => {
  let fail = true;
  const logged: string[] = [];
  const monitor = new DeviceMonitor({
    scan: async () => {
      if (fail) throw new Error('EIO');
      return [classify({ port: '1-1', vendorId: '0955', productId: '7019' })!];
    },
    intervalMs: 10,
    log: (m) => logged.push(m),
  });
  let heard = 0;
  monitor.onDidChange(() => {
    throw new Error('listener bug');
  });
  monitor.onDidChange(() => heard++);
  const hold = monitor.demand('test');
  await waitFor(() => logged.some((l) => l.includes('EIO')));
  fail = false;
  await waitFor(() => heard === 1);
  assert.equal(monitor.devices[0]?.module?.name, 'AGX Xavier');
  hold.dispose();
  monitor.dispose();
});

test('udev rules: one line per recovery id, for plugdev and the seat user', () => {
  const rules = udevRules();
  const lines = rules.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.equal(lines.length, RECOVERY_MODULES.length);
  for (const module of RECOVERY_MODULES) {
    assert.ok(
      lines.includes(`SUBSYSTEMS=="usb", ATTRS{idVendor}=="0955", ATTRS{idProduct}=="${module.productId}", GROUP="plugdev", TAG+="uaccess"`),
      module.productId,
    );
  }
  const commands = udevInstallCommands('/tmp/jn dir/70-jetson.rules').map(commandLine);
  assert.deepEqual(commands, [
    `sudo install -m 0644 '/tmp/jn dir/70-jetson.rules' ${UDEV_RULES_PATH}`,
    'sudo udevadm control --reload-rules',
    'sudo udevadm trigger --subsystem-match=usb --attr-match=idVendor=0955',
  ]);
  assert.equal(commandLine(["it's $(x)"]), `'it'\\''s $(x)'`);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for a condition');
    await sleep(5);
  }
}
