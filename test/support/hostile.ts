import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { sourceStorePath } from '../../server/src/schema/live';

/**
 * What a cloned repository can hold where a file should be (issue 11): a FIFO (reading it blocks
 * until a writer comes, which never does), a symbolic link to /dev/zero (endless), a sparse file
 * of gigabytes (no disk used, but reading it whole exhausts memory), a link out of the tree.
 */

const made: string[] = [];

/** A temporary folder, removed by `removeTempDirs`. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `jn-${prefix}-`));
  made.push(dir);
  return dir;
}

/** Removes the folders `tempDir` made (for `after`). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Opens and closes each FIFO for writing every second, from a thread of its own: a reader that
 * a regression lets block on one (synchronously, so no test timeout could fire) then sees the
 * end of the file and the test fails instead of hanging. Opening non-blocking, it does nothing
 * while no one reads. Unreferenced: it never keeps the process alive.
 */
let watchdog: Worker | undefined;
const WATCHDOG = `
const fs = require('node:fs');
const { parentPort } = require('node:worker_threads');
const fifos = [];
parentPort.on('message', (f) => fifos.push(f));
setInterval(() => {
  for (const f of fifos) {
    try { fs.closeSync(fs.openSync(f, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK)); } catch {}
  }
}, 1000);
`;

/** A named pipe nobody writes to (see the watchdog above for what happens if something blocks on it). */
export function fifo(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('mkfifo', [file]);
  if (!watchdog) {
    watchdog = new Worker(WATCHDOG, { eval: true });
    watchdog.unref();
  }
  watchdog.postMessage(file);
  return file;
}

/** A symbolic link to /dev/zero. */
export function zeroLink(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.symlinkSync('/dev/zero', file);
  return file;
}

/** A sparse regular file of `bytes` bytes (zeros), instant to make. */
export function sparseFile(file: string, bytes: number): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  try {
    fs.ftruncateSync(fd, bytes);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** jetpack-nixos options, enough for the live schema to take the source as jetpack-nixos. */
export const UPSTREAM_OPTIONS = `{ lib, ... }:
{
  options.hardware.nvidia-jetpack = {
    enable = lib.mkEnableOption "Jetson support";
    som = lib.mkOption { type = lib.types.enum [ "orin-agx" "orin-nx" ]; default = "orin-agx"; };
    hostileTreeWalked.enable = lib.mkEnableOption "an option only this test's source declares";
  };
}
`;

/**
 * A flake.lock pinning a jetpack-nixos source, and that source in a store folder of our own
 * (`NIX_STORE_DIR`), where the live schema looks for it. The store path is computed as Nix would
 * from the lock's narHash; the tree is written here, so it may hold anything a test wants.
 */
export function lockedSourceInStore(storeDir: string, seed: number): { lock: string; source: string } {
  const narHash = 'sha256-' + Buffer.alloc(32, seed).toString('base64');
  const source = sourceStorePath(narHash, storeDir)!;
  fs.mkdirSync(path.join(source, 'modules'), { recursive: true });
  fs.writeFileSync(path.join(source, 'modules', 'default.nix'), UPSTREAM_OPTIONS);
  const lock = {
    version: 7,
    root: 'root',
    nodes: {
      root: { inputs: { 'jetpack-nixos': 'jetpack-nixos' } },
      'jetpack-nixos': {
        flake: false,
        locked: { type: 'github', owner: 'anduril', repo: 'jetpack-nixos', rev: 'a'.repeat(40), narHash, lastModified: 1752327780 },
        original: { type: 'github', owner: 'anduril', repo: 'jetpack-nixos' },
      },
    },
  };
  return { lock: JSON.stringify(lock, null, 2), source };
}
