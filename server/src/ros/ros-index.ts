import { defaultRosName, type IndexLines, unescapeLine } from './index-file';
import {
  DEPENDENCY_ORDER,
  type DependencyList,
  type DistroHeader,
  type ExtractionProblem,
  type IndexSource,
  type OverlayName,
  type RemovedDistro,
} from './types';

/**
 * Lookups in a package index (the bundled one, or one read live from the store). Built from the
 * compact file as it is: a distribution's name table is made the first time that distribution
 * is asked about, and a package becomes an object only when `packageInfo` asks for it.
 */

/** One package, decoded. */
export interface RosPackageInfo {
  distro: string;
  attr: string;
  /** The ROS name (`nav2_bringup`). */
  rosName: string;
  version?: string;
  description?: string;
  licenses: string[];
  buildType?: string;
  dependencies: Record<DependencyList, string[]>;
  /** When an overlay replaces the generated package (an alias, a nixpkgs package, `null`). */
  replacedBy?: OverlayName;
}

/** A distribution, for completion and messages. */
export interface DistroSummary {
  name: string;
  rosVersion?: number;
  packages: number;
  /** False when some names of the set could not be read: a missing name is then not certain. */
  complete: boolean;
  incomplete: ExtractionProblem[];
}

interface DistroTables {
  header: DistroHeader;
  lines: string[];
  /** Attribute → package line. */
  rows: Map<string, number>;
  overlay: Map<string, OverlayName>;
  /** ROS name → attribute, for names that are not the attribute with `-` → `_`. */
  rosNames: Map<string, string>;
}

export class RosIndex {
  private readonly tables = new Map<string, DistroTables>();
  private readonly byName: Map<string, DistroHeader>;
  private readonly decoded: (string | undefined)[];

  constructor(private readonly file: IndexLines) {
    this.byName = new Map(file.header.distros.map((d) => [d.name, d]));
    this.decoded = new Array<string | undefined>(file.strings.length);
  }

  /** Where the index came from (overlay revision and date). */
  get source(): IndexSource {
    return this.file.header.source;
  }

  /** The distributions, in the overlay's order. */
  distros(): DistroSummary[] {
    return this.file.header.distros.map((d) => ({
      name: d.name,
      ...(d.rosVersion !== undefined ? { rosVersion: d.rosVersion } : {}),
      packages: d.packages,
      complete: d.incomplete.length === 0,
      incomplete: d.incomplete,
    }));
  }

  hasDistro(name: string): boolean {
    return this.byName.has(name);
  }

  /** Attributes of `rosPackages` that are not distributions (`lib`, `mkRosDistroOverlay`…). */
  otherAttributes(): readonly string[] {
    return this.file.header.otherAttributes;
  }

  /** Whether `rosPackages.<distro>.<name>` exists: a generated package or a name an overlay binds. */
  has(distro: string, name: string): boolean {
    const t = this.table(distro);
    return !!t && (t.rows.has(name) || t.overlay.has(name));
  }

  /** Whether a missing name is certain to be missing (every overlay's names were read). */
  isComplete(distro: string): boolean {
    return this.byName.get(distro)?.incomplete.length === 0;
  }

  /** Every name of the distribution: packages, then the overlays' own names. */
  names(distro: string): string[] {
    const t = this.table(distro);
    if (!t) return [];
    return [...t.rows.keys(), ...[...t.overlay.keys()].filter((n) => !t.rows.has(n))];
  }

