import type {
  ClientCapabilities,
  CodeAction,
  CodeActionParams,
  CompletionItem,
  CompletionParams,
  Connection,
  Hover,
  HoverParams,
  ServerCapabilities,
} from 'vscode-languageserver/node';
import type { NixDocument } from '../parse/document';
import type { Settings } from '../config';
import type { WorkspaceIndex } from '../workspace-index';

/**
 * What the server offers its feature modules: the open documents, the settings, the workspace.
 * Feature modules never keep their own copy of a document; they ask for it per request.
 */
export interface ServerHost {
  readonly connection: Connection;
  document(uri: string): NixDocument | undefined;
  openDocuments(): Iterable<[string, NixDocument]>;
  settings(): Settings;
  /** Workspace folders as file-system paths. */
  folders(): string[];
  workspace(): WorkspaceIndex | undefined;
  /**
   * Runs a request against a document the server analyses (open, not over the size limit);
   * `fallback` for anything else, and when `run` throws (the error is logged, never shown raw).
   */
  withDocument<T>(uri: string, fallback: T, run: (doc: NixDocument) => T): T;
  /** Diagnose every open document again (something outside them changed, e.g. flake.lock). */
  refreshAll(): void;
  /**
   * Whether Jetson Nix provides the general Nix features now (`jetsonNix.generalNixFeatures`, and
   * whether another Nix language server is active): requests of general features answer nothing
   * while they are off (see general-features.ts).
   */
  generalFeatures(): boolean;
  /** What the client announced at `initialize`. */
  clientCapabilities(): ClientCapabilities;
}

/**
 * One LSP feature area. Requests only one module can answer (definition, symbols, …) are
 * registered in `register`; requests several modules contribute to are combined by the server:
 * completion items are concatenated, the first hover wins, code actions are concatenated.
 * Findings are not a feature module's business: every one comes from the analysis
 * (`analysis/check.ts`), so that the editor and `jetson-nix check` report the same.
 */
export interface FeatureModule {
  readonly name: string;
  capabilities(): ServerCapabilities;
  /**
   * Capabilities only general Nix features use (definition, formatting, …): announced while those
   * are on, registered and unregistered at run time where the client allows (general-registration.ts).
   */
  generalCapabilities?(): ServerCapabilities;
  register?(host: ServerHost): void;
  completion?(doc: NixDocument, params: CompletionParams, host: ServerHost): CompletionItem[];
  hover?(doc: NixDocument, params: HoverParams, host: ServerHost): Hover | null | undefined;
  /** A document was opened (e.g. to start work the module does in the background). */
  opened?(uri: string, host: ServerHost): void;
  codeActions?(doc: NixDocument, params: CodeActionParams, host: ServerHost): CodeAction[];
  /** A file in the workspace changed on disk (created, changed or deleted). */
  fileChanged?(path: string, host: ServerHost): void;
}
