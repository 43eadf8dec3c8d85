/**
 * How the doctor runs programs: one injected function taking an argument array, never a shell
 * string. The extension passes its execa wrapper (client/src/nix/exec.ts, with cancellation); the
 * CLI passes `nodeRunner`, plain Node, below. A non-zero exit is a result; a missing program too.
 */
import { spawn } from 'node:child_process';

export interface RunOutcome {
  /** Undefined when it was killed or never started. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** Killed after `timeoutMs`. */
  timedOut: boolean;
  /** The program does not exist or cannot be executed. */
  missing: boolean;
}

export interface RunRequest {
  /** Killed (with everything it started) after this long. */
  timeoutMs: number;
  /** Extra environment on top of the process's own. */
  env?: Record<string, string | undefined>;
}

export type Runner = (file: string, args: readonly string[], request: RunRequest) => Promise<RunOutcome>;

const MAX_OUTPUT = 16 * 1024 * 1024;

/** Runs a program with Node's child_process: its own process group, killed whole on timeout; stdin closed. */
export const nodeRunner: Runner = (file, args, request) =>
  new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(file, [...args], {
      env: { ...process.env, ...request.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    const finish = (outcome: RunOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill(child.pid);
    }, request.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk.toString('utf8');
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      const missing = err.code === 'ENOENT' || err.code === 'EACCES';
      finish({ exitCode: undefined, stdout, stderr: stderr || err.message, timedOut, missing });
    });
    child.on('close', (code) => finish({ exitCode: code ?? undefined, stdout, stderr, timedOut, missing: false }));
  });

function kill(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
