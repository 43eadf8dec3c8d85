/**
 * A minimal LSP client over stdio (Content-Length framing), enough to drive the built server and
 * time its answers. Every message is stamped with `performance.now()` when its last byte is parsed,
 * so latencies are measured at the moment the data arrives, not when an awaiting task resumes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface Message {
  jsonrpc: '2.0';
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

export interface Received {
  message: Message;
  /** `performance.now()` when the message was read from the server's stdout. */
  at: number;
}

export interface PublishDiagnosticsParams {
  uri: string;
  version?: number;
  diagnostics: unknown[];
}

interface Waiter {
  match: (m: Message) => boolean;
  resolve: (r: Received) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class LspClient {
  readonly process: ChildProcessWithoutNullStreams;
  /** `performance.now()` just before the process was spawned. */
  readonly spawnedAt: number;
  private buffer: Buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly waiters = new Set<Waiter>();
  private readonly responses = new Map<number, { resolve: (r: Received) => void; reject: (e: Error) => void }>();
  private stderr = '';
  private exited: Promise<number | null>;

  constructor(command: string, args: string[], private readonly timeoutMs = 30_000) {
    this.spawnedAt = performance.now();
    this.process = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.process.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
    void this.exited.then((code) => {
      const err = new Error(`language server exited (code ${code}) ${this.stderr ? `: ${this.stderr}` : ''}`);
      for (const w of this.waiters) {
        clearTimeout(w.timer);
        w.reject(err);
      }
      this.waiters.clear();
      for (const r of this.responses.values()) r.reject(err);
      this.responses.clear();
    });
  }

  get pid(): number {
    const pid = this.process.pid;
    if (pid === undefined) throw new Error('the language server did not start');
    return pid;
  }

  /** Sends a request and resolves with its response (rejects on an error response). */
  request(method: string, params: unknown): Promise<Received> {
    const id = this.nextId++;
    const answer = new Promise<Received>((resolve, reject) => this.responses.set(id, { resolve, reject }));
    this.send({ jsonrpc: '2.0', id, method, params });
    return answer;
  }

  /** Sends a notification; returns `performance.now()` taken just before the write. */
  notify(method: string, params: unknown): number {
    return this.send({ jsonrpc: '2.0', method, params });
  }

  /**
   * Resolves with the next message that matches. Register it before sending what triggers the
   * message, so that a fast answer is not missed.
   */
  waitFor(match: (m: Message) => boolean, what = 'message'): Promise<Received> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`timed out after ${this.timeoutMs} ms waiting for ${what}`));
        }, this.timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** The next `publishDiagnostics` for `uri` at `version`. */
  waitForDiagnostics(uri: string, version: number): Promise<Received> {
    return this.waitFor((m) => {
      if (m.method !== 'textDocument/publishDiagnostics') return false;
      const p = m.params as PublishDiagnosticsParams;
      return p.uri === uri && p.version === version;
    }, `diagnostics of ${uri} version ${version}`);
  }

  /** `initialize` then `initialized`; resolves with the initialize response. */
  async initialize(initializationOptions: unknown = {}): Promise<Received> {
    const response = await this.request('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: { textDocument: { publishDiagnostics: { versionSupport: true } } },
      initializationOptions,
    });
    this.notify('initialized', {});
    return response;
  }

  open(uri: string, text: string, version = 1): number {
    return this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'nix', version, text } });
  }

  /** `/proc/<pid>/status` field in KiB (VmHWM: peak resident set size), or undefined off Linux. */
  statusKb(field: 'VmHWM' | 'VmRSS'): number | undefined {
    return readStatusKb(this.pid, field);
  }

  /** `shutdown`, `exit`, and the process's exit code (killed if it does not exit in time). */
  async shutdown(): Promise<number | null> {
    if (this.process.exitCode !== null) return this.process.exitCode;
    try {
      await this.request('shutdown', null);
      this.notify('exit', null);
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.kill(), 5000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  kill(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }

  private send(message: Message): number {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    const at = performance.now();
    this.process.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.process.stdin.write(body);
    return at;
  }

  private onData(chunk: Buffer): void {
    const at = performance.now();
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const length = /Content-Length: *(\d+)/i.exec(header);
      if (!length) throw new Error(`bad LSP header from the server: ${header}`);
      const start = headerEnd + 4;
      const end = start + Number(length[1]);
      if (this.buffer.length < end) return;
      const message = JSON.parse(this.buffer.subarray(start, end).toString('utf8')) as Message;
      this.buffer = this.buffer.subarray(end);
      this.dispatch({ message, at });
    }
  }

  private dispatch(r: Received): void {
    const m = r.message;
    if (m.method !== undefined && m.id !== undefined && m.id !== null) {
      // A request from the server (e.g. client/registerCapability): accept it.
      this.send({ jsonrpc: '2.0', id: m.id, result: null });
      return;
    }
    if (m.method === undefined && typeof m.id === 'number') {
      const pending = this.responses.get(m.id);
      if (pending) {
        this.responses.delete(m.id);
        if (m.error) pending.reject(new Error(`${m.error.code}: ${m.error.message}`));
        else pending.resolve(r);
      }
      return;
    }
    for (const w of this.waiters) {
      if (w.match(m)) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve(r);
        return;
      }
    }
  }
}

export function readStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
