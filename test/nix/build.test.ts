import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  attrPathOf,
  buildArgs,
  configurationInstallable,
  installableLabel,
  isCopyOfFlake,
  isFlashInstallable,
  nixBuild,
  normalizeInstallable,
  outPathsOf,
  packageInstallable,
  type BuildOptions,
} from '../../client/src/nix/build';
import type { BuildProgress } from '../../client/src/nix/progress';
import { storeRootsIn } from '../../client/src/nix/errors';
import { findOnPath, offlineNixEnv } from '../support/nix';

/**
 * `nix build` for real, offline, on the fixture flakes under test/fixtures/flakes/build-*: their
 * derivations use a /bin/sh builder, so they build with nothing but Nix installed. Each test copies
 * its flake to a temporary folder (outside this repository's git tree, whose untracked files Nix
 * would not see) and writes a fresh nonce so that every run builds instead of finding the result.
 */
const nix = findOnPath('nix');
const skip = !nix && !process.env.CI ? 'nix is not installed (apt-get install nix-bin)' : false;
const FLAKES = path.join(__dirname, '..', 'fixtures', 'flakes');
const offline = offlineNixEnv();
const ENV = { NIX_CONFIG: offline.NIX_CONFIG, XDG_CACHE_HOME: offline.XDG_CACHE_HOME };

