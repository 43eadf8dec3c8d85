/**
 * Builds a configuration's system for a deploy, here (this machine, its remote builders or its
 * emulation) or on the robot itself: Nix evaluates here and builds in the robot's store
 * (`--eval-store auto --store ssh-ng://…`, like `nixos-rebuild --build-host`), so nothing needs
 * copying afterwards. Progress and log lines come from the same machinery as every other build.
 * No `vscode` import.
 */
import { nixBuild } from '../nix/build';
import type { BuildProgress } from '../nix/progress';
import type { SshSession } from '../robots/ssh';
import { nixSshEnv, storeUri } from './nix-remote';

export interface SystemBuildRequest {
  nix: string;
  env?: Record<string, string | undefined>;
  flakeDir: string;
  installable: string;
  /** Build in this robot's store instead of here. */
  session?: SshSession;
  signal?: AbortSignal;
  onProgress?: (p: BuildProgress) => void;
  log: (line: string) => void;
}

export type SystemBuildOutcome = { ok: true; outPath: string } | { ok: false; message: string };

export async function buildSystem(r: SystemBuildRequest): Promise<SystemBuildOutcome> {
  let env = r.env;
  // No `result` link: a deploy must not leave files in the workspace (the copy follows at once).
  const extraArgs = ['--no-link'];
  if (r.session) {
    try {
      env = nixSshEnv(r.session, r.env);
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    extraArgs.push('--eval-store', 'auto', '--store', storeUri(r.session));
  }
  const outcome = await nixBuild({ nix: r.nix, cwd: r.flakeDir, installable: r.installable, extraArgs, env, signal: r.signal, onProgress: r.onProgress, onLogLine: r.log });
  if (outcome.cancelled) return { ok: false, message: 'The build was cancelled.' };
  if (!outcome.ok) {
    for (const error of outcome.errors) r.log(error.text);
    return { ok: false, message: `The build failed: ${outcome.message}` };
  }
  const outPath = outcome.outPaths[0];
  return outPath ? { ok: true, outPath } : { ok: false, message: 'Nix built the system but did not say where it is.' };
}
