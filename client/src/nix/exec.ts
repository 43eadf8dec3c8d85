/**
 * The one way the extension runs `nix` (and other tools): argument arrays, never a shell string;
 * cancellation that kills the whole process tree; offline-friendly environment; one clear error
 * when the executable is missing. No `vscode` import here, so it is tested with plain Node.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RunOptions {
  /** Working directory (a flake's folder). */
  cwd: string;
  /** Aborting kills the process and everything it started (SIGTERM, then SIGKILL after 3 s). */
  signal?: AbortSignal;
  /** Extra environment on top of this process's. */
  env?: Record<string, string | undefined>;
  /** Called for every complete line on stderr (Nix's log and internal-json). */
  onStderrLine?: (line: string) => void;
  /** Called for every complete line on stdout. */
  onStdoutLine?: (line: string) => void;
  /** Text written to stdin (stdin is closed either way, so nothing ever waits for input). */
  input?: string;
  /**
   * False: stderr only reaches `onStderrLine` and `stderr` stays empty. For long builds, whose log
   * can outgrow any buffer (past the limit, lines would stop reaching `onStderrLine`).
   */
  bufferStderr?: boolean;
}

export interface RunResult {
  exitCode: number | undefined;
  /** Set when the process was killed by a signal (also after cancellation). */
  signal: string | undefined;
  cancelled: boolean;
  stdout: string;
  stderr: string;
}

/** The executable could not be started at all (not installed, not on PATH, not executable, a relative path). */
export class ToolMissingError extends Error {
  constructor(readonly executable: string, readonly reason: string, message?: string) {
    super(
      message ??
        (isNixName(executable)
          ? `Nix was not found (${reason}). Install Nix (https://nixos.org/download) or set jetsonNix.nix.executable to its path.`
          : `${executable} was not found (${reason}).`),
    );
    this.name = 'ToolMissingError';
  }
}

function isNixName(executable: string): boolean {
  return executable === 'nix' || executable.endsWith('/nix');
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The absolute path of the executable `name` names, or ToolMissingError:
 * - an absolute path (or `~/…`) is taken as it is;
 * - a bare name is looked up in the absolute folders of `searchPath` only (an empty or relative
 *   entry of PATH would mean the working directory, which is a folder of the workspace);
 * - a relative path such as `./tools/nix` is refused. Spawning it would resolve it against the
 *   working directory, so a cloned repository's settings could choose what runs as soon as the
 *   folder is trusted.
 */
export function resolveExecutable(name: string, searchPath: string = process.env.PATH ?? '', home: string = os.homedir()): string {
  const expanded = name === '~' || name.startsWith('~/') ? path.join(home, name.slice(1)) : name;
  if (path.isAbsolute(expanded)) {
    if (isExecutableFile(expanded)) return path.normalize(expanded);
    throw new ToolMissingError(name, fs.existsSync(expanded) ? 'not an executable file' : 'no such file');
  }
  if (expanded.includes('/') || expanded === '' || expanded === '.' || expanded === '..') {
    const setting = isNixName(name) ? 'jetsonNix.nix.executable' : 'the setting';
    throw new ToolMissingError(
      name,
      'a relative path',
      `${JSON.stringify(name)} is a relative path, which Jetson Nix never runs: it would be resolved against a workspace folder. Set ${setting} to an absolute path or to a name on PATH.`,
    );
  }
  const found = searchExecutable(expanded, searchPath);
  if (found === undefined) throw new ToolMissingError(name, 'no such file on PATH');
  return found;
}

/**
 * The first executable file called `name` in the absolute folders of `searchPath` that `accept`
 * (when given) accepts, or undefined. Relative and empty entries are skipped: they would mean the
 * working directory.
 */
export function searchExecutable(name: string, searchPath: string, accept?: (file: string) => boolean): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate) && (!accept || accept(candidate))) return candidate;
  }
  return undefined;
}

/**
 * Runs `file args…` and collects its output. Never throws for a non-zero exit (the caller reads
 * `exitCode`); throws `ToolMissingError` when the executable cannot be started or is a relative
 * path (see `resolveExecutable`).
 */
