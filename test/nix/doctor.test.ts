/**
 * The build doctor against real Nix 2.8, offline. No aarch64 CPU exists here, so the fixture
 * derivations (test/fixtures/flakes/doctor-aarch64) claim `system = "aarch64-linux"` with a
 * /bin/sh builder: Nix compares only the system string before it runs the builder, so
 *
 * - without help, Nix refuses them with its real "a 'aarch64-linux' … is required" error, which
 *   the build maps to the doctor's explanation;
 * - with `extra-platforms = aarch64-linux` (what emulation sets up) they build, and the doctor
 *   says so beforehand;
 * - with a remote builder they build there: a real OpenSSH server on 127.0.0.1 (test/support/sshd.ts)
 *   whose `nix-daemon --stdio` has its own store (a chroot store in a temporary folder) and its own
 *   configuration claiming aarch64-linux. The local side cannot build it, the remote does, the
 *   progress names the builder and `nix store ping` reports it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { nixBuild } from '../../client/src/nix/build';
import { describeProgress, type BuildProgress } from '../../client/src/nix/progress';
import { capabilityFor, collectHostFacts, explainPlatformMismatch, nodeRunner, parsePlatformMismatch, targetOfInstallable } from '../../server/src/shared/doctor';
import { readFlakeFolder } from '../../server/src/cli/flake-reader';
import { execRunner, HostDoctor, summarize } from '../../client/src/doctor/host-doctor';
import { sharedParser } from '../support/analysis';
import { findOnPath, offlineNixEnv } from '../support/nix';
import { startSshd, sshdUnavailable, type SshServer } from '../support/sshd';

const nix = findOnPath('nix');
const skip = !nix && !process.env.CI ? 'nix is not installed (apt-get install nix-bin)' : false;
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'flakes', 'doctor-aarch64');
const KERNEL = '.#packages.aarch64-linux.kernel';
const offline = offlineNixEnv();
const temporary: string[] = [];
after(() => temporary.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A fresh copy of the fixture (a new nonce: every run really builds). */
function copyFixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-doctor-'));
  temporary.push(dir);
  fs.cpSync(FIXTURE, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'nonce'), `${process.pid}-${Date.now()}-${Math.random()}`);
  return dir;
}

/** Offline Nix settings plus `extra`. */
function env(extra: string[] = [], more: Record<string, string> = {}): Record<string, string> {
  return { NIX_CONFIG: [offline.NIX_CONFIG!, ...extra].join('\n'), XDG_CACHE_HOME: offline.XDG_CACHE_HOME!, ...more };
}

async function doctorFacts(environment: Record<string, string>) {
  return collectHostFacts({ nix: 'nix', runner: nodeRunner, env: environment, pingTimeoutMs: 20_000 });
}

test("without aarch64-linux, the doctor says so beforehand, and Nix's real refusal maps to its explanation", { skip }, async () => {
  const dir = copyFixture();
  const environment = env();
  const facts = await doctorFacts(environment);
  const flake = readFlakeFolder(await sharedParser(), dir);
  assert.ok(flake.ok);
  const target = targetOfInstallable(KERNEL, flake.outputs);
  const before = capabilityFor(target.needs![0]!, facts);
  assert.equal(before.verdict, 'no', before.summary);

  const outcome = await nixBuild({ nix: 'nix', cwd: dir, installable: KERNEL, env: environment });
  assert.equal(outcome.ok, false);
  const mismatch = outcome.errors.map((e) => parsePlatformMismatch(e.text)).find((m) => m !== undefined);
  assert.ok(mismatch, outcome.errors.map((e) => e.text).join('\n'));
  assert.equal(mismatch.system, 'aarch64-linux');
  assert.equal(mismatch.hostSystem, 'x86_64-linux');
  assert.match(mismatch.derivation, /^\/nix\/store\/[0-9a-z]{32}-linux-5\.15\.drv$/);
  const explained = explainPlatformMismatch(mismatch, facts);
  assert.equal(explained.message, 'Building linux-5.15 needs aarch64-linux, but this machine builds x86_64-linux, and Nix found no builder or emulation for aarch64-linux.');
  assert.deepEqual(explained.fixes.map((f) => f.id), ['debian-emulation', 'remote-builder']);
  // The build's own one-line summary is the explanation, not Nix's raw sentence.
  assert.equal(outcome.message, explained.message);

  // The configuration needs the same, read from `system = "aarch64-linux"` of its nixosSystem call.
  const configuration = targetOfInstallable('.#nixosConfigurations.robot.config.system.build.toplevel', flake.outputs);
  assert.deepEqual(configuration.needs, [{ system: 'aarch64-linux', features: [] }]);
});

test('with extra-platforms = aarch64-linux the same derivation builds, and the pre-flight agrees beforehand', { skip }, async () => {
  const dir = copyFixture();
  const environment = env(['extra-platforms = aarch64-linux']);
  const facts = await doctorFacts(environment);
  const before = capabilityFor({ system: 'aarch64-linux', features: [] }, facts);
  // Accepted (Nix builds it), with the warning that real aarch64 programs need an emulator.
  assert.deepEqual([before.verdict, before.local], ['warn', 'accepted']);
  const outcome = await nixBuild({ nix: 'nix', cwd: dir, installable: KERNEL, env: environment });
  assert.equal(outcome.ok, true, outcome.message);
  assert.equal(fs.readFileSync(path.join(outcome.outPaths[0]!, 'Image'), 'utf8'), 'Image\n');
});

