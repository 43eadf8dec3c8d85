/**
 * The build doctor's judgements on fixture facts: what can be built and how, the fixes per host,
 * the cache warnings, Nix's "wrong platform" error mapped to an explanation, and the report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  builderSetup,
  buildReport,
  cacheFindings,
  capabilityFor,
  explainPlatformMismatch,
  fixesForSystem,
  parsePlatformMismatch,
  renderMarkdown,
  renderText,
  type FlakeTargets,
} from '../../server/src/shared/doctor';
import type { FlakeCacheFacts } from '../../server/src/protocol';
import { hostFacts, settingsFrom } from '../support/doctor-facts';

const AARCH64 = { system: 'aarch64-linux', features: [] };
const span = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };

/** Recorded from this machine's Nix 2.8 (test/nix/doctor.test.ts checks it is still what Nix prints). */
const OLD_ERROR = "error: a 'aarch64-linux' with features {} is required to build '/nix/store/rwwh16bfh4dgiqmbmcmrbxz33w8bnrx5-linux-5.15.drv', but I am a 'x86_64-linux' with features {benchmark, big-parallel, kvm, nixos-test}";
/** The layout of Nix 2.25 and newer (DerivationGoal: "Cannot build … Reason: required system or feature not available"). */
const NEW_ERROR = [
  "error: Cannot build '/nix/store/rwwh16bfh4dgiqmbmcmrbxz33w8bnrx5-linux-5.15.drv'.",
  '       Reason: required system or feature not available',
  "       Required system: 'aarch64-linux' with features {big-parallel}",
  "       Current system: 'x86_64-linux' with features {benchmark, big-parallel, kvm, nixos-test, uid-range}",
].join('\n');

test('nothing set up: aarch64-linux cannot be built, x86_64-linux natively', () => {
  const facts = hostFacts();
  const arm = capabilityFor(AARCH64, facts);
  assert.equal(arm.verdict, 'no');
  assert.equal(arm.summary, 'This machine cannot build aarch64-linux: its Nix builds x86_64-linux, no builder for aarch64-linux is configured, and no emulation for aarch64-linux is set up.');
  const x86 = capabilityFor({ system: 'x86_64-linux', features: [] }, facts);
  assert.deepEqual([x86.verdict, x86.local, x86.summary], ['yes', 'native', 'Builds x86_64-linux natively.']);
  assert.equal(capabilityFor({ system: 'i686-linux', features: [] }, facts).local, 'native');
  assert.equal(capabilityFor({ system: 'x86_64-linux', features: ['cuda'] }, facts).verdict, 'no');
});

test('extra-platforms with a binfmt emulator builds; without one Nix accepts it but real programs fail', () => {
  const settings = settingsFrom('show-config-2.8-builders.json', { builders: '' });
  const emulated = capabilityFor(AARCH64, hostFacts({ settings, binfmt: 'debian-qemu' }));
  assert.deepEqual([emulated.verdict, emulated.local, emulated.emulator?.name], ['yes', 'emulated', 'qemu-aarch64']);
  assert.equal(emulated.summary, 'Builds aarch64-linux by emulation (/usr/libexec/qemu-binfmt/aarch64-binfmt-P; slow).');

  const accepted = capabilityFor(AARCH64, hostFacts({ settings }));
  assert.deepEqual([accepted.verdict, accepted.local], ['warn', 'accepted']);
  assert.match(accepted.summary, /no emulator for aarch64-linux programs is registered/);

  // NixOS's registration without the F flag, with the sandbox on and the interpreter not in it.
  const sandboxed = settingsFrom('config-show-2.24-nixos.json', { sandboxPaths: [] });
  const nixos = capabilityFor(AARCH64, hostFacts({ settings: sandboxed, binfmt: 'nixos', os: { kind: 'nixos', name: 'NixOS' } }));
  assert.equal(nixos.verdict, 'warn');
  assert.deepEqual(nixos.problems, ['The emulator /run/binfmt/aarch64-linux is registered without the F flag and is not in sandbox-paths, so builds inside the sandbox cannot start it: add it to extra-sandbox-paths.']);
  const withPath = capabilityFor(AARCH64, hostFacts({ settings: settingsFrom('config-show-2.24-nixos.json', { sandboxPaths: ['/run/binfmt/aarch64-linux'] }), binfmt: 'nixos' }));
  assert.equal(withPath.verdict, 'yes');
});

