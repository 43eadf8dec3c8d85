import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DocumentSymbol, SymbolInformation } from 'vscode-languageserver/node';
import type { Parser } from 'web-tree-sitter';
import { collectNixFiles } from '../cli/files';
import { isInside, type ReadResult } from '../shared/safe-read';
import { STALE, WorkspaceReads } from '../workspace-reads';
import { nixVisibleText } from '../analysis/check';
import { LineIndex } from '../text/line-index';
import { readFlake } from '../flake/inputs';
import { documentSymbols } from './symbols';

/** At most this many files are indexed per workspace: a huge tree gets a partial index, not a stall. */
export const MAX_INDEXED_FILES = 5000;
/** Larger files are generated data (package sets, hashes), not where people look for names. */
const MAX_FILE_BYTES = 1024 * 1024;
/** Symbols nested deeper than this are not indexed (`outputs > nixosConfigurations.x > modules > …`). */
const MAX_INDEXED_DEPTH = 3;
/** At most this many answers per query; the editor filters them further as the user types. */
const MAX_RESULTS = 1000;
/** How often indexing reports its progress. */
const REPORT_MS = 100;

/** A symbol as stored in the index: flattened, with its container's name. */
export interface IndexedSymbol {
  name: string;
  kind: DocumentSymbol['kind'];
  containerName?: string;
  range: DocumentSymbol['range'];
}

/** How indexing reports its progress (an LSP work-done progress, or nothing). */
export interface Progress {
  begin(title: string, percentage?: number, message?: string): void;
  report(percentage: number, message?: string): void;
  done(): void;
}

/**
 * The symbols of every `.nix` file of the workspace folders, for "Go to Symbol in Workspace".
 * Built once in the background (a few milliseconds of work per turn of the event loop), then
 * kept up to date file by file as files change; queries wait until the first build is done, so
 * they never answer "nothing" for a workspace that simply is not indexed yet.
 */
export class WorkspaceSymbolIndex {
  private readonly byFile = new Map<string, IndexedSymbol[]>();
  private readonly reads = new WorkspaceReads(() => this.roots, MAX_FILE_BYTES);
  private built: Promise<void> | undefined;
  private roots: string[] = [];

  constructor(
    private readonly parser: () => Promise<Parser>,
    private readonly maxFiles = MAX_INDEXED_FILES,
  ) {}

  /** Starts indexing (once); resolves when the first build is complete. */
  start(folders: string[], progress: () => Promise<Progress>, log: (message: string) => void): Promise<void> {
    this.built ??= this.build(folders, progress, log).catch((err: unknown) => log(`Indexing workspace symbols failed: ${err instanceof Error ? err.message : String(err)}`));
    return this.built;
  }

  get started(): boolean {
    return this.built !== undefined;
  }

  /** Symbols whose name matches `query` (letters in order, case-insensitive), best first. */
  async query(query: string, openFile?: (file: string) => IndexedSymbol[] | undefined): Promise<SymbolInformation[]> {
    await this.built;
    const needle = query.toLowerCase();
    const scored: { score: number; info: SymbolInformation }[] = [];
    for (const [file, symbols] of this.byFile) {
      const uri = pathToFileURL(file).href;
      for (const s of openFile?.(file) ?? symbols) {
        const score = matchScore(s.name.toLowerCase(), needle);
        if (score < 0) continue;
        const info: SymbolInformation = { name: s.name, kind: s.kind, location: { uri, range: s.range } };
        if (s.containerName) info.containerName = s.containerName;
        scored.push({ score, info });
      }
    }
    scored.sort((a, b) => a.score - b.score || a.info.name.length - b.info.name.length || a.info.name.localeCompare(b.info.name));
    return scored.slice(0, MAX_RESULTS).map((s) => s.info);
  }

  /** Re-reads one file after it changed on disk (or forgets it when it is gone). */
  async update(file: string): Promise<void> {
    const abs = path.resolve(file);
    if (!this.built || !abs.endsWith('.nix') || !this.roots.some((r) => abs !== r && isInside(r, abs))) return;
    await this.built;
    const parser = await this.parser();
    const read = await this.reads.read(abs);
    if (read !== STALE) this.indexText(parser, abs, read);
  }

  private async build(folders: string[], progress: () => Promise<Progress>, log: (message: string) => void): Promise<void> {
    const started = Date.now();
    this.roots = folders.map((f) => path.resolve(f));
    const reporter = await progress();
    reporter.begin('Indexing Nix symbols', 0);
    try {
      const parser = await this.parser();
      const { files } = collectNixFiles(folders.filter((f) => fs.existsSync(f)));
      const todo = files.slice(0, this.maxFiles);
      if (files.length > this.maxFiles) log(`Workspace has ${files.length} .nix files; indexing the first ${this.maxFiles} for workspace symbols.`);
      let reported = Date.now();
      let done = 0;
      await this.reads.each(todo.map((f) => path.resolve(f)), (file, read) => {
        this.indexText(parser, file, read);
        done++;
        if (Date.now() - reported >= REPORT_MS) {
          reporter.report(Math.round((100 * done) / todo.length), `${done}/${todo.length} files`);
          reported = Date.now();
        }
      });
      const count = [...this.byFile.values()].reduce((n, s) => n + s.length, 0);
      log(`Indexed ${todo.length} .nix files (${count} symbols) for workspace symbols in ${Date.now() - started} ms.`);
    } finally {
      reporter.done();
    }
  }

  /** Indexes one file's text; a file that could not be read (deleted, too large, a FIFO…) has nothing to find. */
  private indexText(parser: Parser, file: string, read: ReadResult<string>): void {
    this.byFile.delete(file);
    if (!read.ok) return;
    const text = read.value;
    const tree = parser.parse(nixVisibleText(text).text);
    if (!tree) return;
    try {
      const flake = path.basename(file) === 'flake.nix' ? readFlake(tree.rootNode, text) : undefined;
      this.byFile.set(file, flattenSymbols(documentSymbols(tree, text, new LineIndex(text), { flake })));
    } finally {
      tree.delete();
    }
  }
}

/** A document's outline as index entries, down to the indexed depth. */
export function flattenSymbols(symbols: DocumentSymbol[], container?: string, depth = 0, out: IndexedSymbol[] = []): IndexedSymbol[] {
  for (const s of symbols) {
    const entry: IndexedSymbol = { name: s.name, kind: s.kind, range: s.selectionRange };
    if (container) entry.containerName = container;
    out.push(entry);
    if (depth < MAX_INDEXED_DEPTH && s.children?.length) flattenSymbols(s.children, container ? `${container}.${s.name}` : s.name, depth + 1, out);
  }
  return out;
}

/**
 * How well `name` matches `query`: 0 for a prefix, 1 for a substring, 2 plus the gaps for the
 * letters in order, -1 for no match. An empty query matches everything.
 */
export function matchScore(name: string, query: string): number {
  if (query === '') return 0;
  if (name.startsWith(query)) return 0;
  if (name.includes(query)) return 1;
  let at = 0;
  let gaps = 0;
  for (const c of query) {
    const found = name.indexOf(c, at);
    if (found < 0) return -1;
    gaps += found - at;
    at = found + 1;
  }
  return 2 + gaps;
}
