import {
  createConnection,
  ProposedFeatures,
  TextDocumentSyncKind,
  type InitializeResult,
  type Connection,
  type ServerCapabilities,
  type ClientCapabilities,
  type CodeAction,
  type CompletionItem,
} from 'vscode-languageserver/node';
import type { Parser } from 'web-tree-sitter';
import { createNixParser, grammarInfo } from './parse/parser';
import { NixDocument } from './parse/document';
import { readSettings, type Settings, DEFAULT_SETTINGS } from './config';
import { toDiagnostic } from './lsp-convert';
import { LineIndex } from './text/line-index';
import { describeFailure } from './util/errors';
import { quickFixes } from './features/code-actions';
import { WorkspaceIndex } from './workspace-index';
import type { ServerHost } from './lsp/host';
import { FEATURES } from './lsp/features';
import { OTHER_NIX_SERVER, WORKSPACE_TRUSTED, type OtherNixServer, type OtherNixServerParams } from './protocol';
import { isGeneralCode, readOtherServer } from './lsp/general-features';
import { GeneralFeatureGate } from './lsp/general-registration';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import { CONFIG_FILE, type RepoConfig } from './repo-config';

declare const process: NodeJS.Process;

/**
 * The LSP wiring and nothing else: document sync, scheduling, publishing. The analysis lives in
 * `analysis/`. Started by the extension over IPC, or by any editor as `node server.js --stdio`.
 */
class JetsonNixServer implements ServerHost {
  private readonly documents = new Map<string, NixDocument>();
  private readonly pending = new Map<string, NodeJS.Timeout | NodeJS.Immediate>();
  private readonly lastRun = new Map<string, number>();
  private current: Settings = DEFAULT_SETTINGS;
  private parser: Parser | undefined;
  private index: WorkspaceIndex | undefined;
  private folderPaths: string[] = [];
  /** VS Code says whether the workspace is trusted; other editors have no such notion (trusted). */
  private trusted = true;
  /** The other Nix language server the extension found (none in other editors). */
  private other: OtherNixServer | null = null;
  private client: ClientCapabilities = {};
  private readonly general: GeneralFeatureGate;

  constructor(readonly connection: Connection) {
    this.general = new GeneralFeatureGate(connection);
  }

  document(uri: string): NixDocument | undefined {
    return this.documents.get(uri);
  }
  openDocuments(): Iterable<[string, NixDocument]> {
    return this.documents.entries();
  }
  settings(): Settings {
    return this.current;
  }
  folders(): string[] {
    return this.folderPaths;
  }
  workspace(): WorkspaceIndex | undefined {
    return this.index;
  }
  generalFeatures(): boolean {
    return this.general.on;
  }
  clientCapabilities(): ClientCapabilities {
    return this.client;
  }
  refreshAll(): void {
    for (const [uri, doc] of this.documents) {
      doc.invalidate();
      this.schedule(uri);
    }
  }

