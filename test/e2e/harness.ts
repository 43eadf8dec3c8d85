/**
 * End-to-end harness: a real VS Code (code-server, installed by scripts/e2e-setup.sh) in
 * headless Chromium, driven like a user drives it.
 *
 *   test('opens a file', { timeout: E2E_TEST_TIMEOUT_MS }, (t) =>
 *     withVsCode(t, { files: { 'a.txt': 'hi\n' } }, async (vs) => {
 *       await vs.workbench.openFile('a.txt');
 *       await vs.editor.waitForText('hi\n');
 *     }));
 *
 * Each session gets its own temporary copy of the workspace and fresh user-data and extensions
 * folders. Whatever happens, the session ends with a screenshot in test-output/e2e/<test>.png,
 * the logs in test-output/e2e/<test>/, and no process left running.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openWorkbench } from './harness/browser';
import { CodeServer, createSessionDirs, findInstall, installExtension, REPO_ROOT, type CodeServerInstall } from './harness/code-server';
import { Editor } from './harness/editor';
import { Dialogs, Notifications } from './harness/notifications';
import { Problems } from './harness/problems';
import { Terminals } from './harness/terminals';
import { SideBar } from './harness/views';
import { Workbench } from './harness/workbench';

export { REPO_ROOT, type CodeServerInstall } from './harness/code-server';
export { type Token } from './harness/editor';
export { FOCUS_PROBLEMS_COMMAND, type Problem } from './harness/problems';
export { type LanguageStatusItem, type QuickPickItem, type StatusBarItem } from './harness/workbench';
export { type Dialog, type Notification } from './harness/notifications';
export { type TreeItem, type TreeSection } from './harness/views';
export { delay, waitFor, waitUntil, WaitTimeoutError, type WaitOptions } from './harness/wait';
export { isAlive, workingDirectory, type ProcessInfo } from './harness/processes';
export { packagedExtension, VSIX } from './harness/extension';

/** Where screenshots and logs go. */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-output', 'e2e');

/** A timeout for one end-to-end test: starting code-server and Chromium takes ~10 s on 2 cores. */
export const E2E_TEST_TIMEOUT_MS = 240_000;

/** How to set up a session. */
export interface SessionOptions {
  /** A folder to copy as the workspace (the copy may be edited freely). */
  workspace?: string;
  /** Files to create in the workspace: relative path → content (added after copying `workspace`). */
  files?: Record<string, string>;
  /** A packaged extension to install before starting. */
  vsix?: string;
  /** User settings on top of the harness defaults (see DEFAULT_SETTINGS in harness/code-server.ts). */
  settings?: Record<string, unknown>;
}

/** A running VS Code with helpers to drive it. */
export interface VsCodeSession {
  install: CodeServerInstall;
  codeServer: CodeServer;
  browser: Browser;
  page: Page;
  /** The workspace folder VS Code has open (a temporary copy). */
  workspace: string;
  /** The folder extensions are installed into. */
  extensionsDir: string;
  /** This test's folder for logs and extra artefacts. */
  artifacts: string;
  workbench: Workbench;
  editor: Editor;
  problems: Problems;
  /** The activity bar and the views it opens (e.g. the Jetson view's sections). */
  sideBar: SideBar;
  notifications: Notifications;
  dialogs: Dialogs;
  terminals: Terminals;
  /** Processes code-server started whose command line contains `fragment`. */
  findProcesses(fragment: string): { pid: number; cmdline: string }[];
  /**
   * What VS Code has written so far to its log files named `fileName`, e.g. "Jetson Nix.log" (our
   * log channel) or "1-Jetson Nix Build.log" (an output channel); "" before any exists.
   */
  logText(fileName: string): string;
  /** Saves a screenshot as test-output/e2e/<test>-<label>.png (the final one is taken anyway). */
  screenshot(label: string): Promise<string>;
}

/**
 * Starts VS Code for one test, runs `body`, and always tears everything down. The test fails
 * with `body`'s error; a failure to clean up fails an otherwise passing test.
 */
