/**
 * Flashing a Jetson in recovery mode, as a sequence of steps with every dependency injected (the
 * devices, the configurations, the build, the script runner and the questions to the user), so
 * the whole flow runs in plain Node tests with fakes for the UI and a fixture sysfs tree.
 *
 * host → pick-device → pick-configuration → preflight → build → locate-script → confirm → flash
 *
 * Nothing is written before the modal confirmation; every question can be dismissed, and the
 * caller's AbortSignal stops whichever step is running (the build, or the script in its terminal).
 */
import * as path from 'node:path';
import { describeSituation, isInRecovery, location, moduleName, usbId, type JetsonDevice } from '../usb/ids';
import { describeTarget, type FlashCandidate, type FlashTarget } from './candidates';
import type { FlashDependencies, FlashOutcome, FlashRequest, FlashStep, FlashSummary } from './dependencies';
import { UsbFollower } from './follow';
import { describeResult, type FlashObservation } from './outcome';
import { checkHost, checkSom } from './preflight';
import { flashScriptsIn } from './script';

/** Thrown by a step to end the flow with this outcome (a refusal, a cancellation, a failure). */
class Stop {
  constructor(readonly outcome: FlashOutcome) {}
}

/** One flash, from picking the device to the script's end; `run` once per instance. */
export class FlashFlow {
  private step: FlashStep = 'host';
  private device: JetsonDevice | undefined;
  private candidate: FlashCandidate | undefined;
  /** The absolute sudo or pkexec, found in the preflight. */
  private elevationPath = '';

  constructor(private readonly deps: FlashDependencies, private readonly signal: AbortSignal) {}

  /** Runs the flow to its end; never throws. */
  async run(request: FlashRequest = {}): Promise<FlashOutcome> {
    const hold = this.deps.devices.demand('flash');
    try {
      return await this.steps(request);
    } catch (err) {
      if (err instanceof Stop) return err.outcome;
      const message = err instanceof Error ? err.message : String(err);
      this.deps.log(`Flash failed at ${this.step}: ${err instanceof Error && err.stack ? err.stack : message}`);
      return this.outcome('failed', `Flashing stopped at an unexpected error: ${message}`);
    } finally {
      hold.dispose();
    }
  }

  private async steps(request: FlashRequest): Promise<FlashOutcome> {
    this.enter('host');
    const hostProblem = checkHost(this.deps.host.platform, this.deps.host.arch);
    if (hostProblem) return this.outcome('refused', hostProblem);

    this.enter('pick-device');
    let device = await this.pickDevice(request.devicePort);
    this.device = device;

    this.enter('pick-configuration');
    const candidate = request.candidate ?? (await this.pickCandidate(device));
    this.candidate = candidate;

    this.enter('preflight');
    await this.checkFit(candidate, device);
    // Before the build, which can take long: without sudo (or pkexec) nothing could be flashed.
    const elevationPath = this.deps.locateElevation();
    if (!elevationPath) return this.outcome('refused', missingElevation(this.deps.elevation));
    this.elevationPath = elevationPath;
    device = await this.stillPresent(device, 'while you chose the configuration');

    this.enter('build');
    const outPath = candidate.outPath ?? (await this.build(candidate.target));

    this.enter('locate-script');
    const script = await this.locateScript(outPath);

    this.enter('confirm');
    device = await this.stillPresent(device, 'while the flash script was being built');
    const confirmed = await this.deps.ui.confirm(this.summary(device, candidate, script));
    this.checkCancelled();
    if (!confirmed) return this.outcome('cancelled', 'Flashing cancelled; nothing was written.');
    device = await this.stillPresent(device, 'before the flash started');

    this.enter('flash');
    return this.flash(device, candidate, script);
  }

  private enter(step: FlashStep): void {
    this.checkCancelled();
    this.step = step;
    this.deps.log(`Flash: ${step}`);
    this.deps.onStep?.(step);
  }

  private checkCancelled(): void {
    if (this.signal.aborted) throw new Stop(this.outcome('cancelled', 'Flashing cancelled; nothing was written.'));
  }

  private outcome(status: FlashOutcome['status'], message: string, extra: Partial<FlashOutcome> = {}): FlashOutcome {
    const outcome: FlashOutcome = { status, step: this.step, message, details: [], reported: false, ...extra };
    if (this.device) outcome.device = this.device;
    if (this.candidate) outcome.candidate = this.candidate;
    return outcome;
  }

  private stop(status: FlashOutcome['status'], message: string, extra: Partial<FlashOutcome> = {}): never {
    throw new Stop(this.outcome(status, message, extra));
  }

