/**
 * Activation with automatic rollback, seen from the extension: start the supervisor
 * (supervisor.ts) on the robot, follow its state through the robot's shared SSH connection,
 * confirm over a *new* connection as soon as the new system is active (a fresh login is the proof
 * that SSH still works), show the countdown, and tell the truth at the end: deployed, rolled back
 * (why, with the activation's output), or unknown (the robot stopped answering). Once the
 * supervisor is started nothing here can stop it: the rollback guards the activation.
 * No `vscode` import.
 */
import type { RobotPaths } from '../robots/paths';
import type { Privilege } from '../robots/status';
import type { RemoteResult, SshSession } from '../robots/ssh';
import { activationId, isFinal, parseState, STATE_SCRIPT, supervisorArgv, supervisorCommandForTerminal, type SupervisorJob, type SupervisorState } from './supervisor';

export interface ActivationRequest {
  session: SshSession;
  paths: RobotPaths;
  /** `set` a new generation of this store path, or `switch-generation` to this number. */
  how: SupervisorJob['how'];
  target: string;
  action: SupervisorJob['action'];
  confirmTimeoutSeconds: number;
  privilege: Privilege;
  /** The SSH login's user name on the robot. */
  user: string;
  log: (line: string) => void;
  /** Progress: what the supervisor does, and the seconds left before it rolls back. */
  onProgress?: (p: ActivationProgress) => void;
  /** Runs an interactive SSH command (sudo asks for the password there); resolves when it ends. */
  runInTerminal?: (title: string, sshArgs: string[]) => Promise<void>;
  /** Timing, shortened by tests. */
  timing?: Partial<ActivationTiming>;
}

export interface ActivationTiming {
  pollMs: number;
  /** How long the robot may stay silent after the confirmation window before the outcome is "unknown". */
  graceSeconds: number;
  /** How long an activation may run at all. */
  maxActivationSeconds: number;
  /** How long the user has to type the sudo password. */
  passwordSeconds: number;
  /** How long a started unit may take to write its first state. */
  startSeconds: number;
}

const TIMING: ActivationTiming = { pollMs: 1000, graceSeconds: 120, maxActivationSeconds: 1800, passwordSeconds: 300, startSeconds: 60 };

export interface ActivationProgress {
  phase: SupervisorState['phase'] | 'unreachable';
  /** Seconds left before the supervisor rolls back, while it waits for the confirmation. */
  secondsLeft?: number;
  message: string;
}

export type ActivationOutcome =
  /** The new system is active and confirmed. */
  | { result: 'deployed'; generation?: number; unit: string; output: string }
  /** The robot runs its previous generation again. */
  | { result: 'rolled-back'; why: string; generation?: number; unit: string; output: string }
  /** Nothing was activated, or rolling back failed too. */
  | { result: 'failed'; message: string; unit: string; output: string }
  /** The robot stopped answering: what it runs now is not known. */
  | { result: 'unknown'; message: string; unit: string };

/** Starts the supervisor and follows it to its end; never throws. */
export async function activate(request: ActivationRequest): Promise<ActivationOutcome> {
  const id = activationId();
  const job: SupervisorJob = {
    dir: `${request.paths.stateDir}/${id}`,
    profile: request.paths.profile,
    how: request.how,
    target: request.target,
    action: request.action,
    timeoutSeconds: request.confirmTimeoutSeconds,
    currentSystem: request.paths.currentSystem,
    owner: request.user,
    unit: `jetson-nix-deploy-${id}`,
  };
  const follower = new Follower(request, job, { ...TIMING, ...request.timing });
  const started = await follower.start();
  if (started) return started;
  return follower.follow();
}

class Follower {
  private waitingSince: number | undefined;
  private unreachableSince: number | undefined;
  private lastSshError = '';
  private confirmSent = false;
  private confirmErrors = 0;
  private readonly startedAt = Date.now();

  constructor(
    private readonly request: ActivationRequest,
    private readonly job: SupervisorJob,
    private readonly timing: ActivationTiming,
  ) {}

  private get name(): string {
    return this.request.session.address.name;
  }

