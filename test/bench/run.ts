/** Running and timing child processes, and the statistics the benchmark reports. */
import { findOnPath } from '../support/nix';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readStatusKb } from './lsp-client';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From just before spawning to the process's exit with its output closed. */
  wallMs: number;
  stdoutBytes: number;
  stdoutLines: number;
  /** The last 8 KB of stderr. */
  stderr: string;
  /** Peak resident set size in KiB, when asked for. */
  peakRssKb?: number;
  /** User + system CPU time in ms (with GNU time only). */
  cpuMs?: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Measure the peak RSS: with `/usr/bin/time -f %M` if there is one, else by polling VmHWM. */
  peakRss?: { timeBin: string | undefined; scratchDir: string };
  /** Discard stdout (`/dev/null`) instead of reading and counting it. */
  ignoreStdout?: boolean;
}

let rssFiles = 0;

export { findOnPath };

/** `/usr/bin/time` (GNU time, for `-f %M`), if installed; the caller checks that it works. */
export function gnuTime(): string | undefined {
  return fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
}

export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  let file = command;
  let argv = args;
  let rssFile: string | undefined;
  if (options.peakRss?.timeBin) {
    rssFile = path.join(options.peakRss.scratchDir, `rss-${++rssFiles}.txt`);
    file = options.peakRss.timeBin;
    argv = ['-f', '%M %U %S', '-o', rssFile, command, ...args];
  }
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { env: options.env ?? process.env, stdio: ['ignore', options.ignoreStdout ? 'ignore' : 'pipe', 'pipe'] });
    let stdoutBytes = 0;
    let stdoutLines = 0;
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) stdoutLines++;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-8192);
    });
    // Without GNU time, poll the peak RSS (VmHWM) while the process lives.
    let polledKb: number | undefined;
    const poll =
      options.peakRss && !options.peakRss.timeBin && child.pid !== undefined
        ? setInterval(() => {
            const kb = readStatusKb(child.pid!, 'VmHWM');
            if (kb !== undefined) polledKb = Math.max(polledKb ?? 0, kb);
          }, 10)
        : undefined;
    child.once('error', (err) => {
      if (poll) clearInterval(poll);
      reject(err);
    });
    child.once('close', (code, signal) => {
      const wallMs = performance.now() - started;
      if (poll) clearInterval(poll);
      let peakRssKb = polledKb;
      let cpuMs: number | undefined;
      if (rssFile) {
        // GNU time writes "<maxrss KiB> <user s> <system s>" as its last line.
        const lines = fs.existsSync(rssFile) ? fs.readFileSync(rssFile, 'utf8').trim().split('\n') : [];
        const [kb, user, sys] = (lines[lines.length - 1] ?? '').split(' ').map(Number);
        peakRssKb = kb !== undefined && Number.isFinite(kb) && kb > 0 ? kb : undefined;
        cpuMs = user !== undefined && sys !== undefined && Number.isFinite(user + sys) ? (user + sys) * 1000 : undefined;
        fs.rmSync(rssFile, { force: true });
      }
      resolve({
        code,
        signal,
        wallMs,
        stdoutBytes,
        stdoutLines,
        stderr,
        ...(peakRssKb !== undefined ? { peakRssKb } : {}),
        ...(cpuMs !== undefined ? { cpuMs } : {}),
      });
    });
  });
}

/** Maps `items` through `fn` with at most `limit` calls in flight, in order of the items. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
