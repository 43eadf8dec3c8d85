/**
 * What a robot is running, read over SSH with one fixed script: the current and booted system,
 * the profile's generation and its date, the L4T firmware, the module's device tree, free space
 * in the Nix store, and how this login may act as root. The paths are the script's positional
 * parameters, never part of its text. No `vscode` import.
 */
import type { RobotPaths } from './paths';
import type { RemoteResult, SshFailure, SshSession } from './ssh';

/** How the SSH user can run the activation as root. */
export type Privilege = 'root' | 'sudo' | 'sudo-password' | 'none';

export interface Generation {
  number: number;
  /** When the generation was made (the link's modification time). */
  date?: Date;
  /** The system it points to. */
  system?: string;
}

export interface RobotStatus {
  user: string;
  privilege: Privilege;
  /** `uname -m`: aarch64 on a Jetson. */
  machine?: string;
  currentSystem?: string;
  bootedSystem?: string;
  /** The booted system is not the current one: a kernel, initrd or firmware change waits for a reboot. */
  rebootPending: boolean;
  generation?: Generation;
  /** `bios_version` as the robot reports it. */
  biosVersion?: string;
  /** The L4T version of the running firmware (`major.minor.patch`), as jetpack-nixos reads it. */
  l4t?: string;
  /** Device-tree compatible strings, most specific first; empty when the robot has none. */
  compatible: string[];
  model?: string;
  /** Changes at every boot. */
  bootId?: string;
  /** Free bytes on the file system of the Nix store. */
  nixFreeBytes?: number;
}

const STATUS_SCRIPT = `
p="$1"; cur="$2"; boot="$3"; bios="$4"; compat="$5"; model="$6"; store="$7"; bootid="$8"
echo "uid=$(id -u)"
echo "user=$(id -un)"
echo "machine=$(uname -m)"
echo "current=$(readlink "$cur" 2>/dev/null)"
echo "booted=$(readlink "$boot" 2>/dev/null)"
link=$(readlink "$p" 2>/dev/null)
if [ -n "$link" ]; then
  case "$link" in /*) full="$link" ;; *) full="$(dirname "$p")/$link" ;; esac
  echo "profileLink=$link"
  echo "profileTime=$(stat -c %Y "$full" 2>/dev/null)"
  echo "profileSystem=$(readlink "$full" 2>/dev/null)"
fi
[ -r "$bios" ] && echo "bios=$(head -c 200 "$bios" | tr -c '[:print:]' ' ')"
[ -r "$compat" ] && echo "compatible=$(head -c 2000 "$compat" | tr -c '[:print:]' ' ')"
[ -r "$model" ] && echo "model=$(head -c 200 "$model" | tr -c '[:print:]' ' ')"
[ -r "$bootid" ] && echo "bootId=$(head -c 100 "$bootid" | tr -c '[:print:]' ' ')"
df -Pk "$store" 2>/dev/null | awk 'NR == 2 { print "nixFreeKb=" $4 }'
if [ "$(id -u)" != 0 ]; then
  if out=$(sudo -n true 2>&1); then echo "sudo=yes"
  elif printf '%s' "$out" | grep -qi 'password'; then echo "sudo=password"
  else echo "sudo=no"; fi
fi
`;

/** The generation number of a profile link name (`system-42-link` → 42). */
export function generationNumber(link: string): number | undefined {
  const m = /-(\d+)-link$/.exec(link);
  return m ? Number(m[1]) : undefined;
}

/** The L4T version jetpack-nixos compares: `major.minor.patch` from the start of bios_version. */
export function l4tOfBiosVersion(bios: string | undefined): string | undefined {
  return bios ? /^\s*(\d+\.\d+\.\d+)/.exec(bios)?.[1] : undefined;
}

