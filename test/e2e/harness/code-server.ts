/**
 * Starting and stopping code-server (a real VS Code: workbench in the browser, extension host
 * in Node) as installed by scripts/e2e-setup.sh, with fresh user-data and extensions folders.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { isAlive, listProcesses, processTree, signal } from './processes';
import { waitFor, waitUntil } from './wait';

const execFileAsync = promisify(execFile);

/** The repository root (test/e2e/harness → ../../..). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** What scripts/e2e-setup.sh installed, read from its manifest.json. */
export interface CodeServerInstall {
  codeServerVersion: string;
  /** The VS Code version code-server embeds (what `vscode.version` reports to extensions). */
  vscodeVersion: string;
  /** The Node version code-server and its extension host run on. */
  nodeVersion: string;
  node: string;
  codeServerEntry: string;
  chromium: string;
}

/**
 * Finds the cached code-server install. The setup script owns the versions and the cache
 * layout, so we ask it rather than repeat them here; it answers without installing anything.
 */
export function findInstall(): CodeServerInstall {
  const script = path.join(REPO_ROOT, 'scripts', 'e2e-setup.sh');
  let manifest: string;
  try {
    manifest = execFileSync('bash', [script, '--print-manifest'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`code-server for the e2e tests is not installed. Run: scripts/e2e-setup.sh\n${stderr}`);
  }
  return JSON.parse(fs.readFileSync(manifest, 'utf8')) as CodeServerInstall;
}

/**
 * Settings for a quiet, deterministic workbench: no trust prompt, welcome page, walkthroughs,
 * release notes, update checks, chat panel or telemetry; no auto-closing or auto-indent, so text
 * typed by a test lands in the file exactly as typed; terminals drawn as readable DOM text.
 */
export const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'update.showReleaseNotes': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoClosingOvertype': 'never',
  'editor.autoSurround': 'never',
  'editor.autoIndent': 'none',
  'editor.formatOnType': false,
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.suggestOnTriggerCharacters': false,
  'editor.acceptSuggestionOnEnter': 'off',
  'editor.hover.delay': 200,
  'files.autoSave': 'off',
  // xterm.js's DOM renderer: its text can be read back (harness/terminals.ts); WebGL's cannot.
  'terminal.integrated.gpuAcceleration': 'off',
};

/** Folders of one code-server session, all inside one temporary root. */
export interface SessionDirs {
  root: string;
  userData: string;
  extensions: string;
  /** TMPDIR, XDG data, config and cache of code-server, so it leaves nothing in $HOME or /tmp. */
  tmp: string;
  xdgData: string;
  xdgConfig: string;
  /** XDG_CACHE_HOME: Nix keeps its evaluation and fetcher caches there. */
  xdgCache: string;
}

/** Creates the folders of a session under a new temporary root, and writes the user settings. */
export function createSessionDirs(root: string, settings: Record<string, unknown>): SessionDirs {
  const dirs: SessionDirs = {
    root,
    userData: path.join(root, 'user-data'),
    extensions: path.join(root, 'extensions'),
    tmp: path.join(root, 'tmp'),
    xdgData: path.join(root, 'xdg-data'),
    xdgConfig: path.join(root, 'xdg-config'),
    xdgCache: path.join(root, 'xdg-cache'),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  const merged = JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2);
  // code-server's workbench is a remote window: settings with a machine scope (jetsonNix.usb.sysfsRoot,
  // jetsonNix.nix.executable) count only in the remote settings (Machine/), as a user would set
  // them in "Remote [code-server]"; the user settings (User/) hold the rest. Each file ignores
  // what it cannot hold, so both get all of them.
  for (const folder of ['User', 'Machine']) {
    fs.mkdirSync(path.join(dirs.userData, folder), { recursive: true });
    fs.writeFileSync(path.join(dirs.userData, folder, 'settings.json'), merged);
  }
  return dirs;
}

/**
 * The environment code-server runs in. VSCODE_* variables are dropped: inside a VS Code
 * terminal they would make code-server's CLI talk to that outer VS Code instead. The extension
 * host, and the `nix` processes and terminals our extension starts, inherit it: see
 * {@link offlineNixConfig}.
 */
function codeServerEnv(dirs: SessionDirs): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE' || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return {
    ...env,
    TMPDIR: dirs.tmp,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_CACHE_HOME: dirs.xdgCache,
    NIX_CONFIG: offlineNixConfig(dirs, env.NIX_CONFIG),
  };
}

/**
 * Nix settings for a machine without network: flakes on; no binary cache (otherwise every
 * command retries cache.nixos.org for seconds); an empty flake registry, so `nix develop` does
 * not try to download the global one to look up `nixpkgs#bashInteractive` and uses the `bash`
 * on PATH instead. Later lines win, so these override whatever the caller's NIX_CONFIG says.
 */
function offlineNixConfig(dirs: SessionDirs, inherited: string | undefined): string {
  const registry = path.join(dirs.root, 'nix-registry.json');
  fs.writeFileSync(registry, JSON.stringify({ flakes: [], version: 2 }));
  const offline = ['experimental-features = nix-command flakes', 'substituters =', `flake-registry = ${registry}`];
  return [inherited ?? '', ...offline].filter((line) => line.trim() !== '').join('\n');
}

