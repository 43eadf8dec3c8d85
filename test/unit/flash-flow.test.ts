import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classify, type JetsonDevice, type UsbDevice } from '../../client/src/usb/ids';
import { Emitter, type DeviceSource, type Disposable } from '../../client/src/usb/monitor';
import { FlashFlow } from '../../client/src/flash/flow';
import type {
  BuildResult,
  CandidateChoice,
  FlashDependencies,
  FlashOutcome,
  FlashRequest,
  FlashStep,
  FlashSummary,
  FlashWarning,
  ScriptLaunch,
} from '../../client/src/flash/dependencies';
import {
  KNOWN_SOMS,
  REFERENCE_FLASH_PACKAGES,
  candidateFromInstallable,
  configurationCandidate,
  defaultJetpack,
  flashScriptInstallable,
  packageCandidate,
  parseFlashPackageName,
  referenceCandidates,
  type FlashCandidate,
  type FlashTarget,
} from '../../client/src/flash/candidates';
import { checkHost } from '../../client/src/flash/preflight';
import { parseFlashArgument } from '../../client/src/flash/argument';
import { installerCommand } from '../../client/src/flash/outcome';
import { locateElevation, parseStatusFile, terminalLaunch } from '../../client/src/flash/script';
import { BuiltResults, isStorePath } from '../../client/src/flash/built';
import { run } from '../../client/src/nix/exec';
import type { Schema } from '../../server/src/schema/types';

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'server', 'schema', 'jetpack-nixos.json'), 'utf8')) as Schema;

const ORIN_AGX: UsbDevice = { port: '1-4', vendorId: '0955', productId: '7023', product: 'APX', busnum: 1, devnum: 7 };
const ORIN_NX: UsbDevice = { port: '2-1', vendorId: '0955', productId: '7323', product: 'APX', busnum: 2, devnum: 3 };
const GADGET: UsbDevice = { port: '1-4', vendorId: '1d6b', productId: '0104', manufacturer: 'NixOS', product: 'serial', serial: '0' };
const BOOTED: UsbDevice = { port: '1-4', vendorId: '0955', productId: '7020' };
const OUT = '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-flash-robot';
const SUDO = '/usr/bin/sudo';

/** An in-memory device list: tests change it as a board would, and listeners hear it on the next refresh. */
class FakeDevices implements DeviceSource {
  devices: readonly JetsonDevice[] = [];
  demands = 0;
  private readonly changed = new Emitter<readonly JetsonDevice[]>();

  constructor(...initial: UsbDevice[]) {
    this.set(...initial);
  }

  set(...usb: UsbDevice[]): void {
    this.devices = usb.map((d) => classify(d)!);
    this.changed.fire(this.devices);
  }

  async refresh(): Promise<readonly JetsonDevice[]> {
    return this.devices;
  }

  onDidChange(listener: (devices: readonly JetsonDevice[]) => void): Disposable {
    return this.changed.event(listener);
  }

  demand(): Disposable {
    this.demands++;
    return { dispose: () => this.demands-- };
  }
}

interface Answers {
  waitForDevice?: (appeared: Promise<void>) => Promise<boolean>;
  pickDevice?: (devices: readonly JetsonDevice[]) => JetsonDevice | undefined;
  pickCandidate?: (choices: readonly CandidateChoice[]) => FlashCandidate | undefined;
  warn?: boolean[];
  pickScript?: (scripts: readonly string[]) => string | undefined;
  confirm?: boolean;
}

/** Records every question and answers from a script, as a user would. */
class FakeUi {
  readonly asked: string[] = [];
  readonly warnings: FlashWarning[] = [];
  readonly progress: string[] = [];
  summary: FlashSummary | undefined;
  choices: readonly CandidateChoice[] = [];

  constructor(private readonly answers: Answers) {}

