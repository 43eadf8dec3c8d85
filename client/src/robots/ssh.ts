/**
 * SSH to robots: one connection per robot (ControlMaster, its socket in a private folder), in
 * BatchMode with a short connect timeout, host keys checked as SSH checks them (never
 * `StrictHostKeyChecking=no`: an unknown key is a failure the user resolves in a terminal), and
 * remote commands built from argument arrays by quote.ts. Failures of SSH itself (exit 255) are
 * classified into one actionable sentence. No `vscode` import: tested against a real sshd.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run, type RunResult } from '../nix/exec';
import { remoteCommand, remoteScript } from './quote';

/** Where a robot is reached. */
export interface RobotAddress {
  /** How the robot is named in the view and in messages. */
  name: string;
  /** A host name, an address, or a `Host` alias of the user's ssh_config. */
  host: string;
  user?: string;
  port?: number;
}

/** How SSH is run, for every robot. */
export interface SshOptions {
  /** The `ssh` executable. */
  ssh?: string;
  /** An ssh_config file to use instead of ~/.ssh/config (`-F`); undefined for SSH's own default. */
  configFile?: string;
  /** Seconds SSH waits for a robot to answer before giving up (`ConnectTimeout`). */
  connectTimeoutSeconds?: number;
}

export type SshFailureKind = 'host-key-unknown' | 'host-key-changed' | 'auth' | 'unreachable' | 'ssh';

/** SSH itself failed (exit 255), as opposed to the remote command. */
export interface SshFailure {
  kind: SshFailureKind;
  /** One sentence for the user: what happened and what to do. */
  message: string;
}

export interface RemoteResult extends RunResult {
  /** Set when SSH could not run the command at all. */
  failure?: SshFailure;
}

export interface RemoteRunOptions {
  signal?: AbortSignal;
  /** Gives up (as a cancellation) after this long; the default suits a short question. */
  timeoutMs?: number;
  /**
   * A new connection with its own login, bypassing the robot's shared one: the only proof that
   * the robot still accepts SSH logins (an established connection survives a broken sshd).
   */
  fresh?: boolean;
  input?: string;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
}

const HOST = /^[A-Za-z0-9_][A-Za-z0-9_.%:-]*$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const DEFAULT_TIMEOUT_MS = 30_000;
/** Seconds an idle shared connection stays open after its last use. */
const CONTROL_PERSIST_SECONDS = 120;

/**
 * Why an address cannot be used, or undefined. Host and user go into SSH's argument list and into
 * Nix's `ssh-ng://user@host` store URI, so only the characters of host names, addresses and user
 * names are accepted: a leading `-` would be an SSH option, a `?` or `&` a store setting.
 */
export function checkAddress(address: RobotAddress): string | undefined {
  if (!HOST.test(address.host)) return `The host of robot "${address.name}" (${JSON.stringify(address.host)}) is not a host name or address.`;
  if (address.user !== undefined && !USER.test(address.user)) return `The user of robot "${address.name}" (${JSON.stringify(address.user)}) is not a user name.`;
  if (address.port !== undefined && !(Number.isInteger(address.port) && address.port > 0 && address.port < 65536))
    return `The port of robot "${address.name}" (${String(address.port)}) is not a TCP port.`;
  return undefined;
}

/** `user@host:port` for messages. */
export function describeAddress(address: RobotAddress): string {
  return `${address.user ? `${address.user}@` : ''}${address.host}${address.port ? `:${address.port}` : ''}`;
}

/** The SSH command line the user can type to reach the robot, for messages. */
export function sshCommandLine(address: RobotAddress, options: SshOptions = {}): string {
  return ['ssh', ...(options.configFile ? ['-F', options.configFile] : []), ...(address.port ? ['-p', String(address.port)] : []), `${address.user ? `${address.user}@` : ''}${address.host}`].join(' ');
}

/**
 * Classifies SSH's own failure (exit 255) from its stderr. The host-key cases come first: with
 * BatchMode SSH refuses an unknown key without asking, and that must read as "accept it in a
 * terminal", not as "unreachable".
 */
export function classifySshFailure(stderr: string, address: RobotAddress, options: SshOptions = {}): SshFailure {
  const who = `${address.name} (${describeAddress(address)})`;
  const lastLine = stderr.trim().split('\n').filter((l) => l.trim() !== '').at(-1)?.trim();
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(stderr))
    return { kind: 'host-key-changed', message: `The host key of ${who} has changed since SSH last saw it. A re-flashed robot gets a new key, but so would someone intercepting the connection: check the new key on the robot's console, then remove the old one with \`ssh-keygen -R ${address.host}\` and connect once in a terminal.` };
  if (/Host key verification failed|No \S+ host key is known|have requested strict checking/i.test(stderr))
    return { kind: 'host-key-unknown', message: `SSH does not know the host key of ${who} yet. Connect once in a terminal (\`${sshCommandLine(address, options)}\`), check the key fingerprint it shows against the robot's, and accept it.` };
  if (/Permission denied|Too many authentication failures/i.test(stderr))
    return { kind: 'auth', message: `SSH could not log in to ${who}: no key was accepted (${lastLine}). Jetson Nix uses your SSH keys and agent and never asks for passwords: add your public key to the robot's authorized keys (\`ssh-copy-id\`), or name the key in your ssh_config.` };
  if (lastLine === undefined) return { kind: 'unreachable', message: `The connection to ${who} closed.` };
  if (/Connection refused|timed out|No route to host|Could not resolve hostname|Network is unreachable|Connection closed|Connection reset|Broken pipe|kex_exchange_identification|Name or service not known/i.test(stderr))
    return { kind: 'unreachable', message: `${who} is not reachable: ${lastLine}.` };
  return { kind: 'ssh', message: `SSH to ${who} failed: ${lastLine}.` };
}