function commonArgs(install: CodeServerInstall, dirs: SessionDirs): string[] {
  return [install.codeServerEntry, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
}

/** Installs a packaged extension into the session's extensions folder, as `code --install-extension` does. */
export async function installExtension(install: CodeServerInstall, dirs: SessionDirs, vsix: string): Promise<void> {
  const args = [...commonArgs(install, dirs), '--install-extension', vsix, '--force'];
  let output: string;
  try {
    const result = await execFileAsync(install.node, args, { env: codeServerEnv(dirs), timeout: 120_000 });
    output = result.stdout + result.stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`installing ${vsix} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  if (!/successfully installed/i.test(output)) throw new Error(`installing ${vsix} did not report success:\n${output}`);
}

/** Servers not stopped yet, killed by {@link guardProcessExit} if the test process ends first. */
const running = new Set<CodeServer>();
let guarded = false;

/**
 * Makes sure code-server dies with the test process. It runs in its own process group, so
 * nothing else would stop it when a test times out, crashes, or the run is interrupted.
 */
function guardProcessExit(): void {
  if (guarded) return;
  guarded = true;
  const killAll = () => running.forEach((server) => server.killNow());
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAll();
      // Listening for a signal cancels its default action (ending the process); end it as the
      // signal would have. playwright-core's own exit handler then kills Chromium.
      process.exit(128 + os.constants.signals[sig]);
    });
  }
}

/** A running code-server. Call {@link CodeServer.stop} when done (also done on process exit). */
export class CodeServer {
  private constructor(
    /** Process id of code-server; it leads its own process group. */
    readonly pid: number,
    /** Base URL, e.g. http://127.0.0.1:41234 */
    readonly url: string,
    readonly dirs: SessionDirs,
  ) {
    guardProcessExit();
    running.add(this);
  }

  /**
   * Starts code-server on a free loopback port (port 0: the kernel picks one, so parallel
   * runs cannot collide) and waits until it says where it listens.
   */
  static async start(install: CodeServerInstall, dirs: SessionDirs, folder: string, logFile: string): Promise<CodeServer> {
    const log = fs.openSync(logFile, 'a');
    const args = [
      ...commonArgs(install, dirs),
      ...['--bind-addr', '127.0.0.1:0', '--auth', 'none', '--disable-telemetry', '--disable-update-check'],
      ...['--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened'],
      folder,
    ];
    // detached: code-server leads a new process group, so one kill reaches the extension host and
    // the language server it spawns.
    const child = spawn(install.node, args, { env: codeServerEnv(dirs), detached: true, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    let exited: string | undefined;
    child.once('exit', (code, sig) => (exited = `code-server exited early (code ${code}, signal ${sig})`));
    child.once('error', (error) => (exited = `code-server could not start: ${error.message}`));
    child.unref();
    try {
      const state = await waitFor(
        `code-server to listen (log: ${logFile})`,
        () => ({ exited, url: /HTTP server listening on (http:\/\/[\d.:]+)/.exec(fs.readFileSync(logFile, 'utf8'))?.[1] }),
        (s) => s.url !== undefined || s.exited !== undefined,
        { timeoutMs: 60_000 },
      );
      if (state.url === undefined) throw new Error(`${state.exited}:\n${tail(logFile)}`);
      return new CodeServer(child.pid!, state.url, dirs);
    } catch (error) {
      if (child.pid !== undefined) signal(-child.pid, 'SIGKILL');
      throw error;
    }
  }

  /** The workbench URL that opens `folder`. */
  folderUrl(folder: string): string {
    return `${this.url}/?folder=${encodeURIComponent(folder)}`;
  }

  /**
   * code-server and everything it started: extension host, language servers, terminals. A
   * process that left the group (setsid) is still found by its parent link, or by naming a
   * folder of this session on its command line once its parent has died.
   */
  processes(): { pid: number; cmdline: string }[] {
    const all = listProcesses();
    const found = new Map<number, { pid: number; cmdline: string }>();
    for (const p of processTree(this.pid, all)) found.set(p.pid, p);
    for (const p of all) {
      if (p.pid !== process.pid && (p.pgid === this.pid || p.cmdline.includes(this.dirs.root))) found.set(p.pid, p);
    }
    return [...found.values()];
  }

  /** Stops code-server and all its processes: SIGTERM, then SIGKILL what is left after 5 s. */
  async stop(): Promise<void> {
    running.delete(this);
    const pids = this.processes().map((p) => p.pid);
    signal(-this.pid, 'SIGTERM');
    for (const pid of pids) signal(pid, 'SIGTERM');
    const allDead = () => pids.every((pid) => !isAlive(pid));
    try {
      await waitUntil('code-server processes to exit after SIGTERM', allDead, { timeoutMs: 5_000 });
    } catch {
      this.killNow(pids);
      await waitUntil('code-server processes to exit after SIGKILL', allDead, { timeoutMs: 5_000 });
    }
  }

  /** Synchronous last resort, also run when the test process exits without calling stop(). */
  killNow(pids = this.processes().map((p) => p.pid)): void {
    signal(-this.pid, 'SIGKILL');
    for (const pid of pids) signal(pid, 'SIGKILL');
  }
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
