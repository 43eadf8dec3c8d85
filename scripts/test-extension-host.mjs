#!/usr/bin/env node
// Runs the extension-host suite (test/extension-host/suite/*.test.ts, mocha) INSIDE a real VS Code
// extension host, with the extension loaded from this repository (--extensionDevelopmentPath,
// i.e. dist/ built by `node esbuild.mjs`) and a copy of test/e2e/fixtures/workspace open.
//
// Where it runs (--target, or JETSON_NIX_EH_TARGET; default auto):
//   desktop      VS Code desktop through @vscode/test-electron's runTests: VSCODE_EXECUTABLE_PATH,
//                or a VS Code downloaded into .vscode-test/ (needs the internet, and a display on
//                Linux: run under `xvfb-run -a` on a headless machine).
//   code-server  the VS Code server inside code-server (scripts/e2e-setup.sh installs it), its
//                workbench in headless Chromium: code-server gets `--vscode-option
//                enable-smoke-test-driver`, without which a built workbench ignores extension
//                development options, and the page is opened with the payload
//                [["extensionDevelopmentPath", …], ["extensionTestsPath", …]]. VS Code then runs
//                the suite in its (remote, Node) extension host and reports the exit code through
//                window.codeAutomationExit, as @vscode/test-web does.
//   auto         desktop when VSCODE_EXECUTABLE_PATH is set or VS Code can be downloaded (and a
//                display exists on Linux), else code-server.
//
// Usage: node scripts/test-extension-host.mjs [options]
//   --target auto|desktop|code-server   where to run (see above)
//   --suite all|trusted|untrusted       which run(s): the trusted workspace (suite/*.test.ts) and/or
//                      an untrusted, hostile one in Restricted Mode (suite/untrusted-*.test.ts,
//                      workspace from scripts/extension-host-untrusted.mjs); default all, one after the other
//   --grep REGEXP      run only the tests whose full title matches
//   --no-build         do not run `node esbuild.mjs` first (dist/ must be current)
//   --build-only       build (dist/, and the suite into test/extension-host/out/) and stop
//   --setup            run scripts/e2e-setup.sh first when code-server is used (installs it if missing)
//   --timeout SECONDS  how long code-server's workbench gets to load and run the suite (default 600)
//   -h, --help
//
// Exit status: 0 all tests passed; 1 a test failed; 2 the suite could not be run (no VS Code,
// VS Code did not start, the run timed out); with both runs, the worse of the two.
// Artefacts: test-output/extension-host/<trusted|untrusted>/.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareUntrustedWorkspace, UNTRUSTED_SETTINGS } from './extension-host-untrusted.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(REPO, 'package.json'));
const SUITE_SRC = path.join(REPO, 'test', 'extension-host', 'suite');
const SUITE_OUT = path.join(REPO, 'test', 'extension-host', 'out');
const FIXTURE = path.join(REPO, 'test', 'e2e', 'fixtures', 'workspace');
const STAND_INS = path.join(REPO, 'test', 'extension-host', 'stand-ins');
const ARTIFACTS = path.join(REPO, 'test-output', 'extension-host');
const EXIT_FAILED = 1;
const EXIT_NOT_RUN = 2;

/** Settings of a quiet, deterministic VS Code (a subset of test/e2e/harness/code-server.ts's). */
const SETTINGS = {
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'files.autoSave': 'off',
};

const started = Date.now();
const log = (message) => console.log(`[extension-host ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`);
const elapsed = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

class NotRun extends Error {}

// ---------------------------------------------------------------------------------------------
// Options

function usage() {
  const text = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8');
  return text
    .split('\n')
    .slice(1)
    .filter((line, i, all) => line.startsWith('//') && all.slice(0, i).every((l) => l.startsWith('//')))
    .map((line) => line.replace(/^\/\/ ?/, ''))
    .join('\n');
}

