/**
 * Every setting of the extension and the server, with its type, default and bounds: the one place
 * they are read and validated. The extension's `contributes.configuration` in package.json declares
 * the same keys under `jetsonNix.*` (a test keeps the two in step). The client reads its own
 * settings (USB, flashing, Nix) through the same table, so both sides agree on every value.
 */

import { switchableCodes, type CodeSettingKey } from './analysis/codes';

type Spec =
  | { kind: 'number'; default: number; min: number; max: number }
  | { kind: 'boolean'; default: boolean }
  | { kind: 'enum'; default: string; values: readonly string[] }
  | { kind: 'string'; default: string; allowEmpty?: boolean }
  | { kind: 'robots'; default: readonly RobotSetting[] };

/** One robot of `jetsonNix.robots`: where it is and which configuration it runs. */
export interface RobotSetting {
  /** How the robot is named in the view. */
  name: string;
  /** A host name, an address, or a Host alias of your ssh_config. */
  host: string;
  user?: string;
  port?: number;
  /** A `nixosConfigurations` name (`robot`), or `folder#name` for a flake in a subfolder of the workspace. */
  configuration: string;
}

/** The `jetsonNix.lints.*` switches, each `true` by default: derived from the table of codes. */
const CODE_SWITCHES = Object.fromEntries(switchableCodes().map(({ setting }) => [setting, { kind: 'boolean', default: true }])) as Record<
  CodeSettingKey,
  { kind: 'boolean'; default: true }
>;

export const SETTINGS_SPEC = {
  /** Milliseconds to wait after a burst of edits before diagnosing again (the first edit after a pause is diagnosed at once). */
  'diagnostics.debounceMs': { kind: 'number', default: 50, min: 0, max: 2000 },
  /** Files larger than this (in KiB) are not analysed in the editor; `jetson-nix check` reads files up to 64 MB. */
  'diagnostics.maxFileSizeKb': { kind: 'number', default: 3072, min: 1, max: 1024 * 1024 },
  /** One switch per lint, from the table of codes (`lints.unusedBinding`, …). */
  ...CODE_SWITCHES,
  /**
   * General Nix features (syntax errors, undefined names, lints, completion of names, formatting, …):
   * `auto` leaves them to another Nix language server when one is active (server/src/lsp/general-features.ts).
   */
  generalNixFeatures: { kind: 'enum', default: 'auto', values: ['auto', 'on', 'off'] },
  /** Which formatter `Format Document` runs; `auto` takes the first one found on PATH. */
  'formatting.formatter': { kind: 'enum', default: 'auto', values: ['auto', 'nixfmt', 'alejandra', 'nixpkgs-fmt', 'none'] },
  /** Extract the option schema from the flake.lock-pinned jetpack-nixos when it is in the local store. */
  'schema.useLockedJetpackNixos': { kind: 'boolean', default: true },
  /** The `nix` executable the extension runs (a name on PATH or an absolute path). */
  'nix.executable': { kind: 'string', default: 'nix' },
  /** Root of the sysfs tree scanned for USB devices (tests and containers point it elsewhere). */
  'usb.sysfsRoot': { kind: 'string', default: '/sys' },
  /** How the flash script is run as root, in a terminal where the user types the password. */
  'flash.elevation': { kind: 'enum', default: 'sudo', values: ['sudo', 'pkexec'] },
  /** Robots to deploy to, besides those of deploy-rs and colmena in flake.nix. */
  robots: { kind: 'robots', default: [] },
  /** Seconds a new SSH connection has to confirm a deploy before the robot rolls itself back. */
  'deploy.confirmTimeoutSeconds': { kind: 'number', default: 30, min: 5, max: 3600 },
  /** Where a deploy builds: here (with this machine's builders and emulation), on the robot, or `auto`. */
  'deploy.buildOn': { kind: 'enum', default: 'auto', values: ['auto', 'local', 'robot'] },
  /** `switch` activates at once; `boot` makes it the boot default, reboots the robot and waits for it. */
  'deploy.activation': { kind: 'enum', default: 'switch', values: ['switch', 'boot'] },
  /** Let robots fetch what they can from their own binary caches during the copy. */
  'deploy.substituteOnRobot': { kind: 'boolean', default: false },
  /** How many robots are deployed or asked for their status at once. */
  'deploy.parallel': { kind: 'number', default: 4, min: 1, max: 32 },
  /** An ssh_config for robots instead of ~/.ssh/config; empty for SSH's own. */
  'deploy.sshConfigFile': { kind: 'string', default: '', allowEmpty: true },
  /** Before Build and Flash, check that this machine can build the target's system, and offer the fixes (the build doctor). */
  'build.preflight': { kind: 'boolean', default: true },
  /** Seconds a remote builder may take to answer `nix store ping` when the build doctor checks it. */
  'build.builderTimeoutSeconds': { kind: 'number', default: 10, min: 1, max: 120 },
} as const satisfies Record<string, Spec>;

