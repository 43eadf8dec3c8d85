/**
 * What the deploy tests share: the fixture flake (test/fixtures/flakes/robot-deploy) copied out of
 * git and its systems built once with real Nix, a robot on a real sshd (sshd-robot.ts) running
 * the `previous` system, and a UI whose answers are scripted and which records what the user was
 * shown. Only the UI is a stand-in: the deploy itself is the extension's.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath, offlineNixEnv } from './nix';
import { sshdUnavailable, startRobot, type RobotFixture } from './sshd-robot';
import { SshPool } from '../../client/src/robots/ssh';
import { RobotDeploy } from '../../client/src/deploy/flow';
import { doctorCapability } from '../../client/src/deploy/build-place';
import { HostDoctor } from '../../client/src/doctor/host-doctor';
import type { DeployDependencies, DeployOutcome, DeployPlan, DeployQuestion, DeploySettings, DeployStage, DeployUi } from '../../client/src/deploy/types';

export const deploySkip = !findOnPath('nix') ? 'nix is not installed (apt-get install nix-bin)' : (sshdUnavailable() ?? false);
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'flakes', 'robot-deploy');
export const CONFIGURATIONS = ['previous', 'robot', 'robot-broken', 'robot-cuts-ssh', 'robot-old-l4t', 'robot-nx', 'robot-new-firmware'] as const;
export type Configuration = (typeof CONFIGURATIONS)[number];

const offline = offlineNixEnv();
/** Offline Nix settings for every Nix command of the tests and of the deploy. */
export const nixEnv = { NIX_CONFIG: offline.NIX_CONFIG, XDG_CACHE_HOME: offline.XDG_CACHE_HOME };

/** The fixture flake, copied and built once per test file. */
export class FixtureFlake {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-deploy-flake-'));
  readonly systems = {} as Record<Configuration, string>;

  constructor() {
    fs.cpSync(FIXTURE, this.dir, { recursive: true });
    const installables = CONFIGURATIONS.map((c) => `.#nixosConfigurations.${c}.config.system.build.toplevel`);
    const built = JSON.parse(execFileSync('nix', ['build', '--no-link', '--json', ...installables], { cwd: this.dir, env: { ...process.env, ...nixEnv } }).toString()) as { outputs: { out: string } }[];
    CONFIGURATIONS.forEach((c, i) => (this.systems[c] = built[i]!.outputs.out));
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The UI with scripted answers; it records what the user was shown. */
export class ScriptedUi implements DeployUi {
  readonly stages: DeployStage[] = [];
  readonly questions: DeployQuestion[] = [];
  readonly plans: DeployPlan[] = [];
  readonly countdowns: (number | undefined)[] = [];
  onStage: (stage: DeployStage) => void = () => undefined;
  constructor(private readonly answers: { ask?: boolean; confirm?: boolean } = {}) {}
  stage(_robot: string, stage: DeployStage): void {
    if (this.stages.at(-1) !== stage) this.stages.push(stage);
    this.onStage(stage);
  }
  countdown(_robot: string, secondsLeft: number | undefined): void {
    this.countdowns.push(secondsLeft);
  }
  async ask(question: DeployQuestion): Promise<boolean> {
    this.questions.push(question);
    return this.answers.ask ?? true;
  }
  async confirm(plans: DeployPlan[]): Promise<boolean> {
    this.plans.push(...plans);
    return this.answers.confirm ?? true;
  }
}

export function dependencies(flake: FixtureFlake, robot: RobotFixture, pool: SshPool, ui: DeployUi, log: string[], settings: Partial<DeploySettings> = {}): DeployDependencies {
  return {
    nix: 'nix',
    env: nixEnv,
    pool,
    paths: robot.paths,
    settings: { confirmTimeoutSeconds: 5, buildOn: 'auto', substituteOnRobot: false, action: 'switch', ...settings },
    // The extension's own build doctor, asking this machine's real Nix.
    capability: doctorCapability(new HostDoctor({ nix: () => 'nix', pingTimeoutSeconds: () => 10, cwd: flake.dir, log: () => undefined })),
    ui,
    log: (line) => log.push(line),
    activationTiming: { pollMs: 250, graceSeconds: 4 },
  };
}

/** A robot running `previous` and a pool of SSH connections to it, torn down afterwards. */
export async function withRobot(flake: FixtureFlake, body: (robot: RobotFixture, pool: SshPool) => Promise<void>): Promise<void> {
  const robot = await startRobot({ nixEnv: { ...process.env, ...nixEnv } });
  const pool = new SshPool({ configFile: robot.sshConfig, connectTimeoutSeconds: 5 });
  try {
    await robot.install(flake.systems.previous);
    await body(robot, pool);
  } finally {
    await pool.dispose();
    await robot.stop();
  }
}

export interface Run {
  outcome: DeployOutcome;
  ui: ScriptedUi;
  log: string[];
  deploy: RobotDeploy;
}

/** Prepares, confirms (as the scripted UI says) and applies one deploy. */
export async function deploy(
  flake: FixtureFlake,
  robot: RobotFixture,
  pool: SshPool,
  configuration: Configuration,
  options: { ui?: ScriptedUi; signal?: AbortSignal; settings?: Partial<DeploySettings> } = {},
): Promise<Run> {
  const ui = options.ui ?? new ScriptedUi();
  const log: string[] = [];
  const d = new RobotDeploy({ robot: robot.address, flakeDir: flake.dir, configuration }, dependencies(flake, robot, pool, ui, log, options.settings), options.signal ?? new AbortController().signal);
  const plan = await d.prepare();
  if (!('outPath' in plan)) return { outcome: plan, ui, log, deploy: d };
  if (!(await ui.confirm([plan]))) throw new Error('the scripted UI declined');
  return { outcome: await d.apply(plan), ui, log, deploy: d };
}
