/**
 * One robot's deploy, in two halves so that a fleet can be confirmed at once:
 *
 *   prepare: connect → Jetson checks → build → what changes      (nothing on the robot changes)
 *   apply:   copy → activate (with automatic rollback) [→ reboot]
 *
 * The Jetson checks come before the build because they only need evaluation: a configuration for
 * the wrong module or an older L4T is refused before an hour of building, and before anything is
 * copied. The caller's AbortSignal stops every stage up to the activation; once the supervisor is
 * started on the robot, cancelling is refused (`cancelRefusal` says why) because the rollback
 * guards the activation. No `vscode` import: tested against real Nix and a real sshd.
 */
import { configurationInstallable } from '../nix/build';
import { checkL4t } from '../robots/l4t';
import { checkRobotSom } from '../robots/som';
import { readStatus, type RobotStatus } from '../robots/status';
import { describeAddress, type SshSession } from '../robots/ssh';
import { activate } from './activate';
import { buildSystem } from './build-system';
import { chooseBuildPlace, type BuildPlace } from './build-place';
import { configurationFacts, type ConfigurationFacts } from './configuration-facts';
import { copyToRobot, storeUri } from './nix-remote';
import { planChanges } from './plan';
import { rebootAndWait } from './reboot';
import { STAGE_TITLES, type DeployDependencies, type DeployOutcome, type DeployPlan, type DeployResult, type DeployStage, type DeployTarget } from './types';

/** Ends the deploy with this outcome (a refusal, a cancellation, a failure). */
class Stop {
  constructor(readonly outcome: DeployOutcome) {}
}

export class RobotDeploy {
  private stageNow: DeployStage = 'connect';
  private activationStarted = false;
  private readonly session: SshSession;

  constructor(
    readonly target: DeployTarget,
    private readonly deps: DeployDependencies,
    private readonly signal: AbortSignal,
  ) {
    this.session = deps.pool.session(target.robot);
  }

  get name(): string {
    return this.target.robot.name;
  }

  /** Why cancelling is refused now, or undefined while it is still possible. */
  cancelRefusal(): string | undefined {
    if (!this.activationStarted) return undefined;
    return `${this.name} is activating the new system. Stopping now would leave it between systems: the supervisor on the robot rolls back by itself unless the new system is confirmed.`;
  }

  /** Everything before the robot changes; a plan to confirm, or how it ended. Never throws. */
  async prepare(): Promise<DeployPlan | DeployOutcome> {
    return this.guard(async () => {
      this.enter('connect', `connecting to ${describeAddress(this.target.robot)}`);
      const status = await this.connect();
      this.enter('check', `reading ${this.target.configuration}`);
      const facts = await this.facts();
      await this.jetsonChecks(status, facts);
      const where = await chooseBuildPlace(this.deps.settings.buildOn, facts.system, this.deps.capability);
      this.enter('build', `${this.target.configuration} ${where.place === 'robot' ? `on ${this.name}` : 'here'} (${where.why})`);
      const outPath = await this.build(where.place);
      this.enter('changes', `comparing with what ${this.name} runs`);
      if (status.currentSystem === outPath) return this.end('unchanged', `${this.name} already runs this system (${outPath}); nothing to do.`);
      const plan = await planChanges({ ...this.deps, session: this.session, target: this.target, status, outPath, place: where.place, signal: this.signal });
      if (!plan.ok) return this.end('failed', plan.message);
      await this.checkSpace(plan.plan);
      this.enter('confirm', 'waiting for your confirmation');
      return plan.plan;
    });
  }

  /** Copies (when built here) and activates a confirmed plan. Never throws. */
  async apply(plan: DeployPlan): Promise<DeployOutcome> {
    return this.guard(async () => {
      if (plan.place === 'local') {
        this.enter('copy', `to ${storeUri(this.session)}`);
        await this.copy(plan);
      }
      this.checkCancelled();
      this.activationStarted = true;
      this.enter('activate', `${this.deps.settings.action} with automatic rollback (confirmation within ${this.deps.settings.confirmTimeoutSeconds} s)`);
      const outcome = await this.activate(plan);
      if (outcome.result !== 'deployed' || this.deps.settings.action !== 'boot') return outcome;
      this.enter('reboot', `rebooting ${this.name} into generation ${outcome.generation ?? '?'}`);
      const rebooted = await rebootAndWait({ session: this.session, paths: this.deps.paths, privilege: plan.status.privilege, expected: plan.outPath, log: this.deps.log });
      return { ...outcome, result: rebooted.result, message: rebooted.message, stage: 'reboot' };
    });
  }

