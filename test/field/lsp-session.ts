import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { CodeAction, Command, Diagnostic } from 'vscode-languageserver/node';
import type { WorkspaceEdit } from './text-edits';

/**
 * One language server, started the way an editor starts it (`node server.js --stdio`, the tree
 * as the workspace folder), driven over stdio as a client would: open a file, take the
 * diagnostics it publishes, ask for the code actions of each, and resolve the edit of those that
 * come without one (`codeAction/resolve`, or a command that sends `workspace/applyEdit`).
 */

export interface SessionOptions {
  /** The program and arguments that start the server on stdio. */
  command: string[];
  /** The workspace folder. */
  root: string;
  env: NodeJS.ProcessEnv;
  /** How long one file may take to get its diagnostics. */
  timeoutMs: number;
  /** How long the server may take to index the workspace before files are opened. */
  indexTimeoutMs: number;
}

/** A quick fix as offered, with its edit once known. */
export interface OfferedFix {
  title: string;
  edit?: WorkspaceEdit;
  /** Why no edit could be had. */
  error?: string;
}

/** What the client says it can do: what VS Code says, for the parts the field check uses. */
const CAPABILITIES = {
  workspace: {
    applyEdit: true,
    workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'], changeAnnotationSupport: { groupsOnLabel: true } },
    configuration: true,
    workspaceFolders: true,
  },
  textDocument: {
    synchronization: { didSave: true },
    publishDiagnostics: { relatedInformation: true, versionSupport: true, tagSupport: { valueSet: [1, 2] }, codeDescriptionSupport: true, dataSupport: true },
    codeAction: {
      dynamicRegistration: false,
      isPreferredSupport: true,
      disabledSupport: true,
      dataSupport: true,
      resolveSupport: { properties: ['edit'] },
      honorsChangeAnnotations: true,
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source', 'source.organizeImports', 'source.fixAll'] } },
    },
  },
  window: { workDoneProgress: true },
};

interface Waiter {
  resolve: (d: Diagnostic[]) => void;
  reject: (e: Error) => void;
}

export class FieldSession {
  private readonly process: ChildProcessWithoutNullStreams;
  private readonly connection: MessageConnection;
  private readonly waiters = new Map<string, Waiter>();
  /** Edits the server sent with `workspace/applyEdit` while a command ran. */
  private captured: WorkspaceEdit[] | undefined;
  private indexed: () => void = () => {};
  private readonly indexedSignal = new Promise<void>((resolve) => (this.indexed = resolve));
  private exitError: Error | undefined;
  /** Rejects when the server exits: every wait races with it, so a dead server never hangs the run. */
  private readonly exited: Promise<never>;
  private resolveProvider = false;
  stderr = '';
  /** Things worth telling the user about this session (an index that never finished). */
  readonly notes: string[] = [];