function parseArgs(argv) {
  const options = {
    target: process.env.JETSON_NIX_EH_TARGET ?? 'auto',
    suites: ['trusted', 'untrusted'],
    grep: undefined,
    build: true,
    buildOnly: false,
    setup: false,
    timeoutMs: 600_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new NotRun(`${arg} needs a value\n\n${usage()}`);
      return v;
    };
    const name = arg.split('=')[0];
    if (name === '--target') options.target = value();
    else if (name === '--suite') {
      const suite = value();
      if (!['all', 'trusted', 'untrusted'].includes(suite)) throw new NotRun(`--suite must be all, trusted or untrusted, not ${suite}`);
      options.suites = suite === 'all' ? ['trusted', 'untrusted'] : [suite];
    }
    else if (name === '--grep') options.grep = value();
    else if (name === '--timeout') options.timeoutMs = Number(value()) * 1000;
    else if (arg === '--no-build') options.build = false;
    else if (arg === '--build-only') options.buildOnly = true;
    else if (arg === '--setup') options.setup = true;
    else if (arg === '-h' || arg === '--help') {
      console.log(usage());
      process.exit(0);
    } else throw new NotRun(`unknown option ${arg}\n\n${usage()}`);
  }
  if (!['auto', 'desktop', 'code-server'].includes(options.target)) throw new NotRun(`--target must be auto, desktop or code-server, not ${options.target}`);
  if (!(options.timeoutMs > 0)) throw new NotRun('--timeout must be a positive number of seconds');
  return options;
}

// ---------------------------------------------------------------------------------------------
// Building

/** Builds dist/ (the extension as VS Code loads it) and bundles the suite into test/extension-host/out/. */
async function build(options) {
  if (options.build) {
    const t0 = Date.now();
    const result = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
    if (result.status !== 0) throw new NotRun(`node esbuild.mjs failed (exit ${result.status})`);
    log(`built dist/ in ${elapsed(t0)}`);
  }
  const t0 = Date.now();
  const esbuild = require('esbuild');
  const entryPoints = fs
    .readdirSync(SUITE_SRC)
    .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
    .map((f) => path.join(SUITE_SRC, f));
  fs.rmSync(SUITE_OUT, { recursive: true, force: true });
  await esbuild.build({
    entryPoints,
    outdir: SUITE_OUT,
    outbase: SUITE_SRC,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    // vscode is the extension host's API; mocha must be one instance shared by the runner and the tests.
    external: ['vscode', 'mocha'],
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // Ends esbuild's service process, so that the cleanup only finds processes of VS Code.
  await esbuild.stop();
  log(`bundled ${entryPoints.length} suite files into ${path.relative(REPO, SUITE_OUT)}/ in ${elapsed(t0)}`);
  for (const f of ['package.json', 'dist/client/extension.js', 'dist/server/server.js']) {
    if (!fs.existsSync(path.join(REPO, f))) throw new NotRun(`${f} is missing: run \`node esbuild.mjs\``);
  }
}

// ---------------------------------------------------------------------------------------------
// Processes (Linux /proc), so that cleanup finds everything a run started

function listProcesses() {
  const out = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      out.push({ pid: Number(entry), ppid: Number(fields[1]), pgid: Number(fields[2]), cmdline });
    } catch {
      // exited while we read
    }
  }
  return out;
}

/** Our descendants, members of `groups`, and processes naming `marker` (a session folder). */
function ourProcesses(groups, marker) {
  if (process.platform !== 'linux') return [];
  const all = listProcesses();
  const found = new Map();
  const stack = [process.pid];
  while (stack.length) {
    const parent = stack.pop();
    for (const p of all) if (p.ppid === parent && !found.has(p.pid)) (found.set(p.pid, p), stack.push(p.pid));
  }
  for (const p of all) if (p.pid !== process.pid && (groups.includes(p.pgid) || (marker && p.cmdline.includes(marker)))) found.set(p.pid, p);
  return [...found.values()];
}

function kill(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
}

