/**
 * Roll Back: make the robot run an earlier generation of its system profile again, through the
 * same supervisor as a deploy (`nix-env --switch-generation`, then that generation's
 * `switch-to-configuration`, confirmed over a new SSH connection or undone). jetpack-nixos's
 * pre-switch check still applies on the robot: an older generation built for an older L4T than
 * the firmware is refused there, and the supervisor then returns to the current one.
 * No `vscode` import.
 */
import { listGenerations, readStatus, type Generation, type RobotStatus } from '../robots/status';
import { describeAddress, type RobotAddress } from '../robots/ssh';
import { activate } from './activate';
import { describeChanges, diffClosures } from './closure-diff';
import { activationOutcome } from './flow';
import { closureInfo } from './nix-remote';
import type { DeployDependencies, DeployOutcome, DeployResult, DeployStage } from './types';

export interface RollbackPlan {
  robot: RobotAddress;
  status: RobotStatus;
  from: Generation;
  to: Generation;
  changeSummary: string;
}

export interface RollbackUi {
  /** Picks the generation to return to (newest first; the default is the one before the current). */
  pick(robot: string, generations: Generation[], current: number, suggested: Generation): Promise<Generation | undefined>;
  confirmRollback(plan: RollbackPlan): Promise<boolean>;
}

export interface RollbackRequest {
  deps: DeployDependencies;
  robot: RobotAddress;
  ui: RollbackUi;
  /** A working folder for Nix (the flake's, or any). */
  cwd: string;
  signal: AbortSignal;
}

export async function rollBack(r: RollbackRequest): Promise<DeployOutcome> {
  const name = r.robot.name;
  let stage: DeployStage = 'connect';
  const outcome = (result: DeployResult, message: string, extra: Partial<DeployOutcome> = {}): DeployOutcome => ({ robot: name, configuration: 'roll back', result, message, stage, ...extra });
  const session = r.deps.pool.session(r.robot);
  r.deps.ui.stage(name, 'connect', `connecting to ${describeAddress(r.robot)}`);
  const read = await readStatus(session, r.deps.paths, r.signal);
  if (!read.ok) return outcome('refused', read.failure.message);
  const list = await listGenerations(session, r.deps.paths, r.signal);
  if ('kind' in list) return outcome('refused', list.message);
  const current = list.current;
  const from = list.generations.find((g) => g.number === current);
  const suggested = list.generations.find((g) => current !== undefined && g.number < current);
  if (!from || !suggested) return outcome('refused', `${name} has no earlier generation to return to.`);
  const to = await r.ui.pick(name, list.generations, from.number, suggested);
  if (!to || r.signal.aborted) return outcome('cancelled', `Roll back cancelled; ${name} was not changed.`);
  if (to.number === from.number) return outcome('unchanged', `${name} already runs generation ${to.number}.`);
  stage = 'changes';
  r.deps.ui.stage(name, 'changes', `generation ${from.number} → ${to.number}`);
  const changeSummary = await changesBetween(r, session, from, to);
  stage = 'confirm';
  if (!(await r.ui.confirmRollback({ robot: r.robot, status: read.status, from, to, changeSummary })) || r.signal.aborted) return outcome('cancelled', `Roll back cancelled; ${name} was not changed.`);
  stage = 'activate';
  r.deps.ui.stage(name, 'activate', `generation ${to.number}, with automatic rollback`);
  const result = await activate({
    session,
    paths: r.deps.paths,
    how: 'switch-generation',
    target: String(to.number),
    action: 'switch',
    confirmTimeoutSeconds: r.deps.settings.confirmTimeoutSeconds,
    privilege: read.status.privilege,
    user: read.status.user,
    log: (line) => r.deps.log(`[${name}] ${line}`),
    onProgress: (p) => r.deps.ui.countdown?.(name, p.secondsLeft, p.message),
    runInTerminal: r.deps.ui.runInTerminal,
    ...(r.deps.activationTiming ? { timing: r.deps.activationTiming } : {}),
  });
  if (result.result === 'deployed') return outcome('deployed', `${name} runs generation ${to.number} again, confirmed over a new SSH connection.`, { output: result.output, unit: result.unit, generation: to.number });
  if (result.result === 'rolled-back') return outcome('rolled-back', `Returning to generation ${to.number} did not hold, so ${name} went back to generation ${from.number}: ${result.why}`, { output: result.output, unit: result.unit, generation: from.number });
  return activationOutcome(outcome, result, name, `generation ${to.number}`);
}

async function changesBetween(r: RollbackRequest, session: ReturnType<DeployDependencies['pool']['session']>, from: Generation, to: Generation): Promise<string> {
  if (!from.system || !to.system) return 'The systems of these generations could not be read.';
  const common = { nix: r.deps.nix, cwd: r.cwd, env: r.deps.env, signal: r.signal, session };
  const [before, after] = await Promise.all([closureInfo({ ...common, storePath: from.system }), closureInfo({ ...common, storePath: to.system })]);
  if (!before.ok || !after.ok) return `What changes could not be read: ${!before.ok ? before.message : !after.ok ? after.message : ''}`;
  const size = (c: { narSize: number }[]) => c.reduce((sum, p) => sum + p.narSize, 0);
  return describeChanges(diffClosures(before.closure, after.closure), size(after.closure) - size(before.closure));
}
