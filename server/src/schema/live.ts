/**
 * The live schema: when a flake's `flake.lock` pins jetpack-nixos and that exact source is
 * already in the local Nix store, the options are extracted from it with our own parser, so
 * validation follows the user's pinned revision rather than the one bundled with the extension.
 *
 * Nothing here runs Nix, evaluates anything or downloads anything. The store path of a locked
 * source is a pure function of its `narHash` (Nix names fetched sources `<hash>-source`, a
 * fixed-output path of the NAR hash), so we compute it and look whether it exists.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Parser } from 'web-tree-sitter';
import type { Schema } from './types';
import { extractSchema, type SourceFile } from './extract';
import { mergeSchema } from './merge';
import { parseLock, resolveInputPath, rootInputs, type FlakeLock, type LockNode } from '../flake/lock';
import { readText } from '../shared/safe-read';

/** The jetpack-nixos source a flake.lock pins. */
export interface LockedJetpack {
  /** The input's name in the lock (`jetpack-nixos`, or a vendor flake's own name for it). */
  input: string;
  narHash: string;
  /** Git revision when the lock has one (github:, git+…), else undefined (path:, tarball). */
  rev?: string;
  /** From `lastModified`, as YYYY-MM-DD. */
  date?: string;
  /** What people recognise: the short revision, or the start of the NAR hash. */
  label: string;
}

export type LockedLookup = { found: LockedJetpack } | { reason: string };

/** The reasons for no live schema that are no problem: the flake has no lock, or pins no jetpack-nixos. */
export const NO_LOCK = 'no flake.lock';
export const NOT_PINNED = 'flake.lock does not pin jetpack-nixos';

/** Reads `flakeDir/flake.lock` (through the safe reader: no FIFO, device or giant file) and finds the jetpack-nixos it pins. */
export async function readLockedJetpack(flakeDir: string): Promise<LockedLookup> {
  const read = await readText(path.join(flakeDir, 'flake.lock'), { kind: 'lock' });
  if (!read.ok) return { reason: read.reason === 'missing' ? NO_LOCK : `flake.lock ${read.problem}` };
  const parsed = parseLock(read.value);
  return 'lock' in parsed ? lockedJetpackOf(parsed.lock) : { reason: parsed.error };
}

/** The jetpack-nixos a parsed lock pins: among the flake's own inputs first, then anything deeper (a board vendor's flake that brings it). */
function lockedJetpackOf(lock: FlakeLock): LockedLookup {
  const candidates: [string, LockNode][] = [];
  for (const name of rootInputs(lock).keys()) {
    const key = resolveInputPath(lock, [name]);
    const node = key === undefined ? undefined : lock.nodes.get(key);
    if (node && key !== lock.root && isJetpackNixos(name, node)) candidates.push([name, node]);
  }
  if (candidates.length === 0) {
    for (const [key, node] of lock.nodes) if (key !== lock.root && isJetpackNixos(key, node)) candidates.push([key, node]);
  }
  const picked = candidates[0];
  if (!picked) return { reason: NOT_PINNED };
  const [input, node] = picked;
  return lockedSource(input, node.locked ?? {});
}

/**
 * What a lock node's `locked` attributes say about a fetched source: its NAR hash (which names
 * its store path), revision, date and a label for people. Shared with the live ROS index.
 */
export function lockedSource(input: string, locked: Record<string, unknown>): { found: LockedJetpack } | { reason: string } {
  const narHash = typeof locked['narHash'] === 'string' ? locked['narHash'] : undefined;
  if (!narHash) return { reason: `the locked ${input} has no narHash` };
  const rev = typeof locked['rev'] === 'string' ? locked['rev'] : undefined;
  const modified = typeof locked['lastModified'] === 'number' ? locked['lastModified'] : undefined;
  // A crafted lastModified (1e300) is no date: toISOString would throw.
  const when = modified !== undefined ? new Date(modified * 1000) : undefined;
  const date = when && !Number.isNaN(when.getTime()) ? when.toISOString().slice(0, 10) : undefined;
  const label = rev ? rev.slice(0, 7) : narHash.replace(/^sha256-/, '').slice(0, 12);
  return { found: { input, narHash, ...(rev ? { rev } : {}), ...(date ? { date } : {}), label } };
}

function isJetpackNixos(name: string, node: LockNode): boolean {
  for (const spec of [node.locked, node.original]) {
    if (!spec) continue;
    if (spec['repo'] === 'jetpack-nixos') return true;
    if (typeof spec['url'] === 'string' && /\/jetpack-nixos(\.git)?\/?(\?|$)/.test(spec['url'])) return true;
  }
  return name === 'jetpack-nixos' || name === 'jetpack';
}

const BASE32 = '0123456789abcdfghijklmnpqrsvwxyz';

