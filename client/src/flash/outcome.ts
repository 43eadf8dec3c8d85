/**
 * What a finished flash means, in words: the outcome of the script's exit code together with what
 * was seen on USB while it ran, and the next steps or the likely causes. No `vscode` import.
 */
import { moduleName, type JetsonDevice } from '../usb/ids';
import { JETPACK_NIXOS_FLAKE, type FlashCandidate } from './candidates';
import type { Elevation } from './script';

/** What the flow saw on USB while the script ran, in order. */
export type FlashObservation = 'left-recovery' | 'gadget-appeared' | 'gadget-gone' | 'booted' | 'back-in-recovery';

export interface ScriptResult {
  /** The script's exit code; undefined when it never reported one (terminal closed, stopped). */
  exitCode: number | undefined;
  /** The flow stopped it (the user cancelled). */
  stopped: boolean;
}

export interface FinishedFlash {
  status: 'flashed' | 'failed' | 'cancelled';
  message: string;
  /** Next steps after a success, likely causes after a failure, most likely first. */
  details: string[];
}

interface Context {
  device: JetsonDevice;
  candidate: FlashCandidate;
  elevation: Elevation;
  observations: readonly FlashObservation[];
}

/** The installer ISO matching the configuration's JetPack generation. */
export function installerCommand(majorVersion: string | undefined): string {
  const suffix = majorVersion === '5' ? '_jp5' : majorVersion === '7' ? '_jp7' : '';
  return `nix build ${JETPACK_NIXOS_FLAKE}#iso_minimal${suffix}`;
}

const INTERRUPTED_ADVICE = 'An interrupted firmware write is repaired by flashing again: put the module back in recovery mode and run Flash Jetson again.';
const CABLE = 'A charge-only, long or flaky USB cable, or a hub: use a short data cable on a port of the computer itself.';
const RECOVERY = 'The module was not (or no longer) in forced-recovery mode: hold Force Recovery, press Reset, release, and flash again.';

export function describeResult(result: ScriptResult, context: Context): FinishedFlash {
  const name = moduleName(context.device);
  const seen = new Set(context.observations);
  const gadgetLost = lostGadgetMidFlash(context.observations);
  if (result.stopped) {
    return { status: 'cancelled', message: `The flash of the ${name} was stopped before it finished.`, details: [INTERRUPTED_ADVICE] };
  }
  switch (result.exitCode) {
    case 0:
      return { status: 'flashed', message: `The ${name} was flashed with the firmware of ${context.candidate.name}.`, details: nextSteps(context) };
    case undefined:
      return {
        status: 'failed',
        message: `The flash terminal was closed before the script finished, so the flash of the ${name} was interrupted.`,
        details: [INTERRUPTED_ADVICE],
      };
    case 1:
      return {
        status: 'failed',
        message: `Flashing the ${name} may have failed (the flash script exited with code 1).`,
        details: [
          ...(gadgetLost ? ['The board disappeared from USB while the firmware was being written: the cable was unplugged or the board was reset mid-flash.'] : []),
          ...(!seen.has('left-recovery')
            ? [`The module never left recovery mode, so the script stopped before starting it: read the first error in the terminal${context.elevation === 'sudo' ? ' (a mistyped password also ends sudo with code 1)' : ''}.`]
            : []),
          CABLE,
          'The terminal shows NVIDIA\'s error; a successful flash ends with "Flashing platform firmware successful".',
          INTERRUPTED_ADVICE,
        ],
      };
    case 2:
      return {
        status: 'failed',
        message: `The ${name} never showed up as the flashing device (1d6b:0104 "NixOS serial") before the script gave up (exit code 2).`,
        details: [
          seen.has('gadget-appeared')
            ? 'Jetson Nix saw the flashing device on USB, so the host\'s udev did not create /dev/serial/by-id/usb-NixOS_serial_0-if00: check that udev (systemd-udevd) runs on this machine (containers and some VMs have none).'
            : 'udev must create /dev/serial/by-id/usb-NixOS_serial_0-if00 when the board re-enumerates: check that udev (systemd-udevd) runs on this machine (containers and some VMs have none).',
          CABLE,
          seen.has('booted') ? 'The board booted normally (0955:7020) instead of the flashing initrd: put it in recovery mode and flash again.' : RECOVERY,
        ],
      };
    default:
      return { status: 'failed', message: `Flashing the ${name} failed: ${otherExit(result.exitCode, context.elevation)}`, details: [INTERRUPTED_ADVICE] };
  }
}

/** The flashing gadget came up and went away, and the board was not seen booting afterwards. */
function lostGadgetMidFlash(observations: readonly FlashObservation[]): boolean {
  const gone = observations.lastIndexOf('gadget-gone');
  return gone >= 0 && observations.indexOf('gadget-appeared') >= 0 && !observations.slice(gone).includes('booted');
}

function otherExit(code: number, elevation: Elevation): string {
  if (elevation === 'pkexec' && code === 126) return 'pkexec was not authorised (the password dialog was dismissed or the policy refused).';
  if (elevation === 'pkexec' && code === 127) return 'pkexec could not authenticate you.';
  if (code === 127) return `${elevation} was not found on this machine; install it or set jetsonNix.flash.elevation to the other one.`;
  return `the flash script exited with code ${code}; the terminal shows why.`;
}

function nextSteps(context: Context): string[] {
  const som = context.candidate.som ?? '';
  return [
    `Next, install NixOS: build the installer with \`${installerCommand(context.candidate.majorVersion)}\`, write it to a USB stick, and boot the Jetson from it.`,
    ...(som.startsWith('orin-') || (!som && context.device.module?.name.includes('Orin'))
      ? ['On Orin the console is on the UART (serial, 115200 baud), not on HDMI: connect a serial console to follow the installer.']
      : []),
    'Later firmware updates need no recovery mode: set hardware.nvidia-jetpack.firmware.autoUpdate = true.',
  ];
}
