/**
 * udev rules that let the logged-in user (and the `plugdev` group) open a Jetson in recovery mode
 * without root, and the exact commands that install them. Installing needs root, so it is only
 * ever offered as commands the user runs in a terminal. No `vscode` import.
 */
import { NVIDIA_VENDOR_ID, RECOVERY_MODULES } from './ids';

/** Where the rules go; the number orders them before systemd's 73-seat-late.rules applies `uaccess`. */
export const UDEV_RULES_PATH = '/etc/udev/rules.d/70-jetson-recovery.rules';

/** The rules file: a comment, then one line per forced-recovery product id. */
export function udevRules(): string {
  const header = [
    '# NVIDIA Jetson modules in forced-recovery mode (USB vendor 0955), one line per product id.',
    '# Written by Jetson Nix: members of plugdev, and the user at the seat, may open them without root.',
  ];
  const ids = [...new Set(RECOVERY_MODULES.map((m) => m.productId))];
  const lines = ids.map(
    (id) => `SUBSYSTEMS=="usb", ATTRS{idVendor}=="${NVIDIA_VENDOR_ID}", ATTRS{idProduct}=="${id}", GROUP="plugdev", TAG+="uaccess"`,
  );
  return [...header, ...lines].join('\n') + '\n';
}

/**
 * The commands that install a rules file written to `sourceFile` and make udev apply it at once,
 * as argument arrays (each run with sudo). `install -m 0644` sets the mode whatever the umask.
 */
export function udevInstallCommands(sourceFile: string): string[][] {
  return [
    ['sudo', 'install', '-m', '0644', sourceFile, UDEV_RULES_PATH],
    ['sudo', 'udevadm', 'control', '--reload-rules'],
    ['sudo', 'udevadm', 'trigger', '--subsystem-match=usb', `--attr-match=idVendor=${NVIDIA_VENDOR_ID}`],
  ];
}

/** The shell quoting is shared with the build doctor's fixes (server/src/shared/doctor/shell.ts). */
export { commandLine, shellQuote } from '../../../server/src/shared/doctor/shell';
