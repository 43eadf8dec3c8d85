import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { remoteCommand, remoteScript, shellQuote, UnquotableError } from '../../client/src/robots/quote';
import { checkAddress, classifySshFailure, SshPool, type RobotAddress } from '../../client/src/robots/ssh';
import { generationNumber, l4tOfBiosVersion, parseGenerations, parseStatus } from '../../client/src/robots/status';
import { checkRobotSom, DEVICE_TREE_MODULES, moduleOfCompatible } from '../../client/src/robots/som';
import { RECOVERY_MODULES } from '../../client/src/usb/ids';
import { bundledIndex } from '../../server/src/schema/bundled';
import { robotPaths, ROBOT_PATHS } from '../../client/src/robots/paths';
import { HOSTILE_NAMES } from '../support/hostile-names';

/** Shells a robot's login may be (dash is Debian's /bin/sh; bash is NixOS's default login shell). */
const SHELLS = ['sh', 'bash', 'dash'].filter((s) => {
  try {
    execFileSync(s, ['-c', 'true']);
    return true;
  } catch {
    return false;
  }
});

test('every hostile string survives the remote shell as exactly one argument', () => {
  assert.ok(SHELLS.length > 0);
  for (const shell of SHELLS) {
    // What sshd does: hand the command line to the login shell with -c.
    const line = remoteCommand(['printf', '%s\\0', ...HOSTILE_NAMES]);
    const out = execFileSync(shell, ['-c', line]).toString();
    assert.deepEqual(out.split('\0').slice(0, -1), HOSTILE_NAMES, shell);
  }
});

test('a fixed script gets its values as positional parameters, never as script text', () => {
  for (const shell of SHELLS) {
    const line = remoteScript('jetson-nix-test', 'printf "%s|" "$0" "$@"', ['$(id)', "a'b", '-n']);
    assert.equal(execFileSync(shell, ['-c', line]).toString(), "jetson-nix-test|$(id)|a'b|-n|", shell);
  }
});

test('quoting leaves plain words bare, quotes the rest, and refuses NUL', () => {
  assert.equal(shellQuote('/nix/store/abc-nixos-system-robot-1-25.05'), '/nix/store/abc-nixos-system-robot-1-25.05');
  assert.equal(shellQuote(''), "''");
  assert.equal(shellQuote('a b'), "'a b'");
  assert.equal(shellQuote("it's"), "'it'\\''s'");
  assert.throws(() => shellQuote('a\0b'), UnquotableError);
});

test('addresses: host names, addresses and aliases pass; options and store settings in disguise do not', () => {
  const ok = (host: string, user?: string, port?: number) => checkAddress({ name: 'r', host, ...(user ? { user } : {}), ...(port ? { port } : {}) });
  assert.equal(ok('robot-1.lan'), undefined);
  assert.equal(ok('10.0.0.5', 'root', 22), undefined);
  assert.equal(ok('fe80::1%eth0'), undefined);
  assert.match(ok('-oProxyCommand=touch /tmp/x')!, /is not a host name or address/);
  assert.match(ok('robot?remote-program=/tmp/evil')!, /is not a host name or address/);
  assert.match(ok('robot', 'root@other')!, /is not a user name/);
  assert.match(ok('robot', '-l')!, /is not a user name/);
  assert.match(ok('robot', undefined, 70000)!, /is not a TCP port/);
  for (const name of HOSTILE_NAMES) {
    assert.notEqual(checkAddress({ name: 'r', host: name }), undefined, `host ${JSON.stringify(name)}`);
    assert.notEqual(checkAddress({ name: 'r', host: 'robot', user: name }), undefined, `user ${JSON.stringify(name)}`);
  }
});

test('SSH options: BatchMode, a short connect timeout, one shared connection, host keys checked by SSH, the host after "--"', () => {
  const pool = new SshPool({ configFile: '/etc/jetson/ssh_config', connectTimeoutSeconds: 7 });
  try {
    const robot: RobotAddress = { name: 'r', host: 'robot-1', user: 'ops', port: 2222 };
    const argv = pool.session(robot).argv('true');
    const text = argv.join(' ');
    assert.match(text, /-F \/etc\/jetson\/ssh_config/);
    assert.match(text, /-o BatchMode=yes -o ConnectTimeout=7/);
    assert.match(text, /-o ControlMaster=auto -o ControlPath=\/\S+\/jn-ssh-\w+\/%C -o ControlPersist=120/);
    assert.doesNotMatch(text, /StrictHostKeyChecking/);
    assert.deepEqual(argv.slice(-5), ['-l', 'ops', '--', 'robot-1', 'true']);
    assert.ok(argv.indexOf('-p') >= 0 && argv[argv.indexOf('-p') + 1] === '2222');
    const fresh = pool.session(robot).argv('true', true).join(' ');
    assert.match(fresh, /-o ControlMaster=no -o ControlPath=none/, 'a confirmation logs in anew');
  } finally {
    void pool.dispose();
  }
});

test("SSH's own failures become one actionable sentence", () => {
  const robot: RobotAddress = { name: 'robot-1', host: '10.0.0.5', user: 'root', port: 2222 };
  const unknown = classifySshFailure('No ED25519 host key is known for [10.0.0.5]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\n', robot);
  assert.equal(unknown.kind, 'host-key-unknown');
  assert.match(unknown.message, /Connect once in a terminal \(`ssh -p 2222 root@10\.0\.0\.5`\), check the key fingerprint/);
  assert.equal(classifySshFailure('@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\n', robot).kind, 'host-key-changed');
  assert.match(classifySshFailure('root@10.0.0.5: Permission denied (publickey).\n', robot).message, /no key was accepted/);
  assert.equal(classifySshFailure('ssh: connect to host 10.0.0.5 port 2222: Connection refused\n', robot).message, 'robot-1 (root@10.0.0.5:2222) is not reachable: ssh: connect to host 10.0.0.5 port 2222: Connection refused.');
  assert.equal(classifySshFailure('', robot).message, 'The connection to robot-1 (root@10.0.0.5:2222) closed.');
});

