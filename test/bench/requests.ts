/**
 * Per-request latency of the language server, for `npm run bench`: every request the server
 * advertises (read from its `initialize` answer), on the benchmark's 3,000-line module and on a
 * generated 1 MB module. Each figure stands next to a reference measured in the same run on the
 * same document: a full re-analysis (a full-text change until its diagnostics are published),
 * the most a request could reasonably cost.
 *
 * Requests about a position are asked at the start of names spread over the file; requests about
 * the whole document are asked right after an edit, so nothing computed for an earlier version
 * can be reused (the worst case a user meets), and once more on the same version (what an editor
 * asking again — outline, breadcrumbs, sticky scroll — gets).
 */
import type { LspClient } from './lsp-client';
import { generateModule, type SourceFile } from './corpus-gen';
import { median, percentile } from './run';
import { positionOf } from './edit-plan';

/** A row of the benchmark's table. */
export interface Row {
  id: string;
  figure: string;
  ours: string;
  reference: string;
  ratio: string;
  target: string;
  met: string;
}

export interface RequestLatencyOptions {
  startServer: () => LspClient;
  progress: (message: string) => void;
  /** The benchmark's ~3,000-line module. */
  module: string;
  /** The corpus sources, to generate the 1 MB module from. */
  sources: SourceFile[];
  seed: number;
}

type Position = { line: number; character: number };
type Ask = (uri: string, at: Position, end: Position) => { method: string; params: unknown } | undefined;

const POSITION_REQUESTS: Record<string, Ask> = {
  hoverProvider: (uri, at) => ({ method: 'textDocument/hover', params: { textDocument: { uri }, position: at } }),
  completionProvider: (uri, at) => ({ method: 'textDocument/completion', params: { textDocument: { uri }, position: at } }),
  definitionProvider: (uri, at) => ({ method: 'textDocument/definition', params: { textDocument: { uri }, position: at } }),
  referencesProvider: (uri, at) => ({ method: 'textDocument/references', params: { textDocument: { uri }, position: at, context: { includeDeclaration: true } } }),
  documentHighlightProvider: (uri, at) => ({ method: 'textDocument/documentHighlight', params: { textDocument: { uri }, position: at } }),
  renameProvider: (uri, at) => ({ method: 'textDocument/rename', params: { textDocument: { uri }, position: at, newName: 'renamedName' } }),
  selectionRangeProvider: (uri, at) => ({ method: 'textDocument/selectionRange', params: { textDocument: { uri }, positions: [at] } }),
  codeActionProvider: (uri, at) => ({ method: 'textDocument/codeAction', params: { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [] } } }),
};

const DOCUMENT_REQUESTS: Record<string, Ask> = {
  documentSymbolProvider: (uri) => ({ method: 'textDocument/documentSymbol', params: { textDocument: { uri } } }),
  foldingRangeProvider: (uri) => ({ method: 'textDocument/foldingRange', params: { textDocument: { uri } } }),
  documentLinkProvider: (uri) => ({ method: 'textDocument/documentLink', params: { textDocument: { uri } } }),
  codeLensProvider: (uri) => ({ method: 'textDocument/codeLens', params: { textDocument: { uri } } }),
  semanticTokensProvider: (uri) => ({ method: 'textDocument/semanticTokens/full', params: { textDocument: { uri } } }),
  inlayHintProvider: (uri, _at, end) => ({ method: 'textDocument/inlayHint', params: { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end } } }),
};

/** The methods asked about the whole document (timed after edits). */
const WHOLE_METHODS = new Set(Object.values(DOCUMENT_REQUESTS).map((ask) => ask('', { line: 0, character: 0 }, { line: 0, character: 0 })!.method));

const POSITIONS = 40;
const EDITS = 5;
const FULL_ANALYSES = 3;
const ONE_MB = 1_000_000;

interface Document {
  label: string;
  uri: string;
  text: string;
  /** The latency budget for a request on this document. */
  budgetMs: number;
}

interface Measured {
  /** By method: latencies of the timed requests. */
  fresh: Map<string, number[]>;
  /** Whole-document requests asked again on the same version. */
  again: Map<string, number[]>;
  fullAnalysisMs: number;
}

