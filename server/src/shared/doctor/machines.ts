/**
 * Nix's remote build machines: the `builders` setting and machines files (`/etc/nix/machines`),
 * read the way Nix reads them, and the lines the Remote Builder wizard writes.
 *
 * A specification is a list of machines separated by `;` or newlines; `@<file>` stands for the
 * lines of a file. Each machine is one line of whitespace-separated fields, `#` starting a
 * comment and `-` standing for "not given":
 *
 *   ssh-ng://nix@orin-01 aarch64-linux /root/.ssh/id_builder 8 2 big-parallel - <base64 host key>
 *   uri                  systems       ssh key              jobs speed features mandatory host-key
 */

export interface BuildMachine {
  /** The store URI as written (`ssh-ng://nix@orin-01`), or `ssh://<host>` for a bare host name. */
  uri: string;
  /** Systems it builds; empty means "the local system" (Nix's default for `-`). */
  systems: string[];
  sshKey?: string;
  maxJobs: number;
  speedFactor: number;
  supportedFeatures: string[];
  mandatoryFeatures: string[];
  publicHostKey?: string;
  /** Where it is declared: `builders` or the machines file's path, and the 1-based line there. */
  source: string;
  line: number;
}

export interface MachinesReading {
  machines: BuildMachine[];
  /** Machines files named with `@` (whether they exist or not). */
  files: string[];
  /** Lines Nix would reject or files it could not read, as sentences. */
  problems: string[];
}

/** Reads the machines of a `builders` value; `readFile` gives a machines file's text or undefined when it is missing. */
export function readBuilders(spec: string, readFile: (file: string) => string | undefined): MachinesReading {
  const reading: MachinesReading = { machines: [], files: [], problems: [] };
  spec.split(/[;\n]/).forEach((entry) => {
    const trimmed = entry.trim();
    if (trimmed.startsWith('@')) {
      const file = trimmed.slice(1).trim();
      reading.files.push(file);
      const text = readFile(file);
      // A missing machines file is normal (Nix's default `@/etc/nix/machines` on most systems).
      if (text !== undefined) text.split('\n').forEach((line, i) => readLine(line, file, i + 1, reading));
    } else {
      readLine(trimmed, 'builders', 1, reading);
    }
  });
  return reading;
}

function readLine(raw: string, source: string, line: number, reading: MachinesReading): void {
  const hash = raw.indexOf('#');
  const tokens = (hash >= 0 ? raw.slice(0, hash) : raw).trim().split(/\s+/).filter((t) => t !== '');
  if (tokens.length === 0) return;
  const field = (i: number): string | undefined => (tokens[i] === undefined || tokens[i] === '-' ? undefined : tokens[i]);
  const commaList = (i: number): string[] => (field(i) ?? '').split(',').filter((s) => s !== '');
  const number = (i: number, name: string): number => {
    const text = field(i);
    if (text === undefined) return 1;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) {
      reading.problems.push(`${where(source, line)}: the ${name} "${text}" is not a whole number; Nix rejects this machine.`);
      return 1;
    }
    return n;
  };
  const uri = tokens[0]!.includes('://') ? tokens[0]! : `ssh://${tokens[0]!}`;
  const machine: BuildMachine = {
    uri,
    systems: commaList(1),
    maxJobs: number(3, 'maximum number of jobs'),
    speedFactor: number(4, 'speed factor'),
    supportedFeatures: commaList(5),
    mandatoryFeatures: commaList(6),
    source,
    line,
  };
  const key = field(2);
  if (key) machine.sshKey = key;
  const hostKey = field(7);
  if (hostKey) machine.publicHostKey = hostKey;
  if (tokens.length > 8) reading.problems.push(`${where(source, line)}: more than 8 fields; Nix rejects this machine.`);
  reading.machines.push(machine);
}

function where(source: string, line: number): string {
  return source === 'builders' ? 'the builders setting' : `${source}, line ${line}`;
}

