import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageType, ShowMessageNotification, type DocumentSymbol, type FoldingRange, type TextEdit } from 'vscode-languageserver/node';
import type { FeatureModule, ServerHost } from './host';
import type { NixDocument } from '../parse/document';
import { createNixParser } from '../parse/parser';
import { readFlake } from '../flake/inputs';
import { outline, type SymbolReuse } from '../features/symbols';
import { foldingRanges } from '../features/folding';
import { selectionRanges } from '../features/selection-ranges';
import { documentLinks } from '../features/document-links';
import { flattenSymbols, WorkspaceSymbolIndex, type IndexedSymbol, type Progress } from '../features/workspace-symbols';
import { chooseFormatter, formattingEdits, runFormatter } from '../features/formatting';
import { describeFailure } from '../util/errors';

/** Results that depend only on a document's text, kept for its current version. */
interface Cached<T> {
  version: number;
  value: T;
}

const symbolCache = new WeakMap<NixDocument, Cached<{ symbols: DocumentSymbol[]; reuse: SymbolReuse | undefined }>>();
const foldingCache = new WeakMap<NixDocument, Cached<FoldingRange[]>>();
const index = new WorkspaceSymbolIndex(createNixParser);
/** The missing-formatter message is shown once per session; later attempts only log. */
let toldNoFormatter = false;

function cached<T>(cache: WeakMap<NixDocument, Cached<T>>, doc: NixDocument, compute: () => T): T {
  const hit = cache.get(doc);
  if (hit && hit.version === doc.version) return hit.value;
  const value = compute();
  cache.set(doc, { version: doc.version, value });
  return value;
}

/** The file a `file:` URI names, or undefined for other schemes. */
function filePath(uri: string): string | undefined {
  return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
}

function isFlakeUri(uri: string): boolean {
  return /(^|\/)flake\.nix$/.test(uri);
}

/** The outline of the current version, reusing the previous version's where the tree did not change. */
function symbolsOf(doc: NixDocument, uri: string): DocumentSymbol[] {
  const previous = symbolCache.get(doc);
  const symbols = cached(symbolCache, doc, () => {
    const tree = doc.syntaxTree();
    const flake = isFlakeUri(uri) ? readFlake(tree.rootNode, doc.text) : undefined;
    return outline(tree, doc.text, doc.lineIndex, { flake, previous: previous?.value.reuse });
  }).symbols;
  return capped(symbols, MAX_OUTLINE_SYMBOLS);
}

/**
 * An outline is for reading: past a few thousand entries (a generated package set) nobody scrolls
 * it, and sending 20,000 symbols (5 MB of JSON for a 1 MB file) costs more than computing them.
 * The first `max` symbols in document order are kept, with their parents.
 */
const MAX_OUTLINE_SYMBOLS = 5000;

export function capped(symbols: DocumentSymbol[], max: number): DocumentSymbol[] {
  let left = max;
  const take = (list: DocumentSymbol[]): DocumentSymbol[] => {
    const out: DocumentSymbol[] = [];
    for (const s of list) {
      if (left <= 0) break;
      left--;
      out.push(s.children?.length ? { ...s, children: take(s.children) } : s);
    }
    return out;
  };
  const count = (list: DocumentSymbol[]): number => list.reduce((n, s) => n + 1 + count(s.children ?? []), 0);
  return count(symbols) <= max ? symbols : take(symbols);
}

/**
 * Indexing starts with the first document the server analyses (or the first workspace-symbol
 * request): by then the workspace folders are known and the client is ready for progress.
 */
function startIndexing(host: ServerHost): Promise<void> {
  const progress = async (): Promise<Progress> => {
    try {
      // A no-op reporter when the client did not announce `window.workDoneProgress`.
      return await host.connection.window.createWorkDoneProgress();
    } catch (err) {
      host.connection.console.info(`The client refused a progress indicator (${err instanceof Error ? err.message : String(err)}); indexing without one.`);
      return { begin: () => undefined, report: () => undefined, done: () => undefined };
    }
  };
  return index.start(host.folders(), progress, (m) => host.connection.console.info(m));
}

/** Open documents answer for their file with what is in the editor, not what is on disk. */
function openSymbols(host: ServerHost): (file: string) => IndexedSymbol[] | undefined {
  const open = new Map<string, string>();
  for (const [uri] of host.openDocuments()) {
    const file = filePath(uri);
    if (file) open.set(path.resolve(file), uri);
  }
  return (file) => {
    const uri = open.get(file);
    return uri === undefined ? undefined : host.withDocument(uri, undefined, (doc) => flattenSymbols(symbolsOf(doc, uri)));
  };
}

