/**
 * Evaluation that only reads the Nix store, for what runs without the user asking (flake
 * discovery when a trusted folder opens). Building, dev shells and flashing are asked for and
 * evaluate normally; this is for everything else.
 *
 * What Nix 2.8 offers, and what each part stops (each tried against a flake whose outputs call
 * the fetchers and an import-from-derivation builder, see test/nix/discovery-sealed.test.ts):
 * - pure evaluation (`pure-eval`): no environment variables, no files outside the store, no
 *   `<nixpkgs>`, no unlocked `builtins.getFlake`. The folder's flake is therefore named by its
 *   locked store copy (`path:/nix/store/…-source?narHash=…`), which `nix flake metadata` makes.
 * - `restrict-eval` with no `allowed-uris`: `fetchurl`, `fetchTarball`, `fetchGit` and
 *   `fetchTree` of a URL are refused even when they carry a hash (pure evaluation alone would
 *   download those).
 * - `allow-import-from-derivation = false`: nothing is built while evaluating.
 * - `builtins.getFlake` of a locked remote reference and `fetchTree` of `github:` are not covered
 *   by restricted mode in Nix 2.8: curl is pointed at a proxy that cannot exist, with no
 *   exceptions, and git may use local repositories only (`GIT_ALLOW_PROTOCOL=file`).
 * - no flake `nixConfig`, no registries, no `builtins.exec`, and only the experimental features
 *   flakes need (so `fetchClosure` stays off).
 * What is left, and cannot be switched off in Nix 2.8: a `getFlake` of a local `path:` or
 * `git+file:` reference copies that local folder into the store, which is readable by every local
 * user. Nothing leaves the machine and nothing is built.
 * No `vscode` import: tested with plain Node against real Nix.
 */
import * as path from 'node:path';
import { nixConfigEnv, run, stripAnsi } from './exec';

/** Flags of every sealed Nix command: offline, pure, restricted, no builds, no flake configuration. */
export const SEALED_ARGS: readonly string[] = [
  '--offline',
  '--no-write-lock-file',
  ...['--option', 'pure-eval', 'true'],
  ...['--option', 'restrict-eval', 'true'],
  ...['--option', 'allowed-uris', ''],
  ...['--option', 'allow-import-from-derivation', 'false'],
  ...['--option', 'allow-unsafe-native-code-during-evaluation', 'false'],
  ...['--option', 'accept-flake-config', 'false'],
  ...['--option', 'use-registries', 'false'],
  ...['--option', 'experimental-features', 'nix-command flakes'],
];

/** A proxy nothing can listen on (port 0): every download through curl fails at once. */
const NO_NETWORK = 'http://127.0.0.1:0';

/** The environment of a sealed Nix command: flakes on, and no way out for curl or git. */
export function sealedEnvironment(env: Record<string, string | undefined> | undefined): Record<string, string | undefined> {
  return {
    ...env,
    ...nixConfigEnv(env?.NIX_CONFIG ?? process.env.NIX_CONFIG),
    http_proxy: NO_NETWORK,
    https_proxy: NO_NETWORK,
    HTTPS_PROXY: NO_NETWORK,
    ftp_proxy: NO_NETWORK,
    all_proxy: NO_NETWORK,
    ALL_PROXY: NO_NETWORK,
    // A user's exceptions (localhost, the company's hosts) would let those through.
    no_proxy: '',
    NO_PROXY: '',
    GIT_ALLOW_PROTOCOL: 'file',
  };
}

/** How to run Nix on a flake (discovery passes the same, see NixQueryOptions there). */
export interface SealedQuery {
  nix: string;
  flakeDir: string;
  signal?: AbortSignal;
  /** Extra environment for Nix (tests use it for an offline configuration). */
  env?: Record<string, string | undefined>;
  /** Receives the commands run and Nix's stderr, for the log. */
  log?: (line: string) => void;
}

export interface SealedOptions extends SealedQuery {
  /** Nix's stderr as one sentence, for failures `sealedFailure` does not explain. */
  describe: (stderr: string) => string;
}