  private async pickDevice(port: string | undefined): Promise<JetsonDevice> {
    let all = await this.deps.devices.refresh();
    this.checkCancelled();
    if (port !== undefined) {
      const chosen = all.find((d) => d.port === port && isInRecovery(d));
      if (!chosen) this.stop('refused', `The Jetson on USB ${port} is no longer in recovery mode. ${describeSituation(all)}`);
      return chosen;
    }
    let recovery = all.filter(isInRecovery);
    if (recovery.length === 0) {
      const flashing = all.find((d) => d.kind === 'flashing');
      if (flashing) this.stop('refused', describeSituation(all));
      all = await this.waitForRecovery(describeSituation(all));
      recovery = all.filter(isInRecovery);
    }
    if (recovery.length === 1) return recovery[0]!;
    const picked = await this.deps.ui.pickDevice(recovery);
    this.checkCancelled();
    if (!picked) this.stop('cancelled', 'Flashing cancelled; nothing was written.');
    return picked;
  }

  /** Polls until a Jetson enters recovery, or the user (or the caller) gives up. */
  private async waitForRecovery(situation: string): Promise<readonly JetsonDevice[]> {
    const hold = this.deps.devices.demand('waiting for a Jetson in recovery mode');
    let subscription: { dispose(): void } | undefined;
    const appeared = new Promise<void>((resolve) => {
      subscription = this.deps.devices.onDidChange((list) => {
        if (list.some(isInRecovery)) resolve();
      });
      if (this.deps.devices.devices.some(isInRecovery)) resolve();
    });
    try {
      const found = await Promise.race([this.deps.ui.waitForDevice(situation, appeared), aborted(this.signal)]);
      this.checkCancelled();
      if (!found) this.stop('cancelled', 'Flashing cancelled; nothing was written.');
      return this.deps.devices.devices;
    } finally {
      subscription?.dispose();
      hold.dispose();
    }
  }

  private async pickCandidate(device: JetsonDevice): Promise<FlashCandidate> {
    const candidates = await this.deps.candidates(device);
    this.checkCancelled();
    if (candidates.length === 0) {
      this.stop('refused', 'There is nothing to flash: no nixosConfiguration of a workspace flake, and no jetpack-nixos flash package fits this module.');
    }
    const rank = { match: 0, partial: 1, unverifiable: 2, mismatch: 3, 'not-flashable': 4 } as const;
    const choices = candidates
      .map((candidate) => ({ candidate, check: checkSom(candidate, device) }))
      .sort((a, b) => rank[a.check.verdict] - rank[b.check.verdict]);
    const picked = await this.deps.ui.pickCandidate(choices, device);
    this.checkCancelled();
    if (!picked) this.stop('cancelled', 'Flashing cancelled; nothing was written.');
    return picked;
  }

  /** The SoM check: a mismatch needs two explicit overrides, an unverifiable or partial check one. */
  private async checkFit(candidate: FlashCandidate, device: JetsonDevice): Promise<void> {
    const check = checkSom(candidate, device);
    this.deps.log(`Flash: SoM check for ${candidate.name} on ${usbId(device)}: ${check.verdict}`);
    if (check.verdict === 'match') return;
    if (check.verdict === 'not-flashable') this.stop('refused', check.message);
    if (check.verdict === 'unverifiable' || check.verdict === 'partial') {
      const detail = check.verdict === 'partial' ? 'Flash only if you know those modules leave hardware.nvidia-jetpack.som alone.' : 'Flash only if you are sure the configuration is for this module.';
      const go = await this.deps.ui.warn({ message: check.message, detail, action: 'Flash anyway' });
      this.checkCancelled();
      if (!go) this.stop('refused', check.message, { reported: true });
      this.deps.log('Flash: the user chose to flash without the SoM check');
      return;
    }
    const first = await this.deps.ui.warn({ message: check.message, detail: 'Pick a configuration for this module instead, or connect the module the configuration is for.', action: 'Flash anyway…' });
    this.checkCancelled();
    if (!first) this.stop('refused', check.message, { reported: true });
    const second = await this.deps.ui.warn({ message: check.secondWarning, action: 'Flash anyway' });
    this.checkCancelled();
    if (!second) this.stop('refused', check.message, { reported: true });
    this.deps.log(`Flash: the user overrode the SoM mismatch (${candidate.som} on ${usbId(device)}) twice`);
  }

  /** The device as it is now; the same port, or the same module re-plugged elsewhere when it is the only one. */
  private async stillPresent(device: JetsonDevice, when: string): Promise<JetsonDevice> {
    const recovery = (await this.deps.devices.refresh()).filter(isInRecovery);
    this.checkCancelled();
    const samePort = recovery.find((d) => d.port === device.port && d.productId === device.productId);
    const sameModule = recovery.filter((d) => d.productId === device.productId);
    const found = samePort ?? (sameModule.length === 1 ? sameModule[0] : undefined);
    if (!found) {
      this.stop('failed', `The ${moduleName(device)} (${usbId(device)}) on USB ${device.port} left recovery mode ${when}; nothing was written. Put it back in recovery mode and flash again.`);
    }
    if (found.port !== device.port) this.deps.log(`Flash: the module moved from USB ${device.port} to USB ${found.port}`);
    this.device = found;
    return found;
  }

