/**
 * "What changes" for one robot: the new system's closure against the one the robot runs, in the
 * terms of `nix store diff-closures` (closure-diff.ts), the bytes the copy will send, and the
 * plan the user confirms. Nix's own diff-closures is used when both systems are in the local
 * store; otherwise the robot's closure is read from its store (`nix path-info --store ssh-ng://…`)
 * and compared here. The full list goes to the log. No `vscode` import.
 */
import type { RobotStatus } from '../robots/status';
import type { SshSession } from '../robots/ssh';
import type { BuildPlace } from './build-place';
import { describeChanges, diffClosures, formatChange, parseDiffClosures, type ClosureChange, type PathInfo } from './closure-diff';
import { closureInfo, localDiffClosures } from './nix-remote';
import type { DeployPlan, DeployTarget } from './types';

export interface PlanRequest {
  nix: string;
  env?: Record<string, string | undefined>;
  session: SshSession;
  target: DeployTarget;
  status: RobotStatus;
  outPath: string;
  place: BuildPlace;
  signal?: AbortSignal;
  log: (line: string) => void;
}

export async function planChanges(r: PlanRequest): Promise<{ ok: true; plan: DeployPlan } | { ok: false; message: string }> {
  const common = { nix: r.nix, cwd: r.target.flakeDir, env: r.env, signal: r.signal };
  const fresh = await closureInfo({ ...common, storePath: r.outPath, ...(r.place === 'robot' ? { session: r.session } : {}) });
  if (!fresh.ok) return fresh;
  const current = r.status.currentSystem;
  const notes: string[] = [];
  let before: PathInfo[] = [];
  let changes: ClosureChange[] | undefined;
  if (current) {
    const here = r.place === 'local' ? await closureInfo({ ...common, storePath: current }) : { ok: true as const, closure: [] };
    if (here.ok && here.closure.length > 0) {
      before = here.closure;
      const output = await localDiffClosures({ ...common, before: current, after: r.outPath });
      if (output !== undefined) {
        changes = parseDiffClosures(output);
        notes.push('Compared with `nix store diff-closures` (the running system is in the local store too).');
      }
    } else {
      const there = await closureInfo({ ...common, storePath: current, session: r.session });
      if (!there.ok) return there;
      before = there.closure;
      notes.push(`Compared with the closure of the running system in ${r.target.robot.name}'s store (nix path-info), as diff-closures would.`);
    }
  } else {
    notes.push(`${r.target.robot.name} reports no running system (/run/current-system): everything is new.`);
  }
  changes ??= diffClosures(before, fresh.closure);
  const onRobot = new Set(before.map((p) => p.path));
  const copyBytes = fresh.closure.filter((p) => !onRobot.has(p.path)).reduce((sum, p) => sum + p.narSize, 0);
  const total = (closure: PathInfo[]) => closure.reduce((sum, p) => sum + p.narSize, 0);
  r.log(`[${r.target.robot.name}] What changes (${changes.length} packages), ${current ?? 'nothing'} → ${r.outPath}:`);
  for (const change of changes) r.log(`  ${formatChange(change)}`);
  return {
    ok: true,
    plan: { target: r.target, status: r.status, outPath: r.outPath, place: r.place, changes, changeSummary: describeChanges(changes, total(fresh.closure) - total(before)), copyBytes, closure: fresh.closure, notes },
  };
}
