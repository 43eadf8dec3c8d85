/**
 * A real OpenSSH server for tests, on 127.0.0.1 only: Debian's `sshd` started as an ordinary
 * process with its own configuration, a host key and a client key made by the test, and the host
 * key written to a known_hosts file the clients use (so nothing is accepted blindly:
 * `StrictHostKeyChecking` stays on). The remote-builder tests use it as a build machine; the
 * deploy tests can use it as a robot.
 *
 *   const server = await startSshd();
 *   try { spawn('ssh', [...server.sshArgs, server.destination, 'true']) } finally { await server.stop(); }
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath } from './nix';

export interface SshServer {
  host: '127.0.0.1';
  port: number;
  /** The user clients log in as: whoever runs the test. */
  user: string;
  /** `user@127.0.0.1`. */
  destination: string;
  /** The client's private key (no passphrase). */
  clientKey: string;
  /** The known_hosts file holding this server's host key. */
  knownHosts: string;
  /** Options for `ssh` (and `scp`): port, key, known hosts, batch mode. */
  sshArgs: string[];
  /** The same options as one string for NIX_SSHOPTS (Nix splits it on whitespace; no path here has spaces). */
  nixSshOpts: string;
  /** A folder of the test's own, removed by `stop`. */
  dir: string;
  /** What sshd logged so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** Why sshd cannot run here, or undefined when it can (for `test(…, { skip })`). */
export function sshdUnavailable(): string | undefined {
  if (!sshdPath()) return 'OpenSSH server is not installed (apt-get install openssh-server openssh-client)';
  if (!findOnPath('ssh') || !findOnPath('ssh-keygen')) return 'OpenSSH client is not installed (apt-get install openssh-client)';
  return undefined;
}

function sshdPath(): string | undefined {
  return ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((p) => fs.existsSync(p)) ?? findOnPath('sshd');
}

/** A port nobody listens on right now, on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function config(dir: string, port: number, user: string): string {
  return [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${path.join(dir, 'host_ed25519')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AllowUsers ${user}`,
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'PermitUserEnvironment no',
    // The test's files live under the world-writable /tmp, which StrictModes refuses for any user;
    // the folder itself is private (0700) and removed afterwards.
    'StrictModes no',
    'PrintMotd no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

/** Starts sshd; resolves once it accepts connections. */
export async function startSshd(): Promise<SshServer> {
  const sshd = sshdPath();
  if (!sshd) throw new Error(sshdUnavailable());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-sshd-'));
  const user = os.userInfo().username;
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'jetson-nix test host', '-f', path.join(dir, 'host_ed25519')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'jetson-nix test client', '-f', path.join(dir, 'client_ed25519')]);
  fs.writeFileSync(path.join(dir, 'authorized_keys'), fs.readFileSync(path.join(dir, 'client_ed25519.pub')), { mode: 0o600 });
  // As root, sshd wants its privilege-separation folder, which Debian's service unit creates at boot.
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    fs.writeFileSync(path.join(dir, 'sshd_config'), config(dir, port, user));
    const logLines: string[] = [];
    const child = spawn(sshd, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
    if (await listening(port, child)) return server({ dir, port, user, child, log: () => logLines.join('') });
    lastError = logLines.join('');
    await stopChild(child);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  throw new Error(`sshd did not start: ${lastError}`);
}

/** Waits until the port answers with an SSH banner, or the process ends. */
async function listening(port: number, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    const banner = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let data = '';
      socket.setTimeout(1000, () => socket.destroy());
      socket.on('data', (d) => {
        data += d.toString();
        socket.destroy();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(data));
    });
    if (banner.startsWith('SSH-2.0-')) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function server(s: { dir: string; port: number; user: string; child: ChildProcess; log: () => string }): SshServer {
  const hostKey = fs.readFileSync(path.join(s.dir, 'host_ed25519.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const knownHosts = path.join(s.dir, 'known_hosts');
  fs.writeFileSync(knownHosts, `[127.0.0.1]:${s.port} ${hostKey}\n`);
  const clientKey = path.join(s.dir, 'client_ed25519');
  const sshArgs = ['-p', String(s.port), '-i', clientKey, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes'];
  return {
    host: '127.0.0.1',
    port: s.port,
    user: s.user,
    destination: `${s.user}@127.0.0.1`,
    clientKey,
    knownHosts,
    sshArgs,
    nixSshOpts: sshArgs.filter((a) => a !== '-i' && a !== clientKey).join(' '),
    dir: s.dir,
    log: s.log,
    async stop() {
      await stopChild(s.child);
      fs.rmSync(s.dir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
