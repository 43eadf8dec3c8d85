import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkL4t, compareVersions, type L4tFacts } from '../../client/src/robots/l4t';
import { describeChanges, diffClosures, formatChange, packageOf, parseDiffClosures, parsePathInfo, splitName } from '../../client/src/deploy/closure-diff';
import { isFinal, parseState, supervisorArgv, SUPERVISOR_SCRIPT, activationId } from '../../client/src/deploy/supervisor';
import { chooseBuildPlace, doctorCapability } from '../../client/src/deploy/build-place';
import { capabilityFor } from '../../server/src/shared/doctor';
import { hostFacts } from '../support/doctor-facts';
import { parseFacts } from '../../client/src/deploy/configuration-facts';
import { mapLimit, outcomeLine } from '../../client/src/deploy/fleet';
import { isDeployable, workspaceRobots } from '../../client/src/robots/list';
import { robotRow, systemName } from '../../client/src/views/robot-items';
import type { FlakeState } from '../../client/src/views/flake-items';

const SPAN = { start: { line: 3, character: 4 }, end: { line: 3, character: 9 } };

test('L4T: a downgrade is refused as jetpack-nixos refuses it, at each maxAllowedDowngrade level', () => {
  const facts = (running: string, target: string, extra: Partial<L4tFacts> = {}): L4tFacts => ({ robot: 'robot-1', configuration: 'robot', running, target, maxAllowedDowngrade: 'none', autoUpdate: false, ...extra });
  assert.equal(checkL4t(facts('36.4.4', '36.4.4')).verdict, 'ok');
  assert.equal(checkL4t(facts('36.4.4', '36.4.3')).verdict, 'refused');
  assert.equal(checkL4t(facts('36.4.4', '36.4.3', { maxAllowedDowngrade: 'patch' })).verdict, 'ok');
  assert.equal(checkL4t(facts('36.4.4', '36.3.0', { maxAllowedDowngrade: 'patch' })).verdict, 'refused');
  assert.equal(checkL4t(facts('36.4.4', '36.3.0', { maxAllowedDowngrade: 'minor' })).verdict, 'ok');
  assert.equal(checkL4t(facts('36.4.4', '35.6.0', { maxAllowedDowngrade: 'minor' })).verdict, 'refused');
  assert.equal(checkL4t(facts('36.4.4', '35.6.0', { maxAllowedDowngrade: 'major' })).verdict, 'ok');
  // 36.10 is newer than 36.9: numbers, not text.
  assert.equal(checkL4t(facts('36.9.0', '36.10.0')).verdict, 'ok');
  assert.equal(compareVersions('36.10.0', '36.9.1'), 1);
  const tooOld = checkL4t(facts('35.4.1', '36.4.4'));
  assert.equal(tooOld.verdict, 'refused');
  assert.match((tooOld as { message: string }).message, /needs firmware L4T 35\.5\.0 or newer first/);
  assert.equal(checkL4t(facts('35.5.0', '36.4.4')).verdict, 'ok');
});

test('L4T: a firmware update in the new system is asked about; without autoUpdate it is a note; unknown firmware is left to the robot', () => {
  const base: L4tFacts = { robot: 'robot-1', configuration: 'robot', running: '36.3.0', target: '36.4.4', maxAllowedDowngrade: 'none', autoUpdate: true };
  const update = checkL4t(base);
  assert.equal(update.verdict, 'firmware-update');
  assert.match((update as { message: string }).message, /updates the firmware of robot-1 from L4T 36\.3\.0 to 36\.4\.4 at its next reboot/);
  const note = checkL4t({ ...base, autoUpdate: false });
  assert.equal(note.verdict, 'ok');
  assert.match((note as { note?: string }).note ?? '', /ota-check-firmware/);
  assert.match((checkL4t({ ...base, running: undefined }) as { note?: string }).note ?? '', /left to jetpack-nixos on the robot/);
  assert.deepEqual(checkL4t({ ...base, target: undefined }), { verdict: 'ok' });
});