const isAlive = (pid) => {
  try {
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

/** Stops every process of the run: SIGTERM, then SIGKILL after 5 s. Returns how many there were. */
async function stopAll(groups, marker) {
  const pids = ourProcesses(groups, marker).map((p) => p.pid);
  for (const g of groups) kill(-g, 'SIGTERM');
  for (const pid of pids) kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const left = ourProcesses(groups, marker).map((p) => p.pid);
  for (const g of groups) kill(-g, 'SIGKILL');
  for (const pid of [...pids, ...left]) kill(pid, 'SIGKILL');
  return { stopped: pids.length, killed: left.length };
}

// ---------------------------------------------------------------------------------------------
// A run's folders and result

/** The folders of one run (`suite`: trusted or untrusted), its workspace and its user settings. */
function createSession(suite) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-eh-'));
  const artifacts = path.join(ARTIFACTS, suite);
  const dirs = {
    suite,
    root,
    artifacts,
    workspace: path.join(root, 'workspace'),
    markers: path.join(root, 'markers'),
    userData: path.join(root, 'user-data'),
    extensions: path.join(root, 'extensions'),
    tmp: path.join(root, 'tmp'),
    standIns: path.join(root, 'stand-ins'),
    xdgData: path.join(root, 'xdg-data'),
    xdgConfig: path.join(root, 'xdg-config'),
    log: path.join(artifacts, 'report.txt'),
    result: path.join(artifacts, 'result.json'),
  };
  for (const d of [artifacts, dirs.userData, dirs.extensions, dirs.tmp, dirs.xdgData, dirs.xdgConfig, dirs.standIns]) fs.mkdirSync(d, { recursive: true });
  fs.cpSync(FIXTURE, dirs.workspace, { recursive: true });
  if (suite === 'untrusted') prepareUntrustedWorkspace(dirs.workspace, dirs.markers);
  const settings = suite === 'untrusted' ? { ...SETTINGS, ...UNTRUSTED_SETTINGS } : SETTINGS;
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  return dirs;
}

/**
 * Packs each stand-in extension of test/extension-host/stand-ins/<id>/ (a package.json carrying
 * another extension's id, e.g. Nix IDE's, and no code) into <dirs.standIns>/<id>.vsix, which the
 * suite installs and uninstalls while VS Code runs (coexist.test.ts).
 */
async function packStandIns(dirs) {
  const t0 = Date.now();
  const { createVSIX } = require('@vscode/vsce');
  const ids = fs.readdirSync(STAND_INS).filter((d) => fs.existsSync(path.join(STAND_INS, d, 'package.json')));
  // vsce reports every file it packs on the console; the run's output stays readable without it.
  const quiet = { log: console.log, info: console.info, warn: console.warn };
  console.log = console.info = console.warn = () => {};
  try {
    for (const id of ids) {
      await createVSIX({ cwd: path.join(STAND_INS, id), packagePath: path.join(dirs.standIns, `${id}.vsix`), allowMissingRepository: true, skipLicense: true, dependencies: false });
    }
  } finally {
    Object.assign(console, quiet);
  }
  log(`packed ${ids.length} stand-in extension(s) (${ids.join(', ')}) in ${elapsed(t0)}`);
}

/** Environment for the extension host: read by test/extension-host/suite/index.ts. */
function suiteEnv(dirs, options, { withLog }) {
  return {
    ...(withLog ? { JETSON_NIX_EH_LOG: dirs.log } : {}),
    JETSON_NIX_EH_RESULT: dirs.result,
    JETSON_NIX_EH_SUITE: dirs.suite,
    JETSON_NIX_EH_MARKERS: dirs.markers,
    JETSON_NIX_EH_VSCODE_LOGS: path.join(dirs.userData, 'logs'),
    JETSON_NIX_EH_STANDINS: dirs.standIns,
    JETSON_NIX_EH_COLOR: process.stdout.isTTY ? '1' : '0',
    ...(options.grep ? { JETSON_NIX_EH_GREP: options.grep } : {}),
  };
}

/** The tests' outcome from the exit code VS Code reported and the runner's result file. */
function verdict(exitCode, dirs) {
  let result;
  try {
    result = JSON.parse(fs.readFileSync(dirs.result, 'utf8'));
  } catch {
    result = undefined;
  }
  if (!result) {
    log(`NOT RUN: the test runner wrote no result (${path.relative(REPO, dirs.result)}); VS Code reported exit code ${exitCode}`);
    return EXIT_NOT_RUN;
  }
  const summary = `${result.passes} passed, ${result.failures} failed, ${result.pending} pending in VS Code ${result.vscodeVersion} (extension host on Node ${result.nodeVersion.replace(/^v/, '')})`;
  for (const f of result.failed) log(`failed: ${f.title}: ${f.error.split('\n')[0]}`);
  if (exitCode === 0 && result.failures === 0 && result.passes > 0) {
    log(`PASSED: ${summary}`);
    return 0;
  }
  log(`FAILED: ${summary}; VS Code reported exit code ${exitCode}`);
  return EXIT_FAILED;
}

// ---------------------------------------------------------------------------------------------
// Desktop VS Code (@vscode/test-electron)

/** VS Code desktop's executable, or why there is none. */
async function findDesktop(options) {
  if (process.env.VSCODE_EXECUTABLE_PATH) {
    const exe = path.resolve(process.env.VSCODE_EXECUTABLE_PATH);
    if (!fs.existsSync(exe)) throw new NotRun(`VSCODE_EXECUTABLE_PATH=${exe} does not exist`);
    return { exe };
  }
  const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
  if (headless && options.target === 'auto') return { why: 'no display (run under `xvfb-run -a` to use VS Code desktop)' };
  const { downloadAndUnzipVSCode } = require('@vscode/test-electron');
  const version = process.env.VSCODE_TEST_VERSION ?? 'stable';
  const t0 = Date.now();
  try {
    const exe = await downloadAndUnzipVSCode({ version, cachePath: path.join(REPO, '.vscode-test'), timeout: 30_000 });
    log(`VS Code desktop ${version}: ${exe} (${elapsed(t0)})`);
    return { exe };
  } catch (error) {
    return { why: `downloading VS Code ${version} failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

async function runDesktop(exe, options, suite) {
  const { runTests } = require('@vscode/test-electron');
  const dirs = createSession(suite);
  if (suite === 'trusted') await packStandIns(dirs);
  const t0 = Date.now();
  log(`running the ${suite} suite in VS Code desktop (${exe}) on ${dirs.workspace}`);
  // No --disable-extensions: the extensions folder is the run's own, empty but for the stand-ins
  // the suite installs (which that flag would keep disabled).
  const launchArgs = [dirs.workspace, `--user-data-dir=${dirs.userData}`, `--extensions-dir=${dirs.extensions}`];
  const extensionTestsPath = path.join(SUITE_OUT, 'index.js');
  const extensionTestsEnv = suiteEnv(dirs, options, { withLog: false });
  let code;
  try {
    code =
      suite === 'trusted'
        ? await runTests({ vscodeExecutablePath: exe, extensionDevelopmentPath: REPO, extensionTestsPath, extensionTestsEnv, launchArgs })
        : await runDesktopWithTrust(exe, [...launchArgs, `--extensionTestsPath=${extensionTestsPath}`, `--extensionDevelopmentPath=${REPO}`], extensionTestsEnv);
  } catch (error) {
    // TestRunFailedError: VS Code exited with a non-zero code (a failed test, or a crash).
    code = typeof error?.code === 'number' ? error.code : undefined;
    if (code === undefined) log(`VS Code desktop: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    const { stopped } = await stopAll([], dirs.root);
    if (stopped) log(`stopped ${stopped} leftover process(es) of VS Code desktop`);
    fs.rmSync(dirs.root, { recursive: true, force: true });
  }
  log(`VS Code desktop finished in ${elapsed(t0)}`);
  return verdict(code ?? -1, dirs);
}

/**
 * VS Code desktop with the arguments @vscode/test-electron's runTests passes, except
 * --disable-workspace-trust, which it always adds and which would make every folder trusted.
 */
function runDesktopWithTrust(exe, args, env) {
  const all = ['--no-sandbox', '--disable-gpu-sandbox', '--disable-updates', '--skip-welcome', '--skip-release-notes', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(exe, all, { env: { ...process.env, ...env }, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : 0)));
  });
}

