/**
 * The activation supervisor: a fixed POSIX shell script that runs on the robot as a transient
 * systemd unit (`systemd-run`), so it outlives the SSH connection that started it, and needs
 * nothing installed on the robot (the approach of nixos-cli's magic rollback). It
 *   1. records the running system and the profile's generation, then sets the profile
 *      (`nix-env --set`, or `--switch-generation` for a roll back);
 *   2. runs the new system's `switch-to-configuration <action>`; if that fails, rolls back;
 *   3. waits for a *new* SSH connection to create its `confirm` file within the timeout; if none
 *      comes, rolls back (the new system may have broken SSH or the network);
 * and writes each step to its state folder (`state`, `reason`, `activation.log`), which the
 * extension reads. Rolling back = the previous generation in the profile, then the previous
 * system's `switch-to-configuration` with the same action. Values reach the script only as
 * positional parameters. No `vscode` import.
 */
import { remoteCommand } from '../robots/quote';

export const SUPERVISOR_SCRIPT = `
set -u
dir="$1"; profile="$2"; how="$3"; target="$4"; action="$5"; timeout="$6"; current="$7"; owner="$8"
umask 022
mkdir -p "$dir" || exit 1
[ -n "$owner" ] && chown "$owner" "$dir"
log="$dir/activation.log"
state() { printf '%s\\n' "$1" > "$dir/state.tmp" && mv -f "$dir/state.tmp" "$dir/state"; }
say() { printf '%s\\n' "$*" >> "$log"; }
lock="$(dirname "$dir")/lock"
if ! mkdir "$lock" 2>/dev/null; then
  other=$(cat "$lock/pid" 2>/dev/null)
  if [ -n "$other" ] && kill -0 "$other" 2>/dev/null; then
    say "another activation (supervisor $other) is running on this robot"
    echo busy > "$dir/reason"; state refused; exit 1
  fi
  rm -rf "$lock"; mkdir "$lock" || exit 1
fi
echo $$ > "$lock/pid"
trap 'rm -rf "$lock"' EXIT
gen_of() { g="\${1%-link}"; printf '%s' "\${g##*-}"; }
system_of() { l=$(readlink "$1" 2>/dev/null) || return 0; case "$l" in /*) readlink "$l" ;; *) readlink "$(dirname "$1")/$l" ;; esac; }
prevLink=$(readlink "$profile" 2>/dev/null)
prevGen=""; [ -n "$prevLink" ] && prevGen=$(gen_of "$prevLink")
if [ "$action" = boot ]; then prev=$(system_of "$profile"); else prev=$(readlink "$current" 2>/dev/null); fi
printf '%s\\n' "$prevGen" > "$dir/previous-generation"
printf '%s\\n' "$prev" > "$dir/previous-system"
state activating
if [ "$how" = set ]; then nix-env -p "$profile" --set "$target" >> "$log" 2>&1
else nix-env -p "$profile" --switch-generation "$target" >> "$log" 2>&1; fi
if [ $? -ne 0 ]; then say "setting the profile failed: the robot still runs what it ran"; echo profile-failed > "$dir/reason"; state failed; exit 1; fi
new=$(system_of "$profile")
gen_of "$(readlink "$profile")" > "$dir/generation"
rollback() {
  echo "$1" > "$dir/reason"
  state rolling-back
  say "rolling back to generation \${prevGen:-?} ($prev)"
  ok=1
  if [ -n "$prevGen" ]; then nix-env -p "$profile" --switch-generation "$prevGen" >> "$log" 2>&1 || { say "switching the profile back failed"; ok=0; }; fi
  if [ -n "$prev" ] && [ -x "$prev/bin/switch-to-configuration" ]; then
    "$prev/bin/switch-to-configuration" "$action" >> "$log" 2>&1 || { say "the previous system's switch-to-configuration failed"; ok=0; }
  else say "no previous system to activate"; ok=0; fi
  if [ $ok = 1 ]; then state rolled-back; else state rollback-failed; fi
  exit 1
}
say "activating $new ($action)"
"$new/bin/switch-to-configuration" "$action" >> "$log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then echo $rc > "$dir/exit-code"; say "switch-to-configuration $action exited with code $rc"; rollback activation-failed; fi
state waiting
i=0
while [ $i -lt "$timeout" ]; do
  if [ -e "$dir/confirm" ]; then say "confirmed over a new SSH connection"; state confirmed; exit 0; fi
  sleep 1; i=$((i + 1))
done
if [ -e "$dir/confirm" ]; then say "confirmed over a new SSH connection"; state confirmed; exit 0; fi
say "no new SSH connection confirmed within $timeout s"
rollback not-confirmed
`;