test("closure diff: names and versions split as Nix's DrvName does, output names stripped as diff-closures does", () => {
  assert.deepEqual(splitName('nixos-system-robot-1-25.05.2'), { name: 'nixos-system-robot', version: '1-25.05.2' });
  assert.deepEqual(splitName('hello'), { name: 'hello', version: '' });
  assert.deepEqual(packageOf('/nix/store/0123456789abcdfghijklmnpqrsvwxyz-openssl-3.0.13-dev'), { name: 'openssl', version: '3.0.13' });
  assert.deepEqual(packageOf('/nix/store/0123456789abcdfghijklmnpqrsvwxyz-glibc-2.39-52-lib64'), { name: 'glibc', version: '2.39-52' });
});

test("closure diff: versions gone and come, sizes of 8 KiB or more, in diff-closures' own format and back", () => {
  const p = (name: string, narSize: number) => ({ path: `/nix/store/${'a'.repeat(32)}-${name}`, narSize });
  const before = [p('linux-5.15.148', 100_000_000), p('ros-humble-nav2-1.1.12', 50_000), p('old-tool-1.0', 9000), p('tiny-1', 100)];
  const after = [p('linux-5.15.150', 100_020_000), p('ros-humble-nav2-1.1.12', 50_000), p('robot-lidar-0.4.1', 2000), p('tiny-1', 200)];
  const changes = diffClosures(before, after);
  assert.deepEqual(changes.map(formatChange), ['linux: 5.15.148 → 5.15.150, +19.5 KiB', 'old-tool: 1.0 → ∅, -8.8 KiB', 'robot-lidar: ∅ → 0.4.1']);
  const reparsed = parseDiffClosures(`linux: 5.15.148 → 5.15.150, \u001b[31;1m+19.5 KiB\u001b[0m\nold-tool: 1.0 → ∅, \u001b[32;1m-8.8 KiB\u001b[0m\nrobot-lidar: ∅ → 0.4.1\nzlib: \u001b[31;1m+12.0 KiB\u001b[0m\nmulti: 1.0, 1.1 → ε\n`);
  assert.deepEqual(reparsed.map(formatChange), ['linux: 5.15.148 → 5.15.150, +19.5 KiB', 'old-tool: 1.0 → ∅, -8.8 KiB', 'robot-lidar: ∅ → 0.4.1', 'zlib: +12.0 KiB', 'multi: 1.0, 1.1 → ε']);
  assert.equal(describeChanges(changes), 'Packages: 1 changed, 1 added, 1 removed; size +10.7 KiB. linux 5.15.148 → 5.15.150; robot-lidar ∅ → 0.4.1; old-tool 1.0 → ∅.');
  assert.equal(describeChanges([]), 'No package changes (same versions, same sizes).');
  // With both closures known, the size is the exact total, small changes included.
  assert.match(describeChanges(changes, 2048), /; size \+2\.0 KiB\./);
  assert.match(describeChanges(changes, 0), /; same size\./);
});

test('path-info JSON of old and new Nix alike', () => {
  assert.deepEqual(parsePathInfo('[{"path":"/nix/store/a-x","narSize":10},{"path":"/nix/store/b-y","valid":false}]'), [{ path: '/nix/store/a-x', narSize: 10 }]);
  assert.deepEqual(parsePathInfo('{"/nix/store/a-x":{"narSize":10},"/nix/store/b-y":null}'), [{ path: '/nix/store/a-x', narSize: 10 }]);
});

test('the supervisor: a fixed script, values only as arguments, PATH passed to the transient unit', () => {
  const job = { dir: '/run/jetson-nix/x', profile: '/nix/var/nix/profiles/system', how: 'set' as const, target: '/nix/store/abc-sys', action: 'switch' as const, timeoutSeconds: 30, currentSystem: '/run/current-system', owner: 'ops', unit: 'jetson-nix-deploy-x' };
  const argv = supervisorArgv(job, ['sudo', '-n']);
  assert.deepEqual(argv.slice(0, 9), ['sudo', '-n', 'systemd-run', '--unit=jetson-nix-deploy-x', '--collect', '--quiet', '--service-type=exec', '--setenv=PATH', '--']);
  assert.deepEqual(argv.slice(9, 11), ['/bin/sh', '-c']);
  assert.equal(argv[11], SUPERVISOR_SCRIPT);
  assert.deepEqual(argv.slice(12), ['jetson-nix-supervisor', '/run/jetson-nix/x', '/nix/var/nix/profiles/system', 'set', '/nix/store/abc-sys', 'switch', '30', '/run/current-system', 'ops']);
  assert.match(activationId(0, 0.5), /^0-[0-9a-z]{6}$/);
  assert.deepEqual(parseState('state=rolled-back\nreason=activation-failed\nexit-code=4\ngeneration=5\nprevious-generation=4\nprevious-system=/nix/store/p\n'), {
    phase: 'rolled-back',
    reason: 'activation-failed',
    exitCode: 4,
    generation: 5,
    previousGeneration: 4,
    previousSystem: '/nix/store/p',
  });
  assert.equal(parseState('').phase, 'starting');
  assert.equal(parseState('state=nonsense').phase, 'starting');
  assert.equal(isFinal('waiting'), false);
  assert.equal(isFinal('rolled-back'), true);
});