test('status: what the robot runs, its generation, firmware, module, space and privileges', () => {
  const s = parseStatus(
    [
      'uid=1000',
      'user=ops',
      'machine=aarch64',
      'current=/nix/store/aaa-nixos-system-robot-1-25.05.2',
      'booted=/nix/store/bbb-nixos-system-robot-1-25.05.1',
      'profileLink=system-42-link',
      'profileTime=1780000000',
      'profileSystem=/nix/store/aaa-nixos-system-robot-1-25.05.2',
      'bios=36.4.4-gcid-38968081 ',
      'compatible=nvidia,p3768-0000+p3767-0005 nvidia,p3767-0005 nvidia,tegra234 ',
      'nixFreeKb=1048576',
      'bootId=1234',
      'sudo=password',
    ].join('\n'),
  );
  assert.equal(s.privilege, 'sudo-password');
  assert.equal(s.rebootPending, true);
  assert.deepEqual(s.generation, { number: 42, date: new Date(1780000000 * 1000), system: '/nix/store/aaa-nixos-system-robot-1-25.05.2' });
  assert.equal(s.l4t, '36.4.4');
  assert.deepEqual(s.compatible, ['nvidia,p3768-0000+p3767-0005', 'nvidia,p3767-0005', 'nvidia,tegra234']);
  assert.equal(s.nixFreeBytes, 1024 ** 3);
  assert.equal(parseStatus('uid=0\nuser=root\n').privilege, 'root');
  assert.equal(parseStatus('uid=1000\nuser=x\nsudo=no\n').privilege, 'none');
  assert.equal(generationNumber('system-7-link'), 7);
  assert.equal(l4tOfBiosVersion('35.6.0'), '35.6.0');
  assert.equal(l4tOfBiosVersion('unknown'), undefined);
  assert.deepEqual(parseGenerations('gen system-1-link 100 /nix/store/a\ngen system-2-link 200 /nix/store/b\ncurrent system-2-link\n'), {
    generations: [
      { number: 2, date: new Date(200_000), system: '/nix/store/b' },
      { number: 1, date: new Date(100_000), system: '/nix/store/a' },
    ],
    current: 2,
  });
});

test('the SoM of a running module, from its device tree', () => {
  assert.deepEqual(moduleOfCompatible(['nvidia,p3737-0000+p3701-0005', 'nvidia,p3701-0005', 'nvidia,tegra234'])?.soms, ['orin-agx']);
  assert.deepEqual(moduleOfCompatible(['nvidia,p3737-0000+p3701-0008'])?.soms, ['orin-agx-industrial']);
  assert.equal(moduleOfCompatible(['nvidia,p3768-0000+p3767-0005'])?.name, 'Orin Nano 8 GB');
  assert.deepEqual(moduleOfCompatible(['nvidia,p3768-0000+p3767-0001'])?.soms, ['orin-nx']);
  assert.equal(moduleOfCompatible(['raspberrypi,4-model-b', 'brcm,bcm2711']), undefined);
  const names = { robot: 'robot-1', configuration: 'robot' };
  assert.equal(checkRobotSom({ som: 'orin-nano', compatible: ['nvidia,p3767-0005'], ...names }).verdict, 'match');
  assert.equal(checkRobotSom({ som: undefined, compatible: [], ...names }).verdict, 'not-jetson-configuration');
  assert.equal(checkRobotSom({ som: 'orin-nx', compatible: ['nvidia,p3767-0005'], ...names }).verdict, 'mismatch');
  assert.equal(checkRobotSom({ som: 'orin-agx', compatible: ['raspberrypi,4-model-b'], ...names }).verdict, 'mismatch');
  assert.equal(checkRobotSom({ som: 'orin-agx', compatible: [], ...names }).verdict, 'unverifiable');
  assert.equal(checkRobotSom({ som: 'orin-agx', compatible: ['nvidia,p9999-0000', 'nvidia,tegra999'], ...names }).verdict, 'unverifiable');
  assert.equal(checkRobotSom({ som: 'generic', compatible: ['nvidia,p3701-0005', 'nvidia,tegra234'], ...names }).verdict, 'match');
});

test('the device-tree table names the same SoMs as the schema and the recovery-mode table', () => {
  const schemaSoms = new Set(bundledIndex().soms.keys());
  const tableSoms = new Set(DEVICE_TREE_MODULES.flatMap((m) => [...m.soms, ...Object.values(m.variants ?? {}).flat()]));
  assert.deepEqual([...tableSoms].sort(), [...schemaSoms].filter((s) => s !== 'generic').sort());
  for (const m of DEVICE_TREE_MODULES) {
    const recovery = RECOVERY_MODULES.filter((r) => r.parts.toLowerCase().includes(m.board));
    const ours = new Set([...m.soms, ...Object.values(m.variants ?? {}).flat()]);
    for (const r of recovery) for (const som of r.soms) assert.ok(ours.has(som), `${m.board}: recovery table's ${som}`);
  }
});

test('robot paths are NixOS and the kernel\'s unless the test suite moves them', () => {
  assert.deepEqual(robotPaths({}), ROBOT_PATHS);
  const moved = robotPaths({ JETSON_NIX_TEST_ROBOT_PATHS: JSON.stringify({ profile: '/tmp/r/profile', biosVersion: 'relative/ignored' }) });
  assert.equal(moved.profile, '/tmp/r/profile');
  assert.equal(moved.biosVersion, ROBOT_PATHS.biosVersion);
});
