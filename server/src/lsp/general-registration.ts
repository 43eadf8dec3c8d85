import {
  BulkRegistration,
  RegistrationType,
  type BulkUnregistration,
  type ClientCapabilities,
  type Connection,
  type DocumentSelector,
  type ServerCapabilities,
  type TextDocumentClientCapabilities,
} from 'vscode-languageserver/node';
import type { OtherNixServer } from '../protocol';
import { describeFailure } from '../util/errors';
import { describeGeneralFeatures, generalFeaturesOn } from './general-features';

/** How a capability of a general feature is registered with the client at run time. */
interface Slot {
  method: string;
  /** Where the client says whether it accepts `client/registerCapability` for it. */
  client: keyof TextDocumentClientCapabilities;
  /** While the general features are off, the files where the feature stays Jetson Nix's own. */
  whenOff?: DocumentSelector;
}

/** Every capability a general feature may have (feature modules declare their values). */
const SLOTS: Partial<Record<keyof ServerCapabilities, Slot>> = {
  definitionProvider: { method: 'textDocument/definition', client: 'definition' },
  referencesProvider: { method: 'textDocument/references', client: 'references' },
  documentHighlightProvider: { method: 'textDocument/documentHighlight', client: 'documentHighlight' },
  renameProvider: { method: 'textDocument/rename', client: 'rename' },
  semanticTokensProvider: { method: 'textDocument/semanticTokens', client: 'semanticTokens' },
  documentFormattingProvider: { method: 'textDocument/formatting', client: 'formatting' },
  documentRangeFormattingProvider: { method: 'textDocument/rangeFormatting', client: 'rangeFormatting' },
  // The outline of a flake.nix names its inputs and outputs for what they are: a flake feature.
  documentSymbolProvider: { method: 'textDocument/documentSymbol', client: 'documentSymbol', whenOff: [{ language: 'nix', pattern: '**/flake.nix' }] },
};

const NIX: DocumentSelector = [{ language: 'nix' }];

/**
 * Switches the general Nix features on and off while the server runs. Diagnostics, completion
 * and hover ask `on` per request; the capabilities only general features use are registered with
 * `client/registerCapability` where the client accepts that (VS Code, code-server), so that VS
 * Code does not list Jetson Nix as a second formatter or outline next to nixd. A client that does
 * not accept it gets them announced at initialize as the state was then; the handlers still
 * answer nothing while the features are off.
 */
export class GeneralFeatureGate {
  private setting = 'auto';
  private other: OtherNixServer | null = null;
  private current = true;
  private readonly dynamic = new Map<keyof ServerCapabilities, unknown>();
  private missing: (keyof ServerCapabilities)[] = [];
  private registered: BulkUnregistration | undefined;
  private queue: Promise<void> = Promise.resolve();
  private started = false;
  private said: string | undefined;

  constructor(private readonly connection: Connection) {}

  /** Whether Jetson Nix provides the general Nix features now. */
  get on(): boolean {
    return this.current;
  }

  /** At `initialize`: the state, and which of the general capabilities to announce statically. */
  initialize(client: ClientCapabilities, general: ServerCapabilities, setting: string, other: OtherNixServer | null): ServerCapabilities {
    this.setting = setting;
    this.other = other;
    this.current = generalFeaturesOn(setting, other);
    const announced: ServerCapabilities = {};
    for (const [key, value] of Object.entries(general) as [keyof ServerCapabilities, unknown][]) {
      const slot = SLOTS[key];
      const support = slot && (client.textDocument?.[slot.client] as { dynamicRegistration?: boolean } | undefined);
      if (support?.dynamicRegistration === true) this.dynamic.set(key, value);
      else if (!slot || this.current || slot.whenOff) (announced as Record<string, unknown>)[key] = value;
      else this.missing.push(key);
    }
    return announced;
  }

  /** After `initialized`: registers what the state asks for, and says why when it is worth saying. */
  start(): void {
    this.started = true;
    this.tell();
    this.sync();
  }

  /** A new setting or another server: returns whether the general features were switched. */
  update(setting: string, other: OtherNixServer | null | undefined): boolean {
    const before = this.current;
    this.setting = setting;
    this.other = other ?? null;
    this.current = generalFeaturesOn(setting, this.other);
    if (!this.started) return before !== this.current;
    this.tell();
    if (before === this.current) return false;
    this.sync();
    if (this.current && this.missing.length > 0) {
      this.connection.console.info(`This editor cannot add capabilities while the server runs: restart the language server to get ${this.missing.join(', ')} back.`);
    }
    return true;
  }

  /** Logs the state once each time what there is to say changes. */
  private tell(): void {
    const message = describeGeneralFeatures(this.setting, this.other);
    if (message !== this.said && message) this.connection.console.info(message);
    this.said = message;
  }

  /** Registrations happen one after another: a quick on-off-on must not leave two registered. */
  private sync(): void {
    this.queue = this.queue
      .then(() => this.reregister())
      .catch((err: unknown) => this.connection.console.error(`Registering the general Nix features failed: ${describeFailure(err)}`));
  }

  private async reregister(): Promise<void> {
    this.registered?.dispose();
    this.registered = undefined;
    const bulk = BulkRegistration.create();
    let any = false;
    for (const [key, value] of this.dynamic) {
      const slot = SLOTS[key]!;
      const documentSelector = this.current ? NIX : slot.whenOff;
      if (!documentSelector) continue;
      const options = typeof value === 'object' && value !== null ? value : {};
      bulk.add(new RegistrationType<object>(slot.method), { ...options, documentSelector });
      any = true;
    }
    if (any) this.registered = await this.connection.client.register(bulk);
  }
}
