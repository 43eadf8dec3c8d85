/**
 * The configuration's L4T against the robot's running firmware, with jetpack-nixos's own rules
 * (modules/pre-switch-checks.nix): switching to a system built for an older L4T than the firmware
 * is refused on the robot (within `hardware.nvidia-jetpack.firmware.maxAllowedDowngrade`), and so
 * is going from L4T 35 older than 35.5.0 straight to 36. Said before anything is copied, with the
 * way out. A firmware update the new system brings (`firmware.autoUpdate`) is applied at the next
 * reboot and then blocks rolling back to older L4T generations: the user is asked.
 * No `vscode` import.
 */

export type MaxAllowedDowngrade = 'none' | 'patch' | 'minor' | 'major';

export interface L4tFacts {
  robot: string;
  configuration: string;
  /** The robot's firmware L4T (`major.minor.patch`), if it reports one. */
  running: string | undefined;
  /** The L4T the configuration is built for, if it is a jetpack-nixos configuration. */
  target: string | undefined;
  maxAllowedDowngrade: MaxAllowedDowngrade;
  /** `hardware.nvidia-jetpack.firmware.autoUpdate`. */
  autoUpdate: boolean;
}

export type L4tCheck =
  | { verdict: 'ok'; note?: string }
  /** Refused before copying: jetpack-nixos would refuse it on the robot. */
  | { verdict: 'refused'; message: string }
  /** The new system updates the firmware at the next reboot: asked. */
  | { verdict: 'firmware-update'; message: string };

/** Compares dotted versions numerically (`36.10.0` > `36.9.1`), as `sort -V` does for these. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** The part of a version jetpack-nixos compares for a downgrade level, as its shell code cuts it. */
function comparedPart(version: string, level: MaxAllowedDowngrade): string {
  const parts = version.split('.');
  if (level === 'minor') return parts[0]!;
  if (level === 'patch') return parts.slice(0, 2).join('.');
  return version;
}

const FLASH_WAY_OUT = 'Downgrading the firmware needs a re-flash: put the robot in recovery mode and flash it with this configuration (Flash Jetson…), then deploy.';

export function checkL4t(f: L4tFacts): L4tCheck {
  if (f.target === undefined) return { verdict: 'ok' };
  if (f.running === undefined) return { verdict: 'ok', note: `${f.robot} does not report a firmware version (no bios_version), so the L4T check is left to jetpack-nixos on the robot.` };
  if (f.maxAllowedDowngrade !== 'major') {
    const running = comparedPart(f.running, f.maxAllowedDowngrade);
    const target = comparedPart(f.target, f.maxAllowedDowngrade);
    if (compareVersions(target, running) < 0) {
      return {
        verdict: 'refused',
        message: `${f.configuration} is built for L4T ${f.target}, older than the firmware ${f.robot} runs (L4T ${f.running}). jetpack-nixos refuses to switch to it (its pre-switch check, maxAllowedDowngrade = "${f.maxAllowedDowngrade}"), so nothing was copied. Deploy a configuration for L4T ${f.running} or newer, or: ${FLASH_WAY_OUT}`,
      };
    }
  }
  const targetMajor = f.target.split('.')[0];
  const runningMajor = f.running.split('.')[0];
  if (targetMajor === '36' && runningMajor === '35' && compareVersions(f.running, '35.5.0') < 0) {
    return {
      verdict: 'refused',
      message: `${f.configuration} is built for L4T ${f.target}, and ${f.robot} runs L4T ${f.running}: going to L4T 36 needs firmware L4T 35.5.0 or newer first (jetpack-nixos refuses the switch otherwise). Deploy an L4T 35.5+ configuration with firmware updates on and reboot, or re-flash the robot with this configuration.`,
    };
  }
  if (compareVersions(f.target, f.running) > 0) {
    if (f.autoUpdate)
      return {
        verdict: 'firmware-update',
        message: `The new system updates the firmware of ${f.robot} from L4T ${f.running} to ${f.target} at its next reboot (hardware.nvidia-jetpack.firmware.autoUpdate). After that reboot, jetpack-nixos refuses to roll back to generations built for an older L4T until the robot is re-flashed.`,
      };
    return { verdict: 'ok', note: `${f.robot} keeps firmware L4T ${f.running} under a system built for L4T ${f.target} (firmware.autoUpdate is off): \`ota-check-firmware\` on the robot tells whether they fit.` };
  }
  return { verdict: 'ok' };
}
