/**
 * The flashing flow end to end with real Nix: the fixture flake (test/fixtures/flakes/flash) is
 * read statically for each configuration's SoM, its flashScript is built with the real build
 * machinery, the script is found by listing bin/, and run. There is no Jetson here, so the board
 * is a fixture sysfs tree watched by the real DeviceMonitor, and the fake script plays out what a
 * board does on USB during a flash. Only the UI (answers scripted) and the runner (no sudo, no VS
 * Code terminal: the script runs directly) are stand-ins.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tree } from 'web-tree-sitter';
import { findOnPath, offlineNixEnv } from '../support/nix';
import { SysfsFixture, type FixtureDevice } from '../support/sysfs';
import { sharedParser } from '../support/analysis';
import { readFlakeOutputs } from '../../server/src/flake/outputs';
import { bundledIndex } from '../../server/src/schema/bundled';
import { nixBuild } from '../../client/src/nix/build';
import { run } from '../../client/src/nix/exec';
import { DeviceMonitor } from '../../client/src/usb/monitor';
import { scanJetsonDevices } from '../../client/src/usb/sysfs';
import { configurationCandidate, type FlashCandidate } from '../../client/src/flash/candidates';
import { FlashFlow } from '../../client/src/flash/flow';
import type { FlashDependencies, FlashOutcome, FlashStep, FlashSummary } from '../../client/src/flash/dependencies';

const nix = findOnPath('nix');
const skip = !nix ? 'nix is not installed (apt-get install nix-bin)' : false;
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'flakes', 'flash');
const AGX_IN_RECOVERY: FixtureDevice = { port: '1-4', vendorId: '0955', productId: '7023', manufacturer: 'NVIDIA Corp.', product: 'APX', busnum: 1, devnum: 7 };
const NX_IN_RECOVERY: FixtureDevice = { port: '1-4', vendorId: '0955', productId: '7323', manufacturer: 'NVIDIA Corp.', product: 'APX', busnum: 1, devnum: 7 };

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

/** A copy of the fixture flake outside git (a flake in a git repository sees only tracked files). */
function flakeCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-flash-flake-'));
  fs.cpSync(FIXTURE, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'nonce'), `jetson-nix-nonce-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const env = (() => {
  const offline = offlineNixEnv();
  return { NIX_CONFIG: offline.NIX_CONFIG, XDG_CACHE_HOME: offline.XDG_CACHE_HOME };
})();

/** The configurations as the language server reads them: statically, SoM and carrier board included. */
async function staticCandidates(flakeDir: string): Promise<FlashCandidate[]> {
  const text = fs.readFileSync(path.join(flakeDir, 'flake.nix'), 'utf8');
  const tree: Tree = (await sharedParser()).parse(text)!;
  try {
    const outputs = readFlakeOutputs(tree.rootNode, text, { file: path.join(flakeDir, 'flake.nix'), index: bundledIndex() });
    assert.ok(outputs, 'the fixture flake is read');
    return outputs.configurations.map((c) => configurationCandidate(flakeDir, c));
  } finally {
    tree.delete();
  }
}

interface Scenario {
  device?: FixtureDevice;
  configuration?: string;
  outcome?: 'success' | 'failure' | 'unplugged' | 'never-enumerated';
  warn?: boolean[];
  confirm?: boolean;
  /** Aborts the flow when this step starts (or, for 'flash', once the script is running). */
  abortAt?: FlashStep;
  /** Runs after the build, before the confirmation: the board can be unplugged here. */
  afterBuild?: (sysfs: SysfsFixture) => void;
}

interface Played {
  outcome: FlashOutcome;
  steps: FlashStep[];
  built: string[];
  scripts: string[];
  scriptOutput: string;
  summary: FlashSummary | undefined;
  sysfs: SysfsFixture;
  pidFile: string;
  /** The flake copy's nonce, which the slow build's builder carries on its command line. */
  nonce: string;
  elapsedMs: number;
}

async function play(scenario: Scenario): Promise<Played> {
  const flakeDir = flakeCopy();
  const nonce = fs.readFileSync(path.join(flakeDir, 'nonce'), 'utf8');
  const sysfs = new SysfsFixture();
  cleanups.push(() => sysfs.cleanup());
  sysfs.add(scenario.device ?? AGX_IN_RECOVERY);
  // The devkit's debug controller sits beside the module on the same cable; it must be ignored.
  sysfs.add({ port: '1-3', vendorId: '0955', productId: '7045' });
  const monitor = new DeviceMonitor({ scan: () => scanJetsonDevices(sysfs.root), intervalMs: 50 });
  const controller = new AbortController();
  const played = { steps: [] as FlashStep[], built: [] as string[], scripts: [] as string[], scriptOutput: '', summary: undefined as FlashSummary | undefined };
  const pidFile = path.join(sysfs.root, 'script.pid');
  const candidates = await staticCandidates(flakeDir);
  let warnings = 0;
  const deps: FlashDependencies = {
    devices: monitor,
    candidates: async () => candidates,
    host: { platform: 'linux', arch: 'x64' },
    elevation: 'sudo',
    // No sudo on the test machine; the runner below does not use it (the script runs as is).
    locateElevation: () => '/usr/bin/sudo',
    build: async (target, signal) => {
      played.built.push(target.installable);
      const outcome = await nixBuild({ nix: nix!, cwd: target.flakeDir, installable: target.installable, signal, env });
      scenario.afterBuild?.(sysfs);
      return outcome;
    },
    listDirectory: (dir) => fs.promises.readdir(dir),
    // The runner the extension uses puts `sudo <script>` in a terminal; here the script runs as is.
    runScript: async (launch, signal) => {
      played.scripts.push(launch.script);
      if (scenario.abortAt === 'flash') setTimeout(() => controller.abort(), 600);
      const result = await run(launch.script, [], {
        cwd: flakeDir,
        signal,
        env: {
          JETSON_NIX_FAKE_SYSFS: sysfs.root,
          JETSON_NIX_FAKE_PORT: '1-4',
          JETSON_NIX_FAKE_OUTCOME: scenario.outcome ?? 'success',
          JETSON_NIX_FAKE_PAUSE: '0.4',
          JETSON_NIX_FAKE_PIDFILE: pidFile,
        },
      });
      played.scriptOutput = result.stdout + result.stderr;
      return result.cancelled ? undefined : result.exitCode;
    },
    ui: {
      waitForDevice: async () => false,
      pickDevice: async (devices) => devices[0],
      pickCandidate: async (choices) => choices.find((c) => c.candidate.name === (scenario.configuration ?? 'agx'))?.candidate,
      warn: async () => scenario.warn?.[warnings++] ?? false,
      pickScript: async () => undefined,
      confirm: async (summary) => {
        played.summary = summary;
        return scenario.confirm ?? true;
      },
      progress: () => undefined,
    },
    log: () => undefined,
    onStep: (step) => {
      played.steps.push(step);
      // During the build, the abort waits for the builder to run, so there is a process to stop;
      // during the flash, the runner aborts once the script runs.
      if (step !== scenario.abortAt || step === 'flash') return;
      if (step === 'build') void waitFor(() => processesWith(nonce).length > 0, 'the builder to start', 60_000).then(() => controller.abort());
      else controller.abort();
    },
  };
  const start = Date.now();
  const outcome = await new FlashFlow(deps, controller.signal).run();
  const elapsedMs = Date.now() - start;
  assert.equal(monitor.polling, false, 'the flow leaves no polling behind');
  monitor.dispose();
  return { ...played, outcome, sysfs, pidFile, elapsedMs, nonce };
}

/** Processes whose command line contains `text` (Linux /proc). */
function processesWith(text: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function gadgetPresent(sysfs: SysfsFixture): boolean {
  return fs.existsSync(path.join(sysfs.root, 'bus', 'usb', 'devices', '1-4', 'manufacturer'));
}

test('the fixture configurations are read statically with their SoM', { skip }, async () => {
  const candidates = await staticCandidates(flakeCopy());
  assert.deepEqual(
    candidates.map((c) => [c.name, c.som, c.carrierBoard, c.somSource]),
    [
      ['agx', 'orin-agx', 'devkit', 'modules'],
      ['nx', 'orin-nx', 'devkit', 'modules'],
      ['slow', 'orin-agx', 'devkit', 'modules'],
    ],
  );
});

test('a successful flash: the script is built, found in bin/, run, and followed on USB', { skip, timeout: 120_000 }, async () => {
  const { outcome, steps, built, scripts, scriptOutput, summary, sysfs } = await play({});
  assert.equal(outcome.status, 'flashed', `${outcome.message} ${scriptOutput}`);
  assert.deepEqual(steps, ['host', 'pick-device', 'pick-configuration', 'preflight', 'build', 'locate-script', 'confirm', 'flash']);
  assert.deepEqual(built, ['.#nixosConfigurations.agx.config.system.build.flashScript']);
  assert.match(scripts[0]!, /^\/nix\/store\/[a-z0-9]{32}-flash-orin-agx-devkit\/bin\/initrd-flash-orin-agx-devkit$/);
  assert.match(scriptOutput, /Flashing platform firmware successful/);
  assert.equal(outcome.exitCode, 0);
  assert.deepEqual(outcome.observations, ['left-recovery', 'gadget-appeared', 'gadget-gone']);
  assert.match(summary!.detail, /AGX Orin \(P3701-0000, -0005 or -0008\), 0955:7023 on USB 1-4, bus 1 device 7/);
  assert.match(summary!.detail, /agx \(orin-agx · devkit · JetPack 6\)/);
  assert.match(outcome.details.join('\n'), /iso_minimal/);
  assert.equal(gadgetPresent(sysfs), false);
});

test('exit code 1 after the board vanished mid-flash says the cable was unplugged', { skip, timeout: 120_000 }, async () => {
  const { outcome, scriptOutput } = await play({ outcome: 'unplugged' });
  assert.equal(outcome.status, 'failed', scriptOutput);
  assert.equal(outcome.exitCode, 1);
  assert.equal(outcome.message, 'Flashing the AGX Orin may have failed (the flash script exited with code 1).');
  assert.deepEqual(outcome.observations, ['left-recovery', 'gadget-appeared', 'gadget-gone']);
  assert.match(outcome.details[0]!, /disappeared from USB while the firmware was being written/);
});

test('exit code 1 with the board still connected points at the script\'s own error', { skip, timeout: 120_000 }, async () => {
  const { outcome, sysfs } = await play({ outcome: 'failure' });
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.exitCode, 1);
  assert.deepEqual(outcome.observations, ['left-recovery', 'gadget-appeared']);
  assert.doesNotMatch(outcome.details.join('\n'), /disappeared from USB/);
  assert.match(outcome.details.join('\n'), /Flashing platform firmware successful/);
  assert.equal(gadgetPresent(sysfs), true, 'the board is still on the flashing initrd');
});

test('exit code 2: the board never enumerated as the flashing device', { skip, timeout: 120_000 }, async () => {
  const { outcome } = await play({ outcome: 'never-enumerated' });
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.exitCode, 2);
  assert.deepEqual(outcome.observations, ['left-recovery']);
  assert.match(outcome.message, /never showed up as the flashing device/);
  assert.match(outcome.details.join('\n'), /udev/);
});

test('a configuration for another module is refused before anything is built', { skip, timeout: 120_000 }, async () => {
  const refused = await play({ device: NX_IN_RECOVERY, configuration: 'agx' });
  assert.equal(refused.outcome.status, 'refused');
  assert.equal(refused.outcome.message, 'The configuration targets orin-agx but the connected module is an Orin NX (0955:7323).');
  assert.deepEqual(refused.built, []);
  assert.deepEqual(refused.scripts, []);

  // The matching configuration flashes the same board; its script has the SoM's name.
  const matching = await play({ device: NX_IN_RECOVERY, configuration: 'nx' });
  assert.equal(matching.outcome.status, 'flashed', matching.outcome.message);
  assert.match(matching.scripts[0]!, /\/bin\/initrd-flash-orin-nx-devkit$/);

  // Overridden twice, the mismatching one is built and run.
  const overridden = await play({ device: NX_IN_RECOVERY, configuration: 'agx', warn: [true, true] });
  assert.equal(overridden.outcome.status, 'flashed');
});

test('cancelling at each step leaves nothing running and nothing written', { skip, timeout: 180_000 }, async () => {
  for (const step of ['pick-device', 'pick-configuration', 'preflight', 'locate-script', 'confirm'] as FlashStep[]) {
    const { outcome, scripts, sysfs } = await play({ abortAt: step });
    assert.deepEqual([outcome.status, outcome.step], ['cancelled', step], step);
    assert.deepEqual(scripts, [], step);
    assert.ok(fs.existsSync(path.join(sysfs.root, 'bus', 'usb', 'devices', '1-4', 'idProduct')), `${step}: the board is untouched`);
  }
  const declined = await play({ confirm: false });
  assert.deepEqual([declined.outcome.status, declined.outcome.step, declined.scripts], ['cancelled', 'confirm', []]);

  // During a build that would take ten minutes: Nix is stopped, the flow ends at once.
  const building = await play({ configuration: 'slow', abortAt: 'build' });
  assert.deepEqual([building.outcome.status, building.outcome.step], ['cancelled', 'build']);
  assert.ok(building.elapsedMs < 60_000, `the build stopped (${building.elapsedMs} ms)`);
  assert.deepEqual(building.scripts, []);
  await waitFor(() => processesWith(building.nonce).length === 0, 'the builder to be gone');

  // While the script runs: it is killed (its process is gone), and the user is told to flash again.
  const flashing = await play({ abortAt: 'flash' });
  assert.deepEqual([flashing.outcome.status, flashing.outcome.step], ['cancelled', 'flash']);
  assert.match(flashing.outcome.details.join('\n'), /flashing again/);
  const pid = Number(fs.readFileSync(flashing.pidFile, 'utf8'));
  assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the flash script is no longer running');
});

test('a board leaving recovery before the confirmation is reported, and nothing runs', { skip, timeout: 120_000 }, async () => {
  const { outcome, scripts, summary } = await play({ afterBuild: (sysfs) => sysfs.remove('1-4') });
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.step, 'confirm');
  assert.match(outcome.message, /AGX Orin \(0955:7023\) on USB 1-4 left recovery mode while the flash script was being built; nothing was written/);
  assert.equal(summary, undefined, 'no confirmation was asked');
  assert.deepEqual(scripts, []);
});
