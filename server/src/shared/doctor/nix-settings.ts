/**
 * The settings of the user's Nix that decide what it can build and where it fetches from, read
 * from `nix show-config --json` (Nix 2.4 to 2.19) or `nix config show --json` (2.20 and newer;
 * `show-config` was deprecated then and later removed).
 *
 * Both print one object per setting: `{ "value": …, "defaultValue": …, "description": …,
 * "aliases": […], "documentDefault": … }`, newer versions adding `"experimentalFeature"`. Lists are
 * JSON arrays, but older releases printed some as one space-separated string, and 2.8 prints
 * `experimental-features` as numbers; so every value is normalised here rather than trusted.
 */

export interface NixSettings {
  /** The machine's own system (`x86_64-linux`). */
  system: string;
  /** Other systems this Nix accepts to build (Nix compares strings only; emulation is separate). */
  extraPlatforms: string[];
  systemFeatures: string[];
  /** The `builders` setting as written: machines separated by `;` or newlines, `@file` for a machines file. */
  builders: string;
  buildersUseSubstitutes: boolean;
  substituters: string[];
  trustedSubstituters: string[];
  trustedPublicKeys: string[];
  trustedUsers: string[];
  /** `true`, `false` or `relaxed`. */
  sandbox: string;
  /** Paths bind-mounted into the sandbox (with `extra-sandbox-paths` merged in). */
  sandboxPaths: string[];
  acceptFlakeConfig: boolean;
  /** `auto` or a number, as text. */
  maxJobs: string;
}

/** The arguments that print the configuration as JSON for a Nix version. */
export function showConfigArgs(version: { major: number; minor: number }): string[] {
  const modern = version.major > 2 || (version.major === 2 && version.minor >= 20);
  return [...NIX_COMMAND_FLAGS, ...(modern ? ['config', 'show'] : ['show-config']), '--json'];
}

/** The other spelling, tried when the first one is refused (Lix and forks number versions their own way). */
export function alternativeShowConfigArgs(args: readonly string[]): string[] {
  return args.includes('show-config')
    ? [...NIX_COMMAND_FLAGS, 'config', 'show', '--json']
    : [...NIX_COMMAND_FLAGS, 'show-config', '--json'];
}

/** `nix` subcommands are experimental on every version Jetson Nix supports: enable them for this call only. */
export const NIX_COMMAND_FLAGS = ['--extra-experimental-features', 'nix-command'];

/** Reads the JSON; an error says why it is not a Nix configuration. */
export function parseShowConfig(json: string): { ok: true; settings: NixSettings } | { ok: false; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { ok: false, error: 'the output of `nix show-config --json` is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: 'the output of `nix show-config --json` is not an object' };
  const raw = parsed as Record<string, unknown>;
  const system = text(value(raw, 'system'));
  if (!system) return { ok: false, error: 'the Nix configuration has no `system` setting' };
  return {
    ok: true,
    settings: {
      system,
      extraPlatforms: list(value(raw, 'extra-platforms')),
      systemFeatures: list(value(raw, 'system-features')),
      builders: text(value(raw, 'builders')) ?? '',
      buildersUseSubstitutes: bool(value(raw, 'builders-use-substitutes')),
      substituters: list(value(raw, 'substituters')),
      trustedSubstituters: list(value(raw, 'trusted-substituters')),
      trustedPublicKeys: list(value(raw, 'trusted-public-keys')),
      trustedUsers: list(value(raw, 'trusted-users')),
      sandbox: text(value(raw, 'sandbox')) ?? 'true',
      sandboxPaths: [...list(value(raw, 'sandbox-paths')), ...list(value(raw, 'extra-sandbox-paths'))],
      acceptFlakeConfig: bool(value(raw, 'accept-flake-config')),
      maxJobs: text(value(raw, 'max-jobs')) ?? '1',
    },
  };
}

/** A setting's value: the `value` field of its object, or the entry itself in a flat map. */
function value(raw: Record<string, unknown>, name: string): unknown {
  const entry = raw[name];
  if (typeof entry === 'object' && entry !== null && !Array.isArray(entry) && 'value' in entry) return (entry as { value: unknown }).value;
  return entry;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x !== '');
  if (typeof v === 'string') return v.split(/\s+/).filter((x) => x !== '');
  return [];
}

function bool(v: unknown): boolean {
  return v === true || v === 'true';
}

/** Normalises a substituter URL for comparison: no trailing slash, no query (`?priority=…`). */
export function sameSubstituter(a: string, b: string): boolean {
  const norm = (u: string) => u.replace(/[?#].*$/, '').replace(/\/+$/, '').toLowerCase();
  return norm(a) === norm(b);
}
