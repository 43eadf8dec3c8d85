/**
 * Flake output discovery with real Nix: the names of `nixosConfigurations`, `packages.<system>`,
 * `devShells.<system>` and the example shells of a nix-ros-overlay input, one `nix eval` per kind
 * asking only for `builtins.attrNames` (far cheaper than `nix flake show`, which evaluates every
 * output and, before Nix 2.14, for every system).
 *
 * The flake is reached with `builtins.getFlake` rather than as the installable `.#<attr>`: Nix
 * looks an installable up under `packages.<system>.` and `legacyPackages.<system>.` first, so a
 * broken package set would be reported for every kind, and a `legacyPackages` holding nixpkgs
 * would be evaluated by every query. `getFlake` also reaches an input's outputs through the
 * flake's own lock, follows included.
 *
 * Discovery runs when a trusted folder opens, without the user asking, so it only reads the
 * store: every Nix command is sealed (sealed-eval.ts: pure, restricted, no import from
 * derivation, no network), and the flake is named by the locked reference of its store copy.
 * Evaluating a flake also fetches the inputs it touches; so that nothing downloads behind the
 * user's back, Nix is asked only when every input flake.nix declares is locked as declared and its
 * source is already in the local store (or is a local path); otherwise the reason is returned and
 * the view keeps what flake.nix declares. Discovery never writes flake.lock.
 * No `vscode` import: tested with plain Node against real Nix.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { explainNixFailure, nixConfigEnv, stripAnsi } from './exec';
import { lockedReference, SEALED_ARGS, sealedRun, type SealedQuery } from './sealed-eval';
import { lockFileOf, referenceOf, resolveInputPath, rootInputs, type FlakeLock, type LockNode } from '../../../server/src/flake/lock';
import { readBytesSync, readTextSync } from '../../../server/src/shared/safe-read';
import { sourceStorePath, storeDir } from '../../../server/src/schema/live';
import type { FlakeInputInfo } from '../../../server/src/protocol';

/** The Nix system of this machine (`x86_64-linux`, `aarch64-darwin`…): the one whose outputs are listed. */
export function hostSystem(arch: string = process.arch, platform: string = process.platform): string {
  const cpu = ({ x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', riscv64: 'riscv64' } as Record<string, string>)[arch] ?? arch;
  return `${cpu}-${platform}`;
}

/** The Nix to run, the flake's folder, cancellation, extra environment and the log. */
export type NixQueryOptions = SealedQuery;

/** The names under one output, or why Nix could not list them (one sentence). */
export type Listing = { names: string[] } | { error: string };

export interface NixDiscovery {
  configurations: Listing;
  packages: Listing;
  devShells: Listing;
  /** Example shells of inputs that provide them (nix-ros-overlay), opened with `--inputs-from .`. */
  inputShells: { input: string; listing: Listing }[];
}

/** Discovery was cancelled (the view was refreshed or closed): nothing to show, nothing to remember. */
export class DiscoveryCancelled extends Error {
  constructor() {
    super('Flake discovery was cancelled');
    this.name = 'DiscoveryCancelled';
  }
}

/** Inputs whose dev shells are worth listing: nix-ros-overlay's example ROS 2 shells. */
const EXAMPLE_SHELL_INPUT = /ros-overlay/i;

/** A Nix string literal for an attribute name. */
function nixString(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&').replace(/\$\{/g, '\\${').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** Why Nix failed, as one sentence: a known set-up problem, else the first `error:` without colours. */
function failureMessage(stderr: string): string {
  const explained = explainNixFailure(stderr);
  if (explained) return explained;
  const text = stripAnsi(stderr);
  if (/requires lock file changes|cannot update flake input '[^']*' in pure mode/.test(text)) return 'flake.lock is out of date for flake.nix: run `nix flake lock`, then refresh';
  const at = text.indexOf('error:');
  const body = at >= 0 ? text.slice(at + 'error:'.length) : text;
  const lines = body.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('(use') && !/^(at |\d+\||\|)/.test(l));
  return lines.slice(0, 2).join(' ').slice(0, 300) || 'Nix failed without a message';
}

/** A `nix` environment with flakes enabled on top of the caller's. */
export function nixEnvironment(env: Record<string, string | undefined> | undefined): Record<string, string | undefined> {
  return { ...env, ...nixConfigEnv(env?.NIX_CONFIG ?? process.env.NIX_CONFIG) };
}

/**
 * The attribute names of the value at `attrPath` (names, e.g. `["packages", "x86_64-linux"]`) of
 * the flake `reference` (from `lockedReference`); a missing attribute lists no names. Throws
 * ToolMissingError when Nix is absent and DiscoveryCancelled when cancelled.
 */
export async function listAttrNames(options: NixQueryOptions, reference: string, attrPath: string[]): Promise<Listing> {
  const selection = attrPath.map((name) => `.${nixString(name)}`).join('');
  const expression = `builtins.attrNames ((builtins.getFlake ${nixString(reference)})${selection} or { })`;
  const result = await sealedRun({ ...options, describe: failureMessage }, ['eval', '--json', ...SEALED_ARGS, '--expr', expression]);
  if ('cancelled' in result) throw new DiscoveryCancelled();
  if ('error' in result) return { error: result.error };
  try {
    const names: unknown = JSON.parse(result.stdout);
    if (Array.isArray(names) && names.every((n) => typeof n === 'string')) return { names: names as string[] };
  } catch {
    // Reported below.
  }
  return { error: `Nix printed something other than a list of names for ${attrPath.join('.')}` };
}

/** Whether a locked source is read from this machine (a path, a file: URL) rather than downloaded. */
function lockedLocally(node: LockNode): boolean {
  const locked = node.locked ?? {};
  if (locked.type === 'path') return true;
  const url = typeof locked.url === 'string' ? locked.url : '';
  return url.startsWith('file:') || url.startsWith('/');
}

/** Whether a locked source is here: local, or its store path (a function of its NAR hash) exists. */
function inStore(node: LockNode, exists: (p: string) => boolean): boolean {
  if (lockedLocally(node)) return true;
  const narHash = node.locked?.narHash;
  const storePath = typeof narHash === 'string' ? sourceStorePath(narHash, storeDir()) : undefined;
  return storePath !== undefined && exists(storePath);
}

function nameList(names: string[]): string {
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** A flake.lock beside a flake.nix: undefined when there is none, an error sentence when it cannot be used. */
function readLock(dir: string): FlakeLock | undefined | { error: string } {
  // Through the safe reader: a flake.lock that is a FIFO or /dev/zero must not stall or kill the extension host.
  const file = lockFileOf(readTextSync(path.join(dir, 'flake.lock'), { kind: 'lock' }));
  return file.state === 'ok' ? file.lock : file.state === 'absent' ? undefined : { error: file.error };
}

/**
 * A flake URL in the form flake.lock's `original` is written back in (`github:owner/repo/ref`,
 * `path:./x`, `nixpkgs/branch`), or undefined for URLs whose forms are too many to compare
 * (git+…, tarballs, extra query parameters): those are never reported as changed.
 */
function comparableReference(url: string): string | undefined {
  const hosted = /^(github|gitlab|sourcehut):([^/?#]+)\/([^/?#]+)(?:\/([^?#]+))?(?:\?([^#]*))?$/.exec(url);
  if (hosted) {
    const params = new URLSearchParams(hosted[5] ?? '');
    if ([...params.keys()].some((k) => k !== 'ref' && k !== 'rev' && k !== 'dir')) return undefined;
    const ref = hosted[4] ?? params.get('rev') ?? params.get('ref');
    const dir = params.get('dir');
    return `${hosted[1]}:${hosted[2]}/${hosted[3]}${ref ? `/${ref}` : ''}${dir ? `?dir=${dir}` : ''}`;
  }
  if (/^path:[^?#]+$/.test(url)) return url;
  if (/^[A-Za-z][\w-]*(\/[^?#:]+)?$/.test(url)) return url;
  return undefined;
}

/** Inputs whose URL in flake.nix is not the one flake.lock locked (Nix would re-lock, and fetch, them). */
function changedUrls(lock: FlakeLock, declared: FlakeInputInfo[]): string[] {
  return declared
    .filter((input) => {
      const key = lock.nodes.get(lock.root)?.inputs.get(input.name);
      const original = typeof key === 'string' ? lock.nodes.get(key)?.original : undefined;
      const written = input.url === undefined ? undefined : comparableReference(input.url);
      const recorded = original ? referenceOf(original) : undefined;
      return written !== undefined && recorded !== undefined && comparableReference(recorded) !== written;
    })
    .map((i) => i.name);
}

/**
 * Why evaluating the flake in `flakeDir` could download something (or would fail for want of a
 * lock), or undefined when it cannot: every input flake.nix declares (`declared`, read
 * statically) is locked as written, and every locked input from elsewhere is in the store.
 */
export function downloadRisk(flakeDir: string, declared: FlakeInputInfo[] | undefined, exists: (p: string) => boolean = fs.existsSync): string | undefined {
  const lock = readLock(flakeDir);
  if (lock && 'error' in lock) return lock.error;
  const roots = lock ? rootInputs(lock) : new Map();
  const unlocked = (declared ?? []).filter((i) => !roots.has(i.name)).map((i) => i.name);
  const verb = unlocked.length === 1 ? 'it' : 'them';
  if (unlocked.length > 0) return `${lock ? 'flake.lock does not lock' : 'There is no flake.lock for'} ${nameList(unlocked)} yet: run \`nix flake lock\` (it fetches ${verb}), then refresh`;
  if (!lock) return undefined;
  const changed = changedUrls(lock, declared ?? []);
  if (changed.length > 0) return `flake.nix asks for another ${nameList(changed)} than flake.lock locks: run \`nix flake lock\` (it fetches ${changed.length === 1 ? 'it' : 'them'}), then refresh`;
  const missing = [...roots.keys()].filter((name) => {
    const key = resolveInputPath(lock, [name]);
    const node = key === undefined ? undefined : lock.nodes.get(key);
    return node !== undefined && key !== lock.root && !inStore(node, exists);
  });
  if (missing.length === 0) return undefined;
  return `${nameList(missing)} ${missing.length === 1 ? 'is' : 'are'} not in the Nix store yet, and Nix would download ${missing.length === 1 ? 'it' : 'them'}: build once (or run \`nix flake archive\`), then refresh`;
}

/** Every lock node an input depends on, itself included (through follows). */
function closure(lock: FlakeLock, key: string): LockNode[] {
  const seen = new Set<string>();
  const todo = [key];
  const out: LockNode[] = [];
  for (let k = todo.pop(); k !== undefined; k = todo.pop()) {
    const node = lock.nodes.get(k);
    if (seen.has(k) || !node || k === lock.root) continue;
    seen.add(k);
    out.push(node);
    for (const target of node.inputs.values()) {
      const next = typeof target === 'string' ? target : resolveInputPath(lock, target);
      if (next !== undefined) todo.push(next);
    }
  }
  return out;
}

/**
 * Inputs of the flake whose example dev shells can be listed without a download: nix-ros-overlay
 * (by name or repository), with everything it depends on in the store.
 */
export function exampleShellInputs(flakeDir: string, exists: (p: string) => boolean = fs.existsSync): string[] {
  const lock = readLock(flakeDir);
  if (!lock || 'error' in lock) return [];
  return [...rootInputs(lock).keys()].filter((name) => {
    const key = resolveInputPath(lock, [name]);
    const node = key === undefined ? undefined : lock.nodes.get(key);
    if (!node || !node.flake || !(EXAMPLE_SHELL_INPUT.test(name) || EXAMPLE_SHELL_INPUT.test(String(node.locked?.repo ?? '')))) return false;
    return closure(lock, key!).every((n) => inStore(n, exists));
  });
}

/**
 * Lists a flake's outputs with Nix, all kinds at once, reading only the store. The caller has
 * checked `downloadRisk`. Throws ToolMissingError when Nix is absent.
 */
export async function discoverWithNix(options: NixQueryOptions & { system: string }): Promise<NixDiscovery> {
  const { system } = options;
  const locked = await lockedReference({ ...options, describe: failureMessage });
  if ('cancelled' in locked) throw new DiscoveryCancelled();
  if ('error' in locked) {
    const failed = { error: locked.error };
    return { configurations: failed, packages: failed, devShells: failed, inputShells: [] };
  }
  const list = (attrPath: string[]) => listAttrNames(options, locked.reference, attrPath);
  const inputs = exampleShellInputs(options.flakeDir);
  const [configurations, packages, devShells, ...inputShells] = await Promise.all([
    list(['nixosConfigurations']),
    list(['packages', system]),
    list(['devShells', system]),
    ...inputs.map((input) => list(['inputs', input, 'devShells', system])),
  ]);
  return {
    configurations: configurations!,
    packages: packages!,
    devShells: devShells!,
    inputShells: inputShells.map((listing, i) => ({ input: inputs[i]!, listing })),
  };
}

/** What identifies the state of a flake for discovery: its flake.nix and flake.lock, byte for byte. */
export function flakeFingerprint(flakeDir: string, extra = ''): string {
  const hash = createHash('sha256').update(extra);
  for (const [name, kind] of [['flake.nix', 'nix'], ['flake.lock', 'lock']] as const) {
    const read = readBytesSync(path.join(flakeDir, name), { kind });
    if (read.ok) hash.update(`\0${name}\0`).update(read.value);
    else hash.update(`\0${name} ${read.reason}\0`);
  }
  return hash.digest('hex');
}

/**
 * Discovery results per flake, kept until its flake.nix or flake.lock changes (compared by
 * content, so a missed file event cannot leave a stale answer) or until `invalidate`.
 */
export class DiscoveryCache<T> {
  private readonly entries = new Map<string, { fingerprint: string; value: Promise<T> }>();

  constructor(private readonly fingerprint: (flakeDir: string) => string = (dir) => flakeFingerprint(dir)) {}

  get(flakeDir: string, compute: () => Promise<T>): Promise<T> {
    const fingerprint = this.fingerprint(flakeDir);
    const cached = this.entries.get(flakeDir);
    if (cached && cached.fingerprint === fingerprint) return cached.value;
    const value = compute();
    this.entries.set(flakeDir, { fingerprint, value });
    // A failure (or a cancelled run) is not remembered: the next request tries again.
    value.catch(() => {
      if (this.entries.get(flakeDir)?.value === value) this.entries.delete(flakeDir);
    });
    return value;
  }

  invalidate(flakeDir?: string): void {
    if (flakeDir === undefined) this.entries.clear();
    else this.entries.delete(flakeDir);
  }
}
