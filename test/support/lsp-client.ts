import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';

/** The built server bundle, as the extension and other editors start it. */
export const SERVER = path.join(__dirname, '..', '..', 'dist', 'server', 'server.js');

export interface PublishedDiagnostics {
  uri: string;
  version?: number;
  diagnostics: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; severity: number; code: string; source: string; message: string }[];
}

/**
 * A real LSP client over stdio to the built server: a spawned process, JSON-RPC framing by
 * vscode-jsonrpc, and helpers that wait for the diagnostics of a given document version.
 */
export class LspClient {
  readonly process: ChildProcessWithoutNullStreams;
  readonly connection: MessageConnection;
  readonly logs: string[] = [];
  private readonly published: PublishedDiagnostics[] = [];
  private waiters: { match: (p: PublishedDiagnostics) => boolean; resolve: (p: PublishedDiagnostics) => void }[] = [];
  stderr = '';

  constructor(args: string[] = ['--stdio']) {
    this.process = spawn(process.execPath, [SERVER, ...args], { stdio: 'pipe' });
    this.process.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.connection = createMessageConnection(new StreamMessageReader(this.process.stdout), new StreamMessageWriter(this.process.stdin));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishedDiagnostics) => {
      this.published.push(p);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(p)) return true;
        w.resolve(p);
        return false;
      });
    });
    this.connection.onNotification('window/logMessage', (p: { message: string }) => this.logs.push(p.message));
    this.connection.listen();
  }

  async initialize(initializationOptions?: unknown): Promise<{ capabilities: Record<string, unknown>; serverInfo?: { name: string } }> {
    const result = await this.connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: {},
      initializationOptions,
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  open(uri: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'nix', version, text } });
  }

  change(uri: string, version: number, contentChanges: unknown[]): Promise<void> {
    return this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
  }

  close(uri: string): Promise<void> {
    return this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** Resolves with the first diagnostics published for `uri` (and `version`, if given) from now on or already received. */
  diagnostics(uri: string, version?: number, timeoutMs = 10000): Promise<PublishedDiagnostics> {
    const match = (p: PublishedDiagnostics) => p.uri === uri && (version === undefined || p.version === version);
    const already = this.published.find(match);
    if (already) {
      this.published.splice(this.published.indexOf(already), 1);
      return Promise.resolve(already);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} v${version ?? '*'} within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (p) => {
          clearTimeout(timer);
          this.published.splice(this.published.indexOf(p), 1);
          resolve(p);
        },
      });
    });
  }

  /** Resolves with the first diagnostics for `uri` (received before or after the call) that satisfy `accept`. */
  async waitForDiagnostics(uri: string, accept: (p: PublishedDiagnostics) => boolean, timeoutMs = 10000): Promise<PublishedDiagnostics> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no diagnostics for ${uri} satisfied the test within ${timeoutMs} ms`);
      const p = await this.diagnostics(uri, undefined, left);
      if (accept(p)) return p;
    }
  }

  async initializeWith(params: Record<string, unknown>): Promise<void> {
    await this.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, ...params });
    await this.connection.sendNotification('initialized', {});
  }

  /** Asks the server to shut down and exit; resolves with its exit code. */
  async shutdown(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.process.once('exit', (code) => resolve(code)));
    await this.connection.sendRequest('shutdown');
    await this.connection.sendNotification('exit');
    const code = await exited;
    this.connection.dispose();
    return code;
  }

  kill(): void {
    this.connection.dispose();
    this.process.kill('SIGKILL');
  }
}