/** Temporary folders to remove at the end (their `result` links are garbage-collector roots). */
const temporary: string[] = [];
after(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

function temporaryDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

function copyFlake(name: string, into?: string): string {
  const dir = into ?? temporaryDir(`jetson-nix-${name}-`);
  fs.cpSync(path.join(FLAKES, name), dir, { recursive: true });
  if (fs.existsSync(path.join(dir, 'nonce'))) fs.writeFileSync(path.join(dir, 'nonce'), `${process.pid}-${Date.now()}-${Math.random()}`);
  return dir;
}

function build(options: Omit<BuildOptions, 'nix' | 'env'> & { env?: BuildOptions['env'] }) {
  const progress: BuildProgress[] = [];
  const log: string[] = [];
  const outcome = nixBuild({ nix: 'nix', env: ENV, onProgress: (p) => progress.push(p), onLogLine: (l) => log.push(l), ...options });
  return { outcome, progress, log };
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=test@example.org', '-c', 'user.name=test', ...args], { cwd, stdio: 'ignore' });
}

test('a build that succeeds: out paths, the result link, progress and the log', { skip }, async () => {
  const dir = copyFlake('build-ok');
  const run = build({ cwd: dir, installable: '.#default' });
  const outcome = await run.outcome;
  assert.equal(outcome.ok, true, outcome.message);
  assert.equal(outcome.outPaths.length, 1);
  assert.match(outcome.outPaths[0]!, /^\/nix\/store\/[0-9a-z]{32}-nixos-system-robot$/);
  assert.equal(fs.realpathSync(path.join(dir, 'result')), outcome.outPaths[0]);
  assert.equal(fs.statSync(path.join(outcome.outPaths[0]!, 'firmware', 'firmware.bin')).size, 2_000_000);
  assert.equal(outcome.message, 'Built default.');
  assert.deepEqual(run.progress.at(-1)!.builds, { done: 2, total: 2, running: 0, failed: 0 });
  assert.ok(run.log.includes('robot-firmware> unpacking firmware'), run.log.join('\n'));
});

test('a configuration image and a flash script build through their installables', { skip }, async () => {
  const dir = copyFlake('build-ok');
  const image = await build({ cwd: dir, installable: configurationInstallable('robot', 'sdImage'), extraArgs: ['--no-link'] }).outcome;
  assert.equal(image.ok, true, image.message);
  assert.ok(fs.existsSync(path.join(image.outPaths[0]!, 'sd-image', 'robot.img')));
  assert.equal(image.message, 'Built robot (sdImage).');
  assert.ok(!fs.existsSync(path.join(dir, 'result')), 'extra arguments reach nix build');
  const installable = packageInstallable('flash-robot', 'x86_64-linux');
  assert.equal(isFlashInstallable(installable), true);
  const flash = await build({ cwd: dir, installable }).outcome;
  assert.equal(flash.ok, true, flash.message);
  assert.ok(fs.statSync(path.join(flash.outPaths[0]!, 'bin', 'flash-robot')).mode & 0o100);
});

test('an evaluation error points at the workspace file and line', { skip }, async () => {
  const dir = copyFlake('build-eval-error');
  const outcome = await build({ cwd: dir, installable: '.#undefined' }).outcome;
  assert.equal(outcome.ok, false);
  assert.equal(outcome.cancelled, false);
  assert.equal(outcome.exitCode, 1);
  assert.equal(outcome.message, "Evaluation failed (modules/undefined.nix:6): undefined variable 'carrierBoard'");
  assert.equal(outcome.errors.length, 1);
  assert.deepEqual(outcome.errors[0]!.location, { file: path.join(dir, 'modules', 'undefined.nix'), line: 6, column: 13, exact: true });
  // The store copy is recognised by its flake.nix, and another flake's folder is not mistaken for it.
  const [storeRoot] = storeRootsIn(outcome.errors);
  assert.equal(isCopyOfFlake(storeRoot!, { flakeDir: dir, sourceRoot: dir, evaluatedFlakes: [] }), true);
  const other = copyFlake('build-fail');
  assert.equal(isCopyOfFlake(storeRoot!, { flakeDir: other, sourceRoot: other, evaluatedFlakes: [] }), false);
});

test('a flake in a subfolder of a git repository: positions map through the repository root', { skip }, async () => {
  const repo = temporaryDir('jetson-nix-repo-');
  const dir = path.join(repo, 'fleet');
  fs.mkdirSync(dir);
  copyFlake('build-eval-error', dir);
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  const outcome = await build({ cwd: dir, installable: '.#assertion' }).outcome;
  assert.equal(outcome.message, `The assertion ((som != "xavier-agx") || (jetpack == 5)) failed (fleet/modules/robot.nix:8).`);
  assert.deepEqual(outcome.errors[0]!.location, { file: path.join(dir, 'modules', 'robot.nix'), line: 8, column: 5, exact: true });
});

test("an attribute the flake does not have, a flag Nix does not know: Nix's own words", { skip }, async () => {
  const dir = copyFlake('build-ok');
  const missing = await build({ cwd: dir, installable: '.#nonexistent' }).outcome;
  assert.match(missing.message, /^nix build: flake 'path:.*' does not provide attribute 'packages\.x86_64-linux\.nonexistent'/);
  assert.doesNotMatch(missing.message, /\u001b/);
  const flag = await build({ cwd: dir, installable: '.#default', extraArgs: ['--no-such-flag'] }).outcome;
  assert.equal(flag.message, "nix build: unrecognised flag '--no-such-flag'");
  assert.equal(flag.errors.length, 1, 'the note after it is not an error');
});

test('a file not tracked by git: the message says to git add it', { skip }, async () => {
  const dir = copyFlake('build-eval-error');
  git(dir, 'init', '-q');
  git(dir, 'add', 'flake.nix', 'modules/robot.nix', 'modules/undefined.nix');
  const outcome = await build({ cwd: dir, installable: '.#untracked' }).outcome;
  assert.equal(outcome.ok, false);
  assert.match(outcome.message, /^Nix only sees files tracked by git: `git add modules\/untracked\.nix`/);
  assert.equal(outcome.errors[0]!.location?.file, path.join(dir, 'flake.nix'));
  assert.equal(outcome.errors[0]!.location?.line, 23);
});

test('a failing builder: the derivation, its exit code and the last lines of its log', { skip }, async () => {
  const dir = copyFlake('build-fail');
  const run = build({ cwd: dir, installable: '.#image' });
  const outcome = await run.outcome;
  assert.equal(outcome.ok, false);
  assert.equal(outcome.message, "Building camera-driver failed with exit code 2: nvcc: error: unsupported gpu architecture 'compute_72'");
  const failure = outcome.errors.find((e) => e.kind === 'build')!;
  assert.match(failure.derivation!, /^\/nix\/store\/[0-9a-z]{32}-camera-driver\.drv$/);
  assert.equal(failure.logTail!.length, 14);
  assert.equal(failure.logTail![0], 'configuring camera-driver');
  assert.ok(outcome.errors.some((e) => e.kind === 'dependency' && e.derivation!.endsWith('-robot-image.drv')));
  assert.deepEqual(run.progress.at(-1)!.builds, { done: 0, total: 1, running: 0, failed: 1 });
  assert.ok(run.log.includes("camera-driver> nvcc: error: unsupported gpu architecture 'compute_72'"));
});

test('cancelling mid-build stops Nix and the builder it started', { skip }, async () => {
  const dir = copyFlake('build-slow');
  const marker = `jetson-nix-slow-${process.pid}-${Date.now()}`;
  fs.writeFileSync(path.join(dir, 'marker'), marker);
  const controller = new AbortController();
  let started!: () => void;
  const builderStarted = new Promise<void>((resolve) => (started = resolve));
  const run = build({ cwd: dir, installable: '.#default', signal: controller.signal, onLogLine: (line) => line === 'slow-image> started' && started() });
  let tree: number[];
  let nixProcess: number;
  try {
    await builderStarted;
    // The shell's `sleep &` child carries the same command line until it execs: the builder is the topmost match.
    const matching = processesMatching(marker);
    const builder = matching.find((p) => !matching.some((q) => q.pid === p.ppid));
    assert.ok(builder, 'the builder runs');
    tree = [builder.pid, ...childrenOf(builder.pid)];
    assert.ok(tree.length >= 2, 'the builder and its sleep');
    nixProcess = builder.ppid;
  } finally {
    controller.abort();
  }
  const outcome = await run.outcome;
  assert.equal(outcome.cancelled, true);
  assert.equal(outcome.ok, false);
  assert.equal(outcome.message, 'The build was cancelled.');
  await waitFor(() => [...tree, nixProcess].every((pid) => !alive(pid)), 10_000);
  assert.deepEqual(processesMatching(marker), []);
});

test('without nix on PATH: one clear message', { skip }, async () => {
  const dir = copyFlake('build-ok');
  const outcome = await build({ cwd: dir, installable: '.#default', env: { ...ENV, PATH: '' } }).outcome;
  assert.equal(outcome.ok, false);
  assert.equal(outcome.cancelled, false);
  assert.match(outcome.message, /^Nix was not found \(no such file on PATH\)\. Install Nix .* or set jetsonNix\.nix\.executable/);
});

test('installables, labels and arguments', () => {
  assert.equal(configurationInstallable('robot'), '.#nixosConfigurations.robot.config.system.build.toplevel');
  assert.equal(configurationInstallable('orin.lab', 'flashScript'), '.#nixosConfigurations."orin.lab".config.system.build.flashScript');
  assert.deepEqual(attrPathOf(configurationInstallable('orin.lab', 'flashScript')), ['nixosConfigurations', 'orin.lab', 'config', 'system', 'build', 'flashScript']);
  assert.equal(packageInstallable('default', 'aarch64-linux'), '.#packages.aarch64-linux.default');
  assert.equal(packageInstallable('sd-image'), '.#sd-image');
  assert.equal(installableLabel(configurationInstallable('robot', 'sdImage')), 'robot (sdImage)');
  assert.equal(installableLabel('.#packages.x86_64-linux.flash-orin-agx-devkit'), 'flash-orin-agx-devkit');
  assert.equal(installableLabel('github:anduril/jetpack-nixos#iso_minimal'), 'iso_minimal');
  assert.equal(installableLabel('.'), '.');
  for (const flash of [configurationInstallable('robot', 'flashScript'), configurationInstallable('robot', 'initrdFlashScript'), '.#packages.x86_64-linux.flash-orin-agx-devkit', 'github:anduril/jetpack-nixos#flash-orin-nx-devkit'])
    assert.equal(isFlashInstallable(flash), true, flash);
  for (const other of [configurationInstallable('robot'), configurationInstallable('robot', 'fuseScript'), '.#packages.x86_64-linux.flasher-docs', '.#packages.x86_64-linux.default'])
    assert.equal(isFlashInstallable(other), false, other);
  assert.equal(normalizeInstallable(' packages.x86_64-linux.default '), '.#packages.x86_64-linux.default');
  assert.equal(normalizeInstallable('.#robot'), '.#robot');
  assert.equal(normalizeInstallable('github:anduril/jetpack-nixos#iso_minimal'), 'github:anduril/jetpack-nixos#iso_minimal');
  assert.equal(normalizeInstallable('path:/srv/fleet'), 'path:/srv/fleet');
  assert.equal(normalizeInstallable('   '), '');
  assert.deepEqual(buildArgs('.#x', ['--option', 'cores', '4; rm -rf /']), ['build', '.#x', '--log-format', 'internal-json', '-v', '--show-trace', '--json', '--option', 'cores', '4; rm -rf /']);
  const recorded = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'nix-logs', 'build-ok.stdout.json'), 'utf8');
  assert.deepEqual(outPathsOf(recorded, os.tmpdir()), [JSON.parse(recorded)[0].outputs.out]);
  assert.deepEqual(outPathsOf('[{"drvPath":"/nix/store/x.drv","outputs":{"out":"/nix/store/a-multi","doc":"/nix/store/b-multi-doc"}}]', os.tmpdir()), ['/nix/store/a-multi', '/nix/store/b-multi-doc']);
  assert.deepEqual(outPathsOf('not json', temporaryDir('jetson-nix-empty-')), []);
});

interface ProcessInfo {
  pid: number;
  ppid: number;
}

/** Processes whose command line contains `text`, read from /proc. */
function processesMatching(text: string): ProcessInfo[] {
  return allProcesses().filter((p) => p.cmdline.includes(text));
}

function childrenOf(pid: number): number[] {
  const all = allProcesses();
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const p of all) if (p.ppid === parent) (out.push(p.pid), queue.push(p.pid));
  }
  return out;
}

function allProcesses(): Array<ProcessInfo & { cmdline: string }> {
  const out: Array<ProcessInfo & { cmdline: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name in parentheses may hold spaces: fields start after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      out.push({ pid: Number(entry), ppid: Number(fields[1]), cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`still running after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
