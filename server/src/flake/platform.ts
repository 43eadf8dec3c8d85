/**
 * The system a NixOS configuration runs on, and the one it is built on, read statically from its
 * modules' definitions, in the order nixpkgs' module applies them:
 *
 * 1. `nixpkgs.hostPlatform` (a string, or `{ system = …; }`), written by the user;
 * 2. jetpack-nixos's own `nixpkgs.hostPlatform = mkOptionDefault "aarch64-linux"`, which applies
 *    when its module is imported and `hardware.nvidia-jetpack.enable = true` (it also asserts
 *    that the host platform is aarch64, so no other value would evaluate);
 * 3. `nixpkgs.system`, or `nixpkgs.localSystem.system`;
 * 4. the `system = …` argument of `nixosSystem`, which nixpkgs passes on as a default of
 *    `nixpkgs.system` and which a defined `hostPlatform` overrides.
 *
 * `nixpkgs.buildPlatform` different from the host makes it a cross-compiled configuration. A value
 * that is not a literal, or is defined more than once, is not guessed.
 */
import type { PlainLiteral } from '../options/rules';

export interface PlatformFacts {
  system?: string;
  systemSource?: string;
  buildPlatform?: string;
}

export interface PlatformInputs {
  /** Certain literal values of the configuration's options (see rules.ts `facts`). */
  literal: ReadonlyMap<string, { literal: PlainLiteral }>;
  /** Every option something defines, certain or not. */
  defined: ReadonlySet<string>;
  /** The literal `system` argument of `nixosSystem`, if any. */
  systemArgument?: string;
  /** jetpack-nixos's NixOS module is one of the configuration's modules. */
  jetpackModule: boolean;
}

function text(literal: PlatformInputs['literal'], name: string): string | undefined {
  const f = literal.get(name);
  return f?.literal.kind === 'string' ? f.literal.value : undefined;
}

/** The literal system of an option written as a string or as `{ system = …; }`, and whether anything defines it at all. */
function platformOption(inputs: PlatformInputs, name: string): { value?: string; defined: boolean } {
  const value = text(inputs.literal, name) ?? text(inputs.literal, `${name}.system`);
  const defined = [...inputs.defined].some((d) => d === name || d.startsWith(`${name}.`));
  return value !== undefined ? { value, defined } : { defined };
}

export function configurationPlatform(inputs: PlatformInputs): PlatformFacts {
  const out: PlatformFacts = {};
  const host = platformOption(inputs, 'nixpkgs.hostPlatform');
  const enable = inputs.literal.get('hardware.nvidia-jetpack.enable')?.literal;
  const jetpackEnabled = inputs.jetpackModule && enable?.kind === 'bool' && enable.value;
  const legacy = text(inputs.literal, 'nixpkgs.system') ?? text(inputs.literal, 'nixpkgs.localSystem.system');
  const legacyDefined = inputs.defined.has('nixpkgs.system') || [...inputs.defined].some((d) => d.startsWith('nixpkgs.localSystem'));
  if (host.value) Object.assign(out, { system: host.value, systemSource: 'nixpkgs.hostPlatform' });
  else if (host.defined) return out;
  else if (jetpackEnabled) Object.assign(out, { system: 'aarch64-linux', systemSource: "jetpack-nixos's default for hardware.nvidia-jetpack.enable" });
  else if (legacy) Object.assign(out, { system: legacy, systemSource: 'nixpkgs.system' });
  else if (legacyDefined) return out;
  else if (inputs.systemArgument) Object.assign(out, { system: inputs.systemArgument, systemSource: 'the system argument of nixosSystem' });
  const build = platformOption(inputs, 'nixpkgs.buildPlatform');
  if (out.system && build.value && build.value !== out.system) out.buildPlatform = build.value;
  return out;
}