/**
 * The robots' SSH connections. Owns a private folder (mode 0700) for the ControlMaster sockets,
 * so no other user can ride on a connection; `dispose` closes every connection and removes it.
 */
export class SshPool {
  private readonly controlDir: string;
  private readonly sessions = new Map<string, SshSession>();

  constructor(readonly options: SshOptions = {}) {
    // A socket path has ~100 bytes at most: a long TMPDIR must not break SSH.
    const base = os.tmpdir().length <= 40 ? os.tmpdir() : '/tmp';
    this.controlDir = fs.mkdtempSync(path.join(base, 'jn-ssh-'));
  }

  /** The session of one robot (the same one for the same address). */
  session(address: RobotAddress): SshSession {
    const key = `${address.user ?? ''}@${address.host}:${address.port ?? ''}`;
    let session = this.sessions.get(key);
    if (!session) {
      session = new SshSession(address, this.options, this.controlDir);
      this.sessions.set(key, session);
    }
    return session;
  }

  /** Closes every shared connection and removes the socket folder. */
  async dispose(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    this.sessions.clear();
    fs.rmSync(this.controlDir, { recursive: true, force: true });
  }
}

/** One robot's SSH: commands through its shared connection, or on a fresh one when asked. */
export class SshSession {
  constructor(
    readonly address: RobotAddress,
    readonly options: SshOptions,
    private readonly controlDir: string,
  ) {}

  /** The options every SSH to this robot gets (also given to Nix through NIX_SSHOPTS). */
  commonOptions(fresh = false): string[] {
    const connection = fresh
      ? ['-o', 'ControlMaster=no', '-o', 'ControlPath=none']
      : ['-o', 'ControlMaster=auto', '-o', `ControlPath=${path.join(this.controlDir, '%C')}`, '-o', `ControlPersist=${CONTROL_PERSIST_SECONDS}`];
    return [
      ...(this.options.configFile ? ['-F', this.options.configFile] : []),
      ...['-o', 'BatchMode=yes', '-o', `ConnectTimeout=${this.options.connectTimeoutSeconds ?? 10}`],
      // A connection cut by the robot's new system is noticed in ~15 s rather than never.
      ...['-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3'],
      ...connection,
      ...(this.address.port ? ['-p', String(this.address.port)] : []),
    ];
  }

  /** The ssh argument list for a remote command line (or none, for `-N`-style uses). */
  argv(command: string | undefined, fresh = false, extra: string[] = []): string[] {
    const login = this.address.user ? ['-l', this.address.user] : [];
    return [...this.commonOptions(fresh), ...login, ...extra, '--', this.address.host, ...(command === undefined ? [] : [command])];
  }

  /** Runs a program on the robot: `argv` is quoted for the remote shell here, never joined by the caller. */
  exec(argv: readonly string[], options: RemoteRunOptions = {}): Promise<RemoteResult> {
    return this.runLine(remoteCommand(argv), options);
  }

  /** Runs one of our fixed scripts on the robot with its values as `$1`, `$2`… */
  script(name: string, script: string, args: readonly string[], options: RemoteRunOptions = {}): Promise<RemoteResult> {
    return this.runLine(remoteScript(name, script, args), options);
  }

  private async runLine(line: string, options: RemoteRunOptions): Promise<RemoteResult> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const result = await run(this.options.ssh ?? 'ssh', this.argv(line, options.fresh), {
      cwd: os.homedir(),
      signal,
      input: options.input,
      onStdoutLine: options.onStdoutLine,
      onStderrLine: options.onStderrLine,
    });
    if (result.cancelled && timeout.aborted && !options.signal?.aborted)
      return { ...result, failure: { kind: 'unreachable', message: `${this.address.name} did not answer within ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s.` } };
    if (result.exitCode === 255) return { ...result, failure: classifySshFailure(result.stderr, this.address, this.options) };
    return result;
  }

  /** Ends the shared connection, if one is open (`ssh -O exit`). */
  async close(): Promise<void> {
    try {
      await run(this.options.ssh ?? 'ssh', this.argv(undefined, false, ['-O', 'exit']), { cwd: os.homedir(), signal: AbortSignal.timeout(5000) });
    } catch {
      // No ssh at all: there is no connection to close either.
    }
  }
}
