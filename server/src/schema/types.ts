/**
 * The option schema: what NixOS options jetpack-nixos (and the options Jetson configurations set
 * beside them) declare, as data. `server/schema/jetpack-nixos.json` holds it; the generator
 * (`npm run schema`) refreshes its structural part from a jetpack-nixos source tree, keeping our
 * descriptions.
 */

/** A NixOS option type, as a tree. `unknown` keeps the source text of a type we do not model. */
export type OptionType =
  | { kind: 'bool' }
  | { kind: 'int' }
  | { kind: 'ints.positive' }
  | { kind: 'ints.unsigned' }
  | { kind: 'ints.between'; min: number; max: number }
  | { kind: 'float' }
  | { kind: 'number' }
  | { kind: 'str' }
  | { kind: 'lines' }
  | { kind: 'path' }
  | { kind: 'package' }
  | { kind: 'enum'; values: (string | number | boolean)[] }
  | { kind: 'nullOr'; of: OptionType }
  | { kind: 'listOf'; of: OptionType }
  | { kind: 'attrsOf'; of: OptionType }
  | { kind: 'oneOf'; of: OptionType[] }
  | { kind: 'submodule'; options: Record<string, OptionDecl> }
  | { kind: 'functionTo'; of: OptionType }
  | { kind: 'anything' }
  | { kind: 'unknown'; text: string };

/** A default value: a literal when it is one, otherwise the rule in words. */
export interface OptionDefault {
  /** The default as Nix source text, e.g. `"generic"` or `config.hardware.graphics.enable`. */
  text: string;
  /** The value when the default is a literal (JSON form: string, number, boolean, null, arrays). */
  literal?: unknown;
  /** A computed default explained in words, e.g. `"7" for thor-*, "6" for orin-* and generic`. */
  explanation?: string;
}

export interface OptionDecl {
  /** The dotted option path, e.g. `hardware.nvidia-jetpack.som` (for submodule fields, the field name). */
  name: string;
  type: OptionType;
  /** The type as written in the source, e.g. `types.nullOr types.path`. */
  typeText: string;
  default?: OptionDefault;
  /** Our own words: what it does, when to set it, the pitfall. */
  description: string;
  readOnly?: boolean;
  internal?: boolean;
  /** For `mkRenamedOptionModule` aliases: the option to use instead. */
  renamedTo?: string;
  /** Where it is declared in its project, e.g. `modules/default.nix:69`. */
  declaredIn?: { file: string; line: number };
  /** Which project declares it, when it is not the schema's main source. */
  project?: 'jetpack-nixos' | 'nixpkgs' | 'nix-ros-overlay';
}

/** What a SoM means, from jetpack-nixos's own evaluation (jetpack-som-matrix.json). */
export interface SomFacts {
  som: string;
  family: 'orin' | 'xavier' | 'thor' | 'generic';
  /** JetPack major versions this SoM can run, e.g. ["5", "6", "7"]. */
  jetpackVersions: string[];
  defaultJetpack: string;
  cudaCapabilities: string[];
  /** The flash target board name for the devkit carrier board, when there is one. */
  flashTarget?: string;
  /** USB product ids (vendor 0955) of this module in forced-recovery mode. */
  recoveryUsbIds: string[];
  /** Whether `super = true` changes anything, per JetPack version. */
  superEffective: Record<string, boolean>;
}

export interface Schema {
  /** The project and revision the structural part was extracted from. */
  source: {
    project: string;
    revision: string;
    date?: string;
    /** Set when the schema was extracted at run time from the source a lock file pins (e.g. `flake.lock`). */
    lockedIn?: string;
  };
  /** Option prefixes whose every sub-option the schema knows: anything else below them is unknown. */
  ownedNamespaces: string[];
  options: OptionDecl[];
  soms: SomFacts[];
  /** JetPack major version → L4T and CUDA versions (for hover and the summary lens). */
  jetpacks: Record<string, { l4t: string; cuda: string; kernel: string }>;
}