  /** The generated package `attr` of `distro`, decoded. */
  packageInfo(distro: string, attr: string): RosPackageInfo | undefined {
    const t = this.table(distro);
    const i = t?.rows.get(attr);
    if (!t || i === undefined) return undefined;
    const fields = t.lines[i]!.split('\t');
    const s = (k: number): string | undefined => this.string(fields[k]);
    const all = (k: number): string[] => (fields[k] ? fields[k]!.split(',').map((f) => this.string(f)).filter((x): x is string => x !== undefined) : []);
    const deps = {} as Record<DependencyList, string[]>;
    DEPENDENCY_ORDER.forEach((list, k) => (deps[list] = all(5 + k)));
    const replacedBy = t.overlay.get(attr);
    const info: RosPackageInfo = { distro, attr, rosName: s(10) ?? defaultRosName(attr), licenses: all(3), dependencies: deps };
    const version = s(1);
    const description = s(2);
    const buildType = s(4);
    if (version !== undefined) info.version = version;
    if (description !== undefined) info.description = description;
    if (buildType !== undefined) info.buildType = buildType;
    if (replacedBy) info.replacedBy = replacedBy;
    return info;
  }

  /** A name an overlay binds in `distro` (an alias, a nixpkgs package, a scope function…). */
  overlayName(distro: string, name: string): OverlayName | undefined {
    return this.table(distro)?.overlay.get(name);
  }

  /** The attribute of the package whose ROS name is `rosName` (`nav2_bringup` → `nav2-bringup`). */
  attrOfRosName(distro: string, rosName: string): string | undefined {
    const t = this.table(distro);
    if (!t) return undefined;
    const special = t.rosNames.get(rosName);
    if (special) return special;
    const attr = rosName.replace(/_/g, '-');
    const row = t.rows.get(attr);
    // Only when that package's ROS name really is this one: `nav2-bringup` is no ROS name, and
    // a package with its own spelling (`depthai-ros`) was found above.
    return row !== undefined && defaultRosName(attr) === rosName && field(t.lines[row]!, 10) === undefined ? attr : undefined;
  }

  /** The distributions (other than `except`) where `rosPackages.<d>.<name>` exists. */
  distrosWith(name: string, except?: string): string[] {
    return this.file.header.distros.map((d) => d.name).filter((d) => d !== except && this.has(d, name));
  }

  /** A distribution nix-ros-overlay carried and removed, with where it went. */
  removedDistro(name: string): RemovedDistro | undefined {
    return this.file.header.removed.find((r) => r.name === name);
  }

  /** Every removed distribution known to the index, newest removal first. */
  removedDistros(): readonly RemovedDistro[] {
    return this.file.header.removed;
  }

  /** The string a base-36 reference stands for; undefined for an empty or bad reference. */
  private string(ref: string | undefined): string | undefined {
    if (!ref) return undefined;
    const i = parseInt(ref, 36);
    if (!(i >= 0 && i < this.decoded.length)) return undefined;
    return (this.decoded[i] ??= unescapeLine(this.file.strings[i]!));
  }

  private table(distro: string): DistroTables | undefined {
    const cached = this.tables.get(distro);
    if (cached) return cached;
    const header = this.byName.get(distro);
    const lines = this.file.packages.get(distro);
    if (!header || !lines) return undefined;
    const rows = new Map<string, number>();
    const rosNames = new Map<string, string>();
    lines.forEach((line, i) => {
      const attr = this.string(line.slice(0, line.indexOf('\t')));
      if (attr === undefined) return;
      rows.set(attr, i);
      // An eleventh field is the package's own ROS name (few have one: find it without splitting).
      const rosName = this.string(field(line, 10));
      if (rosName !== undefined) rosNames.set(rosName, attr);
    });
    const overlay = new Map<string, OverlayName>();
    for (const [name, kind, target, file, line] of header.overlayNames) {
      const o: OverlayName = { name, kind, file };
      if (target !== null) o.target = target;
      if (line > 0) o.line = line;
      overlay.set(name, o);
    }
    const t = { header, lines, rows, overlay, rosNames };
    this.tables.set(distro, t);
    return t;
  }
}

/** The k-th tab-separated field of a line, undefined when it has fewer. */
function field(line: string, k: number): string | undefined {
  let start = 0;
  for (let i = 0; i < k; i++) {
    const tab = line.indexOf('\t', start);
    if (tab < 0) return undefined;
    start = tab + 1;
  }
  const end = line.indexOf('\t', start);
  return line.slice(start, end < 0 ? undefined : end);
}
