import * as fs from 'node:fs';
import * as path from 'node:path';
import { findFollowsCycle, resolvePath } from './follows';
import { readTextSync, type ReadResult } from '../shared/safe-read';

/**
 * A flake.lock as Nix writes it (format versions 5 to 7): a graph of nodes keyed by name, the
 * root node's `inputs` naming the flake's own inputs. An input is either the key of the node it
 * was locked to, or a `follows` path (`["nixpkgs"]`, `["nix-ros-overlay", "nixpkgs"]`) that is
 * resolved from the root, exactly as Nix resolves it. Nothing here fetches or evaluates.
 */
export interface FlakeLock {
  version: number;
  root: string;
  nodes: Map<string, LockNode>;
}

/** An input as a lock node names it: a node key, or a follows path from the root. */
export type LockInput = string | string[];

export interface LockNode {
  key: string;
  inputs: Map<string, LockInput>;
  /** What was fetched: `type`, `owner`, `repo`, `rev`, `narHash`, `lastModified`, `path`, `url`… */
  locked?: Record<string, string | number | boolean>;
  /** What flake.nix asked for, as Nix recorded it. */
  original?: Record<string, string | number | boolean>;
  /** False for `flake = false;` inputs (plain source trees). */
  flake: boolean;
}

/** Lock formats this reader understands; older ones predate the node graph. */
const SUPPORTED_VERSIONS = new Set([5, 6, 7]);

export type LockParse = { lock: FlakeLock } | { error: string };

/** Reads a flake.lock's text; an `error` (one sentence) when it is not a lock this reader understands. */
export function parseLock(text: string): LockParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { error: `flake.lock is not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (!isRecord(raw) || !isRecord(raw.nodes)) return { error: 'flake.lock has no `nodes`' };
  const version = typeof raw.version === 'number' ? raw.version : NaN;
  if (!SUPPORTED_VERSIONS.has(version)) return { error: `flake.lock has format version ${String(raw.version)}; versions 5 to 7 are understood` };
  const root = typeof raw.root === 'string' ? raw.root : 'root';
  const nodes = new Map<string, LockNode>();
  for (const [key, value] of Object.entries(raw.nodes)) {
    if (!isRecord(value)) continue;
    const inputs = new Map<string, LockInput>();
    if (isRecord(value.inputs)) {
      for (const [name, target] of Object.entries(value.inputs)) {
        if (typeof target === 'string') inputs.set(name, target);
        else if (Array.isArray(target) && target.every((t) => typeof t === 'string')) inputs.set(name, target as string[]);
      }
    }
    const node: LockNode = { key, inputs, flake: value.flake !== false };
    const locked = scalars(value.locked);
    const original = scalars(value.original);
    if (locked) node.locked = locked;
    if (original) node.original = original;
    nodes.set(key, node);
  }
  if (!nodes.has(root)) return { error: `flake.lock has no root node \`${root}\`` };
  const lock: FlakeLock = { version, root, nodes };
  const cycle = findFollowsCycle(lock);
  if (cycle) return { error: `flake.lock has a cycle of \`follows\` (${cycle.join(' → ')}), which Nix cannot resolve` };
  return { lock };
}

/** The root node's inputs: the flake's own inputs as last locked. */
export function rootInputs(lock: FlakeLock): Map<string, LockInput> {
  return lock.nodes.get(lock.root)?.inputs ?? new Map();
}

/**
 * The key of the node an input path (`["jetpack-nixos", "nixpkgs"]`) ends at, following
 * `follows` paths from the root as Nix does; undefined when a step does not exist or the
 * follows form a cycle. Remembered per lock: all calls on one lock cost time linear in its size.
 */
export function resolveInputPath(lock: FlakeLock, inputPath: readonly string[]): string | undefined {
  const resolved = resolvePath(lock, inputPath);
  return 'key' in resolved ? resolved.key : undefined;
}

/** The node an input path ends at. */
export function nodeAt(lock: FlakeLock, inputPath: readonly string[]): LockNode | undefined {
  const key = resolveInputPath(lock, inputPath);
  return key === undefined ? undefined : lock.nodes.get(key);
}

/** What a hover says about a locked node. */
export interface LockedSummary {
  /** The locked source as a flake reference (`github:anduril/jetpack-nixos/4d857d6…`). */
  reference: string | undefined;
  rev: string | undefined;
  /** When the locked revision was made, as an ISO date and time (UTC). */
  lastModified: string | undefined;
  narHash: string | undefined;
  /** What flake.nix asked for, as a flake reference. */
  original: string | undefined;
}