/** The flake as a locked reference to its copy in the store, or why there is none. */
export type LockedReference = { reference: string } | { error: string; cancelled?: true };

interface FlakeMetadata {
  path?: unknown;
  locked?: { narHash?: unknown; lastModified?: unknown; rev?: unknown; revCount?: unknown; dir?: unknown };
}

/**
 * Copies the flake in `flakeDir` to the store as Nix sees it (for a git repository, the tracked
 * files) and returns a locked `path:` reference to that copy, which pure evaluation accepts. A
 * flake in a subfolder of a repository gets the hash of its own subfolder.
 */
export async function lockedReference(options: SealedOptions): Promise<LockedReference> {
  const args = ['flake', 'metadata', '--json', ...SEALED_ARGS, '.'];
  const metadata = await sealedRun(options, args);
  if ('error' in metadata) return metadata;
  let parsed: FlakeMetadata;
  try {
    parsed = JSON.parse(metadata.stdout) as FlakeMetadata;
  } catch {
    return { error: 'Nix printed something other than the flake’s metadata' };
  }
  const { locked } = parsed;
  if (typeof parsed.path !== 'string' || !path.isAbsolute(parsed.path) || typeof locked?.narHash !== 'string') {
    return { error: 'Nix did not say where in the store it copied the flake' };
  }
  const dir = typeof locked.dir === 'string' && locked.dir !== '' ? path.posix.normalize(locked.dir) : undefined;
  if (dir !== undefined && (dir.startsWith('..') || path.posix.isAbsolute(dir))) return { error: `Nix named an odd subfolder for the flake: ${dir}` };
  const source = dir === undefined ? parsed.path : path.posix.join(parsed.path, dir);
  let narHash = locked.narHash;
  if (dir !== undefined) {
    const hashed = await sealedRun(options, ['hash', 'path', '--type', 'sha256', source]);
    if ('error' in hashed) return hashed;
    narHash = hashed.stdout.trim();
  }
  const query = new URLSearchParams({ narHash });
  for (const key of ['lastModified', 'rev', 'revCount'] as const) {
    const value = dir === undefined ? locked[key] : undefined;
    if (typeof value === 'string' || typeof value === 'number') query.set(key, String(value));
  }
  return { reference: `path:${source}?${query.toString()}` };
}

/** Runs a sealed Nix command; its output, or its failure as one sentence. Throws ToolMissingError without Nix. */
export async function sealedRun(options: SealedOptions, args: string[]): Promise<{ stdout: string } | { error: string; cancelled?: true }> {
  options.log?.(`${options.nix} ${args.map((a) => (a === '' || /\s/.test(a) ? JSON.stringify(a) : a)).join(' ')} (in ${options.flakeDir})`);
  const result = await run(options.nix, args, { cwd: options.flakeDir, signal: options.signal, env: sealedEnvironment(options.env) });
  if (result.cancelled) return { error: 'cancelled', cancelled: true };
  if (result.exitCode === 0) return { stdout: result.stdout };
  options.log?.(result.stderr.trim());
  return { error: sealedFailure(result.stderr) ?? options.describe(result.stderr) };
}

/**
 * The sentence for a flake that needs more than the store to be listed, or undefined for any
 * other failure (the caller describes those).
 */
export function sealedFailure(stderr: string): string | undefined {
  const text = stripAnsi(stderr);
  const ask = 'which listing never does on its own: Build it (or refresh after `nix flake archive`) to evaluate it fully';
  if (/allow-import-from-derivation/.test(text)) return `Listing it would build something while evaluating (import from derivation), ${ask}`;
  if (/forbidden in restricted mode|is forbidden in pure eval(uation)? mode|in pure evaluation mode|unable to download|transport '[^']*' not allowed|cannot look up '<[^>]*>' in pure/.test(text)) {
    return `Listing it would read files outside the Nix store or download something while evaluating, ${ask}`;
  }
  return undefined;
}
