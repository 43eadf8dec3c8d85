/**
 * Gathers what the doctor judges, without root and without changing anything: Nix's version and
 * configuration, how it reaches its store, the binfmt_misc registrations, the build machines and
 * whether each answers `nix store ping` (with a timeout), the OS, and who the user is. Programs run
 * through the injected runner; files are read with the safe reader.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { readTextSync, regularFileSize } from '../safe-read';
import { BINFMT_MISC, readBinfmt } from './binfmt';
import type { BuilderPing, HostFacts, NixFacts } from './facts';
import { detectHostOs, storeAccessOf, type UserIdentity } from './host';
import { pingUri, readBuilders, type BuildMachine } from './machines';
import { alternativeShowConfigArgs, NIX_COMMAND_FLAGS, parseShowConfig, showConfigArgs } from './nix-settings';
import type { Runner } from './runner';

export interface FileAccess {
  /** A file's text, or undefined when it is missing or not a regular file. */
  read(file: string): string | undefined;
}

export const nodeFiles: FileAccess = {
  read(file) {
    const r = readTextSync(file, { kind: 'tool' });
    return r.ok ? r.value : undefined;
  },
};

export interface CollectOptions {
  /** The `nix` executable. */
  nix: string;
  runner: Runner;
  /** Environment for every `nix` call (the extension's NIX_CONFIG, a test's offline settings). */
  env?: Record<string, string | undefined>;
  /** How long one `nix store ping` of a builder may take. */
  pingTimeoutMs?: number;
  /** False: builders are listed but not contacted. */
  ping?: boolean;
  platform?: string;
  binfmtRoot?: string;
  files?: FileAccess;
  user?: UserIdentity;
  /** Where the system-wide nix.conf is (NIX_CONF_DIR, default /etc/nix). */
  confDir?: string;
  /** `$XDG_DATA_HOME` (default `~/.local/share`), where Nix keeps the flake settings the user accepted. */
  dataHome?: string;
}

const QUICK_MS = 20_000;

export async function collectHostFacts(options: CollectOptions): Promise<HostFacts> {
  const files = options.files ?? nodeFiles;
  const platform = options.platform ?? process.platform;
  const [nix, user] = await Promise.all([nixFacts(options), options.user ? Promise.resolve(options.user) : currentUser(options.runner)]);
  const machines = readBuilders(nix.ok ? nix.settings.builders : '', (f) => files.read(f));
  const systemSettings = readSystemConf(files.read(path.join(options.confDir ?? process.env.NIX_CONF_DIR ?? '/etc/nix', 'nix.conf')));
  const systemMachines = readBuilders(systemSettings.builders, (f) => files.read(f));
  const unique = [...new Map([...machines.machines, ...systemMachines.machines].map((m) => [m.uri, m])).values()];
  const pings = nix.ok && options.ping !== false ? await Promise.all(unique.map((m) => pingMachine(m, options))) : unique.map((m): BuilderPing => ({ uri: m.uri, status: 'not-checked', detail: '' }));
  const facts: HostFacts = {
    os: detectHostOs(platform, files.read('/etc/os-release')),
    user,
    nix,
    binfmt: platform === 'linux' ? readBinfmt(options.binfmtRoot ?? BINFMT_MISC) : { status: 'missing', entries: [] },
    machines,
    systemSettings,
    systemMachines,
    pings,
    acceptedFlakeSettings: acceptedSettings(files.read(path.join(options.dataHome ?? process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'nix', 'trusted-settings.json'))),
  };
  if (facts.os.kind === 'nixos') {
    const configuration = ['/etc/nixos/configuration.nix', '/etc/nixos/flake.nix'].find((f) => regularFileSize(f) !== undefined);
    if (configuration) facts.hostConfiguration = configuration;
  }
  return facts;
}