export function summarizeNode(node: LockNode): LockedSummary {
  const locked = node.locked ?? {};
  const modified = typeof locked.lastModified === 'number' ? new Date(locked.lastModified * 1000) : undefined;
  return {
    reference: node.locked ? referenceOf(node.locked) : undefined,
    rev: typeof locked.rev === 'string' ? locked.rev : undefined,
    lastModified: modified && !Number.isNaN(modified.getTime()) ? modified.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : undefined,
    narHash: typeof locked.narHash === 'string' ? locked.narHash : undefined,
    original: node.original ? referenceOf(node.original) : undefined,
  };
}

/** A lock entry's attributes written back as a flake reference, the way users write them. */
export function referenceOf(attrs: Record<string, string | number | boolean>): string | undefined {
  const type = attrs.type;
  const ref = typeof attrs.rev === 'string' ? attrs.rev : typeof attrs.ref === 'string' ? attrs.ref : undefined;
  const query = typeof attrs.dir === 'string' ? `?dir=${attrs.dir}` : '';
  switch (type) {
    case 'github':
    case 'gitlab':
    case 'sourcehut':
      if (typeof attrs.owner !== 'string' || typeof attrs.repo !== 'string') return undefined;
      return `${type}:${attrs.owner}/${attrs.repo}${ref ? `/${ref}` : ''}${query}`;
    case 'path':
      return typeof attrs.path === 'string' ? `path:${attrs.path}${query}` : undefined;
    case 'indirect':
      return typeof attrs.id === 'string' ? `${attrs.id}${ref ? `/${ref}` : ''}` : undefined;
    case 'git':
    case 'mercurial':
    case 'tarball':
    case 'file': {
      if (typeof attrs.url !== 'string') return undefined;
      const prefix = type === 'git' ? 'git+' : type === 'mercurial' ? 'hg+' : '';
      const params = [typeof attrs.ref === 'string' ? `ref=${attrs.ref}` : '', typeof attrs.rev === 'string' ? `rev=${attrs.rev}` : '', query.slice(1)].filter(Boolean);
      return `${prefix}${attrs.url}${params.length ? `?${params.join('&')}` : ''}`;
    }
    default:
      return undefined;
  }
}

/** A flake.lock read from disk, or why it could not be used; `absent` when there is none. */
export type LockFile = { state: 'absent' } | { state: 'invalid'; error: string } | { state: 'ok'; lock: FlakeLock };

/**
 * A flake.lock read with the safe reader, parsed. A FIFO, a device or a file over the cap named
 * `flake.lock` is an invalid lock that says why, so the user sees it on flake.nix.
 */
export function lockFileOf(read: ReadResult<string>): LockFile {
  if (!read.ok) return read.reason === 'missing' ? { state: 'absent' } : { state: 'invalid', error: `flake.lock ${read.problem}` };
  const parsed = parseLock(read.value);
  return 'lock' in parsed ? { state: 'ok', lock: parsed.lock } : { state: 'invalid', error: parsed.error };
}

interface CacheEntry {
  mtimeMs: number;
  size: number;
  file: LockFile;
}

/**
 * flake.lock files read from disk, re-read when their modification time or size changes, so a
 * `nix flake lock` in a terminal is seen even when no file event reaches the server. Completion,
 * hover and diagnostics of flake.nix need the lock, so it is read in the request that first asks
 * for it: through the safe reader (a FIFO or device is refused without blocking, the size is
 * capped), and once per change of the file.
 */
export class LockFiles {
  private readonly cache = new Map<string, CacheEntry>();

  /** The flake.lock beside a flake.nix. */
  besideFlake(flakeNix: string): LockFile {
    return this.read(path.join(path.dirname(flakeNix), 'flake.lock'));
  }

  read(lockPath: string): LockFile {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(lockPath);
    } catch {
      this.cache.delete(lockPath);
      return { state: 'absent' };
    }
    const cached = this.cache.get(lockPath);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.file;
    const file = lockFileOf(readTextSync(lockPath, { kind: 'lock' }));
    this.cache.set(lockPath, { mtimeMs: stat.mtimeMs, size: stat.size, file });
    return file;
  }

  /** Forgets a file (it changed on disk). */
  forget(lockPath: string): void {
    this.cache.delete(lockPath);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function scalars(value: unknown): Record<string, string | number | boolean> | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  return out;
}
