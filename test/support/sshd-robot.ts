/**
 * A "robot" on 127.0.0.1 for the deploy tests, built on the real OpenSSH server of sshd.ts: every
 * login with the test key goes through a login script (authorized_keys `command=`) that gives
 * the session the robot's world:
 *
 * - its own Nix store: a second store root (`local?root=<robot>`, NIX_REMOTE), so `nix copy
 *   --to ssh-ng://…` really copies into a store this machine's Nix does not use, and `nix-env
 *   --set` on the robot refuses a system that was not copied. (The robot shares this machine's
 *   file system, so a store path can be run by its /nix/store name: the test checks what the
 *   robot's store holds instead.)
 * - its own profile, /run/current-system, /run/booted-system, firmware version (bios_version) and
 *   device tree, as files under its folder; the extension reads them there because the test sets
 *   `JETSON_NIX_TEST_ROBOT_PATHS` (client/src/robots/paths.ts), which nothing else sets.
 * - `systemd-run` and `systemctl reboot` stand-ins first on PATH: systemd is not PID 1 here, so a
 *   "transient unit" is a process detached with setsid (it outlives the SSH session that started
 *   it, as a unit does), with its output in journal/<unit>.log. A `sudo` stand-in too (sudo is not
 *   installed here and the robot's user is root): it logs and runs the command.
 * - hooks the fixture systems (test/fixtures/flakes/robot-deploy/system.nix) call:
 *   control/cut-ssh ends this sshd and every connection to it (a new system that breaks SSH),
 *   control/ensure-sshd starts it again (as a good system's activation restarts sshd.service).
 *
 * The robot's store trusts unsigned paths (`require-sigs = false`): a real robot's daemon trusts
 * root, but a store served by `nix-daemon --stdio` directly does not know who is on the other end.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { RobotPaths } from '../../client/src/robots/paths';
import type { RobotAddress } from '../../client/src/robots/ssh';
import { startSshd, type SshServer } from './sshd';

export { sshdUnavailable } from './sshd';

const execFileAsync = promisify(execFile);

/** An AGX Orin devkit's device tree. */
export const AGX_ORIN_COMPATIBLE = ['nvidia,p3737-0000+p3701-0005', 'nvidia,p3701-0005', 'nvidia,tegra234'];

export interface RobotFixture {
  server: SshServer;
  /** The robot's folder. */
  root: string;
  paths: RobotPaths;
  address: RobotAddress;
  /** An ssh_config with the test key and known_hosts (the client side uses `-F` with it). */
  sshConfig: string;
  /** Makes `system` what the robot runs: copied into its store, generation N of its profile, active and booted. */
  install(system: string): Promise<void>;
  setFirmware(biosVersion: string | undefined): void;
  setDeviceTree(compatible: readonly string[] | undefined): void;
  /** Lines of activations.log: `<action> <system> <mode>`. */
  activations(): string[];
  /** Where the robot's /run/current-system points. */
  currentSystem(): string | undefined;
  /** The system the profile points to now. */
  profileSystem(): string | undefined;
  /** Whether the robot's store holds a valid `storePath`. */
  storeHas(storePath: string): Promise<boolean>;
  /** Keeps SSH down after a cut (true) until `false` starts it again. */
  holdSsh(hold: boolean): Promise<void>;
  /** The supervisors' output, all units together (what the journal would show). */
  journal(): string;
  stop(): Promise<void>;
}

function write(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
}