  /** Starts the supervisor; an outcome when it could not be started. */
  async start(): Promise<ActivationOutcome | undefined> {
    const { request, job } = this;
    request.log(`Activation: supervisor unit ${job.unit} (state in ${job.dir}), ${job.action}, confirmation within ${job.timeoutSeconds} s`);
    if (request.privilege === 'sudo-password') {
      if (!request.runInTerminal) return this.failed('sudo on the robot needs a password, and there is no terminal to type it in.');
      request.log('Activation: sudo needs a password: it is asked in a terminal (never stored).');
      const line = supervisorCommandForTerminal(job);
      const typed = request.runInTerminal(`Activate on ${this.name}`, request.session.argv(line, false, ['-t']));
      return this.waitForStart(typed);
    }
    if (request.privilege === 'none') return this.failed(`${request.user} on ${this.name} is not root and cannot use sudo: log in as root (\`user\` of the robot) or allow ${request.user} to use sudo.`);
    const elevate = request.privilege === 'sudo' ? ['sudo', '-n'] : [];
    const result = await request.session.exec(supervisorArgv(job, elevate), { timeoutMs: 60_000 });
    if (result.failure) return { result: 'unknown', message: `Starting the supervisor on ${this.name} failed on the way: ${result.failure.message} Check on the robot whether ${job.unit} ran (\`journalctl -u ${job.unit}\`).`, unit: job.unit };
    if (result.exitCode !== 0) return this.failed(`The supervisor could not be started (systemd-run exited with code ${result.exitCode ?? result.signal}): ${lastLine(result)}`);
    return undefined;
  }

  /** With sudo in a terminal: waits until the supervisor's state appears, or the terminal ends without it. */
  private async waitForStart(typed: Promise<void>): Promise<ActivationOutcome | undefined> {
    let ended = false;
    void typed.then(() => (ended = true));
    const deadline = Date.now() + this.timing.passwordSeconds * 1000;
    while (Date.now() < deadline) {
      const state = await this.read();
      if (state && state.phase !== 'starting') return undefined;
      if (ended && state) {
        // One more look: the unit may have started just as the terminal closed.
        const again = await this.read();
        return again && again.phase !== 'starting' ? undefined : this.failed('The terminal closed before the supervisor started (sudo refused, or the password was not typed). Nothing was changed.');
      }
      await delay(this.timing.pollMs);
    }
    return this.failed(`The supervisor did not start within ${this.timing.passwordSeconds} s of asking for the sudo password. Nothing was changed.`);
  }

  /** Polls the supervisor until it ends or the robot stays silent too long. */
  async follow(): Promise<ActivationOutcome> {
    for (;;) {
      const state = await this.read();
      if (state) {
        if (isFinal(state.phase)) return this.finish(state);
        if (state.phase === 'starting' && Date.now() - this.startedAt > this.timing.startSeconds * 1000)
          return this.failed(`The supervisor was started but wrote nothing within ${this.timing.startSeconds} s, so nothing was activated. \`journalctl -u ${this.job.unit}\` on the robot says why.`);
        if (state.phase === 'waiting') await this.confirm();
        this.report(state);
      } else {
        const silent = this.silentTooLong();
        if (silent) return silent;
      }
      if (Date.now() - this.startedAt > this.timing.maxActivationSeconds * 1000)
        return { result: 'unknown', message: `The activation on ${this.name} has not finished after ${Math.round(this.timing.maxActivationSeconds / 60)} minutes. \`journalctl -u ${this.job.unit}\` on the robot shows what it is doing.`, unit: this.job.unit };
      await delay(this.timing.pollMs);
    }
  }

  /** The supervisor's state, or undefined when the robot did not answer. */
  private async read(): Promise<SupervisorState | undefined> {
    const result = await this.request.session.script('jetson-nix-state', STATE_SCRIPT, [this.job.dir], { timeoutMs: 15_000 });
    if (result.failure || result.exitCode !== 0) {
      this.lastSshError = result.failure?.message ?? lastLine(result);
      if (this.unreachableSince === undefined) {
        this.unreachableSince = Date.now();
        this.request.log(`Activation: ${this.name} stopped answering: ${this.lastSshError}`);
      }
      return undefined;
    }
    if (this.unreachableSince !== undefined) this.request.log(`Activation: ${this.name} answers again after ${Math.round((Date.now() - this.unreachableSince) / 1000)} s.`);
    this.unreachableSince = undefined;
    return parseState(result.stdout);
  }

  /** A new connection creates the confirm file: the proof that the new system still lets us in. */
  private async confirm(): Promise<void> {
    if (this.confirmSent) return;
    this.waitingSince ??= Date.now();
    const result = await this.request.session.exec(['touch', `${this.job.dir}/confirm`], { fresh: true, timeoutMs: 20_000 });
    if (!result.failure && result.exitCode === 0) {
      this.confirmSent = true;
      this.request.log(`Activation: confirmed over a new SSH connection after ${Math.round((Date.now() - this.waitingSince) / 1000)} s.`);
      return;
    }
    this.confirmErrors++;
    this.lastSshError = result.failure?.message ?? lastLine(result);
    this.request.log(`Activation: a new SSH connection could not confirm (${this.lastSshError}); trying again until the supervisor's timeout.`);
  }

