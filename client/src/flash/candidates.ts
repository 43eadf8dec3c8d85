/**
 * What can be flashed: a `nixosConfiguration` of a workspace flake (its
 * `config.system.build.flashScript`), a `flash-*` package of a workspace flake, or one of
 * jetpack-nixos's own `flash-*` packages. Each candidate carries the SoM it targets, read
 * statically (the language server's flakeOutputs) or from the package name, never by evaluating.
 * No `vscode` import.
 */
import type { FlakeConfiguration, FlakeOutput } from '../../../server/src/protocol';
import { attrPathOf, configurationInstallable, packageInstallable } from '../nix/build';
import type { JetsonDevice } from '../usb/ids';

/** What to build, in the shape the build machinery takes. */
export interface FlashTarget {
  /** The folder `nix build` runs in (the flake's folder). */
  flakeDir: string;
  /** `.#nixosConfigurations.robot.config.system.build.flashScript`, or any flake reference. */
  installable: string;
  /** A short name for progress and messages. */
  label: string;
}

export interface FlashCandidate {
  kind: 'configuration' | 'package' | 'reference';
  /** The configuration or package name. */
  name: string;
  target: FlashTarget;
  som?: string;
  carrierBoard?: string;
  majorVersion?: string;
  /** Where `som` came from: the configuration's modules, the package name, or nowhere. */
  somSource: 'modules' | 'name' | 'unknown';
  /** Set when the flash script is already built (a finished build handed to the command). */
  outPath?: string;
  /** Modules of the configuration the language server could not read (they may set `som`). */
  unreadModules?: string[];
}

/** jetpack-nixos's flake, where its reference `flash-*` packages come from. */
export const JETPACK_NIXOS_FLAKE = 'github:anduril/jetpack-nixos';

/**
 * Every SoM jetpack-nixos knows (hardware.nvidia-jetpack.som), longest first so that a prefix
 * match in a package name picks `orin-agx-industrial` before `orin-agx`.
 */
export const KNOWN_SOMS: readonly string[] = [
  'generic',
  'orin-agx',
  'orin-agx-industrial',
  'orin-nx',
  'orin-nano',
  'thor-agx',
  'thor-agx-t4000',
  'xavier-agx',
  'xavier-agx-industrial',
  'xavier-nx',
  'xavier-nx-emmc',
].sort((a, b) => b.length - a.length);

/** The JetPack major version jetpack-nixos picks when a configuration sets none. */
export function defaultJetpack(som: string): string {
  if (som.startsWith('xavier-')) return '5';
  if (som.startsWith('thor-')) return '7';
  return '6';
}

/**
 * jetpack-nixos's flash packages for x86_64-linux at the revision the schema describes (its flake's
 * `packages.x86_64-linux.flash-*`, as listed in the reference facts).
 */
export const REFERENCE_FLASH_PACKAGES: readonly string[] = [
  'flash-orin-agx-devkit',
  'flash-orin-agx-devkit-jp5',
  'flash-orin-agx-devkit-jp7',
  'flash-orin-agx-industrial-devkit',
  'flash-orin-agx-industrial-devkit-jp5',
  'flash-orin-agx-industrial-devkit-jp7',
  'flash-orin-agx-super-devkit-jp7',
  'flash-orin-nano-devkit',
  'flash-orin-nano-devkit-jp5',
  'flash-orin-nano-devkit-jp7',
  'flash-orin-nano-super-devkit',
  'flash-orin-nano-super-devkit-jp5',
  'flash-orin-nano-super-devkit-jp7',
  'flash-orin-nx-devkit',
  'flash-orin-nx-devkit-jp5',
  'flash-orin-nx-devkit-jp7',
  'flash-orin-nx-super-devkit',
  'flash-orin-nx-super-devkit-jp5',
  'flash-orin-nx-super-devkit-jp7',
  'flash-orin-nx-xavierNxDevkit',
  'flash-orin-nx-xavierNxDevkit-jp5',
  'flash-orin-nx-xavierNxDevkit-jp7',
  'flash-thor-agx-devkit',
  'flash-thor-agx-t4000-devkit',
  'flash-xavier-agx-devkit',
  'flash-xavier-agx-industrial-devkit',
  'flash-xavier-nx-devkit',
  'flash-xavier-nx-emmc-devkit',
];

export interface FlashPackageName {
  som: string;
  carrierBoard: string;
  super: boolean;
  majorVersion: string;
}