/** Single-quoted for the fixture's own shell scripts (paths made by the test, never user data). */
function q(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function scripts(root: string, server: SshServer): Record<string, string> {
  const pidFile = path.join(server.dir, 'sshd.pid');
  return {
    login: `#!/bin/sh
export JETSON_NIX_FIXTURE_ROBOT=${q(root)}
export NIX_REMOTE=${q(`local?root=${root}`)}
export NIX_CONF_DIR=${q(path.join(root, 'etc'))}
unset NIX_CONFIG
export PATH=${q(path.join(root, 'bin'))}:"$PATH"
if [ -n "\${SSH_ORIGINAL_COMMAND:-}" ]; then exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"; fi
exec /bin/sh -i
`,
    'bin/systemd-run': `#!/bin/sh
# Stand-in for systemd-run (systemd is not PID 1 here): the unit is a detached process.
unit=run-stand-in
while [ $# -gt 0 ]; do
  case "$1" in
    --unit=*) unit="\${1#--unit=}" ;;
    --setenv=*|--collect|--quiet|--service-type=*|--no-ask-password) ;;
    -E|--setenv|-p|--property) shift ;;
    --) shift; break ;;
    -*) echo "systemd-run stand-in: unsupported option $1" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
mkdir -p ${q(path.join(root, 'journal'))}
echo "$unit" >> ${q(path.join(root, 'units.log'))}
setsid "$@" < /dev/null > ${q(path.join(root, 'journal'))}/"$unit.log" 2>&1 &
exit 0
`,
    'bin/systemctl': `#!/bin/sh
# Stand-in for systemctl reboot: the robot goes away, boots the profile's system, comes back.
[ "$1" = reboot ] || { echo "systemctl stand-in: only reboot" >&2; exit 1; }
echo reboot >> ${q(path.join(root, 'reboots.log'))}
setsid ${q(path.join(root, 'control', 'reboot'))} < /dev/null > /dev/null 2>&1 &
exit 0
`,
    'bin/sudo': `#!/bin/sh
# Stand-in for sudo (not installed here, and the robot's user is root anyway): runs the command.
echo "sudo $*" >> ${q(path.join(root, 'sudo.log'))}
[ "$1" = -n ] && shift
exec "$@"
`,
    'control/cut-ssh': `#!/bin/sh
pid=$(cat ${q(pidFile)} 2>/dev/null)
[ -n "$pid" ] || exit 0
kill -TERM "$pid" $(ps -o pid= --ppid "$pid") 2>/dev/null
exit 0
`,
    'control/ensure-sshd': `#!/bin/sh
# While the test holds SSH down (control/hold), the robot stays unreachable.
[ -e ${q(path.join(root, 'control', 'hold'))} ] && exit 0
pid=$(cat ${q(pidFile)} 2>/dev/null)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then exit 0; fi
/usr/sbin/sshd -f ${q(path.join(server.dir, 'sshd_config'))} -E ${q(path.join(root, 'sshd-restarted.log'))}
`,
    'control/reboot': `#!/bin/sh
sleep 1
${q(path.join(root, 'control', 'cut-ssh'))}
cat /proc/sys/kernel/random/uuid > ${q(path.join(root, 'proc', 'boot_id'))}
system=$(readlink ${q(path.join(root, 'nix/var/nix/profiles'))}/"$(readlink ${q(path.join(root, 'nix/var/nix/profiles/system'))})")
ln -sfn "$system" ${q(path.join(root, 'run', 'current-system'))}
ln -sfn "$system" ${q(path.join(root, 'run', 'booted-system'))}
sleep 1
${q(path.join(root, 'control', 'ensure-sshd'))}
`,
  };
}

/** Starts sshd and builds the robot around it. */
export async function startRobot(options: { nixEnv: NodeJS.ProcessEnv }): Promise<RobotFixture> {
  const server = await startSshd();
  const root = fs.mkdtempSync('/tmp/jn-robot-');
  const firstPid = fs.readFileSync(path.join(server.dir, 'sshd.pid'), 'utf8').trim();
  for (const [file, text] of Object.entries(scripts(root, server))) write(path.join(root, file), text, 0o755);
  write(path.join(root, 'etc', 'nix.conf'), ['experimental-features = nix-command flakes', 'substituters =', 'require-sigs = false', 'sandbox = true', 'extra-sandbox-paths = /bin /usr /lib /lib64', ''].join('\n'));
  for (const dir of ['nix/var/nix/profiles', 'run/jetson-nix', 'journal']) fs.mkdirSync(path.join(root, dir), { recursive: true });
  write(path.join(root, 'proc', 'boot_id'), 'fixture-boot-1\n');
  const publicKey = fs.readFileSync(`${server.clientKey}.pub`, 'utf8').trim();
  fs.writeFileSync(path.join(server.dir, 'authorized_keys'), `command=${JSON.stringify(path.join(root, 'login'))} ${publicKey}\n`, { mode: 0o600 });
  const sshConfig = path.join(root, 'ssh_config');
  write(sshConfig, ['Host 127.0.0.1', `  User ${server.user}`, `  IdentityFile ${server.clientKey}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${server.knownHosts}`, '  GlobalKnownHostsFile /dev/null', ''].join('\n'));
  const paths: RobotPaths = {
    profile: path.join(root, 'nix/var/nix/profiles/system'),
    currentSystem: path.join(root, 'run/current-system'),
    bootedSystem: path.join(root, 'run/booted-system'),
    biosVersion: path.join(root, 'sys/bios_version'),
    compatible: path.join(root, 'proc/device-tree/compatible'),
    model: path.join(root, 'proc/device-tree/model'),
    bootId: path.join(root, 'proc/boot_id'),
    nixStore: path.join(root, 'nix/store'),
    stateDir: path.join(root, 'run/jetson-nix'),
  };
  const store = `local?root=${root}`;
  const nix = async (args: string[]) => execFileAsync('nix', args, { env: options.nixEnv });
  const robot: RobotFixture = {
    server,
    root,
    paths,
    address: { name: 'robot-1', host: '127.0.0.1', port: server.port, user: server.user },
    sshConfig,
    async install(system) {
      await nix(['copy', '--no-check-sigs', '--to', store, system]);
      await execFileAsync('nix-env', ['--store', store, '-p', paths.profile, '--set', system], { env: options.nixEnv });
      fs.mkdirSync(path.dirname(paths.currentSystem), { recursive: true });
      for (const link of [paths.currentSystem, paths.bootedSystem]) {
        fs.rmSync(link, { force: true });
        fs.symlinkSync(system, link);
      }
    },
    setFirmware(bios) {
      if (bios === undefined) fs.rmSync(paths.biosVersion, { force: true });
      else write(paths.biosVersion, `${bios}\n`);
    },
    setDeviceTree(compatible) {
      if (compatible === undefined) fs.rmSync(path.dirname(paths.compatible), { recursive: true, force: true });
      else {
        write(paths.compatible, `${compatible.join('\0')}\0`);
        write(paths.model, 'NVIDIA Jetson AGX Orin Developer Kit\0');
      }
    },
    activations: () => readLines(path.join(root, 'activations.log')),
    currentSystem: () => readLink(paths.currentSystem),
    profileSystem: () => {
      const link = readLink(paths.profile);
      return link ? readLink(path.join(path.dirname(paths.profile), link)) : undefined;
    },
    async storeHas(storePath) {
      return nix(['path-info', '--store', store, storePath]).then(
        () => true,
        () => false,
      );
    },
    async holdSsh(hold) {
      const flag = path.join(root, 'control', 'hold');
      if (hold) write(flag, '');
      else {
        fs.rmSync(flag, { force: true });
        await execFileAsync(path.join(root, 'control', 'ensure-sshd'));
      }
    },
    journal: () =>
      fs.existsSync(path.join(root, 'journal'))
        ? fs.readdirSync(path.join(root, 'journal')).map((f) => fs.readFileSync(path.join(root, 'journal', f), 'utf8')).join('\n')
        : '',
    async stop() {
      // An sshd the fixture systems restarted is a daemon of its own: end it by its pid file.
      const pid = Number(fs.readFileSync(path.join(server.dir, 'sshd.pid'), 'utf8').trim());
      if (String(pid) !== firstPid && pid > 0) killQuietly(pid);
      await server.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  robot.setFirmware('36.4.4-gcid-38968081');
  robot.setDeviceTree(AGX_ORIN_COMPATIBLE);
  return robot;
}

function readLines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

function readLink(file: string): string | undefined {
  try {
    return fs.readlinkSync(file);
  } catch {
    return undefined;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}