  private report(state: SupervisorState): void {
    const secondsLeft = this.waitingSince === undefined ? undefined : Math.max(0, this.job.timeoutSeconds - Math.round((Date.now() - this.waitingSince) / 1000));
    const message =
      state.phase === 'waiting'
        ? this.confirmSent
          ? 'confirmed; waiting for the supervisor to finish'
          : `confirming over a new SSH connection (rolls back in ${secondsLeft ?? this.job.timeoutSeconds} s)`
        : state.phase === 'rolling-back'
          ? 'rolling back'
          : `switch-to-configuration ${this.job.action} running`;
    this.request.onProgress?.({ phase: state.phase, message, ...(secondsLeft !== undefined ? { secondsLeft } : {}) });
  }

  /** "unknown" once the robot has been silent for the whole confirmation window and the grace after it. */
  private silentTooLong(): ActivationOutcome | undefined {
    const since = this.unreachableSince ?? Date.now();
    const silentSeconds = (Date.now() - since) / 1000;
    const limit = this.job.timeoutSeconds + this.timing.graceSeconds;
    this.request.onProgress?.({ phase: 'unreachable', message: `${this.name} does not answer (${Math.round(silentSeconds)} s); if the new system cut SSH, it rolls back ${this.job.timeoutSeconds} s after activating` });
    if (silentSeconds < limit) return undefined;
    return {
      result: 'unknown',
      message: `${this.name} has not answered for ${Math.round(silentSeconds)} s (last: ${this.lastSshError}). If the new system cut SSH or the network, the supervisor rolled it back ${this.job.timeoutSeconds} s after the activation; if the robot lost power or its network is down, it may run either system. Check its network and console; on the robot, \`journalctl -u ${this.job.unit}\` tells what happened.`,
      unit: this.job.unit,
    };
  }

  private async finish(state: SupervisorState): Promise<ActivationOutcome> {
    const output = await this.output();
    const unit = this.job.unit;
    switch (state.phase) {
      case 'confirmed':
        return { result: 'deployed', unit, output, ...(state.generation !== undefined ? { generation: state.generation } : {}) };
      case 'rolled-back':
        return { result: 'rolled-back', why: this.why(state), unit, output, ...(state.previousGeneration !== undefined ? { generation: state.previousGeneration } : {}) };
      case 'rollback-failed':
        return { result: 'failed', message: `${this.why(state)} Rolling back failed too: ${this.name} may be between systems. The activation output below says where it stopped.`, unit, output };
      case 'refused':
        return { result: 'failed', message: `Another activation is running on ${this.name}; nothing was changed. Try again when it has finished.`, unit, output };
      default:
        return { result: 'failed', message: `Setting the system profile on ${this.name} failed, so nothing was activated (is the system in its store?).`, unit, output };
    }
  }

  private why(state: SupervisorState): string {
    if (state.reason === 'activation-failed') return `The activation failed: switch-to-configuration ${this.job.action} exited with code ${state.exitCode ?? '?'}.`;
    if (state.reason === 'not-confirmed') {
      const attempts = this.confirmErrors > 0 ? ` New SSH connections failed: ${this.lastSshError}` : this.waitingSince === undefined ? ' The robot stopped answering during the activation.' : '';
      return `No new SSH connection could confirm within ${this.job.timeoutSeconds} s of the activation, so the robot rolled itself back (the new system may break SSH or the network).${attempts}`;
    }
    return `The supervisor stopped (${state.reason ?? 'no reason given'}).`;
  }

  /** The activation's output (switch-to-configuration and the rollback), the last 64 KiB. */
  private async output(): Promise<string> {
    const result = await this.request.session.exec(['tail', '-c', '65536', `${this.job.dir}/activation.log`], { timeoutMs: 15_000 });
    return result.failure || result.exitCode !== 0 ? `(the activation output could not be read: ${result.failure?.message ?? lastLine(result)})` : result.stdout;
  }

  private failed(message: string): ActivationOutcome {
    return { result: 'failed', message, unit: this.job.unit, output: '' };
  }
}

function lastLine(result: RemoteResult): string {
  return (result.stderr || result.stdout).trim().split('\n').at(-1) ?? '';
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
