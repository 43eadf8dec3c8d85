/**
 * Builds the bundled ROS 2 package index, `server/ros/ros-index.json`, from a nix-ros-overlay
 * checkout, read statically with our own parser (`server/src/ros/extract.ts`); no Nix evaluation.
 *
 * Usage: `npm run ros-index -- <nix-ros-overlay checkout> [--check] [--revision <rev>] [--date <YYYY-MM-DD>]
 *         [--rosdep <rosdep-nixos.json>]`
 *
 * The removed distributions come from the checkout's git history (and its branches); without
 * history they are kept from the current file. `--rosdep` also rewrites `server/ros/rosdep-nixos.json`
 * from the reference table (rosdep key → nixpkgs attributes). `--check` reports without writing
 * and exits 1 when the index would change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createNixParser } from '../server/src/parse/parser';
import { extractRosIndex, type OverlaySource } from '../server/src/ros/extract';
import { readIndex, writeIndex } from '../server/src/ros/index-file';
import { compactRosdep } from '../server/src/ros/rosdep';
import type { Extraction, IndexSource, RemovedDistro } from '../server/src/ros/types';
import { readText } from '../server/src/shared/safe-read';
import { removedDistros } from './ros-history';
import { flag, git, runCommand } from './schema';

export const INDEX_FILE = path.join(__dirname, '..', 'server', 'ros', 'ros-index.txt');
export const ROSDEP_FILE = path.join(__dirname, '..', 'server', 'ros', 'rosdep-nixos.json');

/** A checkout on disk as an overlay source. */
export function folderSource(root: string): OverlaySource {
  return {
    async read(file) {
      const r = await readText(path.join(root, file), { kind: 'nix', within: root });
      return r.ok ? { ok: true, text: r.value } : { ok: false, message: r.message };
    },
    async folders(dir) {
      try {
        const entries = await fs.promises.readdir(path.join(root, dir), { withFileTypes: true });
        return entries.filter((e) => e.isDirectory()).map((e) => e.name);
      } catch {
        return undefined;
      }
    },
  };
}

/** The report as lines for the terminal. */
export function formatReport(extraction: Extraction): string[] {
  const lines: string[] = [];
  for (const d of extraction.distros) {
    const unresolved = d.packages.filter((p) => Object.values(p.dependencies).some((l) => l.some((x) => x.startsWith('_unresolved_')))).length;
    lines.push(`  ${d.name}: ${d.packages.length} packages, ${d.overlayNames.length} names from overlays, ${unresolved} packages with dependencies superflore could not resolve${d.incomplete.length ? `; names incomplete: ${d.incomplete.map((p) => `${p.file}${p.line ? `:${p.line}` : ''} ${p.message}`).join('; ')}` : ''}`);
  }
  lines.push(`  package folders no generated.nix refers to (not attributes, skipped): ${extraction.strayDirectories}`);
  if (extraction.problems.length > 0) {
    lines.push(`not read (${extraction.problems.length}):`);
    for (const p of extraction.problems) lines.push(`  ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
  }
  return lines;
}

function removedFrom(root: string, current: string[], parser: Parameters<typeof removedDistros>[2]): RemovedDistro[] {
  if (git(root, ['rev-parse', '--git-dir']) !== undefined) return removedDistros(root, current, parser);
  console.log('no git history: removed distributions kept from the current index');
  const before = fs.existsSync(INDEX_FILE) ? readIndex(fs.readFileSync(INDEX_FILE, 'utf8')) : undefined;
  return before && 'index' in before ? before.index.header.removed : [];
}

function sizes(text: string): string {
  const raw = Buffer.byteLength(text);
  const gz = zlib.gzipSync(text, { level: 9 }).length;
  return `${(raw / 1024).toFixed(0)} KiB (${(gz / 1024).toFixed(0)} KiB gzipped)`;
}

async function main(argv: string[]): Promise<number> {
  const values = new Set([flag(argv, '--revision'), flag(argv, '--date'), flag(argv, '--rosdep')]);
  const tree = argv.find((a) => !a.startsWith('--') && !values.has(a));
  if (!tree) throw new Error('usage: npm run ros-index -- <nix-ros-overlay checkout> [--check] [--revision <rev>] [--date <YYYY-MM-DD>] [--rosdep <rosdep-nixos.json>]');
  const root = path.resolve(tree);
  const revision = flag(argv, '--revision') ?? git(root, ['rev-parse', 'HEAD']);
  if (!revision) throw new Error(`${root} is not a git checkout: give its revision with --revision`);
  const date = flag(argv, '--date') ?? (flag(argv, '--revision') ? undefined : git(root, ['log', '-1', '--format=%cs']));
  const branch = flag(argv, '--revision') ? undefined : git(root, ['rev-parse', '--abbrev-ref', 'HEAD']);
  const parser = await createNixParser();
  const started = performance.now();
  const extraction = await extractRosIndex(folderSource(root), parser);
  console.log(`${path.relative(process.cwd(), root) || '.'} at ${revision.slice(0, 12)}: read in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const line of formatReport(extraction)) console.log(line);
  const source: IndexSource = { project: 'lopsided98/nix-ros-overlay', ...(branch && branch !== 'HEAD' ? { branch } : {}), revision, ...(date ? { date } : {}) };
  const removed = removedFrom(root, extraction.distros.map((d) => d.name), parser);
  console.log(`removed distributions: ${removed.map((r) => `${r.name} (${r.removedIn.date}${r.branches.length ? `, in ${r.branches.map((b) => b.name).join(', ')}` : ''})`).join(', ')}`);
  const text = writeIndex(extraction, source, removed);
  const rel = path.relative(process.cwd(), INDEX_FILE);
  const stale = !fs.existsSync(INDEX_FILE) || text !== fs.readFileSync(INDEX_FILE, 'utf8');
  if (argv.includes('--check')) {
    console.log(stale ? `${rel} would change` : `${rel} is up to date`);
    return stale ? 1 : 0;
  }
  fs.writeFileSync(INDEX_FILE, text);
  console.log(`wrote ${rel}: ${sizes(text)}`);
  const rosdep = flag(argv, '--rosdep');
  if (rosdep) {
    const compact = compactRosdep(JSON.parse(fs.readFileSync(rosdep, 'utf8')) as { source: string; keys: Record<string, string[]> });
    fs.writeFileSync(ROSDEP_FILE, compact);
    console.log(`wrote ${path.relative(process.cwd(), ROSDEP_FILE)}: ${sizes(compact)}`);
  }
  return 0;
}

if (require.main === module) runCommand(main);
