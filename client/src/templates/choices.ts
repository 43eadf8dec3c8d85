/**
 * The choices of the new-project wizard, taken from the option schema bundled with the extension
 * (jetpack-nixos's own SoMs, carrier boards and JetPack versions), so the wizard offers exactly
 * the combinations the diagnostics accept. No `vscode` import.
 */
import schemaJson from '../../../server/schema/jetpack-nixos.json';
import type { Schema, SomFacts } from '../../../server/src/schema/types';

const SCHEMA = schemaJson as unknown as Schema;

/** What people call each module (the option values are jetpack-nixos's names). */
const SOM_NAMES: Record<string, string> = {
  'orin-agx': 'Jetson AGX Orin',
  'orin-agx-industrial': 'Jetson AGX Orin Industrial',
  'orin-nx': 'Jetson Orin NX',
  'orin-nano': 'Jetson Orin Nano',
  'thor-agx': 'Jetson AGX Thor',
  'thor-agx-t4000': 'Jetson Thor T4000',
  'xavier-agx': 'Jetson AGX Xavier',
  'xavier-agx-industrial': 'Jetson AGX Xavier Industrial',
  'xavier-nx': 'Jetson Xavier NX',
  'xavier-nx-emmc': 'Jetson Xavier NX (eMMC)',
  generic: 'Another module (generic)',
};

const BOARD_NAMES: Record<string, string> = {
  devkit: "NVIDIA's developer kit",
  generic: 'Your own carrier board (generic)',
  xavierNxDevkit: 'Orin NX on the Xavier NX developer kit board',
};

export interface SomChoice extends SomFacts {
  /** "Jetson AGX Orin". */
  title: string;
}

/** Every SoM, the named modules first and `generic` last. */
export function somChoices(): SomChoice[] {
  const named = SCHEMA.soms.filter((s) => s.som !== 'generic');
  const generic = SCHEMA.soms.filter((s) => s.som === 'generic');
  return [...named, ...generic].map((s) => ({ ...s, title: SOM_NAMES[s.som] ?? s.som }));
}

export function somChoice(som: string): SomChoice | undefined {
  return somChoices().find((s) => s.som === som);
}

/** The carrier boards a SoM can use: `xavierNxDevkit` carries only an Orin NX. */
export function carrierBoardsFor(som: string): { board: string; title: string }[] {
  const option = SCHEMA.options.find((o) => o.name === 'hardware.nvidia-jetpack.carrierBoard');
  const values = option?.type.kind === 'enum' ? option.type.values.map(String) : ['generic', 'devkit'];
  // The developer kit first: it is what most projects start on.
  const ordered = [...values].sort((a, b) => (a === 'devkit' ? -1 : b === 'devkit' ? 1 : 0));
  return ordered.filter((b) => b !== 'xavierNxDevkit' || som === 'orin-nx').map((board) => ({ board, title: BOARD_NAMES[board] ?? board }));
}

/** The JetPack versions a SoM runs on a carrier board, its default first (no JetPack 7 on the Xavier NX devkit board). */
export function jetpackVersionsFor(som: string, board: string): string[] {
  const facts = somChoice(som);
  if (!facts) return [];
  const versions = facts.jetpackVersions.filter((v) => !(board === 'xavierNxDevkit' && v === '7'));
  return [...versions].sort((a, b) => (a === facts.defaultJetpack ? -1 : b === facts.defaultJetpack ? 1 : a.localeCompare(b)));
}

/** L4T and CUDA of a JetPack version ("L4T 36.5.0 · CUDA 12.6"). */
export function jetpackDetail(version: string): string | undefined {
  const jp = SCHEMA.jetpacks[version];
  return jp ? `L4T ${jp.l4t} · CUDA ${jp.cuda}` : undefined;
}

/** ROS 2 distributions nix-ros-overlay builds, with why one would pick each. */
export const ROS_DISTROS: { distro: string; detail: string }[] = [
  { distro: 'jazzy', detail: 'Long-term support until May 2029' },
  { distro: 'humble', detail: 'Long-term support until May 2027' },
  { distro: 'kilted', detail: 'Supported until November 2026' },
  { distro: 'rolling', detail: 'The development distribution: newest packages, moving target' },
];

const NIX_KEYWORDS = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or']);

/**
 * Why a host name cannot be used, or undefined when it can: it names the configuration
 * (`nixosConfigurations.<name>`, a Nix attribute) and the machine (`networking.hostName`, a DNS label).
 */
export function hostnameProblem(name: string): string | undefined {
  if (name === '') return 'Enter a host name, e.g. robot.';
  if (name.length > 63) return 'A host name has at most 63 characters.';
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(name)) return 'Use letters, digits and hyphens, starting with a letter.';
  if (name.endsWith('-')) return 'A host name cannot end with a hyphen.';
  if (NIX_KEYWORDS.has(name)) return `\`${name}\` is a Nix keyword; choose another name.`;
  return undefined;
}