  listen(): void {
    const c = this.connection;
    c.onInitialize(async (params): Promise<InitializeResult> => {
      this.applySettings(params.initializationOptions);
      const init = params.initializationOptions as { workspaceTrusted?: unknown; otherNixServer?: unknown } | null | undefined;
      if (init && typeof init.workspaceTrusted === 'boolean') this.trusted = init.workspaceTrusted;
      this.other = readOtherServer(init?.otherNixServer);
      this.client = params.capabilities ?? {};
      const general = mergeCapabilities(FEATURES.map((f) => f.generalCapabilities?.() ?? {}));
      this.parser = await createNixParser();
      this.index = new WorkspaceIndex(this.parser, () => this.refreshAll(), (m) => c.console.info(m), (config) => this.publishConfig(config));
      const roots = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
      this.folderPaths = roots.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
      return {
        capabilities: mergeCapabilities([
          { textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } } },
          ...FEATURES.map((f) => f.capabilities()),
          this.general.initialize(this.client, general, this.current.generalNixFeatures, this.other),
        ]),
        serverInfo: { name: 'jetson-nix', version: SERVER_VERSION },
      };
    });
    c.onInitialized(() => {
      const g = grammarInfo();
      c.console.info(`Jetson Nix language server ${SERVER_VERSION} ready (Node ${process.version})`);
      if (g) c.console.info(`Nix grammar: ${g.provenance} (${g.grammarWasm})`);
      this.general.start();
      // What other files declare or import changes what a document's options mean: re-check then.
      this.index = this.index ?? new WorkspaceIndex(this.parser!, () => this.refreshAll(), (m) => c.console.info(m), (config) => this.publishConfig(config));
      this.index.setLiveSchemaPolicy(this.liveSchemaPolicy());
      this.index.scan(this.folderPaths, (m) => c.console.info(m)).catch((err: unknown) => c.console.error(`Indexing the workspace failed: ${describeFailure(err)}`));
    });
    c.onNotification(WORKSPACE_TRUSTED, () => {
      this.trusted = true;
      this.index?.setLiveSchemaPolicy(this.liveSchemaPolicy());
    });
    c.onNotification(OTHER_NIX_SERVER, (p: OtherNixServerParams | null) => {
      this.other = readOtherServer(p?.server);
      if (this.general.update(this.current.generalNixFeatures, this.other)) for (const uri of this.documents.keys()) this.schedule(uri);
    });
    c.onDidChangeWatchedFiles(({ changes }) => {
      for (const change of changes) if (change.uri.startsWith('file:')) this.fileChanged(fileURLToPath(change.uri));
    });
    c.onDidSaveTextDocument(({ textDocument }) => {
      if (textDocument.uri.startsWith('file:')) this.fileChanged(fileURLToPath(textDocument.uri));
    });
    c.onDidChangeConfiguration((p) => {
      const raw = (p.settings as { jetsonNix?: unknown } | null)?.jetsonNix ?? p.settings;
      this.applySettings(raw);
      this.general.update(this.current.generalNixFeatures, this.other);
      this.index?.setLiveSchemaPolicy(this.liveSchemaPolicy());
      // The lint switches are applied by the analysis: diagnose again, not just publish again.
      this.refreshAll();
    });
    c.onDidOpenTextDocument(({ textDocument: d }) => {
      this.documents.get(d.uri)?.dispose();
      this.documents.set(d.uri, new NixDocument(this.parser!, d.text, d.version, () => this.index?.contextFor(d.uri, { settings: this.current }) ?? {}));
      this.schedule(d.uri);
      for (const f of FEATURES) if (f.opened) this.guarded(f.name, undefined, () => f.opened!(d.uri, this));
    });
    c.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
      const doc = this.documents.get(textDocument.uri);
      if (!doc) return;
      doc.applyChanges(contentChanges, textDocument.version ?? doc.version + 1);
      this.schedule(textDocument.uri);
    });
    c.onCompletion((p) =>
      this.withDocument(p.textDocument.uri, [] as CompletionItem[], (doc) =>
        FEATURES.flatMap((f) => (f.completion ? this.guarded(f.name, [], () => f.completion!(doc, p, this)) : [])),
      ),
    );
    c.onHover((p) =>
      this.withDocument(p.textDocument.uri, null, (doc) => {
        for (const f of FEATURES) {
          const hover = f.hover ? this.guarded(f.name, null, () => f.hover!(doc, p, this)) : null;
          if (hover) return hover;
        }
        return null;
      }),
    );
    c.onCodeAction((p) => {
      const fixes: CodeAction[] = quickFixes(p, this.documents.get(p.textDocument.uri)?.version);
      const more = this.withDocument(p.textDocument.uri, [] as CodeAction[], (doc) =>
        FEATURES.flatMap((f) => (f.codeActions ? this.guarded(f.name, [], () => f.codeActions!(doc, p, this)) : [])),
      );
      return [...fixes, ...more];
    });
    for (const f of FEATURES) f.register?.(this);
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
  withDocument<T>(uri: string, fallback: T, run: (doc: NixDocument) => T): T {
    const doc = this.documents.get(uri);
    if (!doc || doc.text.length > this.current['diagnostics.maxFileSizeKb'] * 1024) return fallback;
    try {
      return run(doc);
    } catch (err) {
      this.connection.console.error(`Request on ${uri} failed: ${describeFailure(err)}`);
      return fallback;
    }
  }

  private liveSchemaPolicy(): { enabled: boolean; trusted: boolean } {
    return { enabled: this.current['schema.useLockedJetpackNixos'], trusted: this.trusted };
  }

  /** One feature module's part of a combined request; its failure must not sink the others. */
  private guarded<T>(feature: string, fallback: T, run: () => T | null | undefined): T {
    try {
      return run() ?? fallback;
    } catch (err) {
      this.connection.console.error(`The ${feature} feature failed: ${describeFailure(err)}`);
      return fallback;
    }
  }

  private fileChanged(path: string): void {
    // A deleted `.jetson-nix.json` takes its problems with it (a changed one is re-read and published).
    if (basename(path) === CONFIG_FILE && !existsSync(path)) void this.connection.sendDiagnostics({ uri: pathToFileURL(path).href, diagnostics: [] });
    this.index?.update(path);
    for (const f of FEATURES) if (f.fileChanged) this.guarded(f.name, undefined, () => f.fileChanged!(path, this));
  }

  private applySettings(raw: unknown): void {
    const { settings, problems } = readSettings(raw);
    this.current = settings;
    for (const p of problems) this.connection.console.warn(p);
  }

  /**
   * Diagnoses at once after a pause, and at most once per debounce interval while edits keep
   * coming, so typing is not slowed down and a single edit gets its answer without delay.
   */
  private schedule(uri: string): void {
    if (this.pending.has(uri)) return;
    const wait = this.current['diagnostics.debounceMs'] - (Date.now() - (this.lastRun.get(uri) ?? 0));
    const run = () => {
      this.pending.delete(uri);
      this.lastRun.set(uri, Date.now());
      this.publish(uri);
    };
    this.pending.set(uri, wait <= 0 ? setImmediate(run) : setTimeout(run, wait));
  }

  /** A `.jetson-nix.json` was read: its problems (or none, clearing earlier ones) on the file itself, and in the log. */
  private publishConfig(config: RepoConfig): void {
    const lines = new LineIndex(config.text);
    const uri = pathToFileURL(config.file).href;
    const diagnostics = config.problems.map((p) => toDiagnostic({ ...p, severity: 'error', code: 'invalid-config' }, lines, uri));
    for (const p of config.problems) this.connection.console.warn(`${config.file}: ${p.message}`);
    void this.connection.sendDiagnostics({ uri, diagnostics });
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
    const limit = this.current['diagnostics.maxFileSizeKb'] * 1024;
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
        // Not analysed, but under the same policy as the analysis (an excluded file says nothing).
        const policy = this.index?.contextFor(uri, { settings: this.current }).policy;
        const shown = policy?.excluded || policy?.disabled.has('file-too-large') ? [] : [diagnostic];
        void this.connection.sendDiagnostics({ uri, version: doc.version, diagnostics: shown });
        return;
      }
      // Next to another Nix language server, its own reports of the general problems are enough.
      const general = this.general.on;
      const findings = doc.diagnose().filter((f) => general || !isGeneralCode(f.code));
      const diagnostics = findings.map((f) => toDiagnostic(f, doc.lineIndex, uri, doc.version));
      void this.connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
    } catch (err) {
      // A bug of ours must not take the server down or show a stack trace in the editor.
      this.connection.console.error(`Could not analyse ${uri}: ${describeFailure(err)}`);
    }
  }
}

const SERVER_VERSION = '0.1.0';

/** The capabilities of every feature module in one object (each module declares distinct ones, except completion trigger characters). */
function mergeCapabilities(parts: ServerCapabilities[]): ServerCapabilities {
  const merged: ServerCapabilities = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part) as [keyof ServerCapabilities, unknown][]) {
      const prev = merged[key] as unknown;
      if (key === 'completionProvider' && prev && typeof prev === 'object' && value && typeof value === 'object') {
        const a = prev as { triggerCharacters?: string[] };
        const b = value as { triggerCharacters?: string[] };
        (merged as Record<string, unknown>)[key] = { ...a, ...b, triggerCharacters: [...new Set([...(a.triggerCharacters ?? []), ...(b.triggerCharacters ?? [])])] };
      } else {
        (merged as Record<string, unknown>)[key] = value;
      }
    }
  }
  return merged;
}

process.on('uncaughtException', (err) => console.error(`jetson-nix: unexpected error: ${describeFailure(err)}`));
process.on('unhandledRejection', (err) => console.error(`jetson-nix: unexpected error: ${describeFailure(err)}`));

new JetsonNixServer(createConnection(ProposedFeatures.all)).listen();