/** Rows for the table: one per request the server advertises. */
export async function requestLatencyRows(options: RequestLatencyOptions): Promise<Row[]> {
  let big = '';
  for (let lines = 30_000; big.length < ONE_MB; lines += 5000) big = generateModule(options.sources, lines, options.seed);
  const documents: Document[] = [
    { label: `${lineCount(options.module).toLocaleString('en')} lines`, uri: 'file:///bench/requests/module.nix', text: options.module, budgetMs: 50 },
    { label: `${(big.length / 1e6).toFixed(1)} MB`, uri: 'file:///bench/requests/one-megabyte.nix', text: big, budgetMs: 200 },
  ];
  const results: Measured[] = [];
  for (const document of documents) {
    options.progress(`request latency on the ${document.label} module…`);
    results.push(await measure(options.startServer(), document));
  }
  const methods = [...new Set(results.flatMap((r) => [...r.fresh.keys()]))];
  return methods.map((method, i) => {
    const lines = { ours: [] as string[], reference: [] as string[] };
    let met = true;
    let ratioText = 'n/a';
    documents.forEach((document, d) => {
      const fresh = results[d]!.fresh.get(method) ?? [];
      const again = results[d]!.again.get(method);
      if (fresh.length === 0) return;
      const p95 = percentile(fresh, 95);
      met &&= p95 < document.budgetMs;
      lines.ours.push(`${document.label}: p50 ${ms(percentile(fresh, 50))}, p95 ${ms(p95)}, max ${ms(Math.max(...fresh))}` + (again ? `; again ${ms(median(again))}` : ''));
      lines.reference.push(`${document.label}: ${ms(results[d]!.fullAnalysisMs)}`);
      ratioText = `${(p95 / results[d]!.fullAnalysisMs).toFixed(2)}`;
    });
    return {
      id: `6${String.fromCharCode(97 + i)}`,
      figure: `${method}\n${WHOLE_METHODS.has(method) ? `after an edit (${EDITS} edits); "again": same version` : `at ${POSITIONS} names across the file`}`,
      ours: lines.ours.join('\n'),
      reference: `full re-analysis (median of ${FULL_ANALYSES}):\n${lines.reference.join('\n')}`,
      ratio: `${ratioText} (p95, 1 MB)`,
      target: 'p95 < 50 ms (module),\n< 200 ms (1 MB)',
      met: met ? 'yes' : 'NO',
    };
  });
}

async function measure(client: LspClient, document: Document): Promise<Measured> {
  const { uri } = document;
  let text = document.text;
  try {
    const init = await client.initialize();
    const capabilities = ((init.message.result ?? {}) as { capabilities?: Record<string, unknown> }).capabilities ?? {};
    const atPosition = Object.keys(POSITION_REQUESTS).filter((k) => capabilities[k]).map((k) => POSITION_REQUESTS[k]!);
    const whole = Object.keys(DOCUMENT_REQUESTS).filter((k) => capabilities[k]).map((k) => DOCUMENT_REQUESTS[k]!);
    let version = 1;
    const opened = client.waitForDiagnostics(uri, version);
    client.open(uri, text);
    await opened;
    // The reference: the same document analysed again from scratch (a full-text change).
    const full: number[] = [];
    for (let i = 0; i < FULL_ANALYSES; i++) {
      version++;
      const answer = client.waitForDiagnostics(uri, version);
      const sent = client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
      full.push((await answer).at - sent);
    }
    const fresh = new Map<string, number[]>();
    const again = new Map<string, number[]>();
    const time = async (request: { method: string; params: unknown } | undefined, into: Map<string, number[]>) => {
      if (!request) return;
      const sent = performance.now();
      // A declined rename (an error answer with the reason) is timed when the refusal arrives.
      const at = await client.request(request.method, request.params).then(
        (answer) => answer.at,
        () => performance.now(),
      );
      const list = into.get(request.method) ?? [];
      list.push(at - sent);
      into.set(request.method, list);
    };
    const end = positionOf(text, text.length);
    const names = namesAcross(text, POSITIONS);
    // Warm-up: the first request of each kind pays for code loading, not for the document.
    const warm = new Map<string, number[]>();
    for (const ask of [...atPosition, ...whole]) await time(ask(uri, positionOf(text, names[0]!), end), warm);
    for (const offset of names) for (const ask of atPosition) await time(ask(uri, positionOf(text, offset), end), fresh);
    for (let i = 0; i < EDITS; i++) {
      version++;
      const offset = names[(i * 7) % names.length]!;
      const at = positionOf(text, offset);
      const answer = client.waitForDiagnostics(uri, version);
      client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range: { start: at, end: at }, text: ' ' }] });
      text = text.slice(0, offset) + ' ' + text.slice(offset);
      await answer;
      for (const ask of whole) await time(ask(uri, at, positionOf(text, text.length)), fresh);
      for (const ask of whole) await time(ask(uri, at, positionOf(text, text.length)), again);
    }
    await client.shutdown();
    return { fresh, again, fullAnalysisMs: median(full) };
  } finally {
    client.kill();
  }
}

/** Offsets of the first name after each of `count` evenly spaced points. */
function namesAcross(text: string, count: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const name = /[A-Za-z_][A-Za-z0-9_-]*/g;
    name.lastIndex = Math.floor((k * text.length) / count);
    out.push(name.exec(text)?.index ?? 0);
  }
  return out;
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function ms(v: number): string {
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 100) return `${v.toFixed(0)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(2)} ms`;
}
