/**
 * What the deploy needs to know about a configuration before building it, asked of Nix in one
 * evaluation (`nix eval --json .#nixosConfigurations.<name> --apply …`; only in trusted
 * workspaces): the system it is built for, the SoM, the L4T version its jetpack-nixos packages
 * carry (the one jetpack-nixos's pre-switch check compares), the firmware downgrade policy and
 * whether firmware updates are on, and its host name. No `vscode` import.
 */
import { explainNixFailure, nixConfigEnv, run, stripAnsi } from '../nix/exec';
import { attrSegment } from '../nix/build';
import type { MaxAllowedDowngrade } from '../robots/l4t';

export interface ConfigurationFacts {
  /** `aarch64-linux` for a Jetson. */
  system?: string;
  /** `hardware.nvidia-jetpack.som` when jetpack-nixos is enabled. */
  som?: string;
  /** `pkgs.nvidia-jetpack.l4tMajorMinorPatchVersion`. */
  l4t?: string;
  maxAllowedDowngrade: MaxAllowedDowngrade;
  autoUpdate: boolean;
  hostName?: string;
}

/** Fixed text: the configuration is the only input, passed by Nix as the function's argument. */
const FACTS = `c: let
  jp = c.config.hardware.nvidia-jetpack or { };
  on = jp.enable or false;
in {
  system = c.pkgs.stdenv.hostPlatform.system or null;
  som = if on then jp.som or null else null;
  l4t = if on then c.pkgs.nvidia-jetpack.l4tMajorMinorPatchVersion or null else null;
  maxAllowedDowngrade = if on then jp.firmware.maxAllowedDowngrade or "none" else "none";
  autoUpdate = if on then jp.firmware.autoUpdate or false else false;
  hostName = c.config.networking.hostName or null;
}`;

const LEVELS: readonly MaxAllowedDowngrade[] = ['none', 'patch', 'minor', 'major'];

export type FactsOutcome = { ok: true; facts: ConfigurationFacts } | { ok: false; message: string };

/** Evaluates the facts of `nixosConfigurations.<name>` in the flake at `flakeDir`. Never throws. */
export async function configurationFacts(options: { nix: string; flakeDir: string; name: string; signal?: AbortSignal; env?: Record<string, string | undefined> }): Promise<FactsOutcome> {
  const installable = `.#nixosConfigurations.${attrSegment(options.name)}`;
  try {
    const env = { ...options.env, ...nixConfigEnv(options.env?.NIX_CONFIG ?? process.env.NIX_CONFIG) };
    const result = await run(options.nix, ['eval', '--json', installable, '--apply', FACTS], { cwd: options.flakeDir, env, signal: options.signal });
    if (result.cancelled) return { ok: false, message: 'cancelled' };
    if (result.exitCode !== 0) {
      const text = stripAnsi(result.stderr);
      const error = text.split('\n').find((l) => l.startsWith('error:')) ?? text.trim().split('\n').at(-1) ?? '';
      return { ok: false, message: explainNixFailure(text) ?? `Evaluating ${options.name} failed: ${error.replace(/^error:\s*/, '')}` };
    }
    return { ok: true, facts: parseFacts(result.stdout) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

export function parseFacts(json: string): ConfigurationFacts {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const text = (key: string) => (typeof raw[key] === 'string' && raw[key] !== '' ? (raw[key] as string) : undefined);
  const level = text('maxAllowedDowngrade');
  const facts: ConfigurationFacts = {
    maxAllowedDowngrade: LEVELS.find((l) => l === level) ?? 'none',
    autoUpdate: raw.autoUpdate === true,
  };
  for (const key of ['system', 'som', 'l4t', 'hostName'] as const) {
    const value = text(key);
    if (value !== undefined) facts[key] = value;
  }
  return facts;
}
