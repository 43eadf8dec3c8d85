/**
 * A dev shell's environment, captured the reliable way (`nix develop <ref> --command bash -c
 * 'env -0 > "$0"' FILE`, which runs the shellHook, unlike `print-dev-env --json`) and compared
 * with the environment it started from, so only what the shell changes is applied to the
 * workspace's terminals and tasks. No `vscode` import: tested with plain Node against real Nix.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { explainNixFailure, resolveExecutable, run, stripAnsi } from './exec';
import { nixEnvironment } from './discovery';
import { readTextSync } from '../../../server/src/shared/safe-read';

export interface CaptureOptions {
  nix: string;
  /** The flake's folder: `nix develop` runs there, as it would in a terminal. */
  flakeDir: string;
  /** The shell: `.#ros2`, `nix-ros-overlay#example-ros2-basic`… */
  ref: string;
  /** Flags for `nix develop` before the ref (`--inputs-from .`). */
  extraArgs?: string[];
  signal?: AbortSignal;
  /** Extra environment for Nix (tests use it for an offline configuration). */
  env?: Record<string, string | undefined>;
  /** Receives the command and Nix's stderr, for the log. */
  log?: (line: string) => void;
}

export type Capture =
  | {
      ok: true;
      /** The shell's environment, as its command saw it. */
      environment: Record<string, string>;
      /** The environment `nix develop` was started with: what the shell's changes are measured against. */
      base: Record<string, string>;
    }
  | { ok: false; cancelled: boolean; message: string };

/** Splits `env -0` output: NUL-separated `NAME=value` entries (values may hold newlines). */
export function parseNulEnvironment(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** Runs the shell once and reads its environment; never throws except ToolMissingError (no Nix). */
export async function captureDevShellEnvironment(options: CaptureOptions): Promise<Capture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-env-'));
  const file = path.join(dir, 'environment');
  // Flags must come before --command: everything after it belongs to the command.
  const args = ['develop', '--no-write-lock-file', ...(options.extraArgs ?? []), options.ref, '--command', 'bash', '-c', 'env -0 > "$0"', file];
  const env = nixEnvironment(options.env);
  try {
    options.log?.(`${options.nix} ${args.join(' ')} (in ${options.flakeDir})`);
    const result = await run(options.nix, args, { cwd: options.flakeDir, signal: options.signal, env, onStderrLine: options.log });
    if (result.cancelled) return { ok: false, cancelled: true, message: 'Capturing the dev shell environment was cancelled.' };
    const captured = result.exitCode === 0 ? readTextSync(file, { kind: 'tool' }) : undefined;
    if (!captured?.ok) {
      const explained = explainNixFailure(result.stderr);
      const last = stripAnsi(result.stderr).split('\n').map((l) => l.trim()).filter((l) => l.startsWith('error:')).at(-1);
      const why = captured && captured.reason !== 'missing' ? `the captured environment ${captured.problem}` : `nix develop exited with code ${String(result.exitCode)}`;
      return { ok: false, cancelled: false, message: explained ?? (last ? last.replace(/^error:\s*/, '') : why) };
    }
    const base: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...process.env, ...env })) if (value !== undefined) base[name] = value;
    return { ok: true, environment: parseNulEnvironment(captured.value), base };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Variables that describe the shell process rather than the project (its folder, its nesting,
 * its scratch directories), or that belong to the terminal: applying them would break the
 * terminals they are applied to.
 */
const PROCESS_VARIABLES = new Set([
  '_',
  'PWD',
  'OLDPWD',
  'SHLVL',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'HOSTNAME',
  'PPID',
  'UID',
  'EUID',
  'SHELLOPTS',
  'BASHOPTS',
  'COLUMNS',
  'LINES',
  'COLORTERM',
  'TMP',
  'TMPDIR',
  'TEMP',
  'TEMPDIR',
  'NIX_BUILD_TOP',
  'NIX_GCROOT',
  'NIX_LOG_FD',
  'NIX_CONFIG',
]);

export function isProcessVariable(name: string): boolean {
  return PROCESS_VARIABLES.has(name) || name.startsWith('TERM') || name.startsWith('VSCODE_') || name.startsWith('BASH_FUNC_');
}

/** How a variable differs in the shell: a new value, or the old one with something before or after it. */
export interface EnvironmentChange {
  name: string;
  kind: 'replace' | 'prepend' | 'append';
  /** For prepend/append: the part added, separator included (`/nix/store/…/bin:`). */
  value: string;
}

/**
 * What the shell changes, variable by variable. A list variable the shell extends (PATH,
 * PYTHONPATH, AMENT_PREFIX_PATH…) becomes a prepend or append of the added part, so a
 * terminal's own additions to it survive; anything else is replaced. Variables the shell removes
 * are left alone: a collection cannot unset them, and `nix develop` keeps the outer ones anyway.
 */
export function diffEnvironment(base: Record<string, string | undefined>, shell: Record<string, string>): EnvironmentChange[] {
  const out: EnvironmentChange[] = [];
  for (const name of Object.keys(shell).sort()) {
    const value = shell[name]!;
    const before = base[name];
    if (value === before || isProcessVariable(name)) continue;
    if (before && value.endsWith(`:${before}`)) out.push({ name, kind: 'prepend', value: value.slice(0, value.length - before.length) });
    else if (before && value.startsWith(`${before}:`)) out.push({ name, kind: 'append', value: value.slice(before.length) });
    else out.push({ name, kind: 'replace', value });
  }
  return out;
}

/** ROS 2 distributions nix-ros-overlay packages (names as they appear in shells and ROS_DISTRO). */
const ROS_DISTROS = ['foxy', 'galactic', 'humble', 'iron', 'jazzy', 'kilted', 'lyrical', 'rolling'];

/** The ROS distribution a shell is for: its ROS_DISTRO, or a distribution named in the shell's name. */
export function rosDistroOf(name: string, environment?: Record<string, string>): string | undefined {
  const fromEnv = environment?.ROS_DISTRO;
  if (fromEnv) return fromEnv;
  return ROS_DISTROS.find((d) => new RegExp(`(^|[^a-z])${d}([^a-z]|$)`).test(name.toLowerCase()));
}

/** Whether a shell is a ROS shell by its name (`ros2`, `example-ros2-desktop-jazzy`). */
export function isRosShell(name: string): boolean {
  return /(^|[^a-z])ros/i.test(name) || rosDistroOf(name) !== undefined;
}

/** What the status bar says while a shell's environment is applied. */
export function shellStatusText(name: string, environment?: Record<string, string>): string {
  const distro = rosDistroOf(name, environment);
  return distro ? `ROS 2 ${distro} shell` : `Dev shell: ${name}`;
}

/** The name of a terminal running a shell. */
export function shellTerminalName(name: string): string {
  return isRosShell(name) ? `ROS 2: ${name}` : `nix develop: ${name}`;
}

/**
 * The absolute path of an executable, or undefined: `resolveExecutable` without the reason (an
 * absolute path, or a bare name on the absolute folders of PATH; never a path relative to a
 * workspace folder).
 */
export function findExecutable(name: string, searchPath: string = process.env.PATH ?? ''): string | undefined {
  try {
    return resolveExecutable(name, searchPath);
  } catch {
    return undefined;
  }
}