test('a remote builder counts when it answers; one that does not is named', () => {
  const settings = settingsFrom('show-config-2.8-builders.json', { extraPlatforms: [] });
  const answered = capabilityFor(AARCH64, hostFacts({ settings, storeAccess: 'local', pings: [{ uri: 'ssh-ng://nix@orin-01', status: 'answered', detail: 'Nix 2.18.1' }] }));
  assert.deepEqual([answered.verdict, answered.summary], ['yes', 'Builds aarch64-linux on orin-01.']);
  const silent = capabilityFor(AARCH64, hostFacts({ settings, storeAccess: 'local', pings: [{ uri: 'ssh-ng://nix@orin-01', status: 'timed-out', detail: '' }] }));
  assert.equal(silent.verdict, 'no');
  assert.deepEqual(silent.problems, ['The builder orin-01 did not answer in time.']);
  assert.match(silent.summary, /its builders for aarch64-linux \(orin-01\) do not answer/);
  const unchecked = capabilityFor(AARCH64, hostFacts({ settings, storeAccess: 'local' }));
  assert.equal(unchecked.verdict, 'unknown');
  // big-parallel is among orin-01's features; kvm is not.
  assert.equal(capabilityFor({ system: 'aarch64-linux', features: ['kvm'] }, hostFacts({ settings, storeAccess: 'local', pings: [{ uri: 'ssh-ng://nix@orin-01', status: 'answered', detail: '' }] })).verdict, 'no');
});

test('the daemon ignores an untrusted user\'s builders, and the report says which trust is needed', () => {
  const settings = settingsFrom('show-config-2.8-builders.json', { extraPlatforms: [] });
  const pings = [{ uri: 'ssh-ng://nix@orin-01', status: 'answered' as const, detail: '' }];
  const untrusted = hostFacts({ settings, pings, user: { name: 'dev', uid: 1000, groups: ['dev'] } });
  const capability = capabilityFor(AARCH64, untrusted);
  assert.equal(capability.verdict, 'no');
  assert.deepEqual(capability.problems, ['Your builders setting names orin-01, but the Nix daemon ignores the builders of users it does not trust (dev is not in trusted-users).']);
  const report = buildReport({ facts: untrusted });
  const trust = report.problems.find((p) => p.message.startsWith('The Nix daemon ignores the builders you set'))!;
  assert.equal(trust.fixes[0]!.id, 'trust-user');
  assert.deepEqual(trust.fixes[0]!.commands, ["printf '%s\\n' 'extra-trusted-users = dev' | sudo tee -a /etc/nix/nix.conf >/dev/null", 'sudo systemctl restart nix-daemon']);
  assert.equal(report.builders[0]!.ignored, true);
  // In @wheel (trusted-users = root @wheel), the same builders are honoured.
  assert.equal(capabilityFor(AARCH64, hostFacts({ settings, pings, user: { name: 'dev', uid: 1000, groups: ['wheel'] } })).verdict, 'yes');
});

