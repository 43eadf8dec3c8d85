/**
 * Custom requests between the extension and the language server, declared once, typed, and
 * imported by both sides. Plain types and method names only: no LSP library import, so the
 * client bundle stays free of server code.
 */

/** A range in a file, 0-based lines and UTF-16 columns, as in LSP. */
export interface Span {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/**
 * `jetsonNix/flakeOutputs`: what a flake.nix declares, read statically (no Nix evaluation). The
 * server reads the file from disk when it is not open. `null` when the file cannot be read or has
 * no `outputs`.
 */
export const FLAKE_OUTPUTS = 'jetsonNix/flakeOutputs';

export interface FlakeOutputsParams {
  /** file: URI of a flake.nix. */
  uri: string;
}

export interface FlakeConfiguration {
  /** The attribute name under `nixosConfigurations`. */
  name: string;
  /** Literal values of the configuration's modules, when every module defining them is visible and the value is a literal. */
  som?: string;
  carrierBoard?: string;
  /** The JetPack major version: set literally, or the SoM's default when `som` is known and nothing sets it. */
  majorVersion?: string;
  /** `networking.hostName`, when its modules set it literally (a robot to suggest). */
  hostName?: string;
  /**
   * The system the configuration runs on (`aarch64-linux`), read statically: `nixpkgs.hostPlatform`,
   * `nixpkgs.system`, `system = …` of `nixosSystem`, or jetpack-nixos's own default.
   */
  system?: string;
  /** Where `system` comes from, for messages: `nixpkgs.hostPlatform`, `the system argument of nixosSystem`… */
  systemSource?: string;
  /** `nixpkgs.buildPlatform` when it differs from `system`: the configuration is cross-compiled on that system. */
  buildPlatform?: string;
  /** Its modules include jetpack-nixos's module (so it has jetpack-nixos's flash scripts). */
  jetpack?: boolean;
  /**
   * Modules of the configuration whose definitions could not be read statically (another flake's
   * module, a computed one, an unparsable file), as written, at most five: any of them may set
   * `som` or `carrierBoard` too, so the values above are what the readable modules say.
   */
  unreadModules?: string[];
  /** Where the configuration is declared in flake.nix. */
  span: Span;
}

/** A robot a deploy tool of the flake names (deploy-rs `deploy.nodes`, colmena's hive), read statically. */
export interface FlakeRobot {
  /** The node's name. */
  name: string;
  source: 'deploy-rs' | 'colmena';
  /** deploy-rs `hostname`, colmena `deployment.targetHost`; undefined when not written literally. */
  host?: string;
  /** deploy-rs `sshUser`, colmena `deployment.targetUser`. */
  user?: string;
  port?: number;
  /** The `nixosConfigurations` name its system comes from, when the flake writes it literally. */
  configuration?: string;
  /** Where the node is declared in flake.nix. */
  span: Span;
}

export interface FlakeOutput {
  /** The system (`x86_64-linux`), or undefined when the output is built by a function over systems. */
  system?: string;
  name: string;
  span: Span;
}

export interface FlakeInputInfo {
  name: string;
  url?: string;
  span: Span;
}

export interface FlakeOutputs {
  configurations: FlakeConfiguration[];
  /** `packages.<system>.<name>`, where the names are literal in flake.nix. */
  packages: FlakeOutput[];
  /** `devShells.<system>.<name>`, where the names are literal in flake.nix. */
  devShells: FlakeOutput[];
  inputs: FlakeInputInfo[];
  /** Robots of deploy-rs and colmena; absent from servers older than the Robots section. */
  robots?: FlakeRobot[];
  /** What decides where the flake's builds come from: its `nixConfig`, and its use of CUDA and nix-ros-overlay. */
  caches?: FlakeCacheFacts;
}

/** A statement in flake.nix (or a module it lists) the cache check points at. */
export interface FlakeMention {
  /** The file's absolute path when known; flake.nix otherwise. */
  file?: string;
  /** 1-based. */
  line: number;
  text: string;
}

export interface FlakeCacheFacts {
  /** `nixConfig.substituters` and `extra-substituters`, literal strings only. */
  substituters: string[];
  /** `nixConfig.trusted-public-keys` and `extra-trusted-public-keys`. */
  trustedPublicKeys: string[];
  /** Where `nixConfig` is written, when it is. */
  nixConfig?: FlakeMention;
  /** The nix-ros-overlay input, and whether its nixpkgs is made to follow another one (which misses the ROS cache). */
  rosOverlay?: { input: string; followsNixpkgs?: string };
  /** Where CUDA is switched on (`cudaSupport = true`). */
  cuda?: FlakeMention;
  /** Where `cudaCapabilities` is set to a literal list, and its values. */
  cudaCapabilities?: FlakeMention & { values: string[] };
}

/** `jetsonNix/schemaInfo`: which option schema validates the workspace (bundled, or extracted from the locked jetpack-nixos). */
export const SCHEMA_INFO = 'jetsonNix/schemaInfo';

export interface SchemaInfo {
  source: 'bundled' | 'locked';
  /** jetpack-nixos revision the schema came from. */
  revision: string;
  /** For a locked schema: the store path it was extracted from. */
  storePath?: string;
  /** Why the locked schema is not used, when it is not (not pinned, not in the store, untrusted workspace, …). */
  reason?: string;
}

/**
 * `jetsonNix/workspaceTrusted` (notification, client → server): the user trusted the workspace
 * after the server started. Until then, nothing the workspace names is read from the Nix store.
 * The client also sends `workspaceTrusted` in the initialization options.
 */
export const WORKSPACE_TRUSTED = 'jetsonNix/workspaceTrusted';

/** Another Nix language server the editor runs beside Jetson Nix (found by the extension). */
export interface OtherNixServer {
  /** The server's name as the user knows it: `nixd`, `nil`, `rnix-lsp`, or the command. */
  name: string;
  /** What starts it, for messages: `Nix IDE (jnoortheen.nix-ide)`. */
  via: string;
}

/**
 * `jetsonNix/otherNixServer` (notification, client → server): the other Nix language server now
 * active, or `null` when there is none. With `jetsonNix.generalNixFeatures` at `auto`, the server
 * then leaves the general Nix features to it. The client also sends `otherNixServer` in the
 * initialization options.
 */
export const OTHER_NIX_SERVER = 'jetsonNix/otherNixServer';

export interface OtherNixServerParams {
  server: OtherNixServer | null;
}