  private async build(target: FlashTarget): Promise<string> {
    const result = await this.deps.build(target, this.signal);
    this.checkCancelled();
    if (result.cancelled) this.stop('cancelled', 'Flashing cancelled during the build; nothing was written.');
    if (!result.ok) this.stop('failed', result.message ?? `The flash script of ${target.label} did not build.`, { reported: true });
    const outPath = result.outPaths[0];
    if (!outPath) this.stop('failed', `Building ${target.label} produced no output.`);
    return outPath;
  }

  private async locateScript(outPath: string): Promise<string> {
    const bin = path.join(outPath, 'bin');
    let entries: string[];
    try {
      entries = await this.deps.listDirectory(bin);
    } catch {
      entries = [];
    }
    this.checkCancelled();
    const scripts = flashScriptsIn(entries);
    if (scripts.length === 0) {
      const found = entries.length > 0 ? `its bin/ holds ${entries.slice(0, 5).join(', ')}` : 'it has no bin/ folder';
      this.stop('failed', `The build result ${outPath} is not a jetpack-nixos flash script: there is no bin/initrd-flash-* (${found}).`);
    }
    const name = scripts.length === 1 ? scripts[0] : await this.deps.ui.pickScript(scripts);
    this.checkCancelled();
    if (!name) this.stop('cancelled', 'Flashing cancelled; nothing was written.');
    return path.join(bin, name);
  }

  private summary(device: JetsonDevice, candidate: FlashCandidate, script: string): FlashSummary {
    const parts = device.module ? ` (${device.module.parts})` : '';
    return {
      message: `Flash the ${moduleName(device)} on USB ${device.port} with ${candidate.name}?`,
      detail: [
        `Module: ${moduleName(device)}${parts}, ${usbId(device)} on ${location(device)}.`,
        `Configuration: ${candidate.name} (${describeTarget(candidate)}), ${candidate.target.installable} in ${candidate.target.flakeDir}.`,
        `Writes the boot firmware to the module's QSPI flash. The root filesystem (eMMC, NVMe, SD card) is not touched.`,
        `Runs ${path.basename(script)} as root through ${this.deps.elevation} in a terminal, where you type your password. Keep the cable connected until it ends (it can take up to 20 minutes).`,
        `Script: ${script}`,
        `Root through: ${this.elevationPath}`,
      ].join('\n'),
      action: 'Flash',
    };
  }

  /** Runs the script and follows the board on USB until the script exits. */
  private async flash(device: JetsonDevice, candidate: FlashCandidate, script: string): Promise<FlashOutcome> {
    const observations: FlashObservation[] = [];
    const follower = new UsbFollower(device, observations, (message) => this.deps.ui.progress(message));
    const subscription = this.deps.devices.onDidChange((list) => follower.observe(list));
    this.deps.ui.progress(`Running ${path.basename(script)} as root: type your password in the terminal if asked.`);
    let exitCode: number | undefined;
    try {
      exitCode = await this.deps.runScript({ script, title: `Flash ${moduleName(device)}`, elevation: this.deps.elevation, elevationPath: this.elevationPath }, this.signal);
      follower.observe(await this.deps.devices.refresh());
    } finally {
      subscription.dispose();
    }
    this.deps.log(`Flash: the script ended with ${exitCode ?? 'no exit code'}; seen on USB: ${observations.join(', ') || 'nothing'}`);
    const finished = describeResult({ exitCode, stopped: this.signal.aborted }, { device, candidate, elevation: this.deps.elevation, observations });
    const extra: Partial<FlashOutcome> = { details: finished.details, observations };
    if (exitCode !== undefined) extra.exitCode = exitCode;
    return this.outcome(finished.status, finished.message, extra);
  }
}

function missingElevation(elevation: FlashDependencies['elevation']): string {
  const other = elevation === 'sudo' ? 'pkexec' : 'sudo';
  return `${elevation} was not found on the system's PATH (a copy inside the Nix store, such as a dev shell's, is never used to ask for your password): install it, or set jetsonNix.flash.elevation to ${other}.`;
}

/** A promise that resolves false when the signal aborts (for racing a question against cancellation). */
function aborted(signal: AbortSignal): Promise<false> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(false);
    else signal.addEventListener('abort', () => resolve(false), { once: true });
  });
}