  readonly ui = {
    waitForDevice: async (situation: string, appeared: Promise<void>) => {
      this.asked.push(`wait: ${situation}`);
      return this.answers.waitForDevice ? this.answers.waitForDevice(appeared) : appeared.then(() => true);
    },
    pickDevice: async (devices: readonly JetsonDevice[]) => {
      this.asked.push('pickDevice');
      return this.answers.pickDevice ? this.answers.pickDevice(devices) : devices[0];
    },
    pickCandidate: async (choices: readonly CandidateChoice[]) => {
      this.asked.push('pickCandidate');
      this.choices = choices;
      return this.answers.pickCandidate ? this.answers.pickCandidate(choices) : choices[0]?.candidate;
    },
    warn: async (warning: FlashWarning) => {
      this.asked.push('warn');
      this.warnings.push(warning);
      return this.answers.warn?.[this.warnings.length - 1] ?? false;
    },
    pickScript: async (scripts: readonly string[]) => {
      this.asked.push('pickScript');
      return this.answers.pickScript ? this.answers.pickScript(scripts) : scripts[0];
    },
    confirm: async (summary: FlashSummary) => {
      this.asked.push('confirm');
      this.summary = summary;
      return this.answers.confirm ?? true;
    },
    progress: (message: string) => {
      this.progress.push(message);
    },
  };
}

const robot = configurationCandidate('/work/fleet', { name: 'robot', som: 'orin-agx', carrierBoard: 'devkit' });
const nxBot = configurationCandidate('/work/fleet', { name: 'nx-bot', som: 'orin-nx', carrierBoard: 'devkit', majorVersion: '7' });

interface Harness {
  devices: FakeDevices;
  ui: FakeUi;
  builds: FlashTarget[];
  launches: ScriptLaunch[];
  steps: FlashStep[];
  controller: AbortController;
  deps: FlashDependencies;
  run(request?: FlashRequest): Promise<FlashOutcome>;
}

interface Setup {
  devices?: UsbDevice[];
  answers?: Answers;
  candidates?: FlashCandidate[];
  host?: { platform: string; arch: string };
  /** Where sudo is on the system's PATH; null: nowhere. */
  elevationPath?: string | null;
  build?: (target: FlashTarget, signal: AbortSignal, h: Harness) => Promise<BuildResult>;
  bin?: string[];
  /** What the board does while the script runs; returns the exit code. */
  script?: (h: Harness, signal: AbortSignal) => Promise<number | undefined>;
  onStep?: (step: FlashStep, h: Harness) => void;
}

function harness(setup: Setup = {}): Harness {
  const h = {
    devices: new FakeDevices(...(setup.devices ?? [ORIN_AGX])),
    ui: new FakeUi(setup.answers ?? {}),
    builds: [] as FlashTarget[],
    launches: [] as ScriptLaunch[],
    steps: [] as FlashStep[],
    controller: new AbortController(),
  } as Harness;
  h.deps = {
    devices: h.devices,
    candidates: async () => setup.candidates ?? [robot],
    host: setup.host ?? { platform: 'linux', arch: 'x64' },
    elevation: 'sudo',
    locateElevation: () => (setup.elevationPath === null ? undefined : (setup.elevationPath ?? SUDO)),
    build: async (target, signal) => {
      h.builds.push(target);
      return setup.build ? setup.build(target, signal, h) : { ok: true, cancelled: false, outPaths: [OUT] };
    },
    listDirectory: async (dir) => {
      assert.equal(dir, path.join(OUT, 'bin'));
      return setup.bin ?? ['initrd-flash-orin-agx-devkit'];
    },
    runScript: async (launch, signal) => {
      h.launches.push(launch);
      return setup.script ? setup.script(h, signal) : successfulFlash(h);
    },
    ui: h.ui.ui,
    log: () => undefined,
    onStep: (step) => {
      h.steps.push(step);
      setup.onStep?.(step, h);
    },
  };
  h.run = (request) => new FlashFlow(h.deps, h.controller.signal).run(request);
  return h;
}

/** What a real flash looks like on USB: recovery device gone, the gadget up, then gone. */
async function successfulFlash(h: Harness, exitCode = 0): Promise<number> {
  h.devices.set();
  h.devices.set(GADGET);
  h.devices.set();
  return exitCode;
}

