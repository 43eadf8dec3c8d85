/**
 * The checks before anything is built or written, each with one sentence that says what is wrong
 * and what to do. No `vscode` import.
 */
import { moduleWithArticle, usbId, type JetsonDevice } from '../usb/ids';
import { KNOWN_SOMS, type FlashCandidate } from './candidates';

/**
 * Why the host cannot flash, or undefined when it can. NVIDIA's flashing tools (tegrarcm, the
 * flash.sh helpers) are x86_64 Linux binaries, so the script cannot run anywhere else.
 */
export function checkHost(platform: string, arch: string): string | undefined {
  if (platform === 'linux' && arch === 'x64') return undefined;
  const here = `${arch === 'x64' ? 'x86_64' : arch === 'arm64' ? 'aarch64' : arch}-${platform === 'darwin' ? 'macOS' : platform}`;
  return `Flashing needs an x86_64 Linux computer: NVIDIA's flashing tools run only there, and this one is ${here}. Connect the Jetson to an x86_64 Linux machine and flash from there.`;
}

/**
 * Whether a configuration fits the connected module:
 * - `match`: its SoM is one this product id is;
 * - `mismatch`: it targets another module (refused; overridable only through two warnings);
 * - `not-flashable`: `generic` or a value jetpack-nixos does not know (refused outright: no flash
 *   script can be built for it);
 * - `unverifiable`: the SoM could not be read statically, or the device's id is not in our table
 *   (one explicit warning);
 * - `partial`: the SoM fits, but some modules could not be read (another flake's, a computed one)
 *   and may set it too (one explicit warning).
 */
export type SomCheck =
  | { verdict: 'match' }
  | { verdict: 'partial'; message: string }
  | { verdict: 'mismatch'; message: string; secondWarning: string }
  | { verdict: 'not-flashable'; message: string }
  | { verdict: 'unverifiable'; message: string };

export function checkSom(candidate: FlashCandidate, device: JetsonDevice): SomCheck {
  const som = candidate.som;
  if (som === 'generic') {
    return {
      verdict: 'not-flashable',
      message: `${candidate.name} has som = "generic", which has no flash target, so jetpack-nixos builds no flash script for it. Set hardware.nvidia-jetpack.som to ${expected(device)}.`,
    };
  }
  if (som !== undefined && !KNOWN_SOMS.includes(som)) {
    return {
      verdict: 'not-flashable',
      message: `${candidate.name} has som = "${som}", which jetpack-nixos does not know. Set hardware.nvidia-jetpack.som to ${expected(device)}.`,
    };
  }
  if (som === undefined) {
    return {
      verdict: 'unverifiable',
      message: `Jetson Nix could not read the SoM of ${candidate.name} from its modules (it is computed, or set in a module outside the flake), so it cannot check that it fits ${moduleWithArticle(device)}.`,
    };
  }
  if (!device.module) {
    return {
      verdict: 'unverifiable',
      message: `The connected module (${usbId(device)}) is not in Jetson Nix's table of recovery ids, so it cannot check that ${candidate.name} (${som}) fits it.`,
    };
  }
  if (device.module.soms.includes(som)) return fits(candidate, som, device);
  return {
    verdict: 'mismatch',
    message: `The configuration targets ${som} but the connected module is ${moduleWithArticle(device)}.`,
    secondWarning: `Firmware built for ${som} can leave ${device.module.article} ${device.module.name} unable to boot until it is flashed again with a matching configuration (${expected(device)}). Flash it anyway?`,
  };
}

/** A fitting SoM: a match, or a partial one when modules the check could not read may set it too. */
function fits(candidate: FlashCandidate, som: string, device: JetsonDevice): SomCheck {
  const unread = candidate.unreadModules ?? [];
  if (unread.length === 0) return { verdict: 'match' };
  const names = unread.length === 1 ? unread[0]! : `${unread.slice(0, -1).join(', ')} and ${unread.at(-1)!}`;
  return {
    verdict: 'partial',
    message: `${candidate.name} sets som = "${som}", which fits ${moduleWithArticle(device)}, but the check is partial: Jetson Nix cannot read ${names} (another flake's module, or a computed one), which may set som too.`,
  };
}

/** The SoM values that fit the device, as a phrase. */
function expected(device: JetsonDevice): string {
  if (!device.module) return 'the SoM of the connected module';
  return device.module.soms.map((s) => `"${s}"`).join(' or ');
}
