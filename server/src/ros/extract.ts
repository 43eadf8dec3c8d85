import type { Parser, Tree } from 'web-tree-sitter';
import { elements } from '../schema/nix-static';
import { type DistroEntry, readDistroList, readGenerated } from './extract-distros';
import { emptyPackage, readPackage } from './extract-package';
import { type OverlayStep, readOverlayChain } from './overlay-chain';
import { classifyBinding, overlayBindings } from './overlay-names';
import type { DistroExtraction, Extraction, OverlayName } from './types';

/**
 * Reads a nix-ros-overlay tree statically into the package index: the distributions
 * (`distros/default.nix`), each one's packages (`generated.nix` and the package files) and the
 * names its overlays add (`distro-overlay.nix` and the files it imports). Used by
 * `npm run ros-index` on a checkout and by the live index on a source in the Nix store.
 */

/** Where the files come from; paths are relative to the overlay's root, with `/`. */
export interface OverlaySource {
  read(file: string): Promise<{ ok: true; text: string } | { ok: false; message: string }>;
  /** The sub-folders of a folder, when the source can list them (only for the report). */
  folders?(dir: string): Promise<string[] | undefined>;
}

export interface ExtractOptions {
  /** Called after each distribution, for progress. */
  onDistro?: (name: string, packages: number) => void;
}

/**
 * Names `lib.makeScopeWithSplicing'` adds to a scope in nixpkgs, which no file of the overlay
 * spells out: `newScope`, `callPackage`, `overrideScope` and `packages` today, `overrideScope'`
 * in releases before 24.05. Kept all, so that no real name is ever reported missing.
 */
const SCOPE_NAMES = ['callPackage', 'newScope', 'overrideScope', "overrideScope'", 'packages'];

/** Reads the whole index from an overlay tree. */
export async function extractRosIndex(source: OverlaySource, parser: Parser, options: ExtractOptions = {}): Promise<Extraction> {
  const out: Extraction = { distros: [], otherAttributes: [], problems: [], strayDirectories: 0 };
  const listFile = 'distros/default.nix';
  const list = await source.read(listFile);
  if (!list.ok) {
    out.problems.push({ file: listFile, message: list.message });
    return out;
  }
  const distroList = readDistroList(list.text, listFile, parser);
  out.otherAttributes = distroList.otherAttributes;
  out.problems.push(...distroList.problems);
  for (const entry of distroList.distros) {
    const distro = await extractDistro(entry, source, parser, out);
    out.distros.push(distro);
    options.onDistro?.(distro.name, distro.packages.length);
  }
  return out;
}

async function extractDistro(entry: DistroEntry, source: OverlaySource, parser: Parser, out: Extraction): Promise<DistroExtraction> {
  const distro: DistroExtraction = { name: entry.attr, ...(entry.rosVersion !== undefined ? { rosVersion: entry.rosVersion } : {}), packages: [], overlayNames: [], incomplete: [] };
  const dir = `distros/${entry.distro}`;
  const generatedFile = `${dir}/generated.nix`;
  const generated = await source.read(generatedFile);
  const entries = generated.ok ? readGenerated(generated.text, generatedFile, parser) : { entries: [], problems: [{ file: generatedFile, message: generated.message }], complete: false };
  out.problems.push(...entries.problems);
  if (!entries.complete) distro.incomplete.push({ file: generatedFile, message: 'not every package name could be read' });
  const files = entries.entries.map((e) => (e.dir === undefined ? undefined : `${dir}/${e.dir}/default.nix`));
  const texts = await readAll(source, files);
  entries.entries.forEach((e, i) => {
    const file = files[i];
    const text = texts[i];
    if (file === undefined || text === undefined) {
      distro.packages.push(emptyPackage(e.attr));
      return;
    }
    if (!text.ok) {
      out.problems.push({ file, message: text.message });
      distro.packages.push(emptyPackage(e.attr));
      return;
    }
    const read = readPackage(text.text, { file, distro: entry.distro, attr: e.attr }, parser);
    out.problems.push(...read.problems);
    distro.packages.push(read.pkg);
  });
  distro.packages.sort((a, b) => (a.attr < b.attr ? -1 : a.attr > b.attr ? 1 : 0));
  out.strayDirectories += await strays(source, dir, entries.entries.map((e) => e.dir));
  await readOverlayNames(entry, distro, source, parser, out);
  return distro;
}