/** The host a store URI connects to, for messages: `ssh-ng://nix@orin-01:2222?x=y` → `orin-01`. */
export function machineHost(uri: string): string {
  const rest = uri.replace(/^[a-z0-9+.-]+:\/\//i, '').replace(/[?#].*$/, '');
  const host = rest.slice(rest.lastIndexOf('@') + 1);
  // `[::1]:22` and `host:22`: drop a port, keep an IPv6 literal whole.
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1) || host;
  return host.replace(/:\d+$/, '') || uri;
}

/** `user@host` of a store URI, for messages where the user matters. */
export function machineLogin(uri: string): string {
  return uri.replace(/^[a-z0-9+.-]+:\/\//i, '').replace(/[?#].*$/, '') || uri;
}

/**
 * The store URI `nix store ping` needs to reach a machine as the build hook does: its SSH key,
 * given as a field of the machine line, becomes the `ssh-key` parameter.
 */
export function pingUri(machine: BuildMachine): string {
  if (!machine.sshKey || /[?&]ssh-key=/.test(machine.uri)) return machine.uri;
  return `${machine.uri}${machine.uri.includes('?') ? '&' : '?'}ssh-key=${machine.sshKey}`;
}

/** Whether a machine builds `system` with `features`: its systems include it, it supports them, and it demands nothing else. */
export function machineBuilds(machine: BuildMachine, system: string, features: readonly string[], localSystem: string): boolean {
  const systems = machine.systems.length > 0 ? machine.systems : [localSystem];
  if (!systems.includes(system)) return false;
  const supported = new Set([...machine.supportedFeatures, ...machine.mandatoryFeatures]);
  return features.every((f) => supported.has(f)) && machine.mandatoryFeatures.every((f) => features.includes(f));
}

/** What the wizard asks for. */
export interface BuilderSpec {
  /** `ssh-ng` (recommended: Nix's own protocol) or `ssh`. */
  protocol: 'ssh-ng' | 'ssh';
  user: string;
  host: string;
  /** An SSH port other than 22; Nix takes it from `~/.ssh/config` or NIX_SSHOPTS, not the URI. */
  port?: number;
  systems: string[];
  sshKey?: string;
  maxJobs: number;
  speedFactor?: number;
  supportedFeatures: string[];
}

/** One machine line (for `/etc/nix/machines`, or the value of `builders`). */
export function machineLine(spec: BuilderSpec): string {
  const fields = [
    `${spec.protocol}://${spec.user ? `${spec.user}@` : ''}${spec.host}`,
    spec.systems.length > 0 ? spec.systems.join(',') : '-',
    spec.sshKey || '-',
    String(spec.maxJobs),
    String(spec.speedFactor ?? 1),
    spec.supportedFeatures.length > 0 ? spec.supportedFeatures.join(',') : '-',
  ];
  return fields.join(' ');
}

/** Checks what a user typed before anything is written: one sentence per problem. */
export function checkBuilderSpec(spec: BuilderSpec): string[] {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:]+\]$/.test(spec.host)) problems.push('The host must be a host name or an IP address, without spaces.');
  if (spec.user && !/^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(spec.user)) problems.push('The user name has characters SSH does not accept.');
  if (spec.systems.length === 0) problems.push('Give at least one system the machine builds, e.g. aarch64-linux.');
  for (const s of spec.systems) if (!/^[a-z0-9_]+(-[a-z0-9_]+)*$/.test(s)) problems.push(`"${s}" is not a Nix system name.`);
  if (!Number.isInteger(spec.maxJobs) || spec.maxJobs < 1 || spec.maxJobs > 1024) problems.push('Maximum jobs must be a whole number from 1 to 1024.');
  if (spec.sshKey !== undefined && spec.sshKey !== '' && (!spec.sshKey.startsWith('/') || /\s/.test(spec.sshKey))) problems.push('The SSH key must be an absolute path without spaces (the daemon does not run in your home folder).');
  if (spec.port !== undefined && (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535)) problems.push('The port must be a number from 1 to 65535.');
  return problems;
}
