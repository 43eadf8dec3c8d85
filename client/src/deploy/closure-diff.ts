/**
 * What a deploy changes on the robot, in the terms of `nix store diff-closures`: the packages of
 * the two closures grouped by name, with the versions that went and came and the size change.
 * When both systems are in the local store, Nix's own `nix store diff-closures` says it and its
 * output is read here. Before the copy, though, the robot's running system is usually only on the
 * robot, and no Nix command compares closures across two stores: then the same comparison is made
 * here from `nix path-info --json` of each side (the test suite checks both give the same answer).
 * No `vscode` import.
 */
import { stripAnsi } from '../nix/exec';

/** One package whose versions or size differ. */
export interface ClosureChange {
  name: string;
  /** Versions only the old closure has ("" for a path without version). */
  removed: string[];
  /** Versions only the new closure has. */
  added: string[];
  /** Bytes (NAR size) after minus before; only changes of 8 KiB or more count, as in diff-closures. */
  sizeDelta: number;
}

export interface PathInfo {
  path: string;
  narSize: number;
}

const HASH_PART = /^\/nix\/store\/[0-9a-z]{32}-/;

/** Nix's DrvName: the version starts at the first `-` not followed by a letter. */
export function splitName(name: string): { name: string; version: string } {
  for (let i = 0; i < name.length - 1; i++) {
    if (name[i] === '-' && !/[A-Za-z]/.test(name[i + 1]!)) return { name: name.slice(0, i), version: name.slice(i + 1) };
  }
  return { name, version: '' };
}

/** A store path's package name and version, with the output name stripped as diff-closures does. */
export function packageOf(storePath: string): { name: string; version: string } {
  let base = storePath.replace(HASH_PART, '');
  const output = /^(.*)-([a-z]+|lib32|lib64)$/.exec(base);
  if (output) base = output[1]!;
  return splitName(base);
}

type Grouped = Map<string, Map<string, number>>;

function group(closure: readonly PathInfo[]): Grouped {
  const groups: Grouped = new Map();
  for (const info of closure) {
    const { name, version } = packageOf(info.path);
    const versions = groups.get(name) ?? new Map<string, number>();
    versions.set(version, (versions.get(version) ?? 0) + info.narSize);
    groups.set(name, versions);
  }
  return groups;
}

const SHOWN_DELTA = 8 * 1024;

/** The changes between two closures (each every path with its NAR size), sorted by name. */
export function diffClosures(before: readonly PathInfo[], after: readonly PathInfo[]): ClosureChange[] {
  const a = group(before);
  const b = group(after);
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  const changes: ClosureChange[] = [];
  for (const name of names) {
    const was = a.get(name) ?? new Map<string, number>();
    const is = b.get(name) ?? new Map<string, number>();
    const size = (m: Map<string, number>) => [...m.values()].reduce((s, n) => s + n, 0);
    const sizeDelta = size(is) - size(was);
    const removed = [...was.keys()].filter((v) => !is.has(v)).sort();
    const added = [...is.keys()].filter((v) => !was.has(v)).sort();
    const showDelta = Math.abs(sizeDelta) >= SHOWN_DELTA;
    if (showDelta || removed.length > 0 || added.length > 0) changes.push({ name, removed, added, sizeDelta: showDelta ? sizeDelta : 0 });
  }
  return changes;
}

/** Reads `nix path-info --json` output: an array (Nix ≤ 2.18) or an object keyed by path (newer). */
export function parsePathInfo(json: string): PathInfo[] {
  const parsed: unknown = JSON.parse(json);
  const entries: [string | undefined, unknown][] = Array.isArray(parsed)
    ? parsed.map((item) => [undefined, item])
    : parsed && typeof parsed === 'object'
      ? Object.entries(parsed as Record<string, unknown>)
      : [];
  const out: PathInfo[] = [];
  for (const [key, item] of entries) {
    const record = item && typeof item === 'object' ? (item as { path?: unknown; narSize?: unknown; valid?: unknown }) : undefined;
    const path = typeof record?.path === 'string' ? record.path : key;
    if (path && typeof record?.narSize === 'number' && record.valid !== false) out.push({ path, narSize: record.narSize });
  }
  return out;
}

/** `∅` for none, `ε` for the empty version, as diff-closures prints them. */
function versions(list: string[]): string {
  return list.length === 0 ? '∅' : list.map((v) => (v === '' ? 'ε' : v)).join(', ');
}