/** How many files are read at once: the reads wait on the disk, not on us. */
const READ_CONCURRENCY = 16;

type ReadResult = Awaited<ReturnType<OverlaySource['read']>>;

/** Reads files (in order, `undefined` skipped) with a few reads in flight at a time. */
async function readAll(source: OverlaySource, files: (string | undefined)[]): Promise<(ReadResult | undefined)[]> {
  const out = new Array<ReadResult | undefined>(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const f = files[i];
      if (f !== undefined) out[i] = await source.read(f);
    }
  };
  await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
  return out;
}

/** Package folders no generated.nix entry names (superflore does not delete them). */
async function strays(source: OverlaySource, dir: string, used: (string | undefined)[]): Promise<number> {
  const folders = await source.folders?.(dir);
  if (!folders) return 0;
  const known = new Set(used);
  return folders.filter((f) => !known.has(f)).length;
}

/** The names the overlays of distro-overlay.nix add to the distribution, in their order. */
async function readOverlayNames(entry: DistroEntry, distro: DistroExtraction, source: OverlaySource, parser: Parser, out: Extraction): Promise<void> {
  const file = 'distros/distro-overlay.nix';
  const text = await source.read(file);
  if (!text.ok) {
    distro.incomplete.push({ file, message: text.message });
    return;
  }
  const trees: Tree[] = [];
  try {
    const tree = parser.parse(text.text);
    if (!tree) throw new Error(`${file} could not be parsed`);
    trees.push(tree);
    const args = { distro: entry.distro, ...(entry.rosVersion !== undefined ? { version: entry.rosVersion } : {}) };
    const chain = readOverlayChain(tree.rootNode, file, args);
    out.problems.push(...chain.problems);
    distro.incomplete.push(...chain.incomplete);
    const names = new Map<string, OverlayName | 'generated'>();
    for (const step of chain.steps) await applyStep(step, { file, names, distro, source, parser, trees, out });
    if (chain.scopeLine !== undefined) {
      for (const name of SCOPE_NAMES) names.set(name, { name, kind: 'scope', file, line: chain.scopeLine });
    }
    for (const v of names.values()) if (v !== 'generated') distro.overlayNames.push(v);
    distro.overlayNames.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (err) {
    distro.incomplete.push({ file, message: err instanceof Error ? err.message : String(err) });
  } finally {
    for (const t of trees) t.delete();
  }
}

interface StepContext {
  file: string;
  names: Map<string, OverlayName | 'generated'>;
  distro: DistroExtraction;
  source: OverlaySource;
  parser: Parser;
  trees: Tree[];
  out: Extraction;
}

async function applyStep(step: OverlayStep, c: StepContext): Promise<void> {
  if (step.kind === 'generated') {
    for (const p of c.distro.packages) c.names.set(p.attr, 'generated');
    return;
  }
  let node = step.kind === 'node' ? step.node : undefined;
  let file = c.file;
  if (step.kind === 'file') {
    file = step.file;
    const text = await c.source.read(file);
    if (!text.ok) {
      c.distro.incomplete.push({ file, message: text.message });
      return;
    }
    const tree = c.parser.parse(text.text);
    if (!tree) {
      c.distro.incomplete.push({ file, message: 'could not be parsed' });
      return;
    }
    c.trees.push(tree);
    node = elements(tree.rootNode)[0];
  }
  if (!node) return;
  const read = overlayBindings(node, file);
  c.distro.incomplete.push(...read.incomplete);
  for (const b of read.bindings) {
    const kind = classifyBinding(b, file);
    if (kind !== 'override') c.names.set(b.name, kind);
    else if (!c.names.has(b.name)) c.names.set(b.name, { name: b.name, kind: 'broken', file, line: b.site.startPosition.row + 1 });
  }
}

