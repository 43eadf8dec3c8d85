/**
 * `jetson-nix doctor` as a CI job or a headless machine runs it: the real bin script and bundle,
 * real Nix 2.8 offline (its configuration set through NIX_CONFIG, as a user's nix.conf would).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath, offlineNixEnv } from '../support/nix';
import type { DoctorReport } from '../../server/src/shared/doctor';

const BIN = path.join(__dirname, '..', '..', 'bin', 'jetson-nix.js');
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'flakes', 'doctor-aarch64');
const skip = !findOnPath('nix') && !process.env.CI ? 'nix is not installed (apt-get install nix-bin)' : false;
const offline = offlineNixEnv();

function doctor(args: string[], extraConfig: string[] = [], cwd = process.cwd()) {
  const env = { ...offline, NIX_CONFIG: [offline.NIX_CONFIG, ...extraConfig].join('\n') };
  const r = spawnSync(process.execPath, [BIN, 'doctor', ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('jetson-nix doctor', { skip }, () => {
  test('an aarch64 flake on a machine that cannot build aarch64: exit 1, the outputs, the problem and its fixes', () => {
    const r = doctor([FIXTURE]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^Jetson Nix build doctor\n\nThis machine\n/);
    assert.match(r.stdout, /\n  ✗ kernel \(aarch64-linux\): This machine cannot build aarch64-linux: its Nix builds x86_64-linux, no builder for aarch64-linux is configured, and no emulation for aarch64-linux is set up\.\n/);
    assert.match(r.stdout, /\n  ✗ robot \(toplevel\): /);
    assert.match(r.stdout, /\n    \.#nixosConfigurations\.robot\.config\.system\.build\.toplevel — needs aarch64-linux \(the system argument of nixosSystem\)\n/);
    assert.match(r.stdout, /\nProblems and fixes\n  ✗ This machine cannot build aarch64-linux/);
    assert.match(r.stdout, /\n    Needed by robot \(toplevel\), kernel \(aarch64-linux\)\.\n/);
    assert.match(r.stdout, /Fix — Emulate aarch64-linux with QEMU \(Debian\/Ubuntu\)/);
    assert.match(r.stdout, /\n        sudo apt-get install -y qemu-user-static binfmt-support\n/);
    assert.match(r.stdout, /Fix — Use a remote builder for aarch64-linux/);
    assert.match(r.stdout, /Fix — Cross-compile the configuration on x86_64-linux/);
    assert.equal(r.stderr, '');
  });

  test('with extra-platforms = aarch64-linux: exit 0, with the warning that no emulator is registered', () => {
    const r = doctor([FIXTURE], ['extra-platforms = aarch64-linux']);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /\n  ! kernel \(aarch64-linux\): Nix accepts aarch64-linux builds here \(extra-platforms\), but no emulator for aarch64-linux programs is registered with the kernel/);
  });

  test('--format json: the whole report, for scripts', () => {
    const r = doctor(['--format', 'json', '--no-ping', FIXTURE]);
    assert.equal(r.status, 1);
    const report = JSON.parse(r.stdout) as DoctorReport;
    assert.equal(report.host.system, 'x86_64-linux');
    assert.equal(report.host.nixVersion, 'nix (Nix) 2.8.0');
    assert.equal(report.buildable, false);
    assert.deepEqual(report.targets.map((t) => [t.installable, t.verdict]), [
      ['.#nixosConfigurations.robot.config.system.build.toplevel', 'no'],
      ['.#packages.aarch64-linux.kernel', 'no'],
    ]);
    assert.deepEqual(report.problems[0]!.fixes.map((f) => f.id), ['debian-emulation', 'remote-builder', 'cross-compile']);
  });

  test('without a flake: the machine only, exit 0; the current folder is used when it is a flake', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-doctor-cli-'));
    const machine = doctor([], [], empty);
    assert.equal(machine.status, 0, machine.stderr);
    assert.doesNotMatch(machine.stdout, /Outputs of/);
    assert.match(machine.stdout, /\nSystems\n  ✗ aarch64-linux: This machine cannot build aarch64-linux/);
    // Without a flake nothing needs it: a warning in the problems, not a failure.
    assert.match(machine.stdout, /\nProblems and fixes\n  ! This machine cannot build aarch64-linux/);
    const here = doctor([], [], FIXTURE);
    assert.equal(here.status, 1);
    assert.match(here.stdout, new RegExp(`\\nOutputs of ${FIXTURE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\n`));
    fs.rmSync(empty, { recursive: true });
  });

  test('bad usage and unreadable flakes exit 2 with a clear message; missing nix is a finding, not a crash', () => {
    const bad = doctor(['--format', 'yaml']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^jetson-nix doctor: --format must be text or json, not 'yaml'\n\nUsage: jetson-nix doctor/);
    const missing = doctor(['/nonexistent-flake']);
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, 'jetson-nix doctor: /nonexistent-flake has no flake.nix\n');
    const help = doctor(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: jetson-nix doctor /);
    const noNix = doctor(['--nix', '/nonexistent/nix', FIXTURE]);
    assert.equal(noNix.status, 1);
    assert.match(noNix.stdout, /✗ Nix was not found \(\/nonexistent\/nix\): install Nix/);
  });
});
