import {
  createConnection,
  ProposedFeatures,
  TextDocumentSyncKind,
  CodeActionKind,
  type InitializeResult,
  type Connection,
} from 'vscode-languageserver/node';
import type { Parser } from 'web-tree-sitter';
import { createNixParser, grammarInfo } from './parse/parser';
import { NixDocument } from './parse/document';
import { readSettings, type ServerSettings, DEFAULT_SETTINGS } from './config';
import { toDiagnostic } from './lsp-convert';
import { LineIndex } from './text/line-index';
import { describeFailure } from './util/errors';
import { bundledIndex } from './schema/bundled';
import { completeOptions } from './features/completion';
import { hoverOption } from './features/hover';
import { quickFixes } from './features/code-actions';
import { configurationLenses } from './features/code-lens';
import { WorkspaceIndex } from './workspace-index';
import { fileURLToPath } from 'node:url';

declare const process: NodeJS.Process;

/**
 * The LSP wiring and nothing else: document sync, scheduling, publishing. The analysis lives in
 * `analysis/`. Started by the extension over IPC, or by any editor as `node server.js --stdio`.
 */
class JetsonNixServer {
  private readonly documents = new Map<string, NixDocument>();
  private readonly pending = new Map<string, NodeJS.Timeout | NodeJS.Immediate>();
  private readonly lastRun = new Map<string, number>();
  private settings: ServerSettings = DEFAULT_SETTINGS;
  private parser: Parser | undefined;
  private workspace: WorkspaceIndex | undefined;
  private folders: string[] = [];

  constructor(private readonly connection: Connection) {}

