/**
 * Deploys for real, on this machine: real Nix builds the fixture systems
 * (test/fixtures/flakes/robot-deploy), a real OpenSSH server on 127.0.0.1 is the robot's SSH
 * (test/support/sshd-robot.ts), `nix copy --to ssh-ng://…` copies into the robot's own store
 * root, and the activation supervisor runs on the "robot" as the extension starts it. Only what
 * cannot exist here is stood in for: systemd (not PID 1 here: a `systemd-run` stand-in detaches
 * the supervisor with setsid), the Jetson's firmware and device tree (files under the robot's
 * folder), and the UI (answers scripted).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RobotDeploy } from '../../client/src/deploy/flow';
import { dependencies, deploy, deploySkip, FixtureFlake, ScriptedUi, withRobot, type Run } from '../support/deploy-run';

describe('Deploying to a robot over SSH on 127.0.0.1', { skip: deploySkip }, () => {
  const flake = deploySkip ? undefined! : new FixtureFlake();
  const systems = flake?.systems;
  after(() => flake?.remove());

  test('a deploy that succeeds goes through every stage and is confirmed over a new connection', () =>
    withRobot(flake, async (robot, pool) => {
      const { outcome, ui } = await deploy(flake, robot, pool, 'robot');
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
    withRobot(flake, async (robot, pool) => {
      const { outcome } = await deploy(flake, robot, pool, 'robot-broken');
      assert.equal(outcome.result, 'rolled-back');
      assert.equal(outcome.message, 'robot-1 rolled back to generation 1: The activation failed: switch-to-configuration switch exited with code 4.');
      assert.match(outcome.output ?? '', /Failed to start robot-camera\.service/);
      assert.deepEqual(robot.activations(), [`switch ${systems['robot-broken']} fail`, `switch ${systems.previous} ok`]);
      assert.equal(robot.currentSystem(), systems.previous);
      assert.equal(robot.profileSystem(), systems.previous);
    }));

  test('a deploy that cuts SSH is rolled back by the robot after the timeout, and reported', () =>
    withRobot(flake, async (robot, pool) => {
      const { outcome, log } = await deploy(flake, robot, pool, 'robot-cuts-ssh');
      assert.equal(outcome.result, 'rolled-back', outcome.message);
      assert.match(outcome.message, /^robot-1 rolled back to generation 1: No new SSH connection could confirm within 5 s of the activation/);
      assert.match(outcome.output ?? '', /no new SSH connection confirmed within 5 s/);
      assert.ok(log.some((l) => /stopped answering/.test(l)), 'the lost connection is in the log');
      assert.deepEqual(robot.activations(), [`switch ${systems['robot-cuts-ssh']} cut`, `switch ${systems.previous} ok`]);
      assert.equal(robot.currentSystem(), systems.previous);
    }));

  test('a robot that stays unreachable ends as "unknown" with what to check, and rolls back on its own', () =>
    withRobot(flake, async (robot, pool) => {
      await robot.holdSsh(true);
      const { outcome } = await deploy(flake, robot, pool, 'robot-cuts-ssh');
      assert.equal(outcome.result, 'unknown', outcome.message);
      assert.match(outcome.message, /has not answered for \d+ s/);
      assert.match(outcome.message, /journalctl -u jetson-nix-deploy-/);
      await robot.holdSsh(false);
      // The supervisor rolled back on its own; on a loaded machine it may still be finishing.
      for (let i = 0; i < 60 && robot.currentSystem() !== systems.previous; i++) await new Promise((r) => setTimeout(r, 250));
      assert.equal(robot.currentSystem(), systems.previous, 'the supervisor rolled back without the extension');
    }));

  test('an L4T downgrade is refused before anything is copied, with the way out', () =>
    withRobot(flake, async (robot, pool) => {
      const { outcome, ui } = await deploy(flake, robot, pool, 'robot-old-l4t');
      assert.equal(outcome.result, 'refused');
      assert.equal(outcome.stage, 'check');
      assert.match(outcome.message, /robot-old-l4t is built for L4T 36\.3\.0, older than the firmware robot-1 runs \(L4T 36\.4\.4\)/);
      assert.match(outcome.message, /flash it with this configuration \(Flash Jetson…\)/);
      assert.deepEqual(ui.plans, [], 'nothing was offered for confirmation');
      assert.equal(await robot.storeHas(systems['robot-old-l4t']), false, 'nothing was copied');
      assert.deepEqual(robot.activations(), []);
    }));

  test('a configuration for another module is refused', () =>
    withRobot(flake, async (robot, pool) => {
      const { outcome } = await deploy(flake, robot, pool, 'robot-nx');
      assert.equal(outcome.result, 'refused');
      assert.equal(outcome.message, 'robot-nx targets orin-nx, but robot-1 is an AGX Orin (nvidia,p3701-0005). Deploy a configuration for "orin-agx", or check that the robot\'s address is the one you meant.');
      assert.equal(await robot.storeHas(systems['robot-nx']), false);
      assert.deepEqual(robot.activations(), []);
    }));

  test('a firmware update in the new system is said and asked; declining changes nothing', () =>
    withRobot(flake, async (robot, pool) => {
      const ui = new ScriptedUi({ ask: false });
      const { outcome } = await deploy(flake, robot, pool, 'robot-new-firmware', { ui });
      assert.equal(outcome.result, 'cancelled');
      assert.match(ui.questions[0]!.message, /updates the firmware of robot-1 from L4T 36\.4\.4 to 36\.5\.0 at its next reboot/);
      assert.match(ui.questions[0]!.message, /refuses to roll back to generations built for an older L4T/);
      assert.deepEqual(robot.activations(), []);
    }));

  test('cancelling before the activation leaves the robot as it was; after it starts, cancelling is refused', () =>
    withRobot(flake, async (robot, pool) => {
      const early = new AbortController();
      const ui = new ScriptedUi();
      ui.onStage = (stage) => stage === 'copy' && early.abort();
      const cancelled = await deploy(flake, robot, pool, 'robot', { ui, signal: early.signal });
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
      const d = new RobotDeploy({ robot: robot.address, flakeDir: flake.dir, configuration: 'robot' }, dependencies(flake, robot, pool, lateUi, []), late.signal);
      run = { outcome: undefined as never, ui: lateUi, log: [], deploy: d };
      const plan = await d.prepare();
      assert.ok('outPath' in plan);
      const outcome = await d.apply(plan);
      assert.equal(outcome.result, 'deployed', 'the activation ran to its end');
      assert.match(refusal ?? '', /^robot-1 is activating the new system\. Stopping now would leave it between systems/);
    }));
});
