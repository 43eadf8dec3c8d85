/**
 * The build doctor's reading of the machine: `nix show-config --json` from a real Nix 2.8 and the
 * newer `nix config show --json` format, /proc/sys/fs/binfmt_misc trees, machines files and
 * `builders` lines, os-release, and the collector driven through a recorded runner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  alternativeShowConfigArgs,
  collectHostFacts,
  detectHostOs,
  emulatorFor,
  isTrustedUser,
  machineHost,
  machineLine,
  checkBuilderSpec,
  parseBinfmtEntry,
  parseShowConfig,
  pingUri,
  readBinfmt,
  readBuilders,
  readSystemConf,
  runsNatively,
  showConfigArgs,
  storeAccessOf,
  systemOfElfMagic,
  type Runner,
} from '../../server/src/shared/doctor';
import { DOCTOR_FIXTURES, settingsFrom } from '../support/doctor-facts';

test('Nix 2.8 show-config --json (captured): system, platforms, builders, caches, trust', () => {
  const s = settingsFrom('show-config-2.8-debian.json');
  assert.equal(s.system, 'x86_64-linux');
  assert.deepEqual(s.extraPlatforms, ['i686-linux', 'x86_64-v1-linux', 'x86_64-v2-linux', 'x86_64-v3-linux']);
  assert.deepEqual(s.systemFeatures, ['benchmark', 'big-parallel', 'kvm', 'nixos-test']);
  assert.equal(s.builders, '@/etc/nix/machines');
  assert.deepEqual(s.substituters, ['https://cache.nixos.org/']);
  assert.deepEqual(s.trustedPublicKeys, ['cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=']);
  assert.deepEqual(s.trustedUsers, ['root']);
  // Debian's /etc/nix/nix.conf turns the sandbox off; 2.8 prints the boolean.
  assert.equal(s.sandbox, 'false');
  assert.equal(s.acceptFlakeConfig, false);
  assert.equal(s.maxJobs, '1');

  const b = settingsFrom('show-config-2.8-builders.json');
  assert.deepEqual(b.extraPlatforms, ['aarch64-linux']);
  assert.equal(b.builders, 'ssh-ng://nix@orin-01 aarch64-linux /etc/nix/builder_ed25519 8 2 big-parallel ; @/etc/nix/machines');
  assert.equal(b.buildersUseSubstitutes, true);
  assert.deepEqual(b.trustedUsers, ['root', '@wheel']);
  assert.deepEqual(b.sandboxPaths, ['/usr/bin/qemu-aarch64-static']);
  assert.deepEqual(b.substituters, ['https://cache.nixos.org/', 'https://ros.cachix.org']);
});

test('Nix 2.24 config show --json (documented format): same reading, numbers and strings normalised', () => {
  const s = settingsFrom('config-show-2.24-nixos.json');
  assert.equal(s.system, 'x86_64-linux');
  assert.deepEqual(s.extraPlatforms, ['aarch64-linux', 'i686-linux']);
  assert.deepEqual(s.systemFeatures, ['benchmark', 'big-parallel', 'kvm', 'nixos-test', 'uid-range']);
  assert.equal(s.sandbox, 'true');
  assert.deepEqual(s.sandboxPaths, ['/bin/sh=/nix/store/4bj2kxdm1462fzcc2i2s4dn33g2angcc-busybox-1.36.1/bin/busybox', '/run/binfmt']);
  assert.equal(s.maxJobs, '16');
  assert.deepEqual(s.trustedUsers, ['root', '@wheel']);
});

test('older flat maps and space-separated lists are read too; garbage is an error, not a crash', () => {
  const flat = parseShowConfig(JSON.stringify({ system: 'aarch64-linux', 'extra-platforms': 'armv7l-linux armv6l-linux', substituters: '', sandbox: 'relaxed' }));
  assert.ok(flat.ok);
  assert.deepEqual(flat.settings.extraPlatforms, ['armv7l-linux', 'armv6l-linux']);
  assert.deepEqual(flat.settings.substituters, []);
  assert.equal(flat.settings.sandbox, 'relaxed');
  assert.deepEqual(parseShowConfig('error: unrecognised flag'), { ok: false, error: 'the output of `nix show-config --json` is not JSON' });
  assert.deepEqual(parseShowConfig('[]'), { ok: false, error: 'the output of `nix show-config --json` is not an object' });
  assert.deepEqual(parseShowConfig('{}'), { ok: false, error: 'the Nix configuration has no `system` setting' });
});

test('the command is chosen by version: show-config before 2.20, config show from 2.20 on', () => {
  assert.deepEqual(showConfigArgs({ major: 2, minor: 8 }), ['--extra-experimental-features', 'nix-command', 'show-config', '--json']);
  assert.deepEqual(showConfigArgs({ major: 2, minor: 20 }), ['--extra-experimental-features', 'nix-command', 'config', 'show', '--json']);
  assert.deepEqual(showConfigArgs({ major: 3, minor: 1 }).slice(2, 4), ['config', 'show']);
  assert.deepEqual(alternativeShowConfigArgs(showConfigArgs({ major: 2, minor: 8 })).slice(2), ['config', 'show', '--json']);
  assert.deepEqual(alternativeShowConfigArgs(showConfigArgs({ major: 2, minor: 24 })).slice(2), ['show-config', '--json']);
});

test('binfmt_misc trees: Debian qemu-user-static, NixOS, disabled, unmounted', () => {
  const debian = readBinfmt(path.join(DOCTOR_FIXTURES, 'binfmt', 'debian-qemu'));
  assert.equal(debian.status, 'enabled');
  assert.deepEqual(
    debian.entries.map((e) => [e.name, e.system, e.enabled, e.flags, e.interpreter]),
    [
      ['jar', undefined, true, '', '/usr/bin/jexec'],
      ['qemu-aarch64', 'aarch64-linux', true, 'POCF', '/usr/libexec/qemu-binfmt/aarch64-binfmt-P'],
      ['qemu-arm', 'armv7l-linux', true, 'POCF', '/usr/libexec/qemu-binfmt/arm-binfmt-P'],
      ['qemu-riscv64', 'riscv64-linux', false, 'POCF', '/usr/libexec/qemu-binfmt/riscv64-binfmt-P'],
    ],
  );
  assert.equal(emulatorFor(debian, 'aarch64-linux')?.name, 'qemu-aarch64');
  assert.equal(emulatorFor(debian, 'riscv64-linux'), undefined, 'a disabled entry runs nothing');

  const nixos = readBinfmt(path.join(DOCTOR_FIXTURES, 'binfmt', 'nixos'));
  assert.deepEqual(nixos.entries.map((e) => [e.name, e.system, e.flags]), [['aarch64-linux', 'aarch64-linux', 'P']]);

  const disabled = readBinfmt(path.join(DOCTOR_FIXTURES, 'binfmt', 'disabled'));
  assert.equal(disabled.status, 'disabled');
  assert.equal(emulatorFor(disabled, 'aarch64-linux'), undefined, 'binfmt_misc switched off runs nothing');

  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-binfmt-'));
  assert.deepEqual(readBinfmt(empty), { status: 'missing', entries: [] });
  assert.deepEqual(readBinfmt(path.join(empty, 'nope')), { status: 'missing', entries: [] });
  fs.rmSync(empty, { recursive: true });
});

test('ELF magic decides the system; names only when there is no ELF header', () => {
  assert.equal(systemOfElfMagic('7f454c460201010000000000000000000200b700'), 'aarch64-linux');
  assert.equal(systemOfElfMagic('\\x7fELF'), undefined);
  assert.equal(systemOfElfMagic('7f454c460202010000000000000000000002b7'), undefined, 'big-endian is not aarch64-linux');
  assert.equal(parseBinfmtEntry('aarch64-linux', 'enabled\ninterpreter /run/binfmt/aarch64-linux\nflags: F\nextension .x\n')?.system, 'aarch64-linux');
  assert.equal(parseBinfmtEntry('status', 'enabled\n'), undefined);
  assert.equal(runsNatively('x86_64-linux', 'i686-linux'), true);
  assert.equal(runsNatively('x86_64-linux', 'aarch64-linux'), false);
  assert.equal(runsNatively('aarch64-linux', 'armv7l-linux'), true);
  assert.equal(runsNatively('aarch64-darwin', 'x86_64-darwin'), true);
  assert.equal(runsNatively('aarch64-darwin', 'aarch64-linux'), false);
});

test('builders and machines files are read as Nix reads them', () => {
  const machinesFile = [
    '# the lab',
    'ssh-ng://nix@orin-01 aarch64-linux /etc/nix/orin_ed25519 8 2 big-parallel,kvm - c3NoLWVkMjU1MTk=',
    '',
    'xavier   aarch64-linux,armv7l-linux - 4 # spare',
    'ssh://builder@[fd00::5]:2222?compress=true x86_64-linux - lots',
  ].join('\n');
  const reading = readBuilders('ssh-ng://me@cloud-arm aarch64-linux ; @/etc/nix/machines\n@/nowhere', (f) => (f === '/etc/nix/machines' ? machinesFile : undefined));
  assert.deepEqual(reading.files, ['/etc/nix/machines', '/nowhere']);
  assert.deepEqual(
    reading.machines.map((m) => [m.uri, m.systems, m.sshKey, m.maxJobs, m.speedFactor, m.supportedFeatures, m.mandatoryFeatures, m.source, m.line]),
    [
      ['ssh-ng://me@cloud-arm', ['aarch64-linux'], undefined, 1, 1, [], [], 'builders', 1],
      ['ssh-ng://nix@orin-01', ['aarch64-linux'], '/etc/nix/orin_ed25519', 8, 2, ['big-parallel', 'kvm'], [], '/etc/nix/machines', 2],
      ['ssh://xavier', ['aarch64-linux', 'armv7l-linux'], undefined, 4, 1, [], [], '/etc/nix/machines', 4],
      ['ssh://builder@[fd00::5]:2222?compress=true', ['x86_64-linux'], undefined, 1, 1, [], [], '/etc/nix/machines', 5],
    ],
  );
  assert.equal(reading.machines[1]!.publicHostKey, 'c3NoLWVkMjU1MTk=');
  assert.deepEqual(reading.problems, ['/etc/nix/machines, line 5: the maximum number of jobs "lots" is not a whole number; Nix rejects this machine.']);
  assert.deepEqual(reading.machines.map((m) => machineHost(m.uri)), ['cloud-arm', 'orin-01', 'xavier', '[fd00::5]']);
  assert.equal(pingUri(reading.machines[1]!), 'ssh-ng://nix@orin-01?ssh-key=/etc/nix/orin_ed25519');
  assert.equal(pingUri(reading.machines[0]!), 'ssh-ng://me@cloud-arm');
});

test('the wizard writes machine lines Nix reads back, and refuses what it cannot write', () => {
  const spec = { protocol: 'ssh-ng' as const, user: 'nix', host: 'orin-01', systems: ['aarch64-linux'], sshKey: '/etc/nix/orin_ed25519', maxJobs: 8, supportedFeatures: ['big-parallel'] };
  const line = machineLine(spec);
  assert.equal(line, 'ssh-ng://nix@orin-01 aarch64-linux /etc/nix/orin_ed25519 8 1 big-parallel');
  const back = readBuilders(line, () => undefined).machines[0]!;
  assert.deepEqual([back.uri, back.systems, back.sshKey, back.maxJobs, back.supportedFeatures], ['ssh-ng://nix@orin-01', ['aarch64-linux'], '/etc/nix/orin_ed25519', 8, ['big-parallel']]);
  assert.deepEqual(checkBuilderSpec(spec), []);
  assert.deepEqual(checkBuilderSpec({ ...spec, host: 'orin 01; rm -rf /', user: 'a b', systems: [], maxJobs: 0, sshKey: '~/.ssh/id' }), [
    'The host must be a host name or an IP address, without spaces.',
    'The user name has characters SSH does not accept.',
    'Give at least one system the machine builds, e.g. aarch64-linux.',
    'Maximum jobs must be a whole number from 1 to 1024.',
    'The SSH key must be an absolute path without spaces (the daemon does not run in your home folder).',
  ]);
});

test('host kind, trust and store access', () => {
  assert.deepEqual(detectHostOs('linux', fs.readFileSync('/etc/os-release', 'utf8')).kind, 'debian');
  assert.deepEqual(detectHostOs('linux', 'NAME=NixOS\nID=nixos\nPRETTY_NAME="NixOS 24.11 (Vicuna)"\n'), { kind: 'nixos', name: 'NixOS 24.11 (Vicuna)' });
  assert.deepEqual(detectHostOs('linux', 'ID=pop\nID_LIKE="ubuntu debian"\nPRETTY_NAME="Pop!_OS 22.04 LTS"\n'), { kind: 'debian', name: 'Pop!_OS 22.04 LTS' });
  assert.deepEqual(detectHostOs('linux', 'ID=fedora\n').kind, 'linux');
  assert.deepEqual(detectHostOs('darwin', undefined), { kind: 'macos', name: 'macOS' });
  const dev = { name: 'dev', uid: 1000, groups: ['dev', 'wheel'] };
  assert.equal(isTrustedUser(dev, ['root']), false);
  assert.equal(isTrustedUser(dev, ['root', '@wheel']), true);
  assert.equal(isTrustedUser(dev, ['*']), true);
  assert.equal(isTrustedUser({ name: 'root', uid: 0, groups: [] }, []), true);
  assert.equal(storeAccessOf('Store URL: daemon\n'), 'daemon');
  assert.equal(storeAccessOf('Store URL: local\nVersion: 2.8.0\n'), 'local');
  assert.equal(storeAccessOf('error: …'), 'unknown');
  assert.deepEqual(readSystemConf('sandbox = false\nbuilders = @/etc/nix/machines ssh://x aarch64-linux # lab\nextra-substituters = https://ros.cachix.org\n'), {
    builders: '@/etc/nix/machines ssh://x aarch64-linux',
    substituters: ['https://cache.nixos.org/', 'https://ros.cachix.org'],
    trustedSubstituters: [],
  });
});

test('the collector runs argument arrays through the runner, pings builders with a timeout, never a shell', async () => {
  const calls: Array<{ file: string; args: readonly string[]; env?: Record<string, string | undefined>; timeoutMs: number }> = [];
  const config = fs.readFileSync(path.join(DOCTOR_FIXTURES, 'show-config-2.8-builders.json'), 'utf8');
  const runner: Runner = async (file, args, request) => {
    calls.push({ file, args, ...(request.env ? { env: request.env } : {}), timeoutMs: request.timeoutMs });
    const ok = (stdout: string) => ({ exitCode: 0, stdout, stderr: '', timedOut: false, missing: false });
    if (args[0] === '--version') return ok('nix (Nix) 2.8.0\n');
    if (args.includes('show-config')) return ok(config);
    if (args.includes('--store') && args.at(-1)!.includes('orin-01')) return { exitCode: undefined, stdout: '', stderr: '', timedOut: true, missing: false };
    if (args.includes('--store')) return { exitCode: 1, stdout: '', stderr: "error: cannot connect to 'lab-x86'\n", timedOut: false, missing: false };
    if (args.includes('ping')) return ok('Store URL: daemon\n');
    return ok('');
  };
  const facts = await collectHostFacts({
    nix: '/usr/bin/nix',
    runner,
    platform: 'linux',
    pingTimeoutMs: 1500,
    user: { name: 'dev', uid: 1000, groups: ['wheel'] },
    binfmtRoot: path.join(DOCTOR_FIXTURES, 'binfmt', 'debian-qemu'),
    files: { read: (f) => (f === '/etc/nix/machines' ? 'ssh://lab-x86 x86_64-linux\n' : undefined) },
    env: { NIX_SSHOPTS: '-p 2222' },
  });
  assert.ok(facts.nix.ok);
  assert.equal(facts.nix.storeAccess, 'daemon');
  assert.deepEqual(facts.pings, [
    { uri: 'ssh-ng://nix@orin-01', status: 'timed-out', detail: 'no answer within 2 s' },
    { uri: 'ssh://lab-x86', status: 'failed', detail: "cannot connect to 'lab-x86'" },
  ]);
  const ping = calls.find((c) => c.args.includes('--store'))!;
  assert.deepEqual(ping.args, ['--extra-experimental-features', 'nix-command', 'store', 'ping', '--store', 'ssh-ng://nix@orin-01?ssh-key=/etc/nix/builder_ed25519']);
  assert.equal(ping.env?.NIX_SSHOPTS, '-p 2222 -o BatchMode=yes -o ConnectTimeout=2');
  assert.equal(ping.timeoutMs, 1500);
  assert.ok(calls.every((c) => c.file === '/usr/bin/nix'));
  assert.equal(facts.binfmt.entries.length, 4);

  const missing = await collectHostFacts({ nix: 'nix', runner: async () => ({ exitCode: undefined, stdout: '', stderr: 'spawn nix ENOENT', timedOut: false, missing: true }), user: { name: 'dev', uid: 1000, groups: [] }, files: { read: () => undefined } });
  assert.deepEqual(missing.nix, { ok: false, error: 'Nix was not found (nix): install Nix, or set jetsonNix.nix.executable to its path.' });
});
