import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  CloseAction,
  ErrorAction,
  State,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { readSettings, SECTION } from './config';
import { OTHER_NIX_SERVER, WORKSPACE_TRUSTED, type OtherNixServer, type OtherNixServerParams } from '../../server/src/protocol';

export type ServerState = 'starting' | 'ready' | 'failed' | 'stopped';

/**
 * Starts, restarts and watches the language server. A server that dies is not restarted behind
 * the user's back: the status item says so and offers Restart.
 */
export class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  /** The start in progress: a stop waits for it, or a restart while starting leaves two servers. */
  private starting: Promise<void> | undefined;
  /**
   * One watcher for the extension's lifetime (a client does not dispose the watchers it is given):
   * Nix files, the locks the flake checks read, and the repository's `.jetson-nix.json`.
   */
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/{*.nix,flake.lock,.jetson-nix.json}');
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private current: ServerState = 'stopped';
  private lastError: string | undefined;
  private trustListener: vscode.Disposable | undefined;
  /** The other Nix language server found beside us (coexist.ts), sent at start and on change. */
  private otherServer: OtherNixServer | null = null;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get state(): ServerState {
    return this.current;
  }

  get failure(): string | undefined {
    return this.lastError;
  }

  /**
   * Sends one of our custom requests (server/src/protocol.ts). Resolves `undefined` when the
   * server is not running or the request fails; the failure is logged, never thrown at the user.
   */
  async request<P, R>(method: string, params: P): Promise<R | undefined> {
    await this.starting;
    const client = this.client;
    if (!client || client.state !== State.Running) return undefined;
    try {
      return await client.sendRequest<R>(method, params);
    } catch (err) {
      this.log.warn(`${method} failed: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /** Tells the server (now, and every server started later) which other Nix language server is active. */
  setOtherNixServer(server: OtherNixServer | null): void {
    this.otherServer = server;
    const client = this.client;
    if (client?.state === State.Running) void client.sendNotification(OTHER_NIX_SERVER, { server } satisfies OtherNixServerParams);
  }

  async start(): Promise<void> {
    if (this.client) return;
    const module = this.context.asAbsolutePath('dist/server/server.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: 'nix' }],
      outputChannel: this.log,
      initializationOptions: { ...readSettings(this.log), workspaceTrusted: vscode.workspace.isTrusted, otherNixServer: this.otherServer },
      // Other files' option declarations and imports matter to each document: keep the server told.
      synchronize: { configurationSection: SECTION, fileEvents: this.watcher },
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => {
          this.setState('failed', 'The Jetson Nix language server stopped unexpectedly.');
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
      initializationFailedHandler: (err) => {
        this.setState('failed', `The Jetson Nix language server could not start: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      },
    };
    const client = new LanguageClient('jetsonNix', 'Jetson Nix', serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) this.setState('ready');
      else if (e.newState === State.Starting) this.setState('starting');
    });
    this.setState('starting');
    this.trustListener ??= vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (this.client?.state === State.Running) void this.client.sendNotification(WORKSPACE_TRUSTED);
    });
    this.starting = client.start().catch((err: unknown) => {
      this.log.error(`Language server failed to start: ${err instanceof Error ? err.message : String(err)}`);
      this.setState('failed', 'The Jetson Nix language server could not start.');
    });
    await this.starting;
    this.starting = undefined;
    // Found while the server was starting: too late for its initialization options.
    if (this.otherServer !== clientOptions.initializationOptions.otherNixServer) this.setOtherNixServer(this.otherServer);
  }

  async stop(): Promise<void> {
    await this.starting;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      if (client.state !== State.Stopped) await client.stop(2000);
    } catch (err) {
      // A server that already died cannot be asked to shut down; that is fine.
      this.log.debug(`Stopping the language server: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (this.current !== 'failed') this.setState('stopped');
  }

  async restart(): Promise<void> {
    this.log.info('Restarting the language server');
    await this.stop();
    this.lastError = undefined;
    await this.start();
  }

  private setState(state: ServerState, error?: string): void {
    if (error) {
      this.lastError = error;
      this.log.error(error);
    }
    this.current = state;
    this.stateEmitter.fire(state);
  }

  dispose(): void {
    void this.stop();
    this.watcher.dispose();
    this.trustListener?.dispose();
    this.stateEmitter.dispose();
  }
}