test('fixes fit the host: NixOS option, Debian packages and nix.conf lines, nix-darwin, and always a remote builder', () => {
  const debian = fixesForSystem('aarch64-linux', hostFacts(), { configuration: true });
  assert.deepEqual(debian.map((f) => f.id), ['debian-emulation', 'remote-builder', 'cross-compile']);
  assert.deepEqual(debian[0]!.commands, [
    'sudo apt-get install -y qemu-user-static binfmt-support',
    "printf '%s\\n' 'extra-platforms = aarch64-linux' 'extra-sandbox-paths = /usr/bin/qemu-aarch64-static' | sudo tee -a /etc/nix/nix.conf >/dev/null",
    'sudo systemctl restart nix-daemon',
  ]);
  assert.equal(debian[2]!.snippet?.text, 'nixpkgs.buildPlatform = "x86_64-linux";');
  // Single-user Nix reads nix.conf at every start: nothing to restart.
  assert.equal(fixesForSystem('aarch64-linux', hostFacts({ storeAccess: 'local' }))[0]!.commands!.length, 2);

  const nixos = fixesForSystem('aarch64-linux', hostFacts({ os: { kind: 'nixos', name: 'NixOS' }, hostConfiguration: '/etc/nixos/configuration.nix' }));
  assert.deepEqual(nixos[0]!.snippet, { text: 'boot.binfmt.emulatedSystems = [ "aarch64-linux" ];', language: 'nix', file: '/etc/nixos/configuration.nix' });
  assert.deepEqual(nixos[0]!.commands, ['sudo nixos-rebuild switch']);

  const mac = fixesForSystem('aarch64-linux', hostFacts({ os: { kind: 'macos', name: 'macOS' }, settings: settingsFrom('show-config-2.8-debian.json', { system: 'aarch64-darwin' }) }));
  assert.deepEqual(mac.map((f) => f.id), ['darwin-linux-builder', 'remote-builder']);
  assert.equal(mac[0]!.snippet?.text, 'nix.linux-builder.enable = true;');
  const intelMac = fixesForSystem('aarch64-linux', hostFacts({ os: { kind: 'macos', name: 'macOS' }, settings: settingsFrom('show-config-2.8-debian.json', { system: 'x86_64-darwin' }) }));
  assert.match(intelMac[0]!.snippet!.text, /emulatedSystems = \[ "aarch64-linux" \]/);

  assert.equal(fixesForSystem('aarch64-linux', hostFacts({ os: { kind: 'linux', name: 'Fedora' } }))[0]!.id, 'linux-emulation');
  // A system name that is not one never reaches a command line.
  assert.deepEqual(fixesForSystem("aarch64-linux'; rm -rf ~ #", hostFacts()).map((f) => f.id), ['remote-builder']);
});

test("Nix's wrong-platform error, in both layouts, becomes the doctor's explanation with the host's fixes", () => {
  const old = parsePlatformMismatch(OLD_ERROR)!;
  assert.deepEqual(old, { system: 'aarch64-linux', features: [], derivation: '/nix/store/rwwh16bfh4dgiqmbmcmrbxz33w8bnrx5-linux-5.15.drv', hostSystem: 'x86_64-linux', hostFeatures: ['benchmark', 'big-parallel', 'kvm', 'nixos-test'] });
  const modern = parsePlatformMismatch(NEW_ERROR)!;
  assert.deepEqual([modern.system, modern.features, modern.hostFeatures.at(-1)], ['aarch64-linux', ['big-parallel'], 'uid-range']);
  assert.equal(parsePlatformMismatch("error: builder for '/nix/store/x.drv' failed with exit code 1"), undefined);

  const explained = explainPlatformMismatch(old, hostFacts());
  assert.equal(explained.message, 'Building linux-5.15 needs aarch64-linux, but this machine builds x86_64-linux, and Nix found no builder or emulation for aarch64-linux.');
  assert.deepEqual(explained.fixes.map((f) => f.id), ['debian-emulation', 'remote-builder']);
  const features = explainPlatformMismatch({ ...old, system: 'x86_64-linux', features: ['cuda'] }, hostFacts());
  assert.equal(features.message, 'Building linux-5.15 needs x86_64-linux with cuda, but this machine lacks the system feature cuda.');
  assert.deepEqual(features.fixes, []);
  // Without facts (the doctor has not run yet), the fixes are still offered, for a Linux host.
  assert.deepEqual(explainPlatformMismatch(old, undefined).fixes.map((f) => f.id), ['linux-emulation', 'remote-builder']);
});