// ---------------------------------------------------------------------------------------------
// code-server (the VS Code server, workbench in headless Chromium)

function findCodeServer(options) {
  const script = path.join(REPO, 'scripts', 'e2e-setup.sh');
  if (options.setup) {
    // Installs code-server when missing (minutes), else checks it and the Debian packages (~1 s).
    log('--setup: running scripts/e2e-setup.sh');
    const setup = spawnSync('bash', [script], { stdio: 'inherit' });
    if (setup.status !== 0) throw new NotRun(`scripts/e2e-setup.sh failed (exit ${setup.status})`);
  }
  const found = spawnSync('bash', [script, '--print-manifest'], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new NotRun(`code-server is not installed: run scripts/e2e-setup.sh (or pass --setup)\n${found.stderr.trim()}`);
  }
  return JSON.parse(fs.readFileSync(found.stdout.trim(), 'utf8'));
}

/** Appends what `file` gained since the last call to stdout (the mocha report, as it is written). */
function follow(file) {
  let offset = 0;
  return () => {
    let size;
    try {
      size = fs.statSync(file).size;
    } catch {
      return;
    }
    if (size <= offset) return;
    const fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(size - offset);
    fs.readSync(fd, buffer, 0, buffer.length, offset);
    fs.closeSync(fd);
    offset = size;
    process.stdout.write(buffer);
  };
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Cleanup steps of the code-server run, run newest first, once (also on SIGINT/SIGTERM). */
const cleanups = [];
let cleaning;
function runCleanups() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const step = cleanups.pop();
      try {
        await step();
      } catch (error) {
        log(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return cleaning;
}
let interrupted = false;

async function runCodeServer(install, options, suite) {
  const { chromium } = require('playwright-core');
  const dirs = createSession(suite);
  const groups = [];
  cleanups.push(async () => fs.rmSync(dirs.root, { recursive: true, force: true }));
  if (suite === 'trusted') await packStandIns(dirs);
  cleanups.push(async () => {
    const { stopped, killed } = await stopAll(groups, dirs.root);
    const left = ourProcesses(groups, dirs.root);
    log(`cleanup: stopped ${stopped} process(es)${killed ? ` (${killed} needed SIGKILL)` : ''}; ${left.length} left${left.length ? `: ${left.map((p) => `${p.pid} ${p.cmdline.slice(0, 120)}`).join('; ')}` : ''}`);
    copyLogs(path.join(dirs.userData, 'logs'), path.join(dirs.artifacts, 'vscode-logs'));
  });

  // code-server in its own process group: one signal reaches its extension host and our language server.
  const csLog = path.join(dirs.artifacts, 'code-server.log');
  const out = fs.openSync(csLog, 'a');
  const env = { ...cleanEnv(), ...suiteEnv(dirs, options, { withLog: true }), TMPDIR: dirs.tmp, XDG_DATA_HOME: dirs.xdgData, XDG_CONFIG_HOME: dirs.xdgConfig };
  const args = [
    install.codeServerEntry,
    ...['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions],
    ...['--bind-addr', '127.0.0.1:0', '--auth', 'none', '--disable-telemetry', '--disable-update-check'],
    // The untrusted run needs workspace trust on, so that its folder stays in Restricted Mode.
    ...(suite === 'trusted' ? ['--disable-workspace-trust'] : []),
    ...['--disable-getting-started-override', '--ignore-last-opened'],
    // Without it a built workbench ignores the extension development payload (see the header).
    ...['--vscode-option', 'enable-smoke-test-driver'],
    dirs.workspace,
  ];
  const t0 = Date.now();
  const child = spawn(install.node, args, { env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  groups.push(child.pid);
  // Last resort if this process exits without cleaning up (an uncaught error, process.exit).
  process.once('exit', () => {
    kill(-child.pid, 'SIGKILL');
    fs.rmSync(dirs.root, { recursive: true, force: true });
  });
  let exited;
  child.once('exit', (code, sig) => (exited = `code-server exited (code ${code}, signal ${sig})`));
  const url = await poll('code-server to listen', 60_000, () => {
    if (exited) throw new NotRun(`${exited}:\n${tail(csLog)}`);
    return /HTTP server listening on (http:\/\/[\d.:]+)/.exec(fs.readFileSync(csLog, 'utf8'))?.[1];
  });
  log(`code-server ${install.codeServerVersion} (VS Code ${install.vscodeVersion}, Node ${install.nodeVersion}) listens on ${url} (${elapsed(t0)})`);

  const browser = await chromium.launch({
    executablePath: install.chromium,
    headless: true,
    // Our cleanup closes it (also on signals); playwright's handlers would exit before code-server is stopped.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  cleanups.push(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const consoleLog = fs.createWriteStream(path.join(dirs.artifacts, 'browser-console.log'));
  const workbenchLog = fs.createWriteStream(path.join(dirs.artifacts, 'workbench.log'));
  cleanups.push(async () => {
    consoleLog.end();
    workbenchLog.end();
  });
  // The page may still log while the cleanup closes the streams (before Chromium is closed).
  const write = (stream, line) => {
    if (!stream.writableEnded) stream.write(line);
  };
  page.on('console', (m) => write(consoleLog, `[${new Date().toISOString()}] ${m.type()}: ${m.text()}\n`));
  page.on('pageerror', (e) => write(consoleLog, `[${new Date().toISOString()}] pageerror: ${e.stack ?? e.message}\n`));

  // What VS Code calls in a window run for automation (see @vscode/test-web): its log, and the end.
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    write(workbenchLog, `[${new Date().toISOString()}] ${type}: ${(Array.isArray(args) ? args : [args]).map(String).join(' ')}\n`);
  });
  await page.exposeFunction('codeAutomationExit', (code, logs) => {
    for (const { relativePath, contents } of Array.isArray(logs) ? logs : []) {
      const file = path.join(dirs.artifacts, 'workbench-logs', relativePath);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, contents);
    }
    finish({ code });
  });
  page.on('crash', () => finish({ error: 'the workbench page crashed' }));
  browser.on('disconnected', () => finish({ error: 'Chromium disconnected' }));
  child.once('exit', (code, sig) => finish({ error: `code-server exited during the run (code ${code}, signal ${sig})` }));

  // The extension (the repository) and the test runner, as paths on the VS Code server.
  const authority = new URL(url).host;
  const remote = (p) => `vscode-remote://${authority}${p.split(path.sep).map(encodeURIComponent).join('/')}`;
  const payload = [
    ['extensionDevelopmentPath', remote(REPO)],
    ['extensionTestsPath', remote(path.join(SUITE_OUT, 'index.js'))],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  const pageUrl = `${url}/?folder=${encodeURIComponent(dirs.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const t1 = Date.now();
  log(`opening the workbench in headless Chromium; VS Code starts the extension host and runs the ${suite} suite`);
  const showReport = follow(dirs.log);
  const ticker = setInterval(showReport, 200);
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve({ error: `no result within ${options.timeoutMs / 1000} s (--timeout)` }), options.timeoutMs)));
  const navigation = page.goto(pageUrl, { timeout: 0 }).then(
    () => new Promise(() => {}),
    (error) => ({ error: `opening the workbench failed: ${error instanceof Error ? error.message : String(error)}` }),
  );
  const outcome = await Promise.race([finished, timeout, navigation]);
  clearTimeout(timer);
  clearInterval(ticker);
  showReport();

  if (interrupted) return EXIT_NOT_RUN;
  if (outcome.error !== undefined) {
    await page.screenshot({ path: path.join(dirs.artifacts, 'failure.png') }).catch(() => undefined);
    log(`${outcome.error}; last lines of the extension host log:\n${tail(findFile(path.join(dirs.userData, 'logs'), 'remoteexthost.log'))}`);
    log(`artefacts: ${path.relative(REPO, dirs.artifacts)}/`);
    return EXIT_NOT_RUN;
  }
  log(`VS Code reported exit code ${outcome.code} after ${elapsed(t1)} (workbench load and tests)`);
  if (outcome.code !== 0) {
    await page.screenshot({ path: path.join(dirs.artifacts, 'failure.png') }).catch(() => undefined);
    log(`artefacts: ${path.relative(REPO, dirs.artifacts)}/`);
  }
  return verdict(outcome.code, dirs);
}

/** The environment without the variables that would make code-server talk to an outer VS Code. */
function cleanEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE' || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return env;
}

async function poll(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new NotRun(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function findFile(dir, name) {
  if (!fs.existsSync(dir)) return path.join(dir, name);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === name) return path.join(entry.parentPath ?? entry.path, entry.name);
  }
  return path.join(dir, name);
}

function copyLogs(from, to) {
  if (fs.existsSync(from)) fs.cpSync(from, to, { recursive: true });
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const options = parseArgs(process.argv.slice(2));
  await build(options);
  if (options.buildOnly) return 0;
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });

  let run;
  if (options.target !== 'code-server') {
    const desktop = await findDesktop(options);
    if (desktop.exe) run = (suite) => runDesktop(desktop.exe, options, suite);
    else if (options.target === 'desktop') throw new NotRun(`VS Code desktop is not available: ${desktop.why}`);
    else log(`VS Code desktop is not available (${desktop.why}); using code-server`);
  }
  if (!run) {
    if (process.platform !== 'linux') throw new NotRun('the code-server target needs Linux (scripts/e2e-setup.sh); use VS Code desktop');
    const install = findCodeServer(options);
    run = async (suite) => {
      try {
        return await runCodeServer(install, options, suite);
      } finally {
        await runCleanups();
        cleaning = undefined;
      }
    };
  }
  // One run after the other (two VS Codes at once would share the machine's 2 cores); the worse code wins.
  const codes = [];
  for (const suite of options.suites) {
    if (interrupted) break;
    codes.push(await run(suite));
  }
  return codes.includes(EXIT_NOT_RUN) ? EXIT_NOT_RUN : codes.includes(EXIT_FAILED) ? EXIT_FAILED : 0;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    interrupted = true;
    log(`${sig}: stopping`);
    void runCleanups().finally(() => process.exit(128 + os.constants.signals[sig]));
  });
}

main().then(
  (code) => {
    if (interrupted) return;
    log(`done in ${elapsed(started)}, exit ${code}`);
    process.exit(code);
  },
  async (error) => {
    await runCleanups();
    if (interrupted) return;
    log(error instanceof NotRun ? `NOT RUN: ${error.message}` : `ERROR: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(EXIT_NOT_RUN);
  },
);