/** What the supervisor is asked to do. */
export interface SupervisorJob {
  /** This activation's state folder on the robot. */
  dir: string;
  profile: string;
  /** `set`: make a new generation of `target` (a store path); `switch-generation`: go to generation `target`. */
  how: 'set' | 'switch-generation';
  target: string;
  action: 'switch' | 'boot';
  timeoutSeconds: number;
  currentSystem: string;
  /** The SSH user, who must be able to create the `confirm` file. */
  owner: string;
  /** The transient unit's name (`jetson-nix-deploy-…`), also what `journalctl -u` shows. */
  unit: string;
}

/** A unique, shell-safe id for one activation (time, then randomness). */
export function activationId(now = Date.now(), random = Math.random()): string {
  return `${now.toString(36)}-${Math.floor(random * 36 ** 6).toString(36).padStart(6, '0')}`;
}

/**
 * The program and arguments that start the supervisor as a transient unit. `PATH` is passed on
 * (a transient unit otherwise gets systemd's default, where NixOS has no `nix-env`).
 */
export function supervisorArgv(job: SupervisorJob, elevate: readonly string[]): string[] {
  return [
    ...elevate,
    'systemd-run',
    `--unit=${job.unit}`,
    '--collect',
    '--quiet',
    '--service-type=exec',
    '--setenv=PATH',
    '--',
    '/bin/sh',
    '-c',
    SUPERVISOR_SCRIPT,
    'jetson-nix-supervisor',
    job.dir,
    job.profile,
    job.how,
    job.target,
    job.action,
    String(job.timeoutSeconds),
    job.currentSystem,
    job.owner,
  ];
}

/** The line a terminal runs when sudo needs the user's password: the same command, sudo asking. */
export function supervisorCommandForTerminal(job: SupervisorJob): string {
  return remoteCommand(supervisorArgv(job, ['sudo']));
}

export type SupervisorPhase = 'starting' | 'activating' | 'waiting' | 'confirmed' | 'rolling-back' | 'rolled-back' | 'rollback-failed' | 'failed' | 'refused';

export interface SupervisorState {
  phase: SupervisorPhase;
  /** Why it rolled back or stopped: `activation-failed`, `not-confirmed`, `profile-failed`, `busy`. */
  reason?: string;
  /** switch-to-configuration's exit code when it failed. */
  exitCode?: number;
  generation?: number;
  previousGeneration?: number;
  previousSystem?: string;
}

/** Prints the state folder's small files as `key=value` lines (missing files print nothing). */
export const STATE_SCRIPT = `
d="$1"
for f in state reason exit-code generation previous-generation previous-system; do
  [ -r "$d/$f" ] && echo "$f=$(head -c 1000 "$d/$f" | head -n 1)"
done
exit 0
`;

const PHASES: readonly SupervisorPhase[] = ['activating', 'waiting', 'confirmed', 'rolling-back', 'rolled-back', 'rollback-failed', 'failed', 'refused'];

export function parseState(stdout: string): SupervisorState {
  const v = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) v.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const phase = PHASES.find((p) => p === v.get('state')) ?? 'starting';
  const state: SupervisorState = { phase };
  const num = (key: string) => (v.get(key) && /^\d+$/.test(v.get(key)!) ? Number(v.get(key)) : undefined);
  if (v.get('reason')) state.reason = v.get('reason');
  if (num('exit-code') !== undefined) state.exitCode = num('exit-code');
  if (num('generation') !== undefined) state.generation = num('generation');
  if (num('previous-generation') !== undefined) state.previousGeneration = num('previous-generation');
  if (v.get('previous-system')) state.previousSystem = v.get('previous-system');
  return state;
}

/** Whether the supervisor has finished. */
export function isFinal(phase: SupervisorPhase): boolean {
  return phase === 'confirmed' || phase === 'rolled-back' || phase === 'rollback-failed' || phase === 'failed' || phase === 'refused';
}