test('a successful flash: one device, one fitting configuration, build, confirm, run, follow', async () => {
  const h = harness();
  const outcome = await h.run();
  assert.equal(outcome.status, 'flashed', outcome.message);
  assert.deepEqual(h.steps, ['host', 'pick-device', 'pick-configuration', 'preflight', 'build', 'locate-script', 'confirm', 'flash']);
  assert.deepEqual(h.ui.asked, ['pickCandidate', 'confirm'], 'one device is not asked for, a match is not warned about');
  assert.deepEqual(h.builds, [robot.target]);
  assert.equal(robot.target.installable, '.#nixosConfigurations.robot.config.system.build.flashScript');
  assert.deepEqual(h.launches, [{ script: path.join(OUT, 'bin', 'initrd-flash-orin-agx-devkit'), title: 'Flash AGX Orin', elevation: 'sudo', elevationPath: SUDO }]);
  const summary = h.ui.summary!;
  assert.equal(summary.message, 'Flash the AGX Orin on USB 1-4 with robot?');
  assert.match(summary.detail, /Module: AGX Orin \(P3701-0000, -0005 or -0008\), 0955:7023 on USB 1-4, bus 1 device 7\./);
  assert.match(summary.detail, /Configuration: robot \(orin-agx · devkit · JetPack 6\)/);
  assert.match(summary.detail, /QSPI flash\. The root filesystem \(eMMC, NVMe, SD card\) is not touched\./);
  assert.match(summary.detail, /initrd-flash-orin-agx-devkit as root through sudo in a terminal, where you type your password/);
  // What will run as root, in full: the store path the build produced, and the sudo found on the system's PATH.
  assert.match(summary.detail, /\nScript: \/nix\/store\/0123456789abcdfghijklmnpqrsvwxyz-flash-robot\/bin\/initrd-flash-orin-agx-devkit\nRoot through: \/usr\/bin\/sudo$/);
  assert.equal(summary.action, 'Flash');
  assert.deepEqual(outcome.observations, ['left-recovery', 'gadget-appeared', 'gadget-gone']);
  assert.equal(outcome.exitCode, 0);
  assert.equal(outcome.message, 'The AGX Orin was flashed with the firmware of robot.');
  assert.match(outcome.details.join('\n'), /nix build github:anduril\/jetpack-nixos#iso_minimal`/);
  assert.match(outcome.details.join('\n'), /On Orin the console is on the UART/);
  assert.ok(h.ui.progress.some((p) => p.includes('writing the firmware')));
  assert.equal(h.devices.demands, 0, 'no polling is left behind');
});

test('the host must be x86_64 Linux: refused before anything else', async () => {
  for (const host of [{ platform: 'linux', arch: 'arm64' }, { platform: 'darwin', arch: 'x64' }]) {
    const h = harness({ host });
    const outcome = await h.run();
    assert.equal(outcome.status, 'refused');
    assert.equal(outcome.step, 'host');
    assert.match(outcome.message, /needs an x86_64 Linux computer/);
    assert.deepEqual([h.ui.asked, h.builds, h.launches], [[], [], []]);
  }
  assert.match(checkHost('linux', 'arm64')!, /this one is aarch64-linux/);
  assert.equal(checkHost('linux', 'x64'), undefined);
});

test('a SoM mismatch is refused with a precise sentence unless overridden twice', async () => {
  const refused = harness({ candidates: [nxBot], answers: { warn: [false] } });
  const outcome = await refused.run();
  assert.equal(outcome.status, 'refused');
  assert.equal(outcome.step, 'preflight');
  assert.equal(outcome.message, 'The configuration targets orin-nx but the connected module is an AGX Orin (0955:7023).');
  assert.equal(refused.ui.warnings[0]!.action, 'Flash anyway…');
  assert.deepEqual(refused.builds, []);

  const halfway = harness({ candidates: [nxBot], answers: { warn: [true, false] } });
  assert.equal((await halfway.run()).status, 'refused');
  assert.match(halfway.ui.warnings[1]!.message, /Firmware built for orin-nx can leave an AGX Orin unable to boot/);
  assert.equal(halfway.ui.warnings[1]!.action, 'Flash anyway');
  assert.deepEqual(halfway.builds, []);

  const overridden = harness({ candidates: [nxBot], answers: { warn: [true, true] } });
  assert.equal((await overridden.run()).status, 'flashed');
  assert.equal(overridden.ui.warnings.length, 2);
  assert.deepEqual(overridden.builds, [nxBot.target]);
});

test('generic and unknown SoMs: refused outright; an unreadable SoM or unknown module needs one explicit choice', async () => {
  const generic = harness({ candidates: [configurationCandidate('/f', { name: 'gen', som: 'generic' })] });
  const outcome = await generic.run();
  assert.equal(outcome.status, 'refused');
  assert.match(outcome.message, /gen has som = "generic", which has no flash target.*"orin-agx" or "orin-agx-industrial"/);
  assert.deepEqual(generic.ui.warnings, []);

  const typo = harness({ candidates: [configurationCandidate('/f', { name: 'typo', som: 'orin-agx-64' })] });
  assert.match((await typo.run()).message, /som = "orin-agx-64", which jetpack-nixos does not know/);

  const computed = configurationCandidate('/f', { name: 'computed' });
  const unsure = harness({ candidates: [computed], answers: { warn: [false] } });
  const declined = await unsure.run();
  assert.equal(declined.status, 'refused');
  assert.match(declined.message, /could not read the SoM of computed from its modules/);
  const accepted = harness({ candidates: [computed], answers: { warn: [true] } });
  assert.equal((await accepted.run()).status, 'flashed');
  assert.equal(accepted.ui.warnings.length, 1);

  const newModule = harness({ devices: [{ port: '3-1', vendorId: '0955', productId: '7326' }], answers: { warn: [true] } });
  const flashed = await newModule.run();
  assert.equal(flashed.status, 'flashed');
  assert.match(newModule.ui.warnings[0]!.message, /\(0955:7326\) is not in Jetson Nix's table/);
});

test('several devices: the user picks one; a pre-selected one is used without asking', async () => {
  const h = harness({ devices: [ORIN_AGX, ORIN_NX], candidates: [robot, nxBot], answers: { pickDevice: (d) => d.find((x) => x.port === '2-1') } });
  const outcome = await h.run();
  assert.equal(outcome.status, 'flashed');
  assert.deepEqual(h.ui.asked, ['pickDevice', 'pickCandidate', 'confirm']);
  // The configuration that fits the chosen Orin NX is offered first.
  assert.deepEqual(h.ui.choices.map((c) => [c.candidate.name, c.check.verdict]), [
    ['nx-bot', 'match'],
    ['robot', 'mismatch'],
  ]);
  assert.equal(outcome.candidate?.name, 'nx-bot');

  const preselected = harness({ devices: [ORIN_AGX, ORIN_NX] });
  assert.equal((await preselected.run({ devicePort: '1-4', candidate: robot })).status, 'flashed');
  assert.deepEqual(preselected.ui.asked, ['confirm']);

  const gone = harness({ devices: [ORIN_NX] });
  const refused = await gone.run({ devicePort: '1-4' });
  assert.equal(refused.status, 'refused');
  assert.match(refused.message, /The Jetson on USB 1-4 is no longer in recovery mode/);
});

test('no device in recovery: the flow waits for one, explaining what it sees', async () => {
  const h = harness({
    devices: [BOOTED],
    answers: {
      waitForDevice: async (appeared) => {
        setTimeout(() => h.devices.set(ORIN_AGX), 10);
        await appeared;
        return true;
      },
    },
  });
  const outcome = await h.run();
  assert.equal(outcome.status, 'flashed');
  assert.match(h.ui.asked[0]!, /^wait: The Jetson on USB 1-4 booted normally \(0955:7020\): put it in recovery: hold Force Recovery, press Reset/);

  const busy = harness({ devices: [GADGET] });
  const refused = await busy.run();
  assert.equal(refused.status, 'refused');
  assert.match(refused.message, /A flash is already in progress/);
});

test('cancelling at each question leaves nothing built and nothing running', async () => {
  const cases: Array<[string, Setup, FlashStep]> = [
    ['waiting for a device', { devices: [], answers: { waitForDevice: async () => false } }, 'pick-device'],
    ['picking the device', { devices: [ORIN_AGX, ORIN_NX], answers: { pickDevice: () => undefined } }, 'pick-device'],
    ['picking the configuration', { answers: { pickCandidate: () => undefined } }, 'pick-configuration'],
    ['picking among several scripts', { bin: ['initrd-flash-a', 'initrd-flash-b'], answers: { pickScript: () => undefined } }, 'locate-script'],
    ['the confirmation', { answers: { confirm: false } }, 'confirm'],
  ];
  for (const [name, setup, step] of cases) {
    const h = harness(setup);
    const outcome = await h.run();
    assert.equal(outcome.status, 'cancelled', name);
    assert.equal(outcome.step, step, name);
    assert.match(outcome.message, /nothing was written/, name);
    assert.deepEqual(h.launches, [], name);
    assert.equal(h.devices.demands, 0, name);
    if (step !== 'confirm' && step !== 'locate-script') assert.deepEqual(h.builds, [], name);
  }
});

test('cancelling through the signal stops the step that is running', async () => {
  // At each step boundary.
  for (const at of ['pick-device', 'pick-configuration', 'preflight', 'build', 'locate-script', 'confirm'] as FlashStep[]) {
    const h = harness({ onStep: (step, self) => step === at && self.controller.abort() });
    const outcome = await h.run();
    assert.equal(outcome.status, 'cancelled', at);
    assert.deepEqual(h.launches, [], at);
  }
  // While waiting for a device that never comes.
  const waiting = harness({ devices: [], answers: { waitForDevice: () => new Promise<boolean>(() => undefined) } });
  setTimeout(() => waiting.controller.abort(), 10);
  assert.equal((await waiting.run()).status, 'cancelled');
  assert.equal(waiting.devices.demands, 0);
  // During the build: the build machinery hears the signal and reports a cancelled build.
  const building = harness({
    build: (_target, signal, self) =>
      new Promise((resolve) => {
        signal.addEventListener('abort', () => resolve({ ok: false, cancelled: true, outPaths: [] }));
        self.controller.abort();
      }),
  });
  const cancelledBuild = await building.run();
  assert.deepEqual([cancelledBuild.status, cancelledBuild.step], ['cancelled', 'build']);
  assert.deepEqual(building.launches, []);
  // While the script runs: the runner stops it; the user is told the flash is incomplete.
  const flashing = harness({
    script: (self, signal) =>
      new Promise((resolve) => {
        self.devices.set(GADGET);
        signal.addEventListener('abort', () => resolve(undefined));
        self.controller.abort();
      }),
  });
  const stopped = await flashing.run();
  assert.deepEqual([stopped.status, stopped.step], ['cancelled', 'flash']);
  assert.match(stopped.message, /stopped before it finished/);
  assert.match(stopped.details[0]!, /flashing again/);
});

test('the device vanishing before the confirmation is reported and nothing runs', async () => {
  const h = harness({
    build: async (_target, _signal, self) => {
      self.devices.set(BOOTED);
      return { ok: true, cancelled: false, outPaths: [OUT] };
    },
  });
  const outcome = await h.run();
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.step, 'confirm');
  assert.equal(outcome.message, 'The AGX Orin (0955:7023) on USB 1-4 left recovery mode while the flash script was being built; nothing was written. Put it back in recovery mode and flash again.');
  assert.ok(!h.ui.asked.includes('confirm'));
  assert.deepEqual(h.launches, []);

  // Unplugged while the confirmation was open.
  const during = harness({ answers: {} });
  const confirm = during.ui.ui.confirm;
  during.deps.ui = { ...during.ui.ui, confirm: async (s) => {
    during.devices.set();
    return confirm(s);
  } };
  const late = await during.run();
  assert.equal(late.status, 'failed');
  assert.match(late.message, /left recovery mode before the flash started/);
  assert.deepEqual(during.launches, []);

  // Re-plugged into another port while building: the same module, found again.
  const moved = harness({
    build: async (_target, _signal, self) => {
      self.devices.set({ ...ORIN_AGX, port: '2-3' });
      return { ok: true, cancelled: false, outPaths: [OUT] };
    },
  });
  const flashed = await moved.run();
  assert.equal(flashed.status, 'flashed');
  assert.match(moved.ui.summary!.message, /USB 2-3/);
});

test('exit codes 1 and 2, a closed terminal and an unplugged board each get their own explanation', async () => {
  const unplugged = harness({
    script: async (self) => {
      self.devices.set();
      self.devices.set(GADGET);
      self.devices.set();
      return 1;
    },
  });
  const lost = await unplugged.run();
  assert.equal(lost.status, 'failed');
  assert.equal(lost.message, 'Flashing the AGX Orin may have failed (the flash script exited with code 1).');
  assert.match(lost.details[0]!, /disappeared from USB while the firmware was being written: the cable was unplugged/);

  const neverLeft = harness({ script: async () => 1 });
  const early = await neverLeft.run();
  assert.match(early.details[0]!, /never left recovery mode.*a mistyped password also ends sudo with code 1/);

  const neverEnumerated = harness({
    script: async (self) => {
      self.devices.set();
      return 2;
    },
  });
  const timeout = await neverEnumerated.run();
  assert.equal(timeout.status, 'failed');
  assert.match(timeout.message, /never showed up as the flashing device \(1d6b:0104 "NixOS serial"\).*exit code 2/);
  assert.match(timeout.details.join('\n'), /udev \(systemd-udevd\)/);
  assert.match(timeout.details.join('\n'), /charge-only/);

  const gadgetSeen = harness({
    script: async (self) => {
      self.devices.set(GADGET);
      return 2;
    },
  });
  assert.match((await gadgetSeen.run()).details[0]!, /Jetson Nix saw the flashing device on USB, so the host's udev did not create/);

  const closed = harness({ script: async () => undefined });
  const interrupted = await closed.run();
  assert.equal(interrupted.status, 'failed');
  assert.match(interrupted.message, /terminal was closed before the script finished/);

  const missingSudo = harness({ script: async () => 127 });
  assert.match((await missingSudo.run()).message, /sudo was not found/);
});

test('build failures, missing scripts and a finished build handed over', async () => {
  const failed = harness({ build: async () => ({ ok: false, cancelled: false, outPaths: [], message: 'error: attribute flashScript missing' }) });
  const outcome = await failed.run();
  assert.deepEqual([outcome.status, outcome.step, outcome.reported], ['failed', 'build', true]);
  assert.equal(outcome.message, 'error: attribute flashScript missing');


  const wrongOutput = harness({ bin: ['nixos-rebuild', 'switch-to-configuration'] });
  const noScript = await wrongOutput.run();
  assert.equal(noScript.status, 'failed');
  assert.match(noScript.message, /there is no bin\/initrd-flash-\* \(its bin\/ holds nixos-rebuild, switch-to-configuration\)/);

  const built = harness();
  assert.equal((await built.run({ candidate: { ...robot, outPath: OUT } })).status, 'flashed');
  assert.deepEqual(built.builds, [], 'a built flash script is not built again');

  const several = harness({ bin: ['initrd-flash-orin-agx-devkit', 'initrd-flash-orin-agx-industrial-devkit', 'flash-legacy'], answers: { pickScript: (s) => s[1] } });
  await several.run();
  assert.equal(several.launches[0]!.script, path.join(OUT, 'bin', 'initrd-flash-orin-agx-industrial-devkit'));
});

test('candidates: package names, installables, the reference packages that fit a module', () => {
  assert.deepEqual([...KNOWN_SOMS].sort(), schema.soms.map((s) => s.som).sort());
  for (const som of schema.soms) assert.equal(defaultJetpack(som.som), som.defaultJetpack, som.som);
  for (const name of REFERENCE_FLASH_PACKAGES) assert.ok(parseFlashPackageName(name), name);
  assert.deepEqual(parseFlashPackageName('flash-orin-agx-industrial-devkit-jp7'), { som: 'orin-agx-industrial', carrierBoard: 'devkit', super: false, majorVersion: '7' });
  assert.deepEqual(parseFlashPackageName('flash-orin-nx-super-xavierNxDevkit'), { som: 'orin-nx', carrierBoard: 'xavierNxDevkit', super: true, majorVersion: '6' });
  assert.deepEqual(parseFlashPackageName('flash-xavier-nx-emmc-devkit'), { som: 'xavier-nx-emmc', carrierBoard: 'devkit', super: false, majorVersion: '5' });
  assert.equal(parseFlashPackageName('flash-tool'), undefined);
  assert.equal(parseFlashPackageName('iso_minimal'), undefined);

  const agx = classify(ORIN_AGX)!;
  const fits = referenceCandidates(agx, '/home/u').map((c) => c.name);
  assert.ok(fits.includes('flash-orin-agx-devkit') && fits.includes('flash-orin-agx-industrial-devkit-jp5'));
  assert.ok(!fits.some((n) => n.includes('orin-nx')));
  assert.equal(referenceCandidates(agx, '/home/u')[0]!.target.installable, 'github:anduril/jetpack-nixos#flash-orin-agx-devkit');
  assert.equal(referenceCandidates(classify({ port: '1', vendorId: '0955', productId: '7999' })!, '/').length, REFERENCE_FLASH_PACKAGES.length);

  assert.equal(flashScriptInstallable('my.host'), '.#nixosConfigurations."my.host".config.system.build.flashScript');
  assert.equal(packageCandidate('/f', { name: 'flash-orin-nx-devkit', system: 'x86_64-linux' })?.target.installable, '.#packages.x86_64-linux.flash-orin-nx-devkit');
  assert.equal(packageCandidate('/f', { name: 'default', system: 'x86_64-linux' }), undefined);
  const fromBuild = candidateFromInstallable(
    { flakeDir: '/f', installable: '.#nixosConfigurations.robot.config.system.build.toplevel', label: 'robot' },
    [{ name: 'robot', som: 'orin-nano', carrierBoard: 'devkit' }],
  )!;
  assert.deepEqual([fromBuild.som, fromBuild.somSource, fromBuild.target.installable], ['orin-nano', 'modules', flashScriptInstallable('robot')]);
  const quoted = candidateFromInstallable({ flakeDir: '/f', installable: '.#nixosConfigurations."my.host".config.system.build.flashScript', label: 'x' }, [])!;
  assert.deepEqual([quoted.name, quoted.som, quoted.somSource], ['my.host', undefined, 'unknown']);
  const pkg = candidateFromInstallable({ flakeDir: '/f', installable: '.#packages.x86_64-linux.flash-thor-agx-devkit', label: 'p' }, [])!;
  assert.deepEqual([pkg.kind, pkg.som, pkg.majorVersion], ['package', 'thor-agx', '7']);
  assert.equal(candidateFromInstallable({ flakeDir: '/f', installable: '.#devShells.x86_64-linux.default', label: 'd' }, []), undefined);
  assert.equal(installerCommand('5'), 'nix build github:anduril/jetpack-nixos#iso_minimal_jp5');
  assert.equal(installerCommand(undefined), 'nix build github:anduril/jetpack-nixos#iso_minimal');
});

test('the terminal wrapper runs the script through the elevation command and reports its exit code', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-wrapper-'));
  try {
    const script = path.join(dir, 'initrd-flash-test');
    // The path has a space and a quote: it reaches the script as one argument, never as shell text.
    const statusFile = path.join(dir, "status 'x'");
    fs.writeFileSync(script, '#!/bin/sh\necho "flashing as $(id -un)"\nexit 2\n', { mode: 0o755 });
    assert.throws(() => terminalLaunch(SUDO, 'relative/script', statusFile), /must be absolute/);
    // A bare name would be looked up on the terminal's PATH, which a dev shell may have changed.
    assert.throws(() => terminalLaunch('sudo', script, statusFile), /sudo or pkexec path must be absolute/);
    const launch = terminalLaunch(SUDO, script, statusFile);
    assert.equal(launch.shellPath, '/bin/sh');
    assert.deepEqual(launch.shellArgs.slice(2), ['jetson-nix-flash', SUDO, script, statusFile]);
    // `env` stands in for sudo here: it runs its argument unprivileged, which is all the wrapper needs.
    const args = [...launch.shellArgs.slice(0, 3), '/usr/bin/env', script, statusFile];
    const result = await run(launch.shellPath, args, { cwd: dir, input: '\n' });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /flashing as/);
    assert.match(result.stdout, /exited with code 2\. Press Enter/);
    assert.equal(parseStatusFile(fs.readFileSync(statusFile, 'utf8')), 2);
    assert.equal(parseStatusFile(''), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the flash command\'s argument: a device, a configuration or package item, a finished build', () => {
  assert.deepEqual(parseFlashArgument(undefined), {});
  assert.deepEqual(parseFlashArgument({ device: { port: '1-4', kind: 'recovery' } }), { devicePort: '1-4' });
  const item = { label: 'robot', buildTarget: { flakeDir: '/f', installable: '.#nixosConfigurations.robot.config.system.build.toplevel', label: 'robot' } };
  assert.deepEqual(parseFlashArgument(item), { target: item.buildTarget });
  const flashScript = { outPath: OUT, installable: '.#nixosConfigurations.robot.config.system.build.flashScript', flakeDir: '/f' };
  assert.deepEqual(parseFlashArgument(flashScript), { target: { flakeDir: '/f', installable: flashScript.installable, label: flashScript.installable }, outPath: OUT });
  // A finished build of the system itself is not a flash script: its out path is not used.
  const toplevel = { outPath: '/nix/store/x-nixos-system', installable: '.#nixosConfigurations.robot.config.system.build.toplevel', flakeDir: '/f' };
  assert.equal(parseFlashArgument(toplevel).outPath, undefined);
  assert.equal(parseFlashArgument({ outPath: 1 }).target, undefined);
  const reference = { outPath: OUT, installable: 'github:anduril/jetpack-nixos#flash-orin-agx-devkit', flakeDir: '/home/u' };
  assert.equal(parseFlashArgument(reference).outPath, OUT);
});

test('sudo is found on the system PATH, never in the Nix store where a dev shell could put its own', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-elevation-'));
  try {
    const store = path.join(dir, 'nix', 'store');
    const shell = path.join(store, '0123456789abcdfghijklmnpqrsvwxyz-evil-shell', 'bin');
    const profile = path.join(dir, 'profile', 'bin');
    const system = path.join(dir, 'usr', 'bin');
    for (const d of [shell, profile, system]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(shell, 'sudo'), '#!/bin/sh\n', { mode: 0o755 });
    // A profile's bin/ links into the store: still the store.
    fs.symlinkSync(path.join(shell, 'sudo'), path.join(profile, 'sudo'));
    fs.writeFileSync(path.join(system, 'sudo'), '#!/bin/sh\n', { mode: 0o755 });
    const searchPath = [shell, profile, '.', system].join(path.delimiter);
    assert.equal(locateElevation('sudo', searchPath, store), path.join(system, 'sudo'));
    assert.equal(locateElevation('pkexec', searchPath, store), undefined);
    assert.equal(locateElevation('sudo', [shell, profile].join(path.delimiter), store), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('without sudo on the system PATH the flash is refused before anything is built', async () => {
  const h = harness({ elevationPath: null });
  const outcome = await h.run();
  assert.deepEqual([outcome.status, outcome.step], ['refused', 'preflight']);
  assert.match(outcome.message, /^sudo was not found on the system's PATH \(a copy inside the Nix store, such as a dev shell's, is never used to ask for your password\): install it, or set jetsonNix\.flash\.elevation to pkexec\.$/);
  assert.deepEqual(h.builds, []);
  assert.deepEqual(h.launches, []);
});

test('a configuration importing another flake\'s module gets a partial SoM check: one explicit warning', async () => {
  const fleet = configurationCandidate('/work/fleet', { name: 'robot', som: 'orin-agx', carrierBoard: 'devkit', unreadModules: ['inputs.fleet.nixosModules.base'] });
  const declined = harness({ candidates: [fleet, nxBot] });
  const refused = await declined.run();
  assert.equal(declined.ui.choices[0]!.check.verdict, 'partial', 'ranked after a full match, before an unverifiable SoM');
  assert.deepEqual([refused.status, refused.step, refused.reported], ['refused', 'preflight', true]);
  assert.equal(
    declined.ui.warnings[0]!.message,
    'robot sets som = "orin-agx", which fits an AGX Orin (0955:7023), but the check is partial: Jetson Nix cannot read inputs.fleet.nixosModules.base (another flake\'s module, or a computed one), which may set som too.',
  );
  assert.equal(declined.ui.warnings[0]!.detail, 'Flash only if you know those modules leave hardware.nvidia-jetpack.som alone.');
  assert.deepEqual(declined.builds, []);

  const accepted = harness({ candidates: [fleet], answers: { warn: [true] } });
  assert.equal((await accepted.run()).status, 'flashed');
  assert.deepEqual(accepted.ui.asked, ['pickCandidate', 'warn', 'confirm']);
});

test('the flash command takes a ready-made script only from this window\'s last build of that target', () => {
  const target = { flakeDir: '/f', installable: '.#nixosConfigurations.robot.config.system.build.flashScript' };
  const results = new BuiltResults();
  assert.equal(results.problem(OUT, target), `${target.installable} was not built in this window`);
  results.record(target, [OUT]);
  assert.equal(results.problem(OUT, target), undefined);
  assert.equal(results.problem(OUT, { ...target, flakeDir: '/f/' }), undefined, 'the same folder written differently');
  assert.match(results.problem(OUT, { ...target, installable: '.#packages.x86_64-linux.flash-robot' })!, /was not built in this window/);
  const other = '/nix/store/zyxwvsrqpnmlkjihgfdcba9876543210-flash-robot';
  assert.equal(results.problem(other, target), `the last build of ${target.installable} in this window produced ${OUT}, not ${other}`);
  for (const outside of ['/tmp/evil', `${OUT}/bin`, '/nix/store/../tmp/x', '/nix/store/short-name', 'relative/nix/store/x', `/nix/store/${'e'.repeat(32)}-x`]) {
    assert.equal(isStorePath(outside), false, outside);
    assert.equal(results.problem(outside, target), `${outside} is not a path in the Nix store`);
  }
  assert.equal(isStorePath(OUT), true);
});