test('where to build: the setting, or here when this machine can build the system, else on the robot', async () => {
  const yes = { canBuild: async () => ({ ok: true, how: 'Builds aarch64-linux on orin-01.' }) };
  const no = { canBuild: async () => ({ ok: false, how: 'This machine (x86_64-linux) cannot build aarch64-linux.' }) };
  assert.deepEqual(await chooseBuildPlace('auto', 'aarch64-linux', yes), { place: 'local', why: 'Builds aarch64-linux on orin-01' });
  assert.deepEqual(await chooseBuildPlace('auto', 'aarch64-linux', no), { place: 'robot', why: 'This machine (x86_64-linux) cannot build aarch64-linux; so the robot builds it' });
  assert.equal((await chooseBuildPlace('auto', 'aarch64-linux', no)).place, 'robot');
  assert.equal((await chooseBuildPlace('robot', 'x86_64-linux', yes)).place, 'robot');
  assert.equal((await chooseBuildPlace('local', 'aarch64-linux', no)).place, 'local');
  assert.equal((await chooseBuildPlace('auto', undefined, no)).place, 'local');
});

test("the build doctor's verdict decides: a Debian PC with nothing set up sends an aarch64 system to the robot, and builds its own", async () => {
  const facts = hostFacts();
  const doctor = doctorCapability({ capability: async (requirement) => ({ capability: capabilityFor(requirement, facts) }) });
  const aarch64 = await chooseBuildPlace('auto', 'aarch64-linux', doctor);
  assert.equal(aarch64.place, 'robot');
  assert.match(aarch64.why, /so the robot builds it$/);
  assert.equal((await chooseBuildPlace('auto', 'x86_64-linux', doctor)).place, 'local');
});

test("a configuration's facts from Nix: missing ones stay unknown, a bad downgrade level falls back to jetpack-nixos's default", () => {
  assert.deepEqual(parseFacts('{"system":"aarch64-linux","som":"orin-agx","l4t":"36.4.4","maxAllowedDowngrade":"patch","autoUpdate":true,"hostName":"robot-1"}'), {
    system: 'aarch64-linux',
    som: 'orin-agx',
    l4t: '36.4.4',
    maxAllowedDowngrade: 'patch',
    autoUpdate: true,
    hostName: 'robot-1',
  });
  assert.deepEqual(parseFacts('{"system":null,"som":null,"l4t":null,"maxAllowedDowngrade":"sideways","autoUpdate":false,"hostName":""}'), { maxAllowedDowngrade: 'none', autoUpdate: false });
});

test('fleets: at most N robots at once, in order; one line per outcome', async () => {
  let running = 0;
  let most = 0;
  const out = await mapLimit([5, 1, 3, 2, 4], 2, async (n) => {
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, n * 3));
    running--;
    return n * 10;
  });
  assert.deepEqual(out, [50, 10, 30, 20, 40]);
  assert.equal(most, 2);
  assert.equal(outcomeLine({ robot: 'r1', configuration: 'robot', result: 'rolled-back', message: 'why', stage: 'activate' }), '↩ r1 (robot): rolled-back — why');
});