/** Nix's own base-32 (its alphabet, least significant bits first). */
export function nixBase32(bytes: Uint8Array): string {
  const length = Math.ceil((bytes.length * 8) / 5);
  let out = '';
  for (let n = length - 1; n >= 0; n--) {
    const bit = n * 5;
    const i = Math.floor(bit / 8);
    const j = bit % 8;
    const c = (bytes[i]! >> j) | (i + 1 < bytes.length ? bytes[i + 1]! << (8 - j) : 0);
    out += BASE32[c & 0x1f];
  }
  return out;
}

/**
 * The store path Nix gives a fetched source with this NAR hash (an SRI `sha256-…` string): the
 * fixed-output path of a recursive SHA-256 named `source`. Undefined for other hash types.
 */
export function sourceStorePath(narHash: string, storeDir = '/nix/store'): string | undefined {
  const m = /^sha256-([A-Za-z0-9+/]{43}=)$/.exec(narHash);
  if (!m) return undefined;
  const digest = Buffer.from(m[1]!, 'base64');
  if (digest.length !== 32) return undefined;
  const fingerprint = `source:sha256:${digest.toString('hex')}:${storeDir}:source`;
  const full = crypto.createHash('sha256').update(fingerprint).digest();
  const compressed = new Uint8Array(20);
  for (let i = 0; i < full.length; i++) compressed[i % 20]! ^= full[i]!;
  return `${storeDir}/${nixBase32(compressed)}-source`;
}

/** The store directory Nix uses (NIX_STORE_DIR overrides it, as for Nix itself). */
export function storeDir(): string {
  return process.env['NIX_STORE_DIR'] || '/nix/store';
}

/** At most this much source is read: jetpack-nixos is ~120 .nix files and under 2 MB. */
const MAX_FILES = 2000;
const MAX_BYTES = 32 * 1024 * 1024;

/**
 * Every `.nix` file of a source tree, sorted by path. Only regular files and real folders: no
 * symbolic link is followed (out of the tree or into a loop), and a FIFO or device is skipped
 * without being opened for a blocking read. An unreadable folder is skipped, as `find` would.
 */
export async function readSourceTree(root: string): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  let bytes = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(path.join(root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (out.length >= MAX_FILES || bytes >= MAX_BYTES) return;
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory() && !e.name.startsWith('.')) await walk(rel);
      else if (e.isFile() && e.name.endsWith('.nix')) {
        // The entry was a regular file when listed; the reader checks again on what it opens.
        const read = await readText(path.join(root, rel), { maxBytes: MAX_BYTES - bytes });
        if (!read.ok) continue;
        bytes += read.size;
        out.push({ path: rel, text: read.value });
      }
    }
  };
  await walk('');
  return out;
}

export interface LiveSchema {
  schema: Schema;
  locked: LockedJetpack;
  storePath: string;
  /** Options the locked revision has and the bundled schema does not, and the reverse. */
  added: string[];
  removed: string[];
  problems: string[];
}

/** What new options get for a description: we have not written one for them. */
export const LIVE_PLACEHOLDER = 'Declared by the jetpack-nixos pinned in your flake.lock; Jetson Nix has no description of it yet.';

/**
 * The schema of the jetpack-nixos `flakeDir/flake.lock` pins, extracted from the local store, or
 * the reason it cannot be (not pinned, not in the store, nothing extracted).
 */
export async function loadLiveSchema(flakeDir: string, parser: Parser, bundled: Schema): Promise<LiveSchema | { reason: string }> {
  const lookup = await readLockedJetpack(flakeDir);
  if ('reason' in lookup) return lookup;
  const locked = lookup.found;
  const storePath = sourceStorePath(locked.narHash, storeDir());
  if (!storePath) return { reason: `the narHash of ${locked.input} is not a SHA-256 hash` };
  if (!(await isFolder(storePath))) {
    return { reason: `jetpack-nixos ${locked.label} (locked in flake.lock) is not in the local Nix store (${storePath}); build or fetch it once to validate against it` };
  }
  const files = await readSourceTree(storePath);
  const extraction = extractSchema(files, parser);
  if (extraction.options.length === 0) return { reason: `no jetpack-nixos options found in ${storePath}` };
  const { schema, report } = mergeSchema({
    current: bundled,
    extraction,
    descriptions: {},
    explanations: {},
    source: { project: bundled.source.project, revision: locked.label, ...(locked.date ? { date: locked.date } : {}), lockedIn: 'flake.lock' },
    placeholder: LIVE_PLACEHOLDER,
  });
  return { schema, locked, storePath, added: report.added, removed: report.removed, problems: report.problems };
}

/** A fetched source is a folder in the store; anything else there (a file, a link) is not one. */
async function isFolder(p: string): Promise<boolean> {
  try {
    return (await fs.promises.lstat(p)).isDirectory();
  } catch {
    return false;
  }
}