export type SettingKey = keyof typeof SETTINGS_SPEC;
type ValueOf<S> = S extends { kind: 'number' } ? number : S extends { kind: 'boolean' } ? boolean : S extends { kind: 'robots' } ? RobotSetting[] : string;
export type Settings = { -readonly [K in SettingKey]: ValueOf<(typeof SETTINGS_SPEC)[K]> };
/** The settings the language server uses (all of them; the client's own are simply ignored there). */
export type ServerSettings = Settings;

export const DEFAULT_SETTINGS: Settings = Object.fromEntries(
  Object.entries(SETTINGS_SPEC).map(([k, s]) => [k, s.default]),
) as unknown as Settings;

/**
 * Reads settings sent by a client (nested `{ diagnostics: { debounceMs } }` or flat dotted keys),
 * falling back to the default for anything missing or invalid, and says what was ignored.
 */
export function readSettings(raw: unknown): { settings: Settings; problems: string[] } {
  const settings = { ...DEFAULT_SETTINGS } as Record<string, unknown>;
  const problems: string[] = [];
  if (raw === null || typeof raw !== 'object') return { settings: settings as Settings, problems };
  for (const [key, spec] of Object.entries(SETTINGS_SPEC) as [SettingKey, Spec][]) {
    const value = lookup(raw as Record<string, unknown>, key);
    if (value === undefined || value === null) continue;
    if (spec.kind === 'robots') {
      settings[key] = robotsOf(value, problems);
      continue;
    }
    const problem = invalid(spec, value);
    if (problem) {
      problems.push(`jetsonNix.${key} ${problem}; using ${JSON.stringify(spec.default)}`);
      continue;
    }
    settings[key] = value;
  }
  return { settings: settings as Settings, problems };
}

function invalid(spec: Spec, value: unknown): string | undefined {
  switch (spec.kind) {
    case 'number':
      return typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max
        ? `must be a number from ${spec.min} to ${spec.max}`
        : undefined;
    case 'boolean':
      return typeof value !== 'boolean' ? 'must be true or false' : undefined;
    case 'enum':
      return typeof value !== 'string' || !spec.values.includes(value) ? `must be one of ${spec.values.join(', ')}` : undefined;
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      return value.trim() === '' && !spec.allowEmpty ? 'must be a non-empty string' : undefined;
    case 'robots':
      return undefined;
  }
}

const ROBOT_KEYS = new Set(['name', 'host', 'user', 'port', 'configuration']);

/** The valid entries of `jetsonNix.robots`; each invalid one is left out with a reason. */
function robotsOf(value: unknown, problems: string[]): RobotSetting[] {
  if (!Array.isArray(value)) {
    problems.push('jetsonNix.robots must be a list of { name, host, user?, port?, configuration }; using []');
    return [];
  }
  const robots: RobotSetting[] = [];
  value.forEach((item: unknown, i) => {
    const r = item && typeof item === 'object' ? (item as Record<string, unknown>) : {};
    const text = (k: string) => typeof r[k] === 'string' && (r[k] as string).trim() !== '';
    const problem = !item || typeof item !== 'object' || Array.isArray(item)
      ? 'is not an object'
      : !text('name') || !text('host') || !text('configuration')
        ? 'needs name, host and configuration (non-empty strings)'
        : r.user !== undefined && !text('user')
          ? 'has a user that is not a non-empty string'
          : r.port !== undefined && !(Number.isInteger(r.port) && (r.port as number) > 0 && (r.port as number) < 65536)
            ? 'has a port that is not a whole number from 1 to 65535'
            : Object.keys(r).find((k) => !ROBOT_KEYS.has(k)) !== undefined
              ? `has an unknown key "${Object.keys(r).find((k) => !ROBOT_KEYS.has(k))}"`
              : robots.some((other) => other.name === r.name)
                ? `repeats the name "${String(r.name)}"`
                : undefined;
    if (problem) {
      problems.push(`jetsonNix.robots[${i}] ${problem}; it is left out`);
      return;
    }
    const robot: RobotSetting = { name: r.name as string, host: r.host as string, configuration: r.configuration as string };
    if (r.user !== undefined) robot.user = r.user as string;
    if (r.port !== undefined) robot.port = r.port as number;
    robots.push(robot);
  });
  return robots;
}

function lookup(raw: Record<string, unknown>, dotted: string): unknown {
  if (dotted in raw) return raw[dotted];
  let cur: unknown = raw;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
