/**
 * More of the deploy, for real on 127.0.0.1 (see deploy.test.ts for what is real and what stands
 * in): the robot's status as SSH reads it, hostile text through the robot's shell, SSH failures,
 * Roll Back through the supervisor, building on the robot, `boot` with a reboot, and "what
 * changes" checked against Nix's own `nix store diff-closures`.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SshPool } from '../../client/src/robots/ssh';
import { readStatus } from '../../client/src/robots/status';
import { diffClosures, formatChange, parseDiffClosures, parsePathInfo } from '../../client/src/deploy/closure-diff';
import { rollBack, type RollbackPlan } from '../../client/src/deploy/rollback';
import { deployFleet } from '../../client/src/deploy/fleet';
import { activate } from '../../client/src/deploy/activate';
import { HOSTILE_NAMES } from '../support/hostile-names';
import { CONFIGURATIONS, deploy, dependencies, deploySkip, FixtureFlake, nixEnv, ScriptedUi, withRobot } from '../support/deploy-run';

/** Whether Nix can sandbox a build here (a chroot store builds only in the sandbox). */
function sandboxAvailable(): boolean {
  try {
    execFileSync('unshare', ['--mount', '--pid', '--fork', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('Robots over SSH on 127.0.0.1: status, shell quoting, rollback, build places, reboot', { skip: deploySkip }, () => {
  const flake = deploySkip ? undefined! : new FixtureFlake();
  const systems = flake?.systems;
  after(() => flake?.remove());

  test("the status: what the robot runs, its generation, firmware, module, free space, login", () =>
    withRobot(flake, async (robot, pool) => {
      const read = await readStatus(pool.session(robot.address), robot.paths);
      assert.ok(read.ok, read.ok ? '' : read.failure.message);
      const s = read.status;
      assert.equal(s.currentSystem, systems.previous);
      assert.equal(s.bootedSystem, systems.previous);
      assert.equal(s.rebootPending, false);
      assert.equal(s.generation?.number, 1);
      assert.equal(s.generation?.system, systems.previous);
      assert.ok(s.generation?.date && Math.abs(s.generation.date.getTime() - Date.now()) < 10 * 60_000);
      assert.equal(s.l4t, '36.4.4');
      assert.deepEqual(s.compatible, ['nvidia,p3737-0000+p3701-0005', 'nvidia,p3701-0005', 'nvidia,tegra234']);
      assert.ok((s.nixFreeBytes ?? 0) > 0);
      assert.equal(s.privilege, 'root');
    }));

  test('hostile text reaches the robot as exactly the arguments sent, through the real login shell', () =>
    withRobot(flake, async (robot, pool) => {
      const result = await pool.session(robot.address).exec(['printf', '%s\\0', ...HOSTILE_NAMES]);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.deepEqual(result.stdout.split('\0').slice(0, -1), HOSTILE_NAMES);
      assert.equal(fs.existsSync('/tmp/jetson-nix-pwned'), false);
    }));

  test('SSH failures: an unknown host key says how to accept it; a closed port is unreachable', () =>
    withRobot(flake, async (robot) => {
      const strangerConfig = path.join(robot.root, 'ssh_config_stranger');
      fs.writeFileSync(strangerConfig, fs.readFileSync(robot.sshConfig, 'utf8').replace(/UserKnownHostsFile .*/, `UserKnownHostsFile ${path.join(robot.root, 'empty_known_hosts')}`));
      const stranger = new SshPool({ configFile: strangerConfig, connectTimeoutSeconds: 5 });
      try {
        const read = await readStatus(stranger.session(robot.address), robot.paths);
        assert.equal(read.ok, false);
        assert.equal(!read.ok && read.failure.kind, 'host-key-unknown');
        assert.match(!read.ok ? read.failure.message : '', /SSH does not know the host key of robot-1 .* Connect once in a terminal \(`ssh -F \S+ -p \d+ root@127\.0\.0\.1`\)/);
        const closed = await readStatus(stranger.session({ ...robot.address, port: 1 }), robot.paths);
        assert.equal(!closed.ok && closed.failure.kind, 'unreachable');
        const { outcome, ui } = await deploy(flake, robot, stranger, 'robot');
        assert.deepEqual([outcome.result, outcome.stage, outcome.sshFailure], ['refused', 'connect', 'host-key-unknown']);
        assert.deepEqual(ui.stages, ['connect'], 'nothing is evaluated or built for a robot SSH does not trust yet');
      } finally {
        await stranger.dispose();
      }
    }));

  test('Roll Back returns to the previous generation through the supervisor', () =>
    withRobot(flake, async (robot, pool) => {
      assert.equal((await deploy(flake, robot, pool, 'robot')).outcome.result, 'deployed');
      const plans: RollbackPlan[] = [];
      const ui = new ScriptedUi();
      const outcome = await rollBack({
        deps: dependencies(flake, robot, pool, ui, []),
        robot: robot.address,
        cwd: flake.dir,
        signal: new AbortController().signal,
        ui: {
          pick: async (_robot, generations, current, suggested) => {
            assert.deepEqual([generations.map((g) => g.number), current, suggested.number], [[2, 1], 2, 1]);
            return suggested;
          },
          confirmRollback: async (plan) => (plans.push(plan), true),
        },
      });
      assert.equal(outcome.result, 'deployed', outcome.message);
      assert.equal(outcome.message, 'robot-1 runs generation 1 again, confirmed over a new SSH connection.');
      assert.match(plans[0]!.changeSummary, /robot-camera-driver 1\.3\.0 → 1\.2\.0/);
      assert.equal(robot.currentSystem(), systems.previous);
      assert.equal(robot.profileSystem(), systems.previous);
      assert.deepEqual(robot.activations(), [`switch ${systems.robot} ok`, `switch ${systems.previous} ok`]);
    }));

  test('building on the robot: Nix evaluates here and builds in the robot store; nothing is copied', { skip: !sandboxAvailable() && 'Nix cannot sandbox here, and a chroot store builds only in the sandbox' }, () =>
    withRobot(flake, async (robot, pool) => {
      const { outcome, ui, log } = await deploy(flake, robot, pool, 'robot', { settings: { buildOn: 'robot' } });
      assert.equal(outcome.result, 'deployed', outcome.message);
      assert.deepEqual(ui.stages, ['connect', 'check', 'build', 'changes', 'confirm', 'activate'], 'no copy stage');
      assert.ok(log.some((l) => /Build: robot on robot-1 \(jetsonNix\.deploy\.buildOn is "robot"\)/.test(l)));
      assert.equal(ui.plans[0]!.place, 'robot');
      assert.equal(await robot.storeHas(systems.robot), true);
    }));

  test('boot: the new system becomes the boot default, the robot reboots into it and is checked when it is back', () =>
    withRobot(flake, async (robot, pool) => {
      const { outcome, ui } = await deploy(flake, robot, pool, 'robot', { settings: { action: 'boot' } });
      assert.equal(outcome.result, 'deployed', outcome.message);
      assert.equal(outcome.stage, 'reboot');
      assert.equal(outcome.message, `robot-1 rebooted into the new system (${systems.robot}).`);
      assert.deepEqual(ui.stages.slice(-2), ['activate', 'reboot']);
      assert.deepEqual(robot.activations(), [`boot ${systems.robot} ok`], 'boot does not switch the running system');
      assert.equal(fs.readFileSync(path.join(robot.root, 'reboots.log'), 'utf8'), 'reboot\n');
      assert.equal(fs.readlinkSync(robot.paths.bootedSystem), systems.robot);
    }));

  test('when sudo needs a password, the supervisor starts in a terminal (ssh -t, sudo asks there) and is followed to its end', () =>
    withRobot(flake, async (robot, pool) => {
      await robot.install(systems.robot);
      const session = pool.session(robot.address);
      const terminals: string[][] = [];
      const outcome = await activate({
        session,
        paths: robot.paths,
        how: 'switch-generation',
        target: '1',
        action: 'switch',
        confirmTimeoutSeconds: 5,
        privilege: 'sudo-password',
        user: robot.server.user,
        log: () => undefined,
        timing: { pollMs: 250 },
        // What VS Code's terminal does, without a person: run ssh with these arguments to its end.
        runInTerminal: async (_title, sshArgs) => {
          terminals.push(sshArgs);
          execFileSync('ssh', sshArgs, { stdio: 'ignore' });
        },
      });
      assert.equal(outcome.result, 'deployed', outcome.result === 'deployed' ? '' : JSON.stringify(outcome));
      assert.equal(terminals.length, 1);
      assert.ok(terminals[0]!.includes('-t'), 'a terminal for sudo to ask in');
      assert.match(terminals[0]!.at(-1)!, /^sudo systemd-run --unit=jetson-nix-deploy-/, 'sudo without -n: it may ask');
      assert.match(fs.readFileSync(path.join(robot.root, 'sudo.log'), 'utf8'), /^sudo systemd-run /);
      assert.equal(robot.currentSystem(), systems.previous);
    }));

  test('a supervisor that never starts is said as such, with where to look; nothing was activated', () =>
    withRobot(flake, async (robot, pool) => {
      // A systemd-run that accepts the unit and runs nothing (as when the unit dies at once).
      fs.writeFileSync(path.join(robot.root, 'bin', 'systemd-run'), '#!/bin/sh\nexit 0\n');
      const outcome = await activate({
        session: pool.session(robot.address),
        paths: robot.paths,
        how: 'set',
        target: systems.robot,
        action: 'switch',
        confirmTimeoutSeconds: 5,
        privilege: 'root',
        user: robot.server.user,
        log: () => undefined,
        timing: { pollMs: 250, startSeconds: 2 },
      });
      assert.equal(outcome.result, 'failed');
      assert.match(outcome.result === 'failed' ? outcome.message : '', /wrote nothing within 2 s, so nothing was activated\. `journalctl -u jetson-nix-deploy-\S+` on the robot says why/);
      assert.deepEqual(robot.activations(), []);
    }));

  test('a fleet: prepared together, one confirmation naming every robot; a canary that rolls back stops the rest', () =>
    withRobot(flake, async (robot, pool) => {
      // Two names for the one loopback robot: the fleet machinery is what is tested here.
      const a = { ...robot.address, name: 'robot-a' };
      const b = { ...robot.address, name: 'robot-b' };
      const ui = new ScriptedUi();
      const all = await deployFleet(
        [a, b].map((r) => ({ robot: r, flakeDir: flake.dir, configuration: 'robot' })),
        dependencies(flake, robot, pool, ui, []),
        { parallel: 1, canary: false, signal: new AbortController().signal },
      );
      assert.deepEqual(all.map((o) => [o.robot, o.result]), [['robot-a', 'deployed'], ['robot-b', 'deployed']]);
      assert.deepEqual(ui.plans.map((p) => p.target.robot.name), ['robot-a', 'robot-b'], 'one confirmation named both');

      let asked = false;
      const canary = await deployFleet(
        [
          { robot: a, flakeDir: flake.dir, configuration: 'robot-broken' },
          { robot: b, flakeDir: flake.dir, configuration: 'previous' },
        ],
        dependencies(flake, robot, pool, new ScriptedUi(), []),
        { parallel: 2, canary: true, signal: new AbortController().signal, continueAfterCanary: async () => (asked = true) },
      );
      assert.deepEqual(canary.map((o) => [o.robot, o.result]), [['robot-a', 'rolled-back'], ['robot-b', 'cancelled']]);
      assert.equal(canary[1]!.message, 'Not deployed: the canary robot-a ended as "rolled-back"; robot-b was not changed.');
      assert.equal(asked, false, 'nobody is asked to go on after a failed canary');
      assert.equal(robot.currentSystem(), systems.robot);
    }));

  test('"what changes" agrees with nix store diff-closures on every pair of fixture systems', () => {
    const env = { ...process.env, ...nixEnv };
    const closure = (p: string) => parsePathInfo(execFileSync('nix', ['path-info', '--recursive', '--json', p], { env }).toString());
    for (const a of CONFIGURATIONS) {
      for (const b of CONFIGURATIONS) {
        if (a === b) continue;
        const ours = diffClosures(closure(systems[a]), closure(systems[b])).map(formatChange);
        const nix = parseDiffClosures(execFileSync('nix', ['store', 'diff-closures', systems[a], systems[b]], { env }).toString()).map(formatChange);
        assert.deepEqual(ours, nix, `${a} → ${b}`);
      }
    }
  });
});
