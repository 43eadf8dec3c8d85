/**
 * The fixed scripts that write an installer image to a drive in a terminal: the outer one records
 * the exit code and keeps the terminal open; the inner one runs as root (through sudo or pkexec,
 * whose password prompt is in the terminal) and unmounts the drive's media partitions, writes the
 * image with dd (progress shown), flushes, then reads the written bytes back and compares their
 * SHA-256 with the image's. Every path is an argument, never spliced into the script text, and
 * every program is an absolute path found beforehand. No `vscode` import.
 */
import * as path from 'node:path';

/** Absolute paths of the programs the write runs. */
export interface WriteTools {
  /** sudo or pkexec. */
  elevation: string;
  shell: string;
  dd: string;
  sha256sum: string;
  head: string;
  sync: string;
  umount: string;
  /** Flushes the drive's buffer cache so the read-back comes from the drive; optional (a regular file in tests has none). */
  blockdev?: string;
}

/** Exit codes of the inner script, besides dd's and the elevation's own. */
export const WRITE_EXIT = { verified: 0, mismatch: 3, unmount: 4, write: 5, readBack: 6 } as const;

const INNER = [
  'set -u',
  'dd="$1"; image="$2"; target="$3"; sha="$4"; head="$5"; sync="$6"; umount="$7"; blockdev="$8"; size="$9"; shift 9',
  'for part in "$@"; do echo "Unmounting $part"; "$umount" "$part" || exit 4; done',
  'echo "Writing $image to $target"',
  '"$dd" if="$image" of="$target" bs=4M conv=fsync status=progress || exit 5',
  '"$sync"',
  '[ -n "$blockdev" ] && "$blockdev" --flushbufs "$target" 2>/dev/null',
  'echo "Verifying: reading $size bytes back from $target"',
  'want=$("$sha" < "$image") || exit 6',
  'got=$("$head" -c "$size" "$target" | "$sha") || exit 6',
  'want=${want%% *}; got=${got%% *}',
  'if [ "$want" != "$got" ]; then echo "Verification FAILED: the drive holds $got, the image is $want"; exit 3; fi',
  'echo "Verified: SHA-256 $want"',
].join('\n');

const OUTER = [
  'status="$1"; shift',
  '"$@"',
  'code=$?',
  'printf "%s\\n" "$code" > "$status.tmp" && mv "$status.tmp" "$status"',
  'printf "\\n[Jetson Nix] Finished with code %s. Press Enter to close this terminal.\\n" "$code"',
  'read -r _ || true',
].join('\n');

export interface WriteLaunch {
  image: string;
  /** The image's size in bytes (what is read back). */
  size: number;
  target: string;
  /** Partitions to unmount first. */
  unmount: string[];
  statusFile: string;
}

/** The terminal's process: `/bin/sh -c OUTER … <elevation> <shell> -c INNER … <dd> <image> <target> …`. */
export function writeTerminalLaunch(tools: WriteTools, launch: WriteLaunch): { shellPath: string; shellArgs: string[] } {
  for (const p of [launch.image, launch.target, launch.statusFile, ...Object.values(tools).filter((t): t is string => !!t)])
    if (!path.isAbsolute(p)) throw new Error(`not an absolute path: ${p}`);
  const inner = [tools.shell, '-c', INNER, 'jetson-nix-write', tools.dd, launch.image, launch.target, tools.sha256sum, tools.head, tools.sync, tools.umount, tools.blockdev ?? '', String(launch.size), ...launch.unmount];
  return { shellPath: tools.shell, shellArgs: ['-c', OUTER, 'jetson-nix-write-terminal', launch.statusFile, tools.elevation, ...inner] };
}

/** What an exit code means, in a sentence. */
export function describeWriteExit(code: number | undefined, target: string, elevation: string): { ok: boolean; message: string } {
  switch (code) {
    case WRITE_EXIT.verified:
      return { ok: true, message: `The installer was written to ${target} and verified: what the drive holds matches the image. Plug it into the Jetson and boot from it.` };
    case WRITE_EXIT.mismatch:
      return { ok: false, message: `The installer was written to ${target}, but reading it back gave different bytes: the drive may be failing or counterfeit. Try another drive.` };
    case WRITE_EXIT.unmount:
      return { ok: false, message: `A partition of ${target} could not be unmounted (something is using it); nothing was written. Close what uses it and try again.` };
    case WRITE_EXIT.write:
      return { ok: false, message: `dd could not write to ${target} (the terminal shows why); the drive may be incomplete.` };
    case WRITE_EXIT.readBack:
      return { ok: false, message: `The image was written to ${target}, but it could not be read back to verify it.` };
    case undefined:
      return { ok: false, message: `The terminal was closed before the write to ${target} finished; the drive may be incomplete.` };
    case 126:
    case 127:
      return { ok: false, message: `${path.basename(elevation)} did not authorise the write (exit code ${code}); nothing was written.` };
    default:
      return { ok: false, message: `Writing to ${target} stopped with exit code ${code} (a mistyped password ends ${path.basename(elevation)} with 1); the terminal shows why.` };
  }
}