test('caches: ignored flake substituters, ROS and CUDA without their caches, narrowed capabilities', () => {
  const caches: FlakeCacheFacts = {
    substituters: ['https://ros.cachix.org'],
    trustedPublicKeys: ['ros.cachix.org-1:dSyZxI8geDCJrwgvCOHDoAfOm5sV1wCPjBkKL+38Rvo='],
    nixConfig: { line: 2, text: 'nixConfig = { … }' },
    rosOverlay: { input: 'nix-ros-overlay', followsNixpkgs: 'nixpkgs' },
    cuda: { file: '/robot/robot.nix', line: 3, text: 'nixpkgs.config.cudaSupport = true;' },
    cudaCapabilities: { file: '/robot/robot.nix', line: 4, text: 'nixpkgs.config.cudaCapabilities = [ "8.7" ];', values: ['8.7'] },
  };
  const findings = cacheFindings(caches, hostFacts());
  // The ROS cache the flake names is reported once, as ignored, not again as missing.
  assert.deepEqual(findings.map((f) => f.code), ['flake-cache-ignored', 'ros-follows', 'cuda-cache-missing', 'cuda-capabilities']);
  assert.deepEqual(cacheFindings({ ...caches, substituters: [] }, hostFacts()).map((f) => f.code).slice(0, 2), ['ros-cache-missing', 'ros-follows']);
  assert.match(findings[0]!.message, /flake settings are applied only once accepted/);
  assert.deepEqual(findings[0]!.fixes[0]!.snippet, {
    text: 'extra-substituters = https://ros.cachix.org\nextra-trusted-public-keys = ros.cachix.org-1:dSyZxI8geDCJrwgvCOHDoAfOm5sV1wCPjBkKL+38Rvo=',
    language: 'conf',
    file: '/etc/nix/nix.conf',
  });

  // Accepted once with "always", but the daemon does not trust the user: still ignored, for another reason.
  const accepted = cacheFindings(caches, hostFacts({ accepted: { 'extra-substituters': { 'https://ros.cachix.org': true } } }));
  assert.match(accepted[0]!.message, /the Nix daemon ignores substituters of users it does not trust \(dev is not in trusted-users\)/);
  // Trusted and accepted: the ROS cache is used, so only the follows, CUDA and capability warnings remain.
  const trusted = cacheFindings(caches, hostFacts({ settings: settingsFrom('show-config-2.8-debian.json', { acceptFlakeConfig: true }), user: { name: 'root', uid: 0, groups: [] } }));
  assert.deepEqual(trusted.map((f) => f.code), ['ros-follows', 'cuda-cache-missing', 'cuda-capabilities']);
  // The system nix.conf lists the ROS cache: fine for everyone.
  const system = cacheFindings({ ...caches, substituters: [] }, hostFacts({ settings: settingsFrom('show-config-2.8-builders.json'), systemSubstituters: ['https://cache.nixos.org/', 'https://ros.cachix.org'] }));
  assert.ok(!system.some((f) => f.code === 'ros-cache-missing'));
});

