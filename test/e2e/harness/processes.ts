/**
 * Process helpers on Linux's /proc, so the tests need no `ps` and can find the processes
 * code-server starts: its extension host and the language server our extension spawns.
 */
import * as fs from 'node:fs';

/** One running process. */
export interface ProcessInfo {
  pid: number;
  /** Parent process id. */
  ppid: number;
  /** Process group id. */
  pgid: number;
  /** Command line, arguments joined with spaces. */
  cmdline: string;
}

/** Every process we can read, at this moment. Processes that exit while we read are skipped. */
export function listProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProcess(Number(entry));
    if (info) out.push(info);
  }
  return out;
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (2nd field) is in parentheses and may contain spaces: split after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    if (fields[0] === 'Z') return undefined; // a zombie is already dead
    return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), cmdline };
  } catch {
    return undefined;
  }
}

/** The process `root` and all its descendants, found through parent links. */
export function processTree(root: number, all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const byParent = new Map<number, ProcessInfo[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const out: ProcessInfo[] = [];
  const stack = all.filter((p) => p.pid === root);
  while (stack.length > 0) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(byParent.get(p.pid) ?? []));
  }
  return out;
}

/** Whether a process with this id still runs (and is not a zombie). */
export function isAlive(pid: number): boolean {
  return readProcess(pid) !== undefined;
}

/** The working directory of a process, or undefined when it has exited. */
export function workingDirectory(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** Sends a signal, ignoring "no such process" (it may have exited in between). */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
