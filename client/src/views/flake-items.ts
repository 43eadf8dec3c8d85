/**
 * What the Jetson view shows for each flake, as plain data: the static reading of flake.nix
 * (instant) merged with what Nix confirmed (when it was allowed to run). Items Nix listed replace
 * the static ones; names only flake.nix shows stay until Nix answers; a failure is an item of its
 * own. No `vscode` import, so the merging and the targets the commands receive are unit-tested.
 */
import * as path from 'node:path';
import type { FlakeConfiguration, FlakeOutput, FlakeOutputs, Span } from '../../../server/src/protocol';
import type { Listing, NixDiscovery } from '../nix/discovery';
import { isRosShell, rosDistroOf } from '../nix/dev-env';

/** What `jetsonNix.build` receives from an item: an installable relative to the flake's folder. */
export interface BuildTarget {
  flakeDir: string;
  /** `.#nixosConfigurations.robot.config.system.build.toplevel`, `.#packages.x86_64-linux.flash-robot`… */
  installable: string;
  label: string;
}

/** What the dev shell commands receive: `nix <extraArgs…> develop <ref>` in the flake's folder. */
export interface ShellTarget {
  flakeDir: string;
  /** `.#ros2`, `nix-ros-overlay#example-ros2-desktop-jazzy`… */
  ref: string;
  /** Flags of `nix develop` before the ref (`--inputs-from .` for an input's shells). */
  extraArgs: string[];
  /** The shell's attribute name. */
  name: string;
}

export type Section = 'configurations' | 'packages' | 'devShells';

export interface ViewItem {
  /** Stable across refreshes, so the tree keeps its expansion and selection. */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** Matches the `when` clauses of package.json's menus. */
  contextValue: 'configuration' | 'package' | 'package.flash' | 'devShell' | 'inputShells' | 'flake' | 'message.error' | 'message.info';
  /** A codicon name. */
  icon: string;
  /** Where the item is written, opened when it is clicked. */
  location?: { file: string; span: Span };
  buildTarget?: BuildTarget;
  shellTarget?: ShellTarget;
  /** Whether Nix listed it (otherwise it was only read from flake.nix). */
  confirmed?: boolean;
  children?: ViewItem[];
}