  listen(): void {
    const c = this.connection;
    c.onInitialize(async (params): Promise<InitializeResult> => {
      this.applySettings(params.initializationOptions);
      this.parser = await createNixParser();
      const roots = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
      this.folders = roots.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
      return {
        capabilities: {
          textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
          completionProvider: { triggerCharacters: ['.', '"'] },
          hoverProvider: true,
          codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
          codeLensProvider: { resolveProvider: false },
        },
        serverInfo: { name: 'jetson-nix', version: SERVER_VERSION },
      };
    });
    c.onInitialized(() => {
      const g = grammarInfo();
      c.console.info(`Jetson Nix language server ${SERVER_VERSION} ready (Node ${process.version})`);
      if (g) c.console.info(`Nix grammar: ${g.provenance} (${g.grammarWasm})`);
      // What other files declare or import changes what a document's options mean: re-check then.
      this.workspace = new WorkspaceIndex(this.parser!, () => {
        for (const [uri, doc] of this.documents) {
          doc.invalidate();
          this.schedule(uri);
        }
      });
      this.workspace.scan(this.folders, (m) => c.console.info(m)).catch((err: unknown) => c.console.error(`Indexing the workspace failed: ${describeFailure(err)}`));
    });
    c.onDidChangeWatchedFiles(({ changes }) => {
      for (const change of changes) if (change.uri.startsWith('file:')) this.workspace?.update(fileURLToPath(change.uri));
    });
    c.onDidSaveTextDocument(({ textDocument }) => {
      if (textDocument.uri.startsWith('file:')) this.workspace?.update(fileURLToPath(textDocument.uri));
    });
    c.onDidChangeConfiguration((p) => {
      const raw = (p.settings as { jetsonNix?: unknown } | null)?.jetsonNix ?? p.settings;
      this.applySettings(raw);
      for (const uri of this.documents.keys()) this.schedule(uri);
    });
    c.onDidOpenTextDocument(({ textDocument: d }) => {
      this.documents.get(d.uri)?.dispose();
      this.documents.set(d.uri, new NixDocument(this.parser!, d.text, d.version, () => this.workspace?.contextFor(d.uri) ?? {}));
      this.schedule(d.uri);
    });
    c.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
      const doc = this.documents.get(textDocument.uri);
      if (!doc) return;
      doc.applyChanges(contentChanges, textDocument.version ?? doc.version + 1);
      this.schedule(textDocument.uri);
    });
    c.onCompletion((p) => this.withDocument(p.textDocument.uri, [], (doc) => completeOptions(doc, p.position, bundledIndex())));
    c.onHover((p) => this.withDocument(p.textDocument.uri, null, (doc) => hoverOption(doc, p.position, bundledIndex()) ?? null));
    c.onCodeAction((p) => quickFixes(p, this.documents.get(p.textDocument.uri)?.version));
    c.onCodeLens((p) => this.withDocument(p.textDocument.uri, [], (doc) => configurationLenses(doc, bundledIndex())));
    c.onDidCloseTextDocument(({ textDocument }) => {
      this.cancel(textDocument.uri);
      this.documents.get(textDocument.uri)?.dispose();
      this.documents.delete(textDocument.uri);
      this.lastRun.delete(textDocument.uri);
      void c.sendDiagnostics({ uri: textDocument.uri, diagnostics: [] });
    });
    c.listen();
  }

  /** Runs a request against a document the server analyses; `fallback` for anything else or a failure. */
  private withDocument<T>(uri: string, fallback: T, run: (doc: NixDocument) => T): T {
    const doc = this.documents.get(uri);
    if (!doc || doc.text.length > this.settings['diagnostics.maxFileSizeKb'] * 1024) return fallback;
    try {
      return run(doc);
    } catch (err) {
      this.connection.console.error(`Request on ${uri} failed: ${describeFailure(err)}`);
      return fallback;
    }
  }

  private applySettings(raw: unknown): void {
    const { settings, problems } = readSettings(raw);
    this.settings = settings;
    for (const p of problems) this.connection.console.warn(p);
  }

  /**
   * Diagnoses at once after a pause, and at most once per debounce interval while edits keep
   * coming, so typing is not slowed down and a single edit gets its answer without delay.
   */
  private schedule(uri: string): void {
    if (this.pending.has(uri)) return;
    const wait = this.settings['diagnostics.debounceMs'] - (Date.now() - (this.lastRun.get(uri) ?? 0));
    const run = () => {
      this.pending.delete(uri);
      this.lastRun.set(uri, Date.now());
      this.publish(uri);
    };
    this.pending.set(uri, wait <= 0 ? setImmediate(run) : setTimeout(run, wait));
  }

  private cancel(uri: string): void {
    const handle = this.pending.get(uri);
    if (handle === undefined) return;
    clearTimeout(handle as NodeJS.Timeout);
    clearImmediate(handle as NodeJS.Immediate);
    this.pending.delete(uri);
  }

  private publish(uri: string): void {
    const doc = this.documents.get(uri);
    if (!doc) return;
    const limit = this.settings['diagnostics.maxFileSizeKb'] * 1024;
    try {
      if (doc.text.length > limit) {
        const lines = new LineIndex(doc.text);
        const size = (doc.text.length / 1024 / 1024).toFixed(1);
        const diagnostic = toDiagnostic(
          {
            start: 0,
            end: Math.min(1, doc.text.length),
            severity: 'information',
            code: 'file-too-large',
            message: `This file (${size} MB) is larger than jetsonNix.diagnostics.maxFileSizeKb, so it is not analysed in the editor. \`jetson-nix check\` still checks it.`,
          },
          lines,
          uri,
        );
        void this.connection.sendDiagnostics({ uri, version: doc.version, diagnostics: [diagnostic] });
        return;
      }
      const findings = doc.diagnose();
      const diagnostics = findings.map((f) => toDiagnostic(f, doc.lineIndex, uri, doc.version));
      void this.connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
    } catch (err) {
      // A bug of ours must not take the server down or show a stack trace in the editor.
      this.connection.console.error(`Could not analyse ${uri}: ${describeFailure(err)}`);
    }
  }
}

const SERVER_VERSION = '0.1.0';

process.on('uncaughtException', (err) => console.error(`jetson-nix: unexpected error: ${describeFailure(err)}`));
process.on('unhandledRejection', (err) => console.error(`jetson-nix: unexpected error: ${describeFailure(err)}`));

new JetsonNixServer(createConnection(ProposedFeatures.all)).listen();
