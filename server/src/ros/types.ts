/**
 * The ROS 2 package index: what nix-ros-overlay provides under `rosPackages.<distro>`, read
 * statically from its generated package files and its overlays. These are the shapes of the
 * extraction (plain objects, used by the extractor and the tests) and of the compact file the
 * extension ships (`server/ros/ros-index.json`).
 */

/** The four lists `buildRosPackage` takes, by the key the index uses for each. */
export const DEPENDENCY_LISTS = {
  buildInputs: 'build',
  propagatedBuildInputs: 'propagated',
  checkInputs: 'check',
  nativeBuildInputs: 'native',
} as const;

/** `build`, `propagated`, `check`, `native`, and `other` for a formal argument in none of the lists. */
export type DependencyList = (typeof DEPENDENCY_LISTS)[keyof typeof DEPENDENCY_LISTS] | 'other';

/** The order dependency lists are stored in. */
export const DEPENDENCY_ORDER: readonly DependencyList[] = ['build', 'propagated', 'check', 'native', 'other'];

/**
 * One generated package. Dependencies are written as in the file: a formal argument
 * (`rclcpp`, `boost`), an attribute of one (`python3Packages.numpy`), or what superflore could
 * not resolve (`_unresolved_libserial-dev`, which makes the package fail to evaluate).
 */
export interface RosPackage {
  /** The attribute under `rosPackages.<distro>` (`nav2-bringup`). */
  attr: string;
  /** The ROS name (`nav2_bringup`), from the release archive's URL; undefined when it had none. */
  rosName?: string;
  version?: string;
  description?: string;
  /** `lib.licenses` attributes as `lib.licenses.asl20`, other licenses as written (`"BSD-2-Clause"`). */
  licenses: string[];
  /** `ament_cmake`, `ament_python`, `cmake`… */
  buildType?: string;
  dependencies: Record<DependencyList, string[]>;
}

/**
 * What a name the overlays add (or redefine) under `rosPackages.<distro>` is:
 * `alias` of another name in the set (`hpp-fcl = rosSelf.coal`), `nixpkgs` attribute
 * (`inherit (self.python3Packages) coal`), `null`, `package` defined by the overlay itself
 * (`callPackage ../pkgs/x { }`), `scope` function or helper (`callPackage`, `buildEnv`,
 * `overrideScope`), `broken` (an override of a package the distribution does not have:
 * evaluating it fails), or `other` (bound, but to something not read).
 */
export type OverlayNameKind = 'alias' | 'nixpkgs' | 'null' | 'package' | 'scope' | 'broken' | 'other';

export interface OverlayName {
  name: string;
  kind: OverlayNameKind;
  /** The alias's target name, the nixpkgs attribute path, or the package's source path. */
  target?: string;
  /** Where it is bound, relative to the overlay's root. */
  file: string;
  line?: number;
}

/** Something the extractor could not read, and why. */
export interface ExtractionProblem {
  file: string;
  line?: number;
  message: string;
}

/** Everything known about one distribution. */
export interface DistroExtraction {
  name: string;
  /** From `mkRosDistroOverlay { version = 2; … }`. */
  rosVersion?: number;
  packages: RosPackage[];
  /**
   * Names the overlays add that are not generated packages, and generated packages an overlay
   * replaces with something else (an alias, a nixpkgs package, `null`). Plain overrides of a
   * generated package (`rosSuper.x.overrideAttrs …`) are not listed: the name and data stand.
   */
  overlayNames: OverlayName[];
  /**
   * Why the set of names may be incomplete (an overlay whose names could not be read). Empty
   * when every name of `rosPackages.<distro>` is known, which is when a missing name is certain.
   */
  incomplete: ExtractionProblem[];
}

/** A distribution nix-ros-overlay carried once and removed, from its git history. */
export interface RemovedDistro {
  name: string;
  rosVersion?: number;
  /** The commit that deleted `distros/<name>/generated.nix` on the branch that was read. */
  removedIn: { revision: string; date: string; subject: string };
  /** Why, in the commit message's own words (its body's first paragraph), when it says. */
  reason?: string;
  /** The last revision that still had it (the removal's parent): pin this to keep using it. */
  lastRevision: string;
  /** Branches maintained after the removal that still define it (`ros1-25.05` for noetic). */
  branches: { name: string; date: string; revision: string }[];
  /** What the README says about where it went, when it names one of those branches. */
  readme?: string;
}

/** Where an index came from. */
export interface IndexSource {
  project: string;
  branch?: string;
  revision: string;
  /** The revision's commit date, YYYY-MM-DD. */
  date?: string;
  /** `flake.lock` for a live index read from the store. */
  lockedIn?: string;
}

/** The result of reading an overlay tree. */
export interface Extraction {
  distros: DistroExtraction[];
  /** Attributes of `rosPackages` that are not distributions (`lib`, `mkRosDistroOverlay`…). */
  otherAttributes: string[];
  problems: ExtractionProblem[];
  /** Package directories no generated.nix refers to (superflore leaves them behind): not attributes. */
  strayDirectories: number;
}

// ---------------------------------------------------------------------------------------------
// The compact file (`index-file.ts` writes and reads it): a line of magic, a line of JSON (the
// header below), then every string once, one per line (most used first, so common dependency
// names have short indices), then one line per package, distribution after distribution. A
// package line holds tab-separated fields of base-36 string indices:
//   attr, version, description, licenses, buildType, build, propagated, check, native, other[, rosName]
// lists comma-separated, an empty field for "none"; `rosName` only when it is not the attribute
// with `-` → `_`. Lines stay lines until asked for: nothing is decoded at load but the header.

/** An overlay name in the header: `[name, kind, target or null, file, line (0: unknown)]`. */
export type OverlayRow = [string, OverlayNameKind, string | null, string, number];

export interface DistroHeader {
  name: string;
  rosVersion?: number;
  /** How many package lines follow for this distribution. */
  packages: number;
  overlayNames: OverlayRow[];
  incomplete: ExtractionProblem[];
}

export interface IndexHeader {
  source: IndexSource;
  /** How many string lines follow the header. */
  strings: number;
  distros: DistroHeader[];
  otherAttributes: string[];
  removed: RemovedDistro[];
}

/** The first line of the file; the number is the format. */
export const INDEX_MAGIC = '#jetson-nix-ros-index 1';
