/**
 * Scenario 8 of the end-to-end suite: robots, in a real VS Code (code-server in headless
 * Chromium) with the packaged extension, real Nix 2.8 offline and a real OpenSSH server on
 * 127.0.0.1 as the robot (test/support/sshd-robot.ts: its own Nix store root, profile, firmware
 * version and device tree; a `systemd-run` stand-in, because systemd cannot run here). The
 * extension finds the robot's files under the robot's folder because this test sets
 * JETSON_NIX_TEST_ROBOT_PATHS for code-server (client/src/robots/paths.ts), and reaches it with
 * the test's ssh_config (`jetsonNix.deploy.sshConfigFile`: key and known_hosts of the test).
 *
 * The user opens the Robots section and sees the robot with its status; deploys the workspace's
 * `robot` configuration from the row (every stage shows, the confirmation names the robot, the
 * configuration and what changes), and the robot runs it; then deploys a configuration whose
 * activation fails, and is told it was rolled back and why.
 *
 * Run: npm run package && scripts/e2e-setup.sh && node --import tsx --test test/e2e/robots.e2e.test.ts
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { findOnPath } from '../support/nix';
import { nixEnv } from '../support/deploy-run';
import { sshdUnavailable, startRobot, type RobotFixture } from '../support/sshd-robot';
import { TEST_PATHS_VARIABLE } from '../../client/src/robots/paths';
import { E2E_TEST_TIMEOUT_MS, packagedExtension, waitFor, withVsCode, type TreeSection, type VsCodeSession } from './harness';

const WORKSPACE = path.join(__dirname, '..', 'fixtures', 'flakes', 'robot-deploy');
const skip = !findOnPath('nix') ? 'nix is not installed' : (sshdUnavailable() ?? false);
/** Building and copying the fixture systems, and two activations with a 5 s confirmation window. */
const DEPLOY_TIMEOUT_MS = 180_000;
const STAGES = ['Connect', 'Jetson checks', 'Build', 'What changes', 'Confirm', 'Copy', 'Activate'];

function build(configuration: string): string {
  const out = execFileSync('nix', ['build', '--no-link', '--json', `path:${WORKSPACE}#nixosConfigurations.${configuration}.config.system.build.toplevel`], { env: { ...process.env, ...nixEnv } });
  return (JSON.parse(out.toString()) as { outputs: { out: string } }[])[0]!.outputs.out;
}

describe('Robots in VS Code (code-server) with a robot on 127.0.0.1', { skip }, () => {
  test('Scenario 8: the Robots section shows the robot; Deploy runs through every stage; a broken configuration is rolled back and says so', { timeout: E2E_TEST_TIMEOUT_MS + DEPLOY_TIMEOUT_MS }, async (t) => {
    const robot = await startRobot({ nixEnv: { ...process.env, ...nixEnv } });
    const saved = process.env[TEST_PATHS_VARIABLE];
    try {
      await robot.install(build('previous'));
      process.env[TEST_PATHS_VARIABLE] = JSON.stringify(robot.paths);
      const address = { host: '127.0.0.1', port: robot.server.port, user: robot.server.user };
      const settings = {
        'jetsonNix.robots': [
          { name: 'robot-1', ...address, configuration: 'robot' },
          { name: 'robot-1-broken', ...address, configuration: 'robot-broken' },
        ],
        'jetsonNix.deploy.sshConfigFile': robot.sshConfig,
        'jetsonNix.deploy.confirmTimeoutSeconds': 5,
      };
      await withVsCode(t, { vsix: packagedExtension(t), workspace: WORKSPACE, settings }, async (vs) => {
        await vs.sideBar.openContainer('Jetson', { timeoutMs: 60_000 });
        const robots = vs.sideBar.section('Robots');
        await robots.expand();
        const [row] = await robots.waitForItems('robot-1 reachable at generation 1', (items) => items[0]?.label === 'robot-1' && items[0].description === 'reachable · gen 1 · L4T 36.4.4', { timeoutMs: 90_000 });
        assert.match(row!.tooltip, new RegExp(`robot-1: root@127\\.0\\.0\\.1:${robot.server.port} → robot`));
        assert.ok(row!.actions.includes('Deploy to Robot…'));
        // A click on the row opens its status (and another closes it, so the next robot stays in view).
        const robotRow = vs.page.locator('.pane-body .monaco-list-row', { has: vs.page.locator('.label-name', { hasText: /^\s*robot-1\s*$/ }) }).first();
        await robotRow.click();
        const shown = ['Runs', 'Firmware', 'Module', 'Free in /nix', 'Login'];
        const details = await robots.waitForItems('the status of robot-1', (items) => shown.every((label) => items.some((i) => i.level === 2 && i.label === label && i.description !== '')));
        const detail = (label: string) => details.find((i) => i.level === 2 && i.label === label)?.description;
        assert.match(detail('Runs') ?? '', /^nixos-system-robot-1-25\.05\.1 \(generation 1, \d{4}-\d\d-\d\d \d\d:\d\d\)$/);
        assert.equal(detail('Firmware'), 'L4T 36.4.4');
        assert.equal(detail('Module'), 'AGX Orin (p3701-0005)');
        assert.equal(detail('Login'), 'root (root)');
        assert.match(detail('Free in /nix') ?? '', /^\d+(\.\d)? (MiB|GiB)$/);
        await vs.screenshot('robots');
        await robotRow.click();
        await robots.waitForItems('robot-1 closed again', (items) => !items.some((i) => i.level === 2));

        await deployFromRow(vs, robots, robot, t.diagnostic.bind(t));
        await brokenIsRolledBack(vs, robots, robot);
      });
    } finally {
      if (saved === undefined) delete process.env[TEST_PATHS_VARIABLE];
      else process.env[TEST_PATHS_VARIABLE] = saved;
      await robot.stop();
    }
  });
});