/** One flake.nix of the workspace and what is known about it. */
export interface FlakeState {
  /** The flake's folder (absolute). */
  dir: string;
  /** How the folder is named in the view (relative to its workspace folder). */
  label: string;
  /** The system whose outputs are shown. */
  system: string;
  /** The static reading; undefined while (or when) the language server cannot answer. */
  outputs?: FlakeOutputs;
  /** Nix's listing, when Nix was asked and answered. */
  nix?: NixDiscovery;
  /** Why Nix was not asked, or why it failed as a whole (one sentence). */
  notice?: { severity: 'error' | 'info'; message: string };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/** An attribute name as an installable writes it (quoted when it is not a plain identifier). */
export function attributeName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** Whether a package is a flash script (the Flash action is offered on it). */
export function isFlashPackage(name: string): boolean {
  return /^flash-|flashscript/i.test(name);
}

function packageKind(name: string): { description?: string; icon: string } {
  if (isFlashPackage(name)) return { description: 'flash script', icon: 'zap' };
  if (/iso/i.test(name)) return { description: 'ISO image', icon: 'disc' };
  if (/sd-?image|image/i.test(name)) return { description: 'image', icon: 'file-binary' };
  return { icon: 'package' };
}

/** "orin-agx · JetPack 6": the SoM and JetPack a configuration's modules set. */
export function configurationDescription(c: Pick<FlakeConfiguration, 'som' | 'majorVersion'>): string | undefined {
  const parts = [c.som, c.majorVersion && `JetPack ${c.majorVersion}`].filter((p): p is string => !!p);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

/**
 * Names to show for one output kind: Nix's when it listed them, otherwise flake.nix's. Static
 * details (where it is written, the SoM) are kept for names both know.
 */
function merge<T extends { name: string }>(listing: Listing | undefined, known: T[]): { entries: { name: string; known?: T; confirmed: boolean }[]; error?: string } {
  if (listing && 'names' in listing) return { entries: listing.names.map((name) => ({ name, known: known.find((k) => k.name === name), confirmed: true })) };
  return { entries: known.map((k) => ({ name: k.name, known: k, confirmed: false })), error: listing && 'error' in listing ? listing.error : undefined };
}

const NOT_CONFIRMED = 'Read from flake.nix; not confirmed by Nix.';

function messageItem(id: string, severity: 'error' | 'info', label: string, message: string): ViewItem {
  return { id, label, description: message, tooltip: message, contextValue: severity === 'error' ? 'message.error' : 'message.info', icon: severity === 'error' ? 'error' : 'info' };
}

/** What every item of one flake needs: ids in its section, its flake.nix, its system's outputs. */
class FlakeItems {
  readonly flakeFile: string;

  constructor(
    readonly state: FlakeState,
    readonly section: Section,
  ) {
    this.flakeFile = path.join(state.dir, 'flake.nix');
  }

  id(...parts: string[]): string {
    return [this.section, this.state.dir, ...parts].join('\0');
  }

  at(span: Span | undefined): ViewItem['location'] {
    return span ? { file: this.flakeFile, span } : undefined;
  }

  ofSystem(list: FlakeOutput[]): FlakeOutput[] {
    return list.filter((o) => o.system === undefined || o.system === this.state.system);
  }

  tooltip(attribute: string, confirmed: boolean, more = ''): string {
    return `${attribute}${more}${confirmed ? '' : `\n${NOT_CONFIRMED}`}`;
  }
}

function configurationItems(f: FlakeItems): { items: ViewItem[]; error?: string } {
  const merged = merge(f.state.nix?.configurations, f.state.outputs?.configurations ?? []);
  const items = merged.entries.map(({ name, known, confirmed }): ViewItem => ({
    id: f.id(name),
    label: name,
    description: known ? configurationDescription(known) : undefined,
    tooltip: f.tooltip(`nixosConfigurations.${name}`, confirmed, known?.carrierBoard ? `\nCarrier board: ${known.carrierBoard}` : ''),
    contextValue: 'configuration',
    icon: 'server-environment',
    location: f.at(known?.span),
    buildTarget: { flakeDir: f.state.dir, installable: `.#nixosConfigurations.${attributeName(name)}.config.system.build.toplevel`, label: name },
    confirmed,
  }));
  return { items, error: merged.error };
}

function packageItems(f: FlakeItems): { items: ViewItem[]; error?: string } {
  const { system } = f.state;
  const merged = merge(f.state.nix?.packages, f.ofSystem(f.state.outputs?.packages ?? []));
  const items = merged.entries.map(({ name, known, confirmed }): ViewItem => {
    const kind = packageKind(name);
    return {
      id: f.id(name),
      label: name,
      description: kind.description,
      tooltip: f.tooltip(`packages.${system}.${name}`, confirmed),
      contextValue: isFlashPackage(name) ? 'package.flash' : 'package',
      icon: kind.icon,
      location: f.at(known?.span),
      buildTarget: { flakeDir: f.state.dir, installable: `.#packages.${system}.${attributeName(name)}`, label: name },
      confirmed,
    };
  });
  return { items, error: merged.error };
}

function devShellItems(f: FlakeItems): { items: ViewItem[]; error?: string } {
  const { system, dir } = f.state;
  const merged = merge(f.state.nix?.devShells, f.ofSystem(f.state.outputs?.devShells ?? []));
  const items = merged.entries.map(({ name, known, confirmed }) => {
    // `nix develop` looks under devShells.<system> first, so the short form names this shell.
    const ref = IDENTIFIER.test(name) ? `.#${name}` : `.#devShells.${system}.${attributeName(name)}`;
    return shellItem(f.id(name), { flakeDir: dir, ref, extraArgs: [], name }, f.tooltip(`devShells.${system}.${name}`, confirmed), f.at(known?.span), confirmed);
  });
  for (const { input, listing } of f.state.nix?.inputShells ?? []) {
    if ('error' in listing) {
      items.push(messageItem(f.id('input', input), 'error', `Shells of ${input}`, listing.error));
      continue;
    }
    if (listing.names.length === 0) continue;
    const children = listing.names.map((name) => {
      const target = { flakeDir: dir, ref: `${input}#${attributeName(name)}`, extraArgs: ['--inputs-from', '.'], name };
      return shellItem(f.id('input', input, name), target, `${input}: devShells.${system}.${name}\nOpened at the revision flake.lock pins.`, undefined, true);
    });
    items.push({ id: f.id('input', input), label: `${input} examples`, description: `${children.length} shells`, tooltip: `Example dev shells of the ${input} input`, contextValue: 'inputShells', icon: 'folder-library', children });
  }
  return { items, error: merged.error };
}

const SECTIONS: Record<Section, (f: FlakeItems) => { items: ViewItem[]; error?: string }> = {
  configurations: configurationItems,
  packages: packageItems,
  devShells: devShellItems,
};

function itemsOf(state: FlakeState, section: Section): ViewItem[] {
  const f = new FlakeItems(state, section);
  const { items, error } = SECTIONS[section](f);
  if (error !== undefined) items.push(messageItem(f.id('error'), 'error', 'Nix could not list these', error));
  if (state.notice) items.push(messageItem(f.id('notice'), state.notice.severity, state.notice.severity === 'error' ? 'Nix failed' : 'Not confirmed with Nix', state.notice.message));
  return items;
}

function shellItem(id: string, target: ShellTarget, tooltip: string, location: ViewItem['location'], confirmed: boolean): ViewItem {
  const distro = rosDistroOf(target.name);
  return {
    id,
    label: target.name,
    description: distro ? `ROS 2 ${distro}` : isRosShell(target.name) ? 'ROS 2' : undefined,
    tooltip,
    contextValue: 'devShell',
    icon: 'terminal',
    location,
    shellTarget: target,
    confirmed,
  };
}

/**
 * The top level of one section of the view: the items of the only flake, or one node per flake
 * when the workspace has several.
 */
export function sectionItems(section: Section, flakes: FlakeState[]): ViewItem[] {
  if (flakes.length === 1) return itemsOf(flakes[0]!, section);
  return flakes.map((flake) => ({
    id: [section, flake.dir].join('\0'),
    label: flake.label,
    tooltip: path.join(flake.dir, 'flake.nix'),
    contextValue: 'flake' as const,
    icon: 'folder',
    location: { file: path.join(flake.dir, 'flake.nix'), span: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } },
    children: itemsOf(flake, section),
  }));
}

/** Every dev shell of every flake, for the quick pick of the dev shell commands. */
export function allShells(flakes: FlakeState[]): { target: ShellTarget; flake: FlakeState; input?: string }[] {
  const out: { target: ShellTarget; flake: FlakeState; input?: string }[] = [];
  for (const flake of flakes) {
    for (const item of itemsOf(flake, 'devShells')) {
      if (item.shellTarget) out.push({ target: item.shellTarget, flake });
      for (const child of item.children ?? []) if (child.shellTarget) out.push({ target: child.shellTarget, flake, input: item.label.replace(/ examples$/, '') });
    }
  }
  return out;
}

/** Every build target of every flake (configurations and packages), for a quick pick. */
export function allBuildTargets(flakes: FlakeState[]): { target: BuildTarget; flake: FlakeState; section: Section }[] {
  const out: { target: BuildTarget; flake: FlakeState; section: Section }[] = [];
  for (const flake of flakes) {
    for (const section of ['configurations', 'packages'] as const) {
      for (const item of itemsOf(flake, section)) if (item.buildTarget) out.push({ target: item.buildTarget, flake, section });
    }
  }
  return out;
}