  private async guard<T>(body: () => Promise<T>): Promise<T | DeployOutcome> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof Stop) return error.outcome;
      const message = error instanceof Error ? error.message : String(error);
      this.deps.log(`Deploy of ${this.target.configuration} to ${this.name} failed at ${this.stageNow}: ${error instanceof Error && error.stack ? error.stack : message}`);
      return this.outcome('failed', `The deploy stopped at an unexpected error (${STAGE_TITLES[this.stageNow]}): ${message}`);
    }
  }

  private enter(stage: DeployStage, message: string): void {
    this.checkCancelled();
    this.stageNow = stage;
    this.deps.log(`[${this.name}] ${STAGE_TITLES[stage]}: ${message}`);
    this.deps.ui.stage(this.name, stage, message);
  }

  private checkCancelled(): void {
    if (this.signal.aborted && !this.activationStarted) throw new Stop(this.outcome('cancelled', `Deploy cancelled during ${STAGE_TITLES[this.stageNow]}; ${this.name} was not changed.`));
  }

  private outcome(result: DeployResult, message: string, extra: Partial<DeployOutcome> = {}): DeployOutcome {
    return { robot: this.name, configuration: this.target.configuration, result, message, stage: this.stageNow, ...extra };
  }

  private end(result: DeployResult, message: string, extra: Partial<DeployOutcome> = {}): never {
    throw new Stop(this.outcome(result, message, extra));
  }

  private async connect(): Promise<RobotStatus> {
    const read = await readStatus(this.session, this.deps.paths, this.signal);
    this.checkCancelled();
    if (!read.ok) this.end('refused', read.failure.message, { sshFailure: read.failure.kind });
    const s = read.status;
    this.deps.log(`[${this.name}] runs ${s.currentSystem ?? '?'} (generation ${s.generation?.number ?? '?'}), firmware ${s.biosVersion ?? 'unknown'}, module ${s.compatible[0] ?? 'unknown'}, as ${s.user} (${s.privilege})`);
    if (s.privilege === 'none') this.end('refused', `${s.user} on ${this.name} is neither root nor allowed to use sudo, and activating a system needs root. Deploy as root (the robot's \`user\`) or give ${s.user} sudo rights.`);
    return s;
  }

  private async facts(): Promise<ConfigurationFacts> {
    const result = await configurationFacts({ nix: this.deps.nix, flakeDir: this.target.flakeDir, name: this.target.configuration, signal: this.signal, env: this.deps.env });
    this.checkCancelled();
    if (!result.ok) this.end('failed', result.message);
    const f = result.facts;
    this.deps.log(`[${this.name}] ${this.target.configuration}: system ${f.system ?? '?'}, SoM ${f.som ?? '(not a jetpack-nixos configuration)'}, L4T ${f.l4t ?? '?'}, maxAllowedDowngrade ${f.maxAllowedDowngrade}, firmware.autoUpdate ${f.autoUpdate}`);
    return f;
  }

  private async jetsonChecks(status: RobotStatus, facts: ConfigurationFacts): Promise<void> {
    const names = { robot: this.name, configuration: this.target.configuration };
    const som = checkRobotSom({ som: facts.som, compatible: status.compatible, ...names });
    if (som.verdict === 'mismatch') this.end('refused', som.message);
    if (som.verdict === 'unverifiable' && !(await this.deps.ui.ask({ robot: this.name, message: som.message, proceed: 'Deploy anyway' }))) this.end('cancelled', `Deploy cancelled: ${som.message}`);
    const l4t = checkL4t({ ...names, running: status.l4t, target: facts.l4t, maxAllowedDowngrade: facts.maxAllowedDowngrade, autoUpdate: facts.autoUpdate });
    if (l4t.verdict === 'refused') this.end('refused', l4t.message);
    if (l4t.verdict === 'ok' && l4t.note) this.deps.log(`[${this.name}] ${l4t.note}`);
    if (l4t.verdict === 'firmware-update' && !(await this.deps.ui.ask({ robot: this.name, message: l4t.message, proceed: 'Update the firmware' }))) this.end('cancelled', `Deploy cancelled: the firmware of ${this.name} stays as it is.`);
    this.checkCancelled();
  }

  private async build(place: BuildPlace): Promise<string> {
    const built = await buildSystem({
      nix: this.deps.nix,
      env: this.deps.env,
      flakeDir: this.target.flakeDir,
      installable: configurationInstallable(this.target.configuration),
      session: place === 'robot' ? this.session : undefined,
      signal: this.signal,
      onProgress: (p) => this.deps.ui.buildProgress?.(this.name, p),
      log: this.deps.log,
    });
    this.checkCancelled();
    if (!built.ok) this.end('failed', built.message);
    this.deps.log(`[${this.name}] built ${built.outPath}`);
    return built.outPath;
  }

  private async checkSpace(plan: DeployPlan): Promise<void> {
    const free = plan.status.nixFreeBytes;
    if (free === undefined || plan.place === 'robot' || free >= plan.copyBytes * 1.1) return;
    const mib = (n: number) => `${(n / 1024 ** 2).toFixed(0)} MiB`;
    const message = `${this.name} has ${mib(free)} free in its Nix store and the new system needs about ${mib(plan.copyBytes)} more. Free space there first (\`nix-collect-garbage --delete-older-than 30d\` as root), or the copy will fail.`;
    if (!(await this.deps.ui.ask({ robot: this.name, message, proceed: 'Copy anyway' }))) this.end('cancelled', `Deploy cancelled: ${message}`);
  }

  private async copy(plan: DeployPlan): Promise<void> {
    const copied = await copyToRobot({
      nix: this.deps.nix,
      cwd: this.target.flakeDir,
      env: this.deps.env,
      session: this.session,
      signal: this.signal,
      storePath: plan.outPath,
      substituteOnRobot: this.deps.settings.substituteOnRobot,
      sizes: new Map(plan.closure.map((p) => [p.path, p.narSize])),
      expectedBytes: plan.copyBytes,
      onProgress: (p) => this.deps.ui.copyProgress?.(this.name, p),
      onLogLine: (line) => this.deps.log(`[${this.name}] ${line}`),
    });
    if (!copied.ok && copied.cancelled) this.end('cancelled', `Deploy cancelled during Copy; ${this.name} was not changed (paths already copied stay in its store).`);
    if (!copied.ok) this.end('failed', copied.message);
    this.deps.log(`[${this.name}] copied ${copied.progress.pathsDone} paths`);
  }

  private async activate(plan: DeployPlan): Promise<DeployOutcome> {
    const result = await activate({
      session: this.session,
      paths: this.deps.paths,
      how: 'set',
      target: plan.outPath,
      action: this.deps.settings.action,
      confirmTimeoutSeconds: this.deps.settings.confirmTimeoutSeconds,
      privilege: plan.status.privilege,
      user: plan.status.user,
      log: (line) => this.deps.log(`[${this.name}] ${line}`),
      onProgress: (p) => this.deps.ui.countdown?.(this.name, p.secondsLeft, p.message),
      runInTerminal: this.deps.ui.runInTerminal,
      ...(this.deps.activationTiming ? { timing: this.deps.activationTiming } : {}),
    });
    return activationOutcome(this.outcome.bind(this), result, this.name, this.target.configuration);
  }
}

/** The activation's ending as a deploy outcome, with the sentence the user reads. */
export function activationOutcome(
  make: (result: DeployResult, message: string, extra?: Partial<DeployOutcome>) => DeployOutcome,
  result: Awaited<ReturnType<typeof activate>>,
  robot: string,
  configuration: string,
): DeployOutcome {
  switch (result.result) {
    case 'deployed':
      return make('deployed', `${robot} runs ${configuration} (generation ${result.generation ?? '?'}), confirmed over a new SSH connection.`, { output: result.output, unit: result.unit, ...(result.generation !== undefined ? { generation: result.generation } : {}) });
    case 'rolled-back':
      return make('rolled-back', `${robot} rolled back to generation ${result.generation ?? '?'}: ${result.why}`, { output: result.output, unit: result.unit, ...(result.generation !== undefined ? { generation: result.generation } : {}) });
    case 'failed':
      return make('failed', result.message, { output: result.output, unit: result.unit });
    case 'unknown':
      return make('unknown', result.message, { unit: result.unit });
  }
}
