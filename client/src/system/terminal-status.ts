import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

const POLL_MS = 250;

/** A status file in a private temporary folder (0700), where a terminal's wrapper writes its exit code. */
export async function privateStatusFile(prefix: string): Promise<{ file: string; done(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { file: path.join(dir, 'exit-status'), done: () => fs.rm(dir, { recursive: true, force: true }) };
}

/**
 * Runs a process in a terminal of its own (the user types a password there, if asked; the extension
 * never sees it) and resolves the exit code its wrapper writes to `statusFile`, or undefined when
 * the terminal is closed first or `signal` stops it (closing the terminal hangs the process up).
 */
export function runTerminalForStatus(launch: { name: string; shellPath: string; shellArgs: string[]; statusFile: string; icon?: string }, signal: AbortSignal): Promise<number | undefined> {
  const terminal = vscode.window.createTerminal({ name: launch.name, shellPath: launch.shellPath, shellArgs: launch.shellArgs, iconPath: new vscode.ThemeIcon(launch.icon ?? 'terminal'), isTransient: true });
  terminal.show(false);
  const readStatus = async () => {
    const text = (await fs.readFile(launch.statusFile, 'utf8').catch(() => '')).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  };
  return new Promise<number | undefined>((resolve) => {
    let done = false;
    const finish = (code: number | undefined) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      closed.dispose();
      signal.removeEventListener('abort', stop);
      resolve(code);
    };
    const timer = setInterval(() => void readStatus().then((code) => code !== undefined && finish(code)), POLL_MS);
    // It may have ended just before the terminal closed.
    const closed = vscode.window.onDidCloseTerminal((t) => t === terminal && void readStatus().then(finish));
    const stop = () => {
      terminal.dispose();
      finish(undefined);
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
}
