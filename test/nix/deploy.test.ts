/**
 * Deploys for real, on this machine: real Nix builds the fixture systems
 * (test/fixtures/flakes/robot-deploy), a real OpenSSH server on 127.0.0.1 is the robot's SSH
 * (test/support/sshd-robot.ts), `nix copy --to ssh-ng://…` copies into the robot's own store
 * root, and the activation supervisor runs on the "robot" as the extension starts it. Only what
 * cannot exist here is stood in for: systemd (not PID 1 here: a `systemd-run` stand-in detaches
 * the supervisor with setsid), the Jetson's firmware and device tree (files under the robot's
 * folder), and the UI (answers scripted).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath, offlineNixEnv } from '../support/nix';
import { sshdUnavailable, startRobot, type RobotFixture } from '../support/sshd-robot';
import { SshPool } from '../../client/src/robots/ssh';
import { RobotDeploy } from '../../client/src/deploy/flow';
import { nixConfigCapability } from '../../client/src/deploy/build-place';
import type { DeployDependencies, DeployOutcome, DeployPlan, DeployQuestion, DeploySettings, DeployStage, DeployUi } from '../../client/src/deploy/types';

const skip = !findOnPath('nix') ? 'nix is not installed (apt-get install nix-bin)' : (sshdUnavailable() ?? false);
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'flakes', 'robot-deploy');
const CONFIGURATIONS = ['previous', 'robot', 'robot-broken', 'robot-cuts-ssh', 'robot-old-l4t', 'robot-nx', 'robot-new-firmware'] as const;
type Configuration = (typeof CONFIGURATIONS)[number];

const offline = offlineNixEnv();
const nixEnv = { NIX_CONFIG: offline.NIX_CONFIG, XDG_CACHE_HOME: offline.XDG_CACHE_HOME };
let flake = '';
const systems = {} as Record<Configuration, string>;

/** The UI with scripted answers; it records what the user was shown. */
class ScriptedUi implements DeployUi {
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

interface Run {
  outcome: DeployOutcome;
  ui: ScriptedUi;
  log: string[];
  deploy: RobotDeploy;
}

function dependencies(robot: RobotFixture, pool: SshPool, ui: DeployUi, log: string[], settings: Partial<DeploySettings> = {}): DeployDependencies {
  return {
    nix: 'nix',
    env: nixEnv,
    pool,
    paths: robot.paths,
    settings: { confirmTimeoutSeconds: 5, buildOn: 'auto', substituteOnRobot: false, action: 'switch', ...settings },
    capability: nixConfigCapability({ nix: 'nix', cwd: flake, env: nixEnv }),
    ui,
    log: (line) => log.push(line),
    activationTiming: { pollMs: 250, graceSeconds: 4 },
  };
}

/** A robot running `previous`, a pool of SSH connections to it, torn down afterwards. */
async function withRobot(body: (robot: RobotFixture, pool: SshPool) => Promise<void>): Promise<void> {
  const robot = await startRobot({ nixEnv: { ...process.env, ...nixEnv } });
  const pool = new SshPool({ configFile: robot.sshConfig, connectTimeoutSeconds: 5 });
  try {
    await robot.install(systems.previous);
    await body(robot, pool);
  } finally {
    await pool.dispose();
    await robot.stop();
  }
}

async function deploy(robot: RobotFixture, pool: SshPool, configuration: Configuration, options: { ui?: ScriptedUi; signal?: AbortSignal; settings?: Partial<DeploySettings> } = {}): Promise<Run> {
  const ui = options.ui ?? new ScriptedUi();
  const log: string[] = [];
  const d = new RobotDeploy({ robot: robot.address, flakeDir: flake, configuration }, dependencies(robot, pool, ui, log, options.settings), options.signal ?? new AbortController().signal);
  const plan = await d.prepare();
  if (!('outPath' in plan)) return { outcome: plan, ui, log, deploy: d };
  if (!(await ui.confirm([plan]))) throw new Error('the scripted UI declined');
  return { outcome: await d.apply(plan), ui, log, deploy: d };
}

describe('Deploying to a robot over SSH on 127.0.0.1', { skip }, () => {
  before(() => {
    flake = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-deploy-flake-'));
    fs.cpSync(FIXTURE, flake, { recursive: true });
    const installables = CONFIGURATIONS.map((c) => `.#nixosConfigurations.${c}.config.system.build.toplevel`);
    const built = JSON.parse(execFileSync('nix', ['build', '--no-link', '--json', ...installables], { cwd: flake, env: { ...process.env, ...nixEnv } }).toString()) as { outputs: { out: string } }[];
    CONFIGURATIONS.forEach((c, i) => (systems[c] = built[i]!.outputs.out));
  });
  after(() => fs.rmSync(flake, { recursive: true, force: true }));

  test('a deploy that succeeds goes through every stage and is confirmed over a new connection', () =>
    withRobot(async (robot, pool) => {
      const { outcome, ui } = await deploy(robot, pool, 'robot');
      assert.equal(outcome.result, 'deployed', outcome.message);
      assert.deepEqual(ui.stages, ['connect', 'check', 'build', 'changes', 'confirm', 'copy', 'activate']);
      assert.equal(outcome.message, 'robot-1 runs robot (generation 2), confirmed over a new SSH connection.');
      const [plan] = ui.plans;
      assert.equal(plan!.target.robot.name, 'robot-1');
      assert.equal(plan!.target.configuration, 'robot');
      assert.equal(plan!.outPath, systems.robot);
      assert.match(plan!.changeSummary, /robot-camera-driver 1\.2\.0 → 1\.3\.0/);
      assert.match(plan!.changeSummary, /robot-lidar ∅ → 0\.4\.1/);
      assert.ok(plan!.copyBytes > 0);
      assert.equal(await robot.storeHas(systems.robot), true, 'the system was copied into the robot store');
      assert.equal(robot.profileSystem(), systems.robot);
      assert.equal(robot.currentSystem(), systems.robot);
      assert.deepEqual(robot.activations(), [`switch ${systems.robot} ok`]);
    }));

  test('a deploy whose activation fails is rolled back and says why, with the output', () =>
    withRobot(async (robot, pool) => {
      const { outcome } = await deploy(robot, pool, 'robot-broken');
      assert.equal(outcome.result, 'rolled-back');
      assert.equal(outcome.message, 'robot-1 rolled back to generation 1: The activation failed: switch-to-configuration switch exited with code 4.');
      assert.match(outcome.output ?? '', /Failed to start robot-camera\.service/);
      assert.deepEqual(robot.activations(), [`switch ${systems['robot-broken']} fail`, `switch ${systems.previous} ok`]);
      assert.equal(robot.currentSystem(), systems.previous);
      assert.equal(robot.profileSystem(), systems.previous);
    }));

  test('a deploy that cuts SSH is rolled back by the robot after the timeout, and reported', () =>
    withRobot(async (robot, pool) => {
      const { outcome, log } = await deploy(robot, pool, 'robot-cuts-ssh');
      assert.equal(outcome.result, 'rolled-back', outcome.message);
      assert.match(outcome.message, /^robot-1 rolled back to generation 1: No new SSH connection could confirm within 5 s of the activation/);
      assert.match(outcome.output ?? '', /no new SSH connection confirmed within 5 s/);
      assert.ok(log.some((l) => /stopped answering/.test(l)), 'the lost connection is in the log');
      assert.deepEqual(robot.activations(), [`switch ${systems['robot-cuts-ssh']} cut`, `switch ${systems.previous} ok`]);
      assert.equal(robot.currentSystem(), systems.previous);
    }));

  test('a robot that stays unreachable ends as "unknown" with what to check, and rolls back on its own', () =>
    withRobot(async (robot, pool) => {
      await robot.holdSsh(true);
      const { outcome } = await deploy(robot, pool, 'robot-cuts-ssh');
      assert.equal(outcome.result, 'unknown', outcome.message);
      assert.match(outcome.message, /has not answered for \d+ s/);
      assert.match(outcome.message, /journalctl -u jetson-nix-deploy-/);
      await robot.holdSsh(false);
      assert.equal(robot.currentSystem(), systems.previous, 'the supervisor rolled back without the extension');
    }));

  test('an L4T downgrade is refused before anything is copied, with the way out', () =>
    withRobot(async (robot, pool) => {
      const { outcome, ui } = await deploy(robot, pool, 'robot-old-l4t');
      assert.equal(outcome.result, 'refused');
      assert.equal(outcome.stage, 'check');
      assert.match(outcome.message, /robot-old-l4t is built for L4T 36\.3\.0, older than the firmware robot-1 runs \(L4T 36\.4\.4\)/);
      assert.match(outcome.message, /flash it with this configuration \(Flash Jetson…\)/);
      assert.deepEqual(ui.plans, [], 'nothing was offered for confirmation');
      assert.equal(await robot.storeHas(systems['robot-old-l4t']), false, 'nothing was copied');
      assert.deepEqual(robot.activations(), []);
    }));

  test('a configuration for another module is refused', () =>
    withRobot(async (robot, pool) => {
      const { outcome } = await deploy(robot, pool, 'robot-nx');
      assert.equal(outcome.result, 'refused');
      assert.equal(outcome.message, 'robot-nx targets orin-nx, but robot-1 is an AGX Orin (nvidia,p3701-0005). Deploy a configuration for "orin-agx", or check that the robot\'s address is the one you meant.');
      assert.equal(await robot.storeHas(systems['robot-nx']), false);
      assert.deepEqual(robot.activations(), []);
    }));

  test('a firmware update in the new system is said and asked; declining changes nothing', () =>
    withRobot(async (robot, pool) => {
      const ui = new ScriptedUi({ ask: false });
      const { outcome } = await deploy(robot, pool, 'robot-new-firmware', { ui });
      assert.equal(outcome.result, 'cancelled');
      assert.match(ui.questions[0]!.message, /updates the firmware of robot-1 from L4T 36\.4\.4 to 36\.5\.0 at its next reboot/);
      assert.match(ui.questions[0]!.message, /refuses to roll back to generations built for an older L4T/);
      assert.deepEqual(robot.activations(), []);
    }));

  test('cancelling before the activation leaves the robot as it was; after it starts, cancelling is refused', () =>
    withRobot(async (robot, pool) => {
      const early = new AbortController();
      const ui = new ScriptedUi();
      ui.onStage = (stage) => stage === 'copy' && early.abort();
      const cancelled = await deploy(robot, pool, 'robot', { ui, signal: early.signal });
      assert.equal(cancelled.outcome.result, 'cancelled');
      assert.equal(cancelled.outcome.message, 'Deploy cancelled during Copy; robot-1 was not changed (paths already copied stay in its store).');
      assert.equal(await robot.storeHas(systems.robot), false);
      assert.deepEqual(robot.activations(), []);

      const late = new AbortController();
      const lateUi = new ScriptedUi();
      let refusal: string | undefined;
      let run: Run | undefined;
      lateUi.onStage = (stage) => {
        if (stage !== 'activate') return;
        late.abort();
        refusal = run?.deploy.cancelRefusal();
      };
      const d = new RobotDeploy({ robot: robot.address, flakeDir: flake, configuration: 'robot' }, dependencies(robot, pool, lateUi, []), late.signal);
      run = { outcome: undefined as never, ui: lateUi, log: [], deploy: d };
      const plan = await d.prepare();
      assert.ok('outPath' in plan);
      const outcome = await d.apply(plan);
      assert.equal(outcome.result, 'deployed', 'the activation ran to its end');
      assert.match(refusal ?? '', /^robot-1 is activating the new system\. Stopping now would leave it between systems/);
    }));
});
