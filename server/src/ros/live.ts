/**
 * The live package index: when a flake's `flake.lock` pins nix-ros-overlay and that exact source
 * is already in the local Nix store, the index is read from it with our own parser, so checks
 * follow the user's pinned revision rather than the one bundled with the extension.
 *
 * As for the live jetpack-nixos schema (`schema/live.ts`), nothing here runs Nix, evaluates or
 * downloads anything: the store path is computed from the locked `narHash`, and files are read
 * through `shared/safe-read.ts`, never outside that store path. Callers must not use it in an
 * untrusted workspace (a lock file can name any store path).
 */
import * as path from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { type FlakeLock, type LockNode, nodeAt, parseLock, rootInputs } from '../flake/lock';
import { lockedSource, sourceStorePath, storeDir } from '../schema/live';
import { readText, regularFileSize } from '../shared/safe-read';
import { extractRosIndex, type OverlaySource } from './extract';
import { readIndex, writeIndex } from './index-file';
import { RosIndex } from './ros-index';
import type { ExtractionProblem, IndexSource, RemovedDistro } from './types';

/** The nix-ros-overlay source a flake.lock pins. */
export interface LockedRosOverlay {
  /** The input's name in the lock (`nix-ros-overlay`, or whatever the flake calls it). */
  input: string;
  narHash: string;
  /** Git revision when the lock has one (github:, git+…). */
  rev?: string;
  /** From `lastModified`, as YYYY-MM-DD. */
  date?: string;
  /** `owner/repo` for GitHub-style inputs. */
  project?: string;
  /** What people recognise: the short revision, or the start of the NAR hash. */
  label: string;
}

export type LockedRosLookup = { found: LockedRosOverlay } | { reason: string };

function isRosOverlay(name: string, node: LockNode): boolean {
  for (const spec of [node.locked, node.original]) {
    if (!spec) continue;
    if (spec['repo'] === 'nix-ros-overlay') return true;
    if (typeof spec['url'] === 'string' && /\/nix-ros-overlay(\.git)?\/?(\?|$)/.test(spec['url'])) return true;
  }
  return name === 'nix-ros-overlay' || name === 'ros-overlay';
}

/** Finds nix-ros-overlay in a parsed lock: the flake's own inputs first, then any node. */
export function findRosOverlay(lock: FlakeLock): LockedRosLookup {
  let picked: [string, LockNode] | undefined;
  for (const name of rootInputs(lock).keys()) {
    const node = nodeAt(lock, [name]);
    if (node && isRosOverlay(name, node)) {
      picked = [name, node];
      break;
    }
  }
  if (!picked) {
    for (const [key, node] of lock.nodes) if (key !== lock.root && isRosOverlay(key, node)) picked ??= [key, node];
  }
  if (!picked) return { reason: 'flake.lock does not pin nix-ros-overlay' };
  const [input, node] = picked;
  const locked = node.locked ?? {};
  const source = lockedSource(input, locked);
  if ('reason' in source) return source;
  const project = typeof locked['owner'] === 'string' && typeof locked['repo'] === 'string' ? `${locked['owner']}/${locked['repo']}` : undefined;
  return { found: { ...source.found, ...(project ? { project } : {}) } };
}

/** Reads `flakeDir/flake.lock` (through safe-read) and finds the nix-ros-overlay it pins. */
export async function readLockedRosOverlay(flakeDir: string): Promise<LockedRosLookup> {
  const text = await readText(path.join(flakeDir, 'flake.lock'), { kind: 'lock' });
  if (!text.ok) return { reason: text.reason === 'missing' ? 'no flake.lock' : `flake.lock ${text.problem}` };
  const parsed = parseLock(text.value);
  return 'lock' in parsed ? findRosOverlay(parsed.lock) : { reason: parsed.error };
}

/** A source tree in the store, every read confined to it. */
export function storeSource(root: string): OverlaySource {
  return {
    async read(file) {
      const r = await readText(path.join(root, file), { kind: 'nix', within: root });
      return r.ok ? { ok: true, text: r.value } : { ok: false, message: r.message };
    },
  };
}

export interface LiveRosIndex {
  index: RosIndex;
  locked: LockedRosOverlay;
  storePath: string;
  /** What the extractor could not read. */
  problems: ExtractionProblem[];
}

export interface LiveOptions {
  /** The removed distributions to carry over (a store source has no git history): the bundled index's. */
  removed?: readonly RemovedDistro[];
  /** The Nix store (default: `NIX_STORE_DIR` or `/nix/store`). */
  store?: string;
}

/**
 * The index of the nix-ros-overlay `flakeDir/flake.lock` pins, read from the local store, or the
 * reason it cannot be (not pinned, not in the store, no distributions found). Takes seconds for
 * a full overlay (~10,000 files): callers keep the result per store path.
 */
export async function loadLiveRosIndex(flakeDir: string, parser: Parser, options: LiveOptions = {}): Promise<LiveRosIndex | { reason: string }> {
  const lookup = await readLockedRosOverlay(flakeDir);
  if ('reason' in lookup) return lookup;
  const locked = lookup.found;
  const storePath = sourceStorePath(locked.narHash, options.store ?? storeDir());
  if (!storePath) return { reason: `the narHash of ${locked.input} is not a SHA-256 hash` };
  if (regularFileSize(path.join(storePath, 'distros', 'default.nix')) === undefined) {
    return { reason: `nix-ros-overlay ${locked.label} (locked in flake.lock) is not in the local Nix store (${storePath}); build or fetch it once to check against it` };
  }
  let extraction: Awaited<ReturnType<typeof extractRosIndex>>;
  try {
    extraction = await extractRosIndex(storeSource(storePath), parser);
  } catch (err) {
    // A bug of ours on an unusual tree must cost the live index, not the server.
    return { reason: `nix-ros-overlay ${locked.label} could not be read (${err instanceof Error ? err.message : String(err)})` };
  }
  if (extraction.distros.length === 0) return { reason: `no ROS distributions found in ${storePath}` };
  const source: IndexSource = {
    project: locked.project ?? 'lopsided98/nix-ros-overlay',
    revision: locked.rev ?? locked.narHash,
    ...(locked.date ? { date: locked.date } : {}),
    lockedIn: 'flake.lock',
  };
  // A distribution the pinned revision still has is not removed for this flake.
  const removed = (options.removed ?? []).filter((r) => !extraction.distros.some((d) => d.name === r.name));
  const read = readIndex(writeIndex(extraction, source, removed));
  if ('error' in read) return { reason: read.error };
  return { index: new RosIndex(read.index), locked, storePath, problems: extraction.problems };
}