/** Reads `flash-<som>[-super]-<carrierBoard>[-jp5|-jp7]`, jetpack-nixos's naming, or undefined. */
export function parseFlashPackageName(name: string): FlashPackageName | undefined {
  if (!name.startsWith('flash-')) return undefined;
  const rest = name.slice('flash-'.length);
  const som = KNOWN_SOMS.find((s) => rest.startsWith(`${s}-`));
  if (!som) return undefined;
  const m = /^(super-)?([A-Za-z][A-Za-z0-9]*)(?:-jp([0-9]+))?$/.exec(rest.slice(som.length + 1));
  if (!m) return undefined;
  return { som, carrierBoard: m[2]!, super: m[1] !== undefined, majorVersion: m[3] ?? defaultJetpack(som) };
}

/** The installable of a configuration's flash script. */
export function flashScriptInstallable(configuration: string): string {
  return configurationInstallable(configuration, 'flashScript');
}

/** A workspace configuration as a candidate; its SoM is what the language server read from its modules. */
export function configurationCandidate(flakeDir: string, configuration: Pick<FlakeConfiguration, 'name' | 'som' | 'carrierBoard' | 'majorVersion' | 'unreadModules'>): FlashCandidate {
  const candidate: FlashCandidate = {
    kind: 'configuration',
    name: configuration.name,
    target: { flakeDir, installable: flashScriptInstallable(configuration.name), label: `${configuration.name} (flash script)` },
    somSource: configuration.som ? 'modules' : 'unknown',
  };
  if (configuration.som) candidate.som = configuration.som;
  if (configuration.carrierBoard) candidate.carrierBoard = configuration.carrierBoard;
  if (configuration.unreadModules?.length) candidate.unreadModules = [...configuration.unreadModules];
  const major = configuration.majorVersion ?? (configuration.som ? defaultJetpack(configuration.som) : undefined);
  if (major) candidate.majorVersion = major;
  return candidate;
}

/** A workspace flake's `flash-*` package as a candidate, or undefined for any other package. */
export function packageCandidate(flakeDir: string, output: Pick<FlakeOutput, 'name' | 'system'>): FlashCandidate | undefined {
  if (!output.name.startsWith('flash-')) return undefined;
  const installable = packageInstallable(output.name, output.system);
  return withParsedName({ kind: 'package', name: output.name, target: { flakeDir, installable, label: output.name }, somSource: 'unknown' });
}

/**
 * jetpack-nixos's own flash packages that fit the device (all of them for a module we cannot
 * identify). Building one downloads jetpack-nixos and NVIDIA's BSP, which the picker says.
 */
export function referenceCandidates(device: JetsonDevice, cwd: string): FlashCandidate[] {
  const soms = device.module?.soms;
  return REFERENCE_FLASH_PACKAGES.map((name) =>
    withParsedName({
      kind: 'reference',
      name,
      target: { flakeDir: cwd, installable: `${JETPACK_NIXOS_FLAKE}#${name}`, label: name },
      somSource: 'unknown',
    }),
  ).filter((c) => !soms || (c.som !== undefined && soms.includes(c.som)));
}

/**
 * The candidate an installable names, for a build handed over by another command: a
 * configuration's flash script (its SoM looked up among the flake's configurations) or a
 * `flash-*` package. Undefined for anything that is not a flash script.
 */
export function candidateFromInstallable(
  target: FlashTarget,
  configurations: readonly Pick<FlakeConfiguration, 'name' | 'som' | 'carrierBoard' | 'majorVersion' | 'unreadModules'>[],
): FlashCandidate | undefined {
  const attributes = attrPathOf(target.installable);
  const at = attributes.indexOf('nixosConfigurations');
  const name = at >= 0 ? attributes[at + 1] : undefined;
  if (name !== undefined) {
    const found = configurations.find((c) => c.name === name) ?? { name };
    return { ...configurationCandidate(target.flakeDir, found), target: { ...target, installable: flashScriptInstallable(name) } };
  }
  const last = attributes.at(-1);
  if (last?.startsWith('flash-')) return withParsedName({ kind: 'package', name: last, target, somSource: 'unknown' });
  return undefined;
}

function withParsedName(candidate: FlashCandidate): FlashCandidate {
  const parsed = parseFlashPackageName(candidate.name);
  if (!parsed) return candidate;
  return { ...candidate, som: parsed.som, carrierBoard: parsed.carrierBoard, majorVersion: parsed.majorVersion, somSource: 'name' };
}

/** "orin-agx · devkit · JetPack 6": what a candidate targets, for pickers and dialogs. */
export function describeTarget(candidate: FlashCandidate): string {
  const parts = [candidate.som ?? 'SoM not readable statically'];
  if (candidate.carrierBoard) parts.push(candidate.carrierBoard);
  if (candidate.majorVersion) parts.push(`JetPack ${candidate.majorVersion}`);
  return parts.join(' · ');
}