test('the report: per output, exit-worthy verdicts, and text and Markdown that say the same', () => {
  const flake: FlakeTargets = {
    configurations: [{ name: 'robot', som: 'orin-agx', system: 'aarch64-linux', systemSource: 'nixpkgs.hostPlatform', jetpack: true, span }],
    packages: [{ name: 'tool', system: 'x86_64-linux', span }, { name: 'hello', span }],
  };
  const report = buildReport({ facts: hostFacts(), flake: { dir: '/robot', targets: flake } });
  assert.equal(report.buildable, false);
  assert.deepEqual(report.targets.map((t) => [t.label, t.verdict]), [['robot (toplevel)', 'no'], ['robot (flash script)', 'no'], ['tool (x86_64-linux)', 'yes'], ['hello', 'unknown']]);
  assert.equal(report.problems[0]!.severity, 'error');
  assert.deepEqual(report.problems[0]!.details, ['Needed by robot (toplevel), robot (flash script).']);
  assert.deepEqual(report.problems[0]!.fixes.map((f) => f.id), ['debian-emulation', 'remote-builder', 'cross-compile']);

  const text = renderText(report);
  assert.match(text, /^Jetson Nix build doctor\n\nThis machine\n  Debian GNU\/Linux 12 \(bookworm\); user dev \(not a trusted Nix user\)\n  nix \(Nix\) 2\.8\.0, builds x86_64-linux, store through the Nix daemon\n/);
  assert.match(text, /\n  ✗ robot \(toplevel\): This machine cannot build aarch64-linux/);
  assert.match(text, /\n    \.#nixosConfigurations\.robot\.config\.system\.build\.flashScript — needs x86_64-linux for NVIDIA's flashing tools and aarch64-linux for the firmware; it runs on x86_64-linux only\n/);
  assert.match(text, /\n        sudo apt-get install -y qemu-user-static binfmt-support\n/);
  const markdown = renderMarkdown(report);
  assert.match(markdown, /^# Jetson Nix: Build Setup\n\n\*\*Some outputs of the flake cannot be built here: see the fixes below\.\*\*\n/);
  assert.match(markdown, /\n- ✗ robot \(toplevel\): This machine cannot build aarch64-linux/);
  assert.match(markdown, /\n      ```sh\n      sudo apt-get install -y qemu-user-static binfmt-support\n/);

  const ready = buildReport({ facts: hostFacts({ settings: settingsFrom('show-config-2.8-builders.json', { builders: '' }), binfmt: 'debian-qemu' }), flake: { dir: '/robot', targets: flake } });
  assert.equal(ready.buildable, true);
  assert.ok(ready.targets.slice(0, 2).every((t) => t.verdict === 'yes'));
});

test('the Remote Builder wizard: the machine line, where it goes and which trust each place needs', () => {
  const spec = { protocol: 'ssh-ng' as const, user: 'nix', host: 'orin-01', systems: ['aarch64-linux'], sshKey: '/etc/nix/builder_ed25519', maxJobs: 8, supportedFeatures: ['big-parallel'] };
  const untrusted = builderSetup(spec, hostFacts(), { uri: 'ssh-ng://nix@orin-01', status: 'answered', detail: 'Nix 2.18.1' });
  assert.equal(untrusted.check, 'Checked: nix@orin-01 answered nix store ping (Nix 2.18.1).');
  assert.match(untrusted.text, /\n# Option 1 \(recommended\): \/etc\/nix\/machines, which the Nix daemon reads itself, for every user\.\nssh-ng:\/\/nix@orin-01 aarch64-linux \/etc\/nix\/builder_ed25519 8 1 big-parallel\n/);
  assert.match(untrusted.text, /# Option 2: your own ~\/\.config\/nix\/nix\.conf\. The daemon IGNORES it: dev is not in trusted-users\./);
  assert.match(untrusted.text, /\n#   nix.buildMachines = \[ {\n#     hostName = "orin-01";\n#     sshUser = "nix";\n#     protocol = "ssh-ng";\n#     systems = \[ "aarch64-linux" \];\n/);
  assert.match(untrusted.text, /root must know orin-01's host key \(run `sudo ssh nix@orin-01` once/);
  assert.deepEqual(untrusted.commands, [
    "printf '%s\\n' 'ssh-ng://nix@orin-01 aarch64-linux /etc/nix/builder_ed25519 8 1 big-parallel' | sudo tee -a /etc/nix/machines >/dev/null",
    "printf '%s\\n' 'builders-use-substitutes = true' | sudo tee -a /etc/nix/nix.conf >/dev/null",
    'sudo systemctl restart nix-daemon',
  ]);
  const trusted = builderSetup({ ...spec, supportedFeatures: [] }, hostFacts({ user: { name: 'dev', uid: 1000, groups: ['wheel'] }, settings: settingsFrom('show-config-2.8-builders.json') }), { uri: 'x', status: 'failed', detail: 'Host key verification failed.' });
  assert.match(trusted.text, /The daemon honours it: dev is a trusted user\./);
  assert.match(trusted.text, /require the big-parallel feature: without it they are never sent to this builder/);
  assert.equal(trusted.check, 'Checked: nix@orin-01 did not answer nix store ping: Host key verification failed.');
});