  private constructor(private readonly options: SessionOptions) {
    const [program, ...args] = options.command;
    this.process = spawn(program!, args, { stdio: 'pipe', env: options.env, cwd: options.root });
    this.process.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-8000)));
    this.exited = new Promise<never>((_, reject) => {
      this.process.once('exit', (code, signal) => {
        this.exitError = new Error(`the language server exited (${signal ?? `code ${code}`})${this.stderr ? `: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
        for (const w of this.waiters.values()) w.reject(this.exitError);
        this.waiters.clear();
        reject(this.exitError);
      });
    });
    this.exited.catch(() => {});
    this.connection = createMessageConnection(new StreamMessageReader(this.process.stdout), new StreamMessageWriter(this.process.stdin));
    this.connection.onError(() => {});
    this.listen();
    this.connection.listen();
  }

  private listen(): void {
    const c = this.connection;
    c.onNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number; diagnostics: Diagnostic[] }) => {
      const waiter = this.waiters.get(p.uri);
      if (!waiter || (p.version !== undefined && p.version !== 1)) return;
      this.waiters.delete(p.uri);
      waiter.resolve(p.diagnostics);
    });
    c.onNotification('window/logMessage', (p: { message: string }) => {
      // Our server says so once the workspace index is built ("Indexed 123 .nix files …"); files
      // opened before that would be checked without it, and checked again when it lands.
      if (/\bIndexed \d+ /i.test(p.message)) this.indexed();
    });
    c.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
    c.onRequest('client/registerCapability', () => null);
    c.onRequest('client/unregisterCapability', () => null);
    c.onRequest('window/workDoneProgress/create', () => null);
    c.onRequest('window/showMessageRequest', () => null);
    c.onRequest('workspace/applyEdit', (p: { edit: WorkspaceEdit }) => {
      if (!this.captured) return { applied: false, failureReason: 'no command is running' };
      this.captured.push(p.edit);
      // The field check applies the edit to a copy; the open document stays as it was.
      return { applied: false, failureReason: 'the field check applies edits to a copy of the file' };
    });
  }

  /** A request that fails when the server exits instead of waiting for ever. */
  private request<T>(method: string, params: unknown): Promise<T> {
    return Promise.race([this.connection.sendRequest<T>(method, params), this.exited]);
  }

  /** Starts a server on the tree and waits until it has indexed it. */
  static async start(options: SessionOptions): Promise<FieldSession> {
    const session = new FieldSession(options);
    const rootUri = pathToFileURL(options.root).href;
    const init = await session.request<{ capabilities: { codeActionProvider?: boolean | { resolveProvider?: boolean } }; serverInfo?: { name?: string } }>('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: path.basename(options.root) }],
      capabilities: CAPABILITIES,
    });
    const provider = init.capabilities.codeActionProvider;
    session.resolveProvider = typeof provider === 'object' && provider.resolveProvider === true;
    await session.connection.sendNotification('initialized', {});
    // Only Jetson Nix is known to index the workspace first (another server, such as the test's
    // stand-in, is used as it comes).
    if (init.serverInfo?.name !== 'jetson-nix') return session;
    const timedOut = await withTimeout(Promise.race([session.indexedSignal.then(() => false), session.exited]), options.indexTimeoutMs, true);
    if (timedOut) session.notes.push(`the server did not say it had indexed ${options.root} within ${options.indexTimeoutMs / 1000} s; files were opened anyway`);
    // Schema loads for the flakes found run on; this request answers once they are done.
    await session.request('jetsonNix/schemaInfo', { uri: pathToFileURL(path.join(options.root, 'flake.nix')).href }).catch(() => undefined);
    return session;
  }

  /** Opens a file and resolves with the diagnostics the server publishes for it. */
  async diagnose(uri: string, text: string): Promise<Diagnostic[]> {
    if (this.exitError) throw this.exitError;
    const published = new Promise<Diagnostic[]>((resolve, reject) => this.waiters.set(uri, { resolve, reject }));
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'nix', version: 1, text } });
    try {
      const got = await withTimeout(published, this.options.timeoutMs, undefined);
      if (!got) throw new Error(`no diagnostics within ${this.options.timeoutMs / 1000} s`);
      return got;
    } finally {
      this.waiters.delete(uri);
    }
  }

  close(uri: string): Promise<void> {
    return this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  /** Every quick fix offered for one diagnostic, each with its workspace edit where one can be had. */
  async quickFixes(uri: string, diagnostic: Diagnostic): Promise<OfferedFix[]> {
    const actions =
      (await this.request<(CodeAction | Command)[] | null>('textDocument/codeAction', {
        textDocument: { uri },
        range: diagnostic.range,
        context: { diagnostics: [diagnostic], triggerKind: 1 },
      })) ?? [];
    const out: OfferedFix[] = [];
    for (const action of actions) {
      if (typeof action.command === 'string') {
        out.push(await this.fromCommand(action.title, action as Command));
        continue;
      }
      const a = action as CodeAction;
      if (a.disabled || (a.kind !== undefined && a.kind !== 'quickfix' && !a.kind.startsWith('quickfix.'))) continue;
      out.push(await this.fromAction(a));
    }
    return out;
  }

  private async fromAction(action: CodeAction): Promise<OfferedFix> {
    let resolved = action;
    if (!resolved.edit && (this.resolveProvider || resolved.data !== undefined)) {
      try {
        resolved = await this.request<CodeAction>('codeAction/resolve', action);
      } catch (err) {
        return { title: action.title, error: `codeAction/resolve failed: ${err instanceof Error ? err.message : String(err)}` };
      }
    }
    if (resolved.edit) return { title: action.title, edit: resolved.edit as WorkspaceEdit };
    if (resolved.command) return this.fromCommand(action.title, resolved.command);
    return { title: action.title, error: 'the action has no edit, and neither codeAction/resolve nor a command gave one' };
  }

  private async fromCommand(title: string, command: Command): Promise<OfferedFix> {
    this.captured = [];
    try {
      await this.request('workspace/executeCommand', { command: command.command, arguments: command.arguments });
      const edits = this.captured;
      if (edits.length === 0) return { title, error: `the command ${command.command} sent no edit` };
      return { title, edit: { documentChanges: edits.flatMap((e) => e.documentChanges ?? Object.entries(e.changes ?? {}).map(([u, list]) => ({ textDocument: { uri: u }, edits: list }))) } };
    } catch (err) {
      return { title, error: `the command ${command.command} failed: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      this.captured = undefined;
    }
  }

  /** Asks the server to exit, and makes sure it does. */
  async dispose(): Promise<void> {
    if (!this.exitError) {
      const exited = this.exited.then(
        () => true,
        () => true,
      );
      try {
        await withTimeout(this.request('shutdown', null).then(() => this.connection.sendNotification('exit')), 5000, undefined);
      } catch {
        // already gone
      }
      if (!(await withTimeout(exited, 5000, false))) this.process.kill('SIGKILL');
    }
    this.connection.dispose();
  }

  /** Kills a server that stopped answering. */
  kill(): void {
    this.process.kill('SIGKILL');
    this.connection.dispose();
  }
}

/** `promise`, or `fallback` once `ms` have passed (the timer keeps the process alive meanwhile, and is cleared). */
function withTimeout<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The text of a file as an editor would open it. */
export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}