export async function run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  // The PATH the child would search is the one it gets: the caller's, when it sets one.
  const executable = resolveExecutable(file, options.env && 'PATH' in options.env ? (options.env.PATH ?? '') : (process.env.PATH ?? ''));
  const { execa } = await import('execa');
  const stdoutLines = new LineSplitter(options.onStdoutLine);
  const stderrLines = new LineSplitter(options.onStderrLine);
  let cancelled = false;
  const subprocess = execa(executable, args, {
    cwd: options.cwd,
    env: { ...options.env },
    extendEnv: true,
    reject: false,
    // Its own process group, so cancelling kills builders and shells it started too.
    detached: process.platform !== 'win32',
    cleanup: true,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    input: options.input,
    stripFinalNewline: false,
    buffer: { stdout: true, stderr: options.bufferStderr ?? true },
    maxBuffer: 64 * 1024 * 1024,
  });
  const child = subprocess as unknown as ChildProcess;
  live.add(child);
  subprocess.stdout?.on('data', (chunk: Buffer) => stdoutLines.push(chunk));
  subprocess.stderr?.on('data', (chunk: Buffer) => stderrLines.push(chunk));
  const onAbort = () => {
    cancelled = true;
    killTree(child, 'SIGTERM');
    setTimeout(() => killTree(child, 'SIGKILL'), 3000).unref();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await subprocess;
    stdoutLines.end();
    stderrLines.end();
    const code = (result as { code?: string }).code;
    if (code === 'ENOENT' || code === 'EACCES') throw new ToolMissingError(file, code === 'ENOENT' ? 'no such file on PATH' : 'not executable');
    return {
      exitCode: result.exitCode,
      signal: result.signal,
      cancelled,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
    };
  } finally {
    live.delete(child);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Processes still running. Each has its own process group (so cancelling reaches its builders),
 * which also means it would outlive us: when the extension host or a test runner exits, the
 * groups are killed with it rather than left building in the background.
 */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) killTree(child, 'SIGKILL');
});

/** Kills a process group started with `detached`, falling back to the process alone. */
export function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

/** Splits a byte stream into lines (a line may arrive in several chunks; a chunk may hold many lines). */
export class LineSplitter {
  private rest = '';
  private readonly decoder = new TextDecoder();
  constructor(private readonly onLine: ((line: string) => void) | undefined) {}
  push(chunk: Uint8Array): void {
    if (!this.onLine) return;
    const text = this.rest + this.decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
  end(): void {
    if (!this.onLine) return;
    const last = this.rest + this.decoder.decode();
    this.rest = '';
    if (last) this.onLine(last);
  }
}

/**
 * Nix's own settings we always add: flakes on (users of 2.8 rarely enabled them), no warnings about
 * dirty trees. `extra-` appends to the features the user's nix.conf enables instead of replacing them.
 */
export function nixConfigEnv(base: string | undefined = process.env.NIX_CONFIG): Record<string, string> {
  const lines = [base ?? '', 'extra-experimental-features = nix-command flakes', 'warn-dirty = false'].filter((l) => l.trim() !== '');
  return { NIX_CONFIG: lines.join('\n') };
}

export interface NixVersion {
  text: string;
  major: number;
  minor: number;
  patch: number;
}

/** Parses `nix (Nix) 2.8.0` / `nix (Determinate Nix 3.6.2) 2.29.0` / `nix (Lix…) 2.91.1`. */
export function parseNixVersion(output: string): NixVersion | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?\s*$/m.exec(output.trim().split('\n')[0] ?? '');
  if (!m) return undefined;
  return { text: output.trim().split('\n')[0]!, major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

export function atLeast(v: NixVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

const versions = new Map<string, Promise<NixVersion>>();

/**
 * `nix --version`, asked once per executable (and PATH, when `env` changes it). Throws
 * ToolMissingError when Nix is absent.
 */
export function nixVersion(nix: string, cwd: string, env?: Record<string, string | undefined>): Promise<NixVersion> {
  const key = env && 'PATH' in env ? `${nix}\0${env.PATH ?? ''}` : nix;
  let pending = versions.get(key);
  if (!pending) {
    pending = run(nix, ['--version'], { cwd, env }).then((r) => {
      const v = parseNixVersion(r.stdout);
      if (r.exitCode !== 0 || !v) throw new Error(`\`${nix} --version\` did not report a version: ${(r.stderr || r.stdout).trim().slice(0, 200)}`);
      return v;
    });
    pending.catch(() => versions.delete(key));
    versions.set(key, pending);
  }
  return pending;
}

/** Removes ANSI colour and cursor codes (Nix colours its messages). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*(\u0007|\u001b\\)/g, '');
}

/**
 * Turns Nix's stderr into one actionable sentence for the common set-up problems, or undefined
 * when it is an ordinary error the caller reports itself.
 */
export function explainNixFailure(stderr: string): string | undefined {
  const text = stripAnsi(stderr);
  if (/experimental Nix feature '(flakes|nix-command)' is disabled/.test(text))
    return "Flakes are not enabled in your Nix: add `experimental-features = nix-command flakes` to ~/.config/nix/nix.conf (or /etc/nix/nix.conf).";
  const untracked = /error: (?:getting status of|path) '\/nix\/store\/[a-z0-9]{32}-source\/([^']+)'(?::| does not exist)/.exec(text);
  if (untracked && /No such file or directory|does not exist/.test(text))
    return `Nix only sees files tracked by git: \`git add ${untracked[1]}\` (the flake is in a git repository and that file is not tracked).`;
  if (/cannot connect to socket at '.*daemon-socket|cannot connect to daemon/.test(text))
    return 'The Nix daemon is not running: start it (e.g. `sudo systemctl start nix-daemon`) and try again.';
  return undefined;
}
