import { closest } from '../util/edit-distance';
import type { RosIndex } from './ros-index';
import { isAttributePath, rosdepAttributes, rosdepKeys } from './rosdep';
import { type RosSuggestion, suggestPackage } from './suggest';
import type { OverlayName } from './types';

/**
 * What a `package.xml` dependency is for a Nix dev shell, in the order colcon and rosdep decide
 * it: a package of the workspace itself (built by colcon, skipped), a ROS package of the
 * distribution (`rosPackages.<distro>.<attr>`, checked against the index), a system dependency
 * (a rosdep key, mapped to nixpkgs attributes by its `nixos` rule), or nothing we can map, with
 * the reason and did-you-mean against the index and the rosdep keys.
 */

export type DependencyClass =
  | { kind: 'workspace'; name: string }
  | {
      kind: 'ros';
      name: string;
      attr: string;
      /** `rosPackages.jazzy.nav2-bringup`. */
      expression: string;
      /** When an overlay replaced the generated package (an alias, a nixpkgs package, `null`). */
      replacedBy?: OverlayName;
    }
  | {
      kind: 'system';
      name: string;
      /** nixpkgs attribute paths (`python3Packages.numpy`); empty when the key needs nothing on NixOS. */
      attrs: string[];
    }
  | {
      kind: 'unmapped';
      name: string;
      reason: string;
      /**
       * False when the index of the distribution is incomplete (an overlay's names were not read):
       * the name may then exist, and nothing should be reported as an error.
       */
      certain: boolean;
      suggestions: DependencySuggestion[];
    };

export interface DependencySuggestion {
  /** A ROS package (`rosPackages.<distro>.<attr>`) or a rosdep key. */
  kind: 'ros' | 'rosdep';
  /** What to write in package.xml instead, when there is one (ROS name or rosdep key). */
  replacement?: string;
  message: string;
}

export interface ClassifyContext {
  index: RosIndex;
  distro: string;
  /** The names of the workspace's own packages. */
  workspace: ReadonlySet<string>;
}

/** Classifies one dependency name. */
export function classifyDependency(name: string, c: ClassifyContext): DependencyClass {
  if (c.workspace.has(name)) return { kind: 'workspace', name };
  const attr = c.index.attrOfRosName(c.distro, name);
  if (attr !== undefined) {
    const replacedBy = c.index.packageInfo(c.distro, attr)?.replacedBy;
    return { kind: 'ros', name, attr, expression: `rosPackages.${c.distro}.${attr}`, ...(replacedBy ? { replacedBy } : {}) };
  }
  const attrs = rosdepAttributes(name);
  if (attrs !== undefined) {
    const bad = attrs.find((a) => !isAttributePath(a));
    if (bad === undefined) return { kind: 'system', name, attrs };
    return { kind: 'unmapped', name, reason: `rosdep's nixos rule for \`${name}\` is \`${bad}\`, which is not a nixpkgs attribute`, certain: true, suggestions: [] };
  }
  return unmapped(name, c);
}

function unmapped(name: string, c: ClassifyContext): DependencyClass {
  const revision = c.index.source.revision.slice(0, 7);
  const certain = c.index.isComplete(c.distro);
  const reason = certain
    ? `\`${name}\` is neither a ROS package of ${c.distro} in nix-ros-overlay ${revision} nor a rosdep key`
    : `\`${name}\` is neither a ROS package of ${c.distro} known to the index of nix-ros-overlay ${revision} nor a rosdep key; that index is incomplete, so it may exist`;
  const suggestions: DependencySuggestion[] = [];
  // The Nix attribute written where package.xml wants the ROS name.
  const asAttr = c.index.packageInfo(c.distro, name);
  if (asAttr) suggestions.push({ kind: 'ros', replacement: asAttr.rosName, message: `\`${name}\` is the Nix attribute; package.xml names the package \`${asAttr.rosName}\`` });
  suggestions.push(...suggestPackage(c.index, c.distro, name).map((s) => fromRos(s, c)));
  for (const key of closest(name, rosdepKeys())) suggestions.push({ kind: 'rosdep', replacement: key, message: `did you mean the rosdep key \`${key}\`?` });
  return { kind: 'unmapped', name, reason, certain, suggestions };
}

/** A package suggestion in package.xml's terms: the ROS name of the suggested attribute. */
function fromRos(s: RosSuggestion, c: ClassifyContext): DependencySuggestion {
  const rosName = s.replacement !== undefined ? (c.index.packageInfo(c.distro, s.replacement)?.rosName ?? s.replacement) : undefined;
  if (s.kind === 'other-distro') return { kind: 'ros', message: s.message };
  return { kind: 'ros', ...(rosName !== undefined ? { replacement: rosName } : {}), message: rosName !== undefined ? `did you mean \`${rosName}\` (\`rosPackages.${c.distro}.${s.replacement}\`)?` : s.message };
}