function flake(dir: string, extra: Partial<FlakeState> = {}): FlakeState {
  return {
    dir,
    label: dir,
    system: 'x86_64-linux',
    outputs: {
      configurations: [
        { name: 'robot', som: 'orin-agx', hostName: 'robot-1', span: SPAN },
        { name: 'spare', hostName: 'spare-1', span: SPAN },
      ],
      packages: [],
      devShells: [],
      inputs: [],
      robots: [
        { name: 'arm-1', source: 'deploy-rs', host: '10.0.0.5', user: 'root', configuration: 'robot', span: SPAN },
        { name: 'lidar-bot', source: 'colmena', host: 'lidar-bot', span: SPAN },
        { name: 'hidden', source: 'colmena', span: SPAN },
      ],
    },
    ...extra,
  };
}

test('robots of the workspace: settings first, then deploy-rs and colmena, then host-name suggestions nobody covers', () => {
  const robots = workspaceRobots(
    [
      { name: 'bench', host: '127.0.0.1', port: 2222, user: 'root', configuration: 'robot' },
      { name: 'lost', host: 'lost.lan', configuration: 'nowhere' },
      { name: 'bad', host: '-oProxyCommand=x', configuration: 'robot' },
    ],
    [flake('/w')],
    '/w',
  );
  assert.deepEqual(
    robots.map((r) => [r.name, r.source, r.address?.host, r.configuration, r.tool?.kind, r.suggested, isDeployable(r)]),
    [
      ['bench', 'settings', '127.0.0.1', 'robot', undefined, false, true],
      ['lost', 'settings', 'lost.lan', 'nowhere', undefined, false, false],
      ['bad', 'settings', '-oProxyCommand=x', 'robot', undefined, false, false],
      ['arm-1', 'deploy-rs', '10.0.0.5', 'robot', 'deploy-rs', false, true],
      ['lidar-bot', 'colmena', 'lidar-bot', undefined, 'colmena', false, false],
      ['hidden', 'colmena', undefined, undefined, 'colmena', false, false],
      ['spare-1', 'hostName', 'spare-1', 'spare', undefined, true, true],
    ],
  );
  assert.match(robots[1]!.problem!, /No flake of the workspace defines nixosConfigurations\.nowhere/);
  assert.match(robots[2]!.problem!, /is not a host name or address/);
  assert.match(robots[5]!.problem!, /not written literally in flake\.nix/);
  // robot-1 is not suggested: the robots "bench" and "arm-1" already run configuration "robot".
  assert.equal(robots.some((r) => r.name === 'robot-1'), false);
});

test('robot rows: status in a few words, details once read, nothing contacted in Restricted Mode', () => {
  const [bench] = workspaceRobots([{ name: 'bench', host: '127.0.0.1', configuration: 'robot' }], [flake('/w')], '/w');
  assert.equal(robotRow(bench!, undefined, false).description, 'not contacted in Restricted Mode');
  assert.equal(robotRow(bench!, { state: 'checking' }, true).description, 'checking…');
  assert.equal(robotRow(bench!, { state: 'failed', failure: { kind: 'unreachable', message: 'no route' }, at: new Date() }, true).description, 'unreachable');
  const status = {
    user: 'root',
    privilege: 'root' as const,
    currentSystem: '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-robot-1-25.05.2',
    bootedSystem: '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-robot-1-25.05.1',
    rebootPending: true,
    generation: { number: 2 },
    l4t: '36.4.4',
    biosVersion: '36.4.4-gcid-1',
    compatible: ['nvidia,p3701-0005'],
    nixFreeBytes: 5 * 1024 ** 3,
  };
  const row = robotRow(bench!, { state: 'ok', status, at: new Date(), runsWorkspace: false }, true);
  assert.equal(row.description, 'reachable · gen 2 · L4T 36.4.4 · reboot pending');
  assert.equal(row.contextValue, 'robot.deployable.reachable');
  assert.deepEqual(
    row.children!.map((c) => `${c.label}: ${c.description}`),
    ['Runs: nixos-system-robot-1-25.05.2 (generation 2)', 'Booted: nixos-system-robot-1-25.05.1 — reboot pending', 'Firmware: L4T 36.4.4', 'Module: AGX Orin (p3701-0005)', 'Free in /nix: 5.0 GiB', 'Login: root (root)', 'Workspace: differs from what robot builds now'],
  );
  assert.equal(systemName(undefined), 'unknown');
});