function keyValues(stdout: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !values.has(line.slice(0, eq))) values.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  return values;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Reads the status script's output. */
export function parseStatus(stdout: string): RobotStatus {
  const v = keyValues(stdout);
  const sudo = v.get('sudo');
  const privilege: Privilege = v.get('uid') === '0' ? 'root' : sudo === 'yes' ? 'sudo' : sudo === 'password' ? 'sudo-password' : 'none';
  const currentSystem = nonEmpty(v.get('current'));
  const bootedSystem = nonEmpty(v.get('booted'));
  const link = nonEmpty(v.get('profileLink'));
  const number = link ? generationNumber(link) : undefined;
  const time = Number(v.get('profileTime'));
  const biosVersion = nonEmpty(v.get('bios'));
  const freeKb = Number(v.get('nixFreeKb'));
  const status: RobotStatus = {
    user: v.get('user') ?? '',
    privilege,
    rebootPending: currentSystem !== undefined && bootedSystem !== undefined && currentSystem !== bootedSystem,
    compatible: (v.get('compatible') ?? '').split(/\s+/).filter((s) => s !== ''),
  };
  const machine = nonEmpty(v.get('machine'));
  if (machine) status.machine = machine;
  if (currentSystem) status.currentSystem = currentSystem;
  if (bootedSystem) status.bootedSystem = bootedSystem;
  if (number !== undefined) status.generation = { number, ...(time > 0 ? { date: new Date(time * 1000) } : {}), ...(v.get('profileSystem') ? { system: v.get('profileSystem') } : {}) };
  if (biosVersion) {
    status.biosVersion = biosVersion;
    const l4t = l4tOfBiosVersion(biosVersion);
    if (l4t) status.l4t = l4t;
  }
  const bootId = nonEmpty(v.get('bootId'));
  if (bootId) status.bootId = bootId;
  const model = nonEmpty(v.get('model'));
  if (model) status.model = model;
  if (Number.isFinite(freeKb) && v.get('nixFreeKb') !== undefined) status.nixFreeBytes = freeKb * 1024;
  return status;
}

export type StatusResult = { ok: true; status: RobotStatus } | { ok: false; failure: SshFailure };

/** Reads a robot's status; an SSH failure (unreachable, unknown host key…) is a result, not an exception. */
export async function readStatus(session: SshSession, paths: RobotPaths, signal?: AbortSignal): Promise<StatusResult> {
  const args = [paths.profile, paths.currentSystem, paths.bootedSystem, paths.biosVersion, paths.compatible, paths.model, paths.nixStore, paths.bootId];
  const result = await session.script('jetson-nix-status', STATUS_SCRIPT, args, { signal });
  return statusOf(result, session);
}

function statusOf(result: RemoteResult, session: SshSession): StatusResult {
  if (result.failure) return { ok: false, failure: result.failure };
  if (result.cancelled) return { ok: false, failure: { kind: 'unreachable', message: `Reading the status of ${session.address.name} was cancelled.` } };
  if (result.exitCode !== 0 || !/^uid=/m.test(result.stdout))
    return { ok: false, failure: { kind: 'ssh', message: `${session.address.name} did not report its status (exit code ${result.exitCode ?? result.signal}): ${result.stderr.trim().split('\n').at(-1) ?? ''}` } };
  return { ok: true, status: parseStatus(result.stdout) };
}

const GENERATIONS_SCRIPT = `
p="$1"; dir=$(dirname "$p"); base=$(basename "$p")
for l in "$dir/$base"-*-link; do
  [ -L "$l" ] || continue
  echo "gen $(basename "$l") $(stat -c %Y "$l" 2>/dev/null) $(readlink "$l")"
done
echo "current $(readlink "$p")"
`;

export interface GenerationList {
  generations: Generation[];
  /** The generation the profile points to now. */
  current?: number;
}

/** The profile's generations, newest first. */
export async function listGenerations(session: SshSession, paths: RobotPaths, signal?: AbortSignal): Promise<GenerationList | SshFailure> {
  const result = await session.script('jetson-nix-generations', GENERATIONS_SCRIPT, [paths.profile], { signal });
  if (result.failure) return result.failure;
  if (result.exitCode !== 0) return { kind: 'ssh', message: `Listing the generations of ${session.address.name} failed: ${result.stderr.trim()}` };
  return parseGenerations(result.stdout);
}

export function parseGenerations(stdout: string): GenerationList {
  const generations: Generation[] = [];
  let current: number | undefined;
  for (const line of stdout.split('\n')) {
    const gen = /^gen (\S+) (\d*) (.*)$/.exec(line);
    const number = gen ? generationNumber(gen[1]!) : undefined;
    if (gen && number !== undefined) generations.push({ number, ...(gen[2] ? { date: new Date(Number(gen[2]) * 1000) } : {}), ...(gen[3] ? { system: gen[3] } : {}) });
    const cur = /^current (.*)$/.exec(line);
    if (cur) current = generationNumber(cur[1]!.trim());
  }
  generations.sort((a, b) => b.number - a.number);
  return { generations, ...(current !== undefined ? { current } : {}) };
}
