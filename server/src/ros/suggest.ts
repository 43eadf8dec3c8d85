import { closest } from '../util/edit-distance';
import type { RosIndex } from './ros-index';
import type { RemovedDistro } from './types';

/**
 * Did-you-mean for ROS package and distribution names, for the three mistakes people make:
 * the ROS name (`nav2_bringup`) where the attribute is `nav2-bringup`, a package of another
 * distribution, and a typo. Ranked in that order: the first two are certain, a typo is a guess.
 */

export type SuggestionKind = 'ros-name' | 'other-distro' | 'typo';

export interface RosSuggestion {
  kind: SuggestionKind;
  /** The name to write instead, in the same distribution; absent when only another distribution has it. */
  replacement?: string;
  /** For `other-distro`: the distributions that have it. */
  distros?: string[];
  /** One sentence, with names in backticks. */
  message: string;
}

/** `a`, `a and b`, `a, b and c`. */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`;
}

/** Suggestions for `rosPackages.<distro>.<name>` when that name does not exist; empty when it does. */
export function suggestPackage(index: RosIndex, distro: string, name: string): RosSuggestion[] {
  if (!index.hasDistro(distro) || index.has(distro, name)) return [];
  const out: RosSuggestion[] = [];
  const dashed = name.replace(/_/g, '-');
  const attr = index.attrOfRosName(distro, name) ?? (dashed !== name && index.has(distro, dashed) ? dashed : undefined);
  if (attr !== undefined) {
    out.push({ kind: 'ros-name', replacement: attr, message: `\`${name}\` is the ROS name; nix-ros-overlay names the package \`${attr}\`` });
  }
  const target = attr ?? dashed;
  if (attr === undefined) {
    const elsewhere = otherDistros(index, distro, name, dashed);
    if (elsewhere) out.push(elsewhere);
  }
  // A typo is a guess: offered only when the name is not a certain ROS name.
  if (attr !== undefined) return out;
  for (const c of closest(target, index.names(distro))) out.push({ kind: 'typo', replacement: c, message: `did you mean \`${c}\`?` });
  return out;
}

/** "`x` exists in humble and jazzy, not in lyrical", when another distribution has the name or its dashed form. */
function otherDistros(index: RosIndex, distro: string, name: string, dashed: string): RosSuggestion | undefined {
  for (const candidate of dashed === name ? [name] : [name, dashed]) {
    const found = index.distrosWith(candidate, distro);
    if (found.length > 0) {
      return { kind: 'other-distro', distros: found, message: `\`${candidate}\` exists in ${listWords(found)}, not in ${distro}` };
    }
  }
  return undefined;
}

/** What to say about `rosPackages.<name>` when `name` is not a distribution of the index. */
export interface DistroSuggestion {
  /** Set when nix-ros-overlay carried it once. */
  removed?: RemovedDistro;
  /** Distributions the name may be a typo of. */
  typos: string[];
  message: string;
}

/** Suggestions for an unknown distribution; undefined when it is one (or another attribute of `rosPackages`). */
export function suggestDistro(index: RosIndex, name: string): DistroSuggestion | undefined {
  if (index.hasDistro(name) || index.otherAttributes().includes(name)) return undefined;
  const removed = index.removedDistro(name);
  const current = index.distros().map((d) => d.name);
  if (removed) return { removed, typos: [], message: removedDistroMessage(removed, index.source.project, current) };
  const typos = closest(name, current);
  const known = `nix-ros-overlay has ${listWords(current)}`;
  return { typos, message: typos.length > 0 ? `\`${name}\` is not a ROS distribution of nix-ros-overlay; did you mean ${listWords(typos.map((t) => `\`${t}\``))}? (${known})` : `\`${name}\` is not a ROS distribution of nix-ros-overlay (${known})` };
}

/** Where a removed distribution went, in one or two sentences. */
export function removedDistroMessage(r: RemovedDistro, project: string, current: readonly string[]): string {
  const ros = r.rosVersion !== undefined ? ` (ROS ${r.rosVersion})` : '';
  const head = `\`${r.name}\`${ros} was removed from nix-ros-overlay on ${r.removedIn.date} (${r.removedIn.revision.slice(0, 7)}: ${r.removedIn.subject}).`;
  const branch = r.branches[0];
  if (branch) return `${head} It lives on in the \`${branch.name}\` branch: \`github:${project}/${branch.name}\`.`;
  const now = current.length > 0 ? ` Current distributions: ${listWords(current)}.` : '';
  return `${head} The last revision with it is \`github:${project}/${r.lastRevision}\`.${now}`;
}