test("the extension's doctor reads the same through its own process wrapper: timeouts kill, a missing program is a fact", { skip }, async () => {
  const runner = execRunner(os.tmpdir());
  const slow = await runner('sleep', ['30'], { timeoutMs: 300 });
  assert.deepEqual([slow.timedOut, slow.exitCode], [true, undefined]);
  const missing = await runner('/nonexistent/nix', ['--version'], { timeoutMs: 5000 });
  assert.equal(missing.missing, true);
  const logged: string[] = [];
  const doctor = new HostDoctor({ nix: () => 'nix', pingTimeoutSeconds: () => 5, cwd: os.tmpdir(), log: (m) => logged.push(m) });
  const { capability, facts } = await doctor.capability({ system: 'x86_64-linux', features: [] });
  assert.equal(capability.verdict, 'yes');
  assert.ok(facts.nix.ok && facts.nix.version.startsWith('nix (Nix) 2.'));
  assert.match(logged[0]!, /^Build setup read in \d+ ms: nix \(Nix\) 2\.\d+\.\d+, x86_64-linux, /);
  assert.equal(summarize({ ...facts, nix: { ok: false, error: 'Nix was not found' } }), 'Nix was not found');
});

describe('a remote builder over SSH on 127.0.0.1', { skip: skip || sshdUnavailable() || false }, () => {
  let server: SshServer;
  let remoteRoot: string;
  let builder: string;
  let environment: Record<string, string>;

  before(async () => {
    server = await startSshd();
    // The "remote" machine: nix-daemon over stdio with its own store and configuration.
    remoteRoot = path.join(server.dir, 'remote-store');
    const wrapper = path.join(server.dir, 'remote-nix-daemon');
    fs.writeFileSync(wrapper, remoteDaemonScript(remoteRoot), { mode: 0o755 });
    builder = `ssh-ng://${server.user}@127.0.0.1?remote-program=${wrapper}`;
    environment = env([`builders = ${builder} aarch64-linux ${server.clientKey} 1 1 big-parallel`], { NIX_SSHOPTS: server.nixSshOpts });
  });
  after(async () => server?.stop());

  test('the doctor pings it and counts it; the build goes to it and the progress names it', async () => {
    const facts = await doctorFacts(environment);
    assert.deepEqual(facts.pings, [{ uri: builder, status: 'answered', detail: 'Nix 2.8.0' }], server.log());
    const capability = capabilityFor({ system: 'aarch64-linux', features: [] }, facts);
    assert.deepEqual([capability.verdict, capability.summary], ['yes', 'Builds aarch64-linux on 127.0.0.1.']);

    const dir = copyFixture();
    const snapshots: BuildProgress[] = [];
    const log: string[] = [];
    const outcome = await nixBuild({ nix: 'nix', cwd: dir, installable: KERNEL, env: environment, onProgress: (p) => snapshots.push(p), onLogLine: (l) => log.push(l) });
    assert.equal(outcome.ok, true, `${outcome.message}\n${log.join('\n')}\n${server.log()}`);
    // Built there: the output is in the remote's own store, then copied back here.
    const built = outcome.outPaths[0]!;
    assert.ok(fs.existsSync(path.join(remoteRoot, built)), `${built} is not in the remote store`);
    assert.equal(fs.readFileSync(path.join(built, 'Image'), 'utf8'), 'Image\n');
    const remote = snapshots.find((p) => p.running.some((r) => r.machine === '127.0.0.1'));
    assert.ok(remote, 'no progress report while the build ran on the builder');
    assert.match(describeProgress(remote), /linux-5\.15 on 127\.0\.0\.1/);
    // The remote's forwarded activities do not count the derivation twice.
    assert.deepEqual(snapshots.at(-1)!.builds, { done: 1, total: 1, running: 0, failed: 0 });
    assert.ok(log.includes('linux-5.15> compiling part 3'), log.join('\n'));
  });

  test('nix store ping reports it', async () => {
    // Nix 2.8 prints the answer on stderr (later versions on stdout).
    const { stdout, stderr } = await promisify(execFile)('nix', ['--extra-experimental-features', 'nix-command', 'store', 'ping', '--store', `${builder}&ssh-key=${server.clientKey}`], { env: { ...process.env, ...environment } });
    assert.match(stdout + stderr, /^Store URL: ssh-ng:\/\/[^@\s]+@127\.0\.0\.1\nVersion: 2\.\d+/);
  });

  test('a builder that does not answer is named, and aarch64-linux is then out of reach', async () => {
    const facts = await doctorFacts({ ...environment, NIX_SSHOPTS: `${server.nixSshOpts.replace(`-p ${server.port}`, '-p 9')}` });
    assert.equal(facts.pings[0]!.status, 'failed');
    const capability = capabilityFor({ system: 'aarch64-linux', features: [] }, facts);
    assert.equal(capability.verdict, 'no');
    assert.match(capability.problems[0]!, /^The builder 127\.0\.0\.1 did not answer \(/);
  });
});

/**
 * The remote side's `nix-daemon --stdio`: a chroot store under `root` (so what it builds is not in
 * the local store until Nix copies it back), claiming aarch64-linux. A chroot store builds in
 * the sandbox, which needs the /bin/sh builder, its libraries and coreutils mounted in.
 */
function remoteDaemonScript(root: string): string {
  const mount = (dir: string) => {
    const target = fs.lstatSync(dir).isSymbolicLink() ? path.resolve('/', fs.readlinkSync(dir)) : dir;
    return target === dir ? dir : `${dir}=${target}`;
  };
  const paths = ['/bin', '/usr', '/lib', '/lib64'].filter((d) => fs.existsSync(d)).map(mount);
  const config = ['experimental-features = nix-command', 'substituters =', 'extra-platforms = aarch64-linux', `store = ${root}`, `sandbox-paths = ${paths.join(' ')}`];
  return `#!/bin/sh\nexport NIX_CONFIG='${config.join('\n')}'\nexec ${findOnPath('nix-daemon') ?? 'nix-daemon'} "$@"\n`;
}
