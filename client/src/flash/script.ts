/**
 * Finding the flash script in a build result, and the small fixed wrapper that runs it as root in
 * a terminal and reports its exit code. No `vscode` import.
 */
import * as path from 'node:path';

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

/** The terminal's process: `/bin/sh -c WRAPPER jetson-nix-flash <sudo|pkexec> <script> <status file>`. */
export function terminalLaunch(elevation: Elevation, script: string, statusFile: string): TerminalLaunch {
  if (!path.isAbsolute(script)) throw new Error(`The flash script path must be absolute: ${script}`);
  return { shellPath: '/bin/sh', shellArgs: ['-c', WRAPPER, 'jetson-nix-flash', elevation, script, statusFile] };
}

/** The exit code the wrapper wrote, or undefined while the script runs (or if the file is damaged). */
export function parseStatusFile(text: string): number | undefined {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
}
