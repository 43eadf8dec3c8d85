/**
 * Finding the flash script in a build result, and the small fixed wrapper that runs it as root in
 * a terminal and reports its exit code. No `vscode` import.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { searchExecutable } from '../nix/exec';
import { storeDir } from '../../../server/src/schema/live';

/**
 * The `initrd-flash-*` scripts in a result's `bin/` (jetpack-nixos names them
 * `initrd-flash-<som>-<carrierBoard>`; older documentation says `flash-<name>`, so the directory is
 * listed rather than the name guessed).
 */
export function flashScriptsIn(binEntries: readonly string[]): string[] {
  return binEntries.filter((name) => name.startsWith('initrd-flash-')).sort();
}

/** How the script gets root; the user types the password into the terminal. */
export type Elevation = 'sudo' | 'pkexec';

/**
 * The wrapper, a constant: it runs `$1 $2` (the elevation command and the script's absolute path,
 * passed as arguments, never spliced into the text), writes the exit code to the file `$3`
 * atomically, then keeps the terminal open so the user can read NVIDIA's output. Closing the
 * terminal before the script ends hangs it up, which stops the script.
 */
const WRAPPER = [
  '"$1" "$2"',
  'status=$?',
  'printf "%s\\n" "$status" > "$3.tmp" && mv "$3.tmp" "$3"',
  'printf "\\n[Jetson Nix] The flash script exited with code %s. Press Enter to close this terminal.\\n" "$status"',
  'read -r _ || true',
].join('; ');

export interface TerminalLaunch {
  shellPath: string;
  shellArgs: string[];
}

/**
 * The terminal's process: `/bin/sh -c WRAPPER jetson-nix-flash </abs/sudo|pkexec> <script> <status file>`.
 * Both paths are absolute: the terminal's PATH may be a dev shell's, which must not choose what
 * gets the password.
 */
export function terminalLaunch(elevationPath: string, script: string, statusFile: string): TerminalLaunch {
  if (!path.isAbsolute(script)) throw new Error(`The flash script path must be absolute: ${script}`);
  if (!path.isAbsolute(elevationPath)) throw new Error(`The sudo or pkexec path must be absolute: ${elevationPath}`);
  return { shellPath: '/bin/sh', shellArgs: ['-c', WRAPPER, 'jetson-nix-flash', elevationPath, script, statusFile] };
}

/**
 * `sudo` or `pkexec` as an absolute path found on the system's PATH (the extension host's, which a
 * dev shell applied to terminals does not change), skipping anything inside the Nix store: a
 * shell's `bin/sudo` there could read the password, and the store cannot hold a real one (it keeps
 * no setuid files). On NixOS the real one is /run/wrappers/bin/sudo.
 */
export function locateElevation(elevation: Elevation, searchPath: string = process.env.PATH ?? '', store: string = storeDir()): string | undefined {
  const inStore = (file: string) => file === store || file.startsWith(`${store}/`);
  return searchExecutable(elevation, searchPath, (file) => {
    if (inStore(file)) return false;
    try {
      return !inStore(fs.realpathSync(file));
    } catch {
      return false;
    }
  });
}

/** The exit code the wrapper wrote, or undefined while the script runs (or if the file is damaged). */
export function parseStatusFile(text: string): number | undefined {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
}
