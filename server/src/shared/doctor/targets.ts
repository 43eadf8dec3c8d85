/**
 * What each output of a flake needs to be built, from the static reading of flake.nix (nothing is
 * evaluated): a configuration's system, a package's `<system>`, and a flash script's x86_64-linux.
 *
 * jetpack-nixos builds a flash script from two package sets: NVIDIA's flashing tools from
 * `flasherPkgs` (x86_64-linux), and the firmware, device trees and flashing initrd from the
 * configuration's own (aarch64-linux, unless it is cross-compiled with `nixpkgs.buildPlatform`).
 * So a flash script needs both systems, and runs on x86_64-linux only.
 */
import type { FlakeConfiguration, FlakeOutput } from '../../protocol';
import { capabilityFor, type Capability, type Requirement, type Verdict } from './capability';
import type { HostFacts } from './facts';

export const FLASH_SYSTEM = 'x86_64-linux';

export interface Target {
  /** For people: `robot (toplevel)`, `robot (flash script)`, `camera-driver (aarch64-linux)`. */
  label: string;
  /** What to pass to `nix build`. */
  installable: string;
  kind: 'configuration' | 'flash-script' | 'package';
  /** The systems its derivations are built for; undefined when the flake does not say literally. */
  needs?: Requirement[];
  /** Why `needs` is what it is (or why it is unknown). */
  reason: string;
}

export interface TargetVerdict extends Target {
  verdict: Verdict;
  /** One sentence for the report. */
  summary: string;
  capabilities: Capability[];
}

/** A flake's outputs as the static reading (jetsonNix/flakeOutputs) gives them. */
export interface FlakeTargets {
  configurations: readonly FlakeConfiguration[];
  packages: readonly FlakeOutput[];
}

/** The targets of a flake, in the order of the Jetson view. */
export function flakeTargets(flake: FlakeTargets): Target[] {
  const targets: Target[] = [];
  for (const c of flake.configurations) {
    const name = attr(c.name);
    targets.push({ ...configurationNeeds(c), label: `${c.name} (toplevel)`, installable: `.#nixosConfigurations.${name}.config.system.build.toplevel`, kind: 'configuration' });
    if (c.jetpack || c.som !== undefined) targets.push({ ...flashScriptNeeds(c), label: `${c.name} (flash script)`, installable: `.#nixosConfigurations.${name}.config.system.build.flashScript`, kind: 'flash-script' });
  }
  for (const p of flake.packages) {
    const installable = p.system ? `.#packages.${attr(p.system)}.${attr(p.name)}` : `.#${attr(p.name)}`;
    const needs = p.system ? [{ system: p.system, features: [] }] : undefined;
    targets.push({
      label: p.system ? `${p.name} (${p.system})` : p.name,
      installable,
      kind: 'package',
      ...(needs ? { needs } : {}),
      reason: p.system ? `${p.system} (packages.${p.system})` : 'defined for every system: built for this machine',
    });
  }
  return targets;
}

function configurationNeeds(c: FlakeConfiguration): Pick<Target, 'needs' | 'reason'> {
  if (!c.system) return { reason: 'its system is not written literally in the flake (set nixpkgs.hostPlatform to tell)' };
  if (c.buildPlatform && c.buildPlatform !== c.system)
    return { needs: [{ system: c.buildPlatform, features: [] }], reason: `runs on ${c.system} (${c.systemSource ?? 'as written'}), cross-compiled on ${c.buildPlatform} (nixpkgs.buildPlatform)` };
  return { needs: [{ system: c.system, features: [] }], reason: `${c.system} (${c.systemSource ?? 'as written'})` };
}

function flashScriptNeeds(c: FlakeConfiguration): Pick<Target, 'needs' | 'reason'> {
  const firmware = c.buildPlatform && c.buildPlatform !== c.system ? c.buildPlatform : c.system;
  if (!firmware) return { reason: `NVIDIA's flashing tools need ${FLASH_SYSTEM}; the firmware's system is not written literally in the flake` };
  const systems = [...new Set([FLASH_SYSTEM, firmware])];
  return {
    needs: systems.map((system) => ({ system, features: [] })),
    reason: firmware === FLASH_SYSTEM ? `${FLASH_SYSTEM} (cross-compiled firmware, and NVIDIA's flashing tools)` : `${FLASH_SYSTEM} for NVIDIA's flashing tools and ${firmware} for the firmware; it runs on ${FLASH_SYSTEM} only`,
  };
}

function attr(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(name) ? name : `"${name.replace(/["\\]/g, '\\$&')}"`;
}

/** Judges a target: yes when every system it needs can be built, no when one cannot, unknown when the need is not known. */
export function judgeTarget(target: Target, facts: HostFacts): TargetVerdict {
  if (!target.needs) return { ...target, verdict: 'unknown', summary: `Unknown: ${target.reason}.`, capabilities: [] };
  const capabilities = target.needs.map((r) => capabilityFor(r, facts));
  const rank: Record<Verdict, number> = { no: 0, unknown: 1, warn: 2, yes: 3 };
  const worst = capabilities.reduce((a, b) => (rank[b.verdict] < rank[a.verdict] ? b : a));
  const summary = worst.verdict === 'yes' ? capabilities.map((c) => c.summary).join(' ') : worst.summary;
  return { ...target, verdict: worst.verdict, summary, capabilities };
}

/** The installable's system when it names one (`.#packages.aarch64-linux.x`, `…#packages.x86_64-linux.iso_minimal`). */
export function systemOfInstallable(installable: string): string | undefined {
  const m = /#(?:packages|legacyPackages|checks|devShells|apps)\.("?)([a-z0-9_]+-[a-z0-9_]+(?:-[a-z0-9_]+)?)\1\./.exec(installable);
  return m ? m[2] : undefined;
}

/** The configuration an installable builds from, and what: `.#nixosConfigurations.robot.config.system.build.sdImage` → robot, sdImage. */
export function configurationOfInstallable(installable: string): { name: string; build: string } | undefined {
  const m = /#nixosConfigurations\.("(?:[^"\\]|\\.)*"|[^."]+)\.config\.system\.build\.("?)([^".]+)\2$/.exec(installable);
  if (!m) return undefined;
  const name = m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/\\(.)/g, '$1') : m[1]!;
  return { name, build: m[3]! };
}

/** The target for any installable of the flake, from its configurations: the pre-flight of Build and Flash. */
export function targetOfInstallable(installable: string, flake: FlakeTargets): Target {
  const system = systemOfInstallable(installable);
  if (system) return { label: installable, installable, kind: 'package', needs: [{ system, features: [] }], reason: system };
  const built = configurationOfInstallable(installable);
  const configuration = built && flake.configurations.find((c) => c.name === built.name);
  if (configuration) {
    const flash = /flash|fuse|rcmBoot/i.test(built!.build);
    const needs = flash ? flashScriptNeeds(configuration) : configurationNeeds(configuration);
    return { ...needs, label: `${configuration.name} (${built!.build})`, installable, kind: flash ? 'flash-script' : 'configuration' };
  }
  return { label: installable, installable, kind: 'package', reason: 'its system is not in the attribute path' };
}