/** Deploy from the row: the stages show, the confirmation names what changes, the robot runs the new system. */
async function deployFromRow(vs: VsCodeSession, robots: TreeSection, robot: RobotFixture, diagnostic: (message: string) => void): Promise<void> {
  await robots.clickInlineAction('robot-1', 'Deploy to Robot…');
  // What the progress notification says while it works, until the confirmation.
  const seen = new Set<string>();
  const dialog = await waitFor(
    'the confirmation naming the robot, the configuration and what changes',
    async () => {
      for (const n of await vs.notifications.read()) if (n.message.startsWith('Deploying robot to robot-1')) seen.add(n.message);
      return vs.dialogs.read();
    },
    (d) => d !== undefined && d.message.startsWith('Deploy robot'),
    { timeoutMs: DEPLOY_TIMEOUT_MS, intervalMs: 50 },
  );
  diagnostic(`progress seen: ${[...seen].join(' | ')}`);
  assert.equal(dialog!.message, `Deploy robot to robot-1 (root@127.0.0.1:${robot.server.port})?`);
  assert.match(dialog!.detail, /^Packages: 2 changed, 1 added; size \+\d+\.\d KiB\. nixos-system-robot 1-25\.05\.1 → 1-25\.05\.2; robot-camera-driver 1\.2\.0 → 1\.3\.0; robot-lidar ∅ → 0\.4\.1\./);
  assert.match(dialog!.detail, /robot-camera-driver 1\.2\.0 → 1\.3\.0/);
  assert.match(dialog!.detail, /rolls back by itself unless a new SSH connection confirms/);
  assert.ok(dialog!.buttons.includes('Deploy'));
  await vs.screenshot('confirm');
  await vs.dialogs.clickButton('Deploy');

  const done = await vs.notifications.waitFor('saying robot-1 runs the new system', (n) => n.message.startsWith('robot-1 runs robot'), { timeoutMs: DEPLOY_TIMEOUT_MS });
  assert.equal(done.message, 'robot-1 runs robot (generation 2), confirmed over a new SSH connection.');
  assert.equal(done.severity, 'info');
  const log = vs.logText('Jetson Nix Deploy.log');
  const order = STAGES.map((stage) => log.indexOf(`[robot-1] ${stage}: `));
  assert.ok(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)), `every stage in order in the log:\n${log}`);
  assert.equal(robot.currentSystem(), build('robot'));
  await robots.waitForItems('robot-1 at generation 2', (items) => items.some((i) => i.label === 'robot-1' && i.description === 'reachable · gen 2 · L4T 36.4.4 · reboot pending'));
}

/** The broken configuration: activated, failed, rolled back by the supervisor, and said so. */
async function brokenIsRolledBack(vs: VsCodeSession, robots: TreeSection, robot: RobotFixture): Promise<void> {
  await robots.clickInlineAction('robot-1-broken', 'Deploy to Robot…');
  await vs.dialogs.waitFor('to deploy the broken configuration', (d) => d.message.startsWith('Deploy robot-broken to robot-1-broken'), { timeoutMs: DEPLOY_TIMEOUT_MS });
  await vs.dialogs.clickButton('Deploy');
  const rolledBack = await vs.notifications.waitFor('saying it was rolled back', (n) => /rolled back/.test(n.message), { timeoutMs: DEPLOY_TIMEOUT_MS });
  assert.equal(rolledBack.severity, 'error');
  assert.equal(rolledBack.message, 'robot-1-broken rolled back to generation 2: The activation failed: switch-to-configuration switch exited with code 4.');
  assert.deepEqual(rolledBack.buttons, ['Show Activation Output']);
  await vs.screenshot('rolled-back');
  const log = vs.logText('Jetson Nix Deploy.log');
  assert.match(log, /Failed to start robot-camera\.service: the fixture system is made to fail/, 'the activation output is in the log');
  assert.equal(robot.currentSystem(), build('robot'), 'the robot runs what it ran before');
  await robots.waitForItems('robot-1 still at generation 2', (items) => items.some((i) => i.label === 'robot-1' && i.description === 'reachable · gen 2 · L4T 36.4.4 · reboot pending'));
}
