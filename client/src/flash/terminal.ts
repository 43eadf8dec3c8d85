import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ScriptLaunch } from './dependencies';
import { parseStatusFile, terminalLaunch } from './script';

const STATUS_POLL_MS = 250;

/**
 * Runs the flash script as root in a terminal of its own: `sudo` (or `pkexec`) asks for the
 * password there, so the extension never sees it. The fixed wrapper (script.ts) writes the exit
 * code to a file in a private temporary folder and keeps the terminal open afterwards so NVIDIA's
 * output stays readable. Resolves the exit code as soon as it is written; undefined when the
 * terminal is closed first (which hangs up the script) or when `signal` stops it.
 */
export async function runInTerminal(launch: ScriptLaunch, signal: AbortSignal, log: vscode.LogOutputChannel): Promise<number | undefined> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jetson-nix-flash-'));
  const statusFile = path.join(dir, 'exit-status');
  const { shellPath, shellArgs } = terminalLaunch(launch.elevationPath, launch.script, statusFile);
  log.info(`Flash: running ${launch.elevationPath} ${launch.script} in the terminal "${launch.title}"`);
  const terminal = vscode.window.createTerminal({ name: launch.title, shellPath, shellArgs, iconPath: new vscode.ThemeIcon('zap'), isTransient: true });
  // Focused, so the user can type the password straight away.
  terminal.show(false);
  try {
    return await new Promise<number | undefined>((resolve) => {
      const subscriptions: vscode.Disposable[] = [];
      let done = false;
      const finish = (code: number | undefined) => {
        if (done) return;
        done = true;
        clearInterval(timer);
        subscriptions.forEach((s) => s.dispose());
        signal.removeEventListener('abort', stop);
        resolve(code);
      };
      const readStatus = async () => parseStatusFile(await fs.readFile(statusFile, 'utf8').catch(() => ''));
      const timer = setInterval(() => {
        void readStatus().then((code) => code !== undefined && finish(code));
      }, STATUS_POLL_MS);
      const stop = () => {
        log.info('Flash: stopping the flash script (closing its terminal)');
        terminal.dispose();
        finish(undefined);
      };
      subscriptions.push(
        vscode.window.onDidCloseTerminal((closed) => {
          if (closed !== terminal) return;
          // The script may have ended just before the terminal closed.
          void readStatus().then(finish);
        }),
      );
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