export async function withVsCode(t: TestContext, options: SessionOptions, body: (vs: VsCodeSession) => Promise<void>): Promise<void> {
  const name = artifactName(t.name);
  const artifacts = path.join(ARTIFACTS_DIR, name);
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const root = createTempRoot();
  const cleanup: (() => Promise<void>)[] = [async () => removeTempRoot(root)];
  const outcome = { failed: false };
  let failure: unknown;
  try {
    const started = Date.now();
    const session = await startSession({ root, artifacts, name, options, cleanup, outcome });
    const { codeServerVersion, vscodeVersion, nodeVersion } = session.install;
    t.diagnostic(
      `code-server ${codeServerVersion} (VS Code ${vscodeVersion}, Node ${nodeVersion}) ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    await body(session);
  } catch (error) {
    failure = error;
    outcome.failed = true;
  }
  const cleanupError = await runCleanup(cleanup);
  if (failure !== undefined) {
    t.diagnostic(`artefacts: ${path.relative(REPO_ROOT, artifacts)} and ${path.relative(REPO_ROOT, ARTIFACTS_DIR)}/${name}.png`);
    throw failure;
  }
  if (cleanupError !== undefined) throw cleanupError;
}

interface StartArgs {
  root: string;
  artifacts: string;
  name: string;
  options: SessionOptions;
  /** Teardown steps, run in reverse order. */
  cleanup: (() => Promise<void>)[];
  /** Whether the test failed, known when the teardown runs. */
  outcome: { failed: boolean };
}

async function startSession({ root, artifacts, name, options, cleanup, outcome }: StartArgs): Promise<VsCodeSession> {
  const install = findInstall();
  const workspace = createWorkspace(path.join(root, 'workspace'), options);
  const dirs = createSessionDirs(path.join(root, 'vscode'), options.settings ?? {});
  // Runs after code-server has stopped (cleanup runs newest first), so its logs are complete.
  cleanup.push(async () => copyVsCodeLogs(dirs.userData, artifacts));
  if (options.vsix) await installExtension(install, dirs, options.vsix);
  const codeServer = await CodeServer.start(install, dirs, workspace, path.join(artifacts, 'code-server.log'));
  cleanup.push(() => codeServer.stop());
  const { browser, page } = await launchBrowser(install.chromium, path.join(artifacts, 'browser-console.log'));
  cleanup.push(() => browser.close());
  // Taken before the browser closes, also when the workbench never came up.
  cleanup.push(() => finalScreenshot(page, name, outcome.failed));
  await openWorkbench(page, codeServer.folderUrl(workspace), { expectFiles: fs.readdirSync(workspace).length > 0 });
  const workbench = new Workbench(page);
  return {
    install,
    codeServer,
    browser,
    page,
    workspace,
    extensionsDir: dirs.extensions,
    artifacts,
    workbench,
    editor: new Editor(page),
    problems: new Problems(page, workbench),
    sideBar: new SideBar(page),
    notifications: new Notifications(page),
    dialogs: new Dialogs(page),
    terminals: new Terminals(page),
    findProcesses: (fragment) => codeServer.processes().filter((p) => p.cmdline.includes(fragment)),
    logText: (fileName) => logFiles(path.join(dirs.userData, 'logs'), fileName).map((file) => fs.readFileSync(file, 'utf8')).join(''),
    screenshot: async (label) => {
      const file = path.join(ARTIFACTS_DIR, `${name}-${artifactName(label)}.png`);
      await page.screenshot({ path: file });
      return file;
    },
  };
}

/** Temporary roots of sessions still running; removed on exit if a run is interrupted. */
const tempRoots = new Set<string>();
process.on('exit', () => tempRoots.forEach(removeTempRoot));

function createTempRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-e2e-'));
  tempRoots.add(root);
  return root;
}

function removeTempRoot(root: string): void {
  tempRoots.delete(root);
  try {
    fs.rmSync(root, { recursive: true, force: true });
  } catch {
    // A process killed a moment ago may still be writing there; /tmp is cleaned eventually.
  }
}

/** Copies `options.workspace` and writes `options.files` into a new folder. */
function createWorkspace(dir: string, options: SessionOptions): string {
  fs.mkdirSync(dir, { recursive: true });
  if (options.workspace) fs.cpSync(options.workspace, dir, { recursive: true });
  for (const [relative, content] of Object.entries(options.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    fs.writeFileSync(path.join(dir, relative), content);
  }
  return dir;
}

/** The screenshot of the final state: what a failure looked like, or proof of success. */
async function finalScreenshot(page: Page, name: string, failed: boolean): Promise<void> {
  try {
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), timeout: 10_000 });
  } catch (error) {
    // A crashed page must not hide the test's own error; say so and carry on.
    if (failed) console.error(`could not take the failure screenshot: ${String(error)}`);
    else throw error;
  }
}

/** Keeps VS Code's own logs (extension host, output channels such as our language client's). */
function copyVsCodeLogs(userDataDir: string, artifacts: string): void {
  const logs = path.join(userDataDir, 'logs');
  if (fs.existsSync(logs)) fs.cpSync(logs, path.join(artifacts, 'vscode-logs'), { recursive: true });
}

/** Every file named `fileName` under `dir`, at any depth. */
function logFiles(dir: string, fileName: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return logFiles(full, fileName);
    return entry.name === fileName ? [full] : [];
  });
}

/** Runs every cleanup step even if one fails, newest first; returns the first error. */
async function runCleanup(steps: (() => Promise<void>)[]): Promise<unknown> {
  let first: unknown;
  for (const step of steps.reverse()) {
    try {
      await step();
    } catch (error) {
      first ??= error;
    }
  }
  return first;
}

/** A file-name-safe form of a test name: "Scenario 1: installs" → "scenario-1-installs". */
export function artifactName(testName: string): string {
  return testName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'test';
}
