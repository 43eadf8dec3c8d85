/**
 * Which Jetson module a running robot is, from its device tree (`/proc/device-tree/compatible`:
 * `nvidia,p3737-0000+p3701-0005`, `nvidia,p3701-0005`, `nvidia,tegra234`), and whether a
 * configuration's `hardware.nvidia-jetpack.som` fits it. The module part numbers are NVIDIA's, the
 * same ones usb/ids.ts lists for recovery mode (a unit test keeps the two tables in step).
 * No `vscode` import.
 */

interface ModuleEntry {
  /** The module's part number prefix in the device tree (`p3701`). */
  board: string;
  name: string;
  /** SoMs by part variant (`0008` → industrial), for variants that differ from the rest. */
  variants?: Record<string, readonly string[]>;
  /** The SoMs of every other variant. */
  soms: readonly string[];
}

/** NVIDIA Jetson modules as their device trees name them. */
export const DEVICE_TREE_MODULES: readonly ModuleEntry[] = [
  { board: 'p3701', name: 'AGX Orin', variants: { '0008': ['orin-agx-industrial'] }, soms: ['orin-agx'] },
  { board: 'p3767', name: 'Orin NX or Orin Nano', variants: { '0000': ['orin-nx'], '0001': ['orin-nx'], '0003': ['orin-nano'], '0004': ['orin-nano'], '0005': ['orin-nano'] }, soms: ['orin-nx', 'orin-nano'] },
  { board: 'p2888', name: 'AGX Xavier', variants: { '0008': ['xavier-agx-industrial'] }, soms: ['xavier-agx'] },
  { board: 'p3668', name: 'Xavier NX', variants: { '0000': ['xavier-nx'], '0001': ['xavier-nx-emmc'], '0003': ['xavier-nx-emmc'] }, soms: ['xavier-nx', 'xavier-nx-emmc'] },
  { board: 'p3834', name: 'AGX Thor', soms: ['thor-agx', 'thor-agx-t4000'] },
];

/** Names of the variants that tell Orin NX from Orin Nano, for messages. */
const VARIANT_NAMES: Record<string, string> = { 'p3767-0000': 'Orin NX 16 GB', 'p3767-0001': 'Orin NX 8 GB', 'p3767-0003': 'Orin Nano 8 GB', 'p3767-0004': 'Orin Nano 4 GB', 'p3767-0005': 'Orin Nano 8 GB' };

export interface RobotModule {
  /** `p3701-0005`. */
  part: string;
  /** "AGX Orin", "Orin Nano 8 GB". */
  name: string;
  /** The jetpack-nixos SoM values that fit it. */
  soms: readonly string[];
}

/** The module a device tree names, or undefined when it names none we know. */
export function moduleOfCompatible(compatible: readonly string[]): RobotModule | undefined {
  for (const entry of compatible) {
    for (const m of entry.matchAll(/p(\d{4})-(\d{4})/g)) {
      const board = `p${m[1]}`;
      const known = DEVICE_TREE_MODULES.find((d) => d.board === board);
      if (!known) continue;
      const part = `${board}-${m[2]}`;
      return { part, name: VARIANT_NAMES[part] ?? known.name, soms: known.variants?.[m[2]!] ?? known.soms };
    }
  }
  return undefined;
}

/** Whether the robot is an NVIDIA Tegra at all. */
export function isTegra(compatible: readonly string[]): boolean {
  return compatible.some((c) => /^nvidia,tegra\d+/.test(c));
}

export type RobotSomCheck =
  | { verdict: 'match' | 'not-jetson-configuration' }
  /** Refused: the configuration is for another module. */
  | { verdict: 'mismatch'; message: string }
  /** The robot's module could not be told: the user is asked. */
  | { verdict: 'unverifiable'; message: string };

/** Whether a configuration (`som` as its modules set it) fits the robot's device tree. */
export function checkRobotSom(options: { som: string | undefined; compatible: readonly string[]; robot: string; configuration: string }): RobotSomCheck {
  const { som, compatible, robot, configuration } = options;
  if (som === undefined) return { verdict: 'not-jetson-configuration' };
  const module = moduleOfCompatible(compatible);
  if (som === 'generic') {
    if (compatible.length === 0 || isTegra(compatible)) return { verdict: 'match' };
    return { verdict: 'mismatch', message: `${configuration} is a Jetson configuration (som = "generic"), but ${robot} is no NVIDIA Tegra (its device tree says ${compatible.slice(0, 2).join(', ')}).` };
  }
  if (module) {
    if (module.soms.includes(som)) return { verdict: 'match' };
    return {
      verdict: 'mismatch',
      message: `${configuration} targets ${som}, but ${robot} is an ${module.name} (nvidia,${module.part}). Deploy a configuration for ${module.soms.map((s) => `"${s}"`).join(' or ')}, or check that the robot's address is the one you meant.`,
    };
  }
  if (compatible.length === 0) return { verdict: 'unverifiable', message: `${robot} has no device tree (${'/proc/device-tree/compatible'} is missing), so Jetson Nix cannot check that ${configuration} (${som}) fits its module.` };
  if (!isTegra(compatible)) return { verdict: 'mismatch', message: `${configuration} targets the Jetson module ${som}, but ${robot} is no NVIDIA Tegra (its device tree says ${compatible.slice(0, 2).join(', ')}).` };
  return { verdict: 'unverifiable', message: `${robot}'s module (${compatible[0]}) is not in Jetson Nix's table, so it cannot check that ${configuration} (${som}) fits it.` };
}