/** One line per change, in diff-closures' format ("linux: 5.15.148 → 5.15.150, +12.5 KiB"). */
export function formatChange(c: ClosureChange): string {
  const items: string[] = [];
  if (c.removed.length > 0 || c.added.length > 0) items.push(`${versions(c.removed)} → ${versions(c.added)}`);
  if (c.sizeDelta !== 0) items.push(`${c.sizeDelta > 0 ? '+' : ''}${(c.sizeDelta / 1024).toFixed(1)} KiB`);
  return `${c.name}: ${items.join(', ')}`;
}

function parseVersions(text: string): string[] {
  const t = text.trim();
  return t === '∅' ? [] : t.split(', ').map((v) => (v === 'ε' ? '' : v));
}

/** Reads the output of `nix store diff-closures` (colours and all). */
export function parseDiffClosures(output: string): ClosureChange[] {
  const changes: ClosureChange[] = [];
  for (const raw of stripAnsi(output).split('\n')) {
    const line = raw.trim();
    const colon = line.indexOf(': ');
    if (colon <= 0) continue;
    let rest = line.slice(colon + 2);
    let sizeDelta = 0;
    const size = /(?:^|, )([+-]\d+(?:\.\d+)?) KiB$/.exec(rest);
    if (size) {
      sizeDelta = Math.round(Number(size[1]) * 1024);
      rest = rest.slice(0, size.index);
    }
    const arrow = rest.indexOf(' → ');
    const change: ClosureChange = { name: line.slice(0, colon), removed: [], added: [], sizeDelta };
    if (arrow >= 0) {
      change.removed = parseVersions(rest.slice(0, arrow));
      change.added = parseVersions(rest.slice(arrow + 3));
    }
    if (arrow >= 0 || size) changes.push(change);
  }
  return changes;
}

export interface ChangeSummary {
  /** Packages whose version changed. */
  upgraded: ClosureChange[];
  added: ClosureChange[];
  removed: ClosureChange[];
  /** Same versions, different size: rebuilt. */
  rebuilt: ClosureChange[];
  /** Bytes, after minus before, over the changes shown. */
  sizeDelta: number;
}

export function summarize(changes: readonly ClosureChange[]): ChangeSummary {
  const s: ChangeSummary = { upgraded: [], added: [], removed: [], rebuilt: [], sizeDelta: 0 };
  for (const c of changes) {
    s.sizeDelta += c.sizeDelta;
    if (c.removed.length === 0 && c.added.length === 0) s.rebuilt.push(c);
    else if (c.removed.length === 0) s.added.push(c);
    else if (c.added.length === 0) s.removed.push(c);
    else s.upgraded.push(c);
  }
  return s;
}

/** `+1.5 MiB`, `-240.0 KiB`. */
export function formatSize(bytes: number): string {
  const sign = bytes > 0 ? '+' : bytes < 0 ? '-' : '±';
  const abs = Math.abs(bytes);
  const [value, unit] = abs >= 1024 ** 3 ? [abs / 1024 ** 3, 'GiB'] : abs >= 1024 ** 2 ? [abs / 1024 ** 2, 'MiB'] : [abs / 1024, 'KiB'];
  return `${sign}${value.toFixed(1)} ${unit}`;
}

/**
 * One or two sentences for the confirmation: the counts, the size, the first few version changes.
 * `totalDelta` is the exact change of the closure's size when both closures are known (the
 * changes alone leave out differences under 8 KiB, as diff-closures does).
 */
export function describeChanges(changes: readonly ClosureChange[], totalDelta?: number, shown = 4): string {
  if (changes.length === 0) return 'No package changes (same versions, same sizes).';
  const s = summarize(changes);
  if (totalDelta !== undefined) s.sizeDelta = totalDelta;
  const counts = [
    s.upgraded.length > 0 && `${s.upgraded.length} changed`,
    s.added.length > 0 && `${s.added.length} added`,
    s.removed.length > 0 && `${s.removed.length} removed`,
    s.rebuilt.length > 0 && `${s.rebuilt.length} rebuilt`,
  ].filter((p): p is string => !!p);
  const first = [...s.upgraded, ...s.added, ...s.removed].slice(0, shown).map((c) => `${c.name} ${versions(c.removed)} → ${versions(c.added)}`);
  const more = s.upgraded.length + s.added.length + s.removed.length - first.length;
  return `Packages: ${counts.join(', ')}; ${s.sizeDelta === 0 ? 'same size' : `size ${formatSize(s.sizeDelta)}`}.${first.length > 0 ? ` ${first.join('; ')}${more > 0 ? `; and ${more} more` : ''}.` : ''}`;
}