async function nixFacts(options: CollectOptions): Promise<NixFacts> {
  const run = (args: readonly string[], timeoutMs = QUICK_MS) => options.runner(options.nix, args, { timeoutMs, ...(options.env ? { env: options.env } : {}) });
  const version = await run(['--version']);
  if (version.missing) return { ok: false, error: `Nix was not found (${options.nix}): install Nix, or set jetsonNix.nix.executable to its path.` };
  // The last number on the first line: `nix (Nix) 2.8.0`, `nix (Determinate Nix 3.6.2) 2.29.0`.
  const m = /(\d+)\.(\d+)(?:\.\d+)?\s*$/.exec(version.stdout.trim().split('\n')[0] ?? '');
  if (version.exitCode !== 0 || !m) return { ok: false, error: `\`${options.nix} --version\` failed: ${firstLine(version.stderr || version.stdout)}` };
  const args = showConfigArgs({ major: Number(m[1]), minor: Number(m[2]) });
  let config = await run(args);
  if (config.exitCode !== 0) config = await run(alternativeShowConfigArgs(args));
  if (config.exitCode !== 0) return { ok: false, error: `Nix's configuration could not be read: ${firstLine(config.stderr)}` };
  const parsed = parseShowConfig(config.stdout);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  const ping = await run([...NIX_COMMAND_FLAGS, 'store', 'ping']);
  return { ok: true, version: version.stdout.trim().split('\n')[0]!, settings: parsed.settings, storeAccess: storeAccessOf(ping.stdout + ping.stderr) };
}

/** `nix store ping --store <uri>`: SSH in batch mode (a password prompt must not hang it), killed at the timeout. */
export async function pingMachine(machine: BuildMachine, options: Pick<CollectOptions, 'nix' | 'runner' | 'env' | 'pingTimeoutMs'>): Promise<BuilderPing> {
  const timeoutMs = options.pingTimeoutMs ?? 10_000;
  const sshOpts = [options.env?.NIX_SSHOPTS ?? process.env.NIX_SSHOPTS ?? '', '-o BatchMode=yes', `-o ConnectTimeout=${Math.max(1, Math.ceil(timeoutMs / 1000))}`].join(' ').trim();
  const r = await options.runner(options.nix, [...NIX_COMMAND_FLAGS, 'store', 'ping', '--store', pingUri(machine)], { timeoutMs, env: { ...options.env, NIX_SSHOPTS: sshOpts } });
  if (r.timedOut) return { uri: machine.uri, status: 'timed-out', detail: `no answer within ${Math.round(timeoutMs / 1000)} s` };
  if (r.exitCode !== 0) return { uri: machine.uri, status: 'failed', detail: firstLine(r.stderr.replace(/^error:\s*/m, '')) || `exit code ${r.exitCode ?? 'none'}` };
  const version = /Version:\s*(\S+)/.exec(r.stdout + r.stderr);
  return { uri: machine.uri, status: 'answered', detail: version ? `Nix ${version[1]}` : '' };
}

async function currentUser(runner: Runner): Promise<UserIdentity> {
  const info = os.userInfo();
  const groups = await runner('id', ['-Gn'], { timeoutMs: 5000 });
  return { name: info.username, uid: info.uid, groups: groups.exitCode === 0 ? groups.stdout.trim().split(/\s+/).filter((g) => g !== '') : [] };
}

/** The few settings of the system nix.conf the daemon applies whoever asks. `include` files are not followed. */
export function readSystemConf(text: string | undefined): HostFacts['systemSettings'] {
  const values = new Map<string, string>();
  for (const raw of (text ?? '').split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^(extra-)?([a-z-]+)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const name = m[2]!;
    values.set(name, m[1] ? `${values.get(name) ?? defaults(name)} ${m[3]}`.trim() : m[3]!);
  }
  const list = (name: string) => (values.get(name) ?? defaults(name)).split(/\s+/).filter((s) => s !== '');
  return { builders: values.get('builders') ?? defaults('builders'), substituters: list('substituters'), trustedSubstituters: list('trusted-substituters') };
}

function defaults(name: string): string {
  if (name === 'builders') return '@/etc/nix/machines';
  if (name === 'substituters') return 'https://cache.nixos.org/';
  return '';
}

function acceptedSettings(text: string | undefined): HostFacts['acceptedFlakeSettings'] {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const out: HostFacts['acceptedFlakeSettings'] = {};
    for (const [name, values] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof values !== 'object' || values === null) continue;
      out[name] = Object.fromEntries(Object.entries(values as Record<string, unknown>).filter(([, v]) => typeof v === 'boolean')) as Record<string, boolean>;
    }
    return out;
  } catch {
    return {};
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim().slice(0, 300) ?? '';
}