/** Formats a whole document, or the changes of a whole-document format that touch a range. */
async function format(host: ServerHost, uri: string, lineRange?: { start: number; end: number }): Promise<TextEdit[] | null> {
  const doc = host.document(uri);
  if (!doc || !host.generalFeatures()) return null;
  const choice = chooseFormatter(host.settings()['formatting.formatter'], process.env.PATH);
  if (choice.kind === 'off') return null;
  if (choice.kind === 'missing') {
    const names = choice.wanted.join(', ');
    const message =
      choice.wanted.length === 1
        ? `Cannot format: ${names} is not on PATH. Install it, or choose another formatter with jetsonNix.formatting.formatter.`
        : `Cannot format: none of ${names} is on PATH. Install one of them, or set jetsonNix.formatting.formatter to none.`;
    if (!toldNoFormatter) {
      toldNoFormatter = true;
      // A notification, not a request: nothing waits for the user to dismiss it.
      void host.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message });
    }
    host.connection.console.info(message);
    return null;
  }
  const { text, version } = doc;
  // Run beside the file (formatters look for their configuration there) when that folder exists.
  const file = filePath(uri);
  const cwd = file && fs.existsSync(path.dirname(file)) ? path.dirname(file) : undefined;
  const result = await runFormatter(choice.executable, choice.args, text, { cwd });
  if (!result.ok) {
    host.connection.console.warn(`${choice.name} ${result.reason} on ${uri}; the document is left as it is.${result.stderr ? `\n${result.stderr.trim()}` : ''}`);
    return null;
  }
  // The document changed while the formatter ran: these edits would land in the wrong places.
  if (host.document(uri) !== doc || doc.version !== version) return null;
  return formattingEdits(text, result.text, lineRange).map((e) => ({ range: doc.lineIndex.range(e.start, e.end), newText: e.newText }));
}

/**
 * Outline, workspace symbols, folding, selection ranges, links and formatting. Formatting and the
 * outline of files other than flake.nix are general Nix features; the rest no other Nix server
 * offers (workspace symbols), or VS Code shows once when two servers offer it (folding,
 * selection ranges, links).
 */
export const structureFeature: FeatureModule = {
  name: 'structure',
  capabilities: () => ({
    workspaceSymbolProvider: true,
    foldingRangeProvider: true,
    selectionRangeProvider: true,
    documentLinkProvider: { resolveProvider: false },
  }),
  generalCapabilities: () => ({
    documentSymbolProvider: { label: 'Nix' },
    documentFormattingProvider: true,
    documentRangeFormattingProvider: true,
  }),
  register(host) {
    const c = host.connection;
    c.onDocumentSymbol((p) =>
      host.generalFeatures() || isFlakeUri(p.textDocument.uri) ? host.withDocument(p.textDocument.uri, [], (doc) => symbolsOf(doc, p.textDocument.uri)) : [],
    );
    c.onWorkspaceSymbol(async (p) => {
      try {
        await startIndexing(host);
        return await index.query(p.query, openSymbols(host));
      } catch (err) {
        c.console.error(`Workspace symbols failed: ${describeFailure(err)}`);
        return [];
      }
    });
    c.onFoldingRanges((p) => host.withDocument(p.textDocument.uri, [], (doc) => cached(foldingCache, doc, () => foldingRanges(doc.syntaxTree(), doc.text, doc.lineIndex))));
    c.onSelectionRanges((p) => host.withDocument(p.textDocument.uri, [], (doc) => selectionRanges(doc.syntaxTree(), doc.text, doc.lineIndex, p.positions)));
    c.onDocumentLinks((p) => host.withDocument(p.textDocument.uri, [], (doc) => documentLinks(doc.syntaxTree(), doc.text, doc.lineIndex, filePath(p.textDocument.uri))));
    c.onDocumentFormatting((p) => format(host, p.textDocument.uri).catch((err: unknown) => failed(host, err)));
    c.onDocumentRangeFormatting((p) =>
      format(host, p.textDocument.uri, { start: p.range.start.line, end: p.range.end.character === 0 && p.range.end.line > p.range.start.line ? p.range.end.line - 1 : p.range.end.line }).catch((err: unknown) => failed(host, err)),
    );
  },
  opened(_uri, host) {
    if (!index.started) void startIndexing(host);
  },
  fileChanged(file) {
    void index.update(file);
  },
};

function failed(host: ServerHost, err: unknown): null {
  host.connection.console.error(`Formatting failed: ${describeFailure(err)}`);
  return null;
}
