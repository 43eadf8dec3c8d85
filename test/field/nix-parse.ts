import { execFile } from 'node:child_process';
import { mapLimit } from '../support/nix';

/**
 * `nix-instantiate --parse` over many files, many per process. Given several files, Nix parses
 * and prints them in order, one line each, and stops at the first it rejects (its error names
 * the file). So a batch that fails tells us: the files before it parse, that one does not, and
 * the rest are run again. Starting one Nix process per file would cost more than the checks.
 */

export interface NixParse {
  ok: boolean;
  /** Nix's parse output when it accepts the file and the output was asked for; its first error line otherwise. */
  output: string;
}

export interface ParseOptions {
  nixInstantiate: string;
  env: NodeJS.ProcessEnv;
  /** Processes at once. */
  jobs: number;
  /** Files per process. */
  batchSize?: number;
  /** Whether to keep the parse output of a file (kept only where a fix is judged: it can be large). */
  keepOutput?: (file: string) => boolean;
  /** Called with the number of files judged so far. */
  progress?: (done: number) => void;
}

interface Run {
  failed: boolean;
  stdout: string;
  stderr: string;
}

function run(nixInstantiate: string, files: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(nixInstantiate, ['--parse', ...files], { env, maxBuffer: 1024 * 1024 * 1024, timeout: 10 * 60_000 }, (err, stdout, stderr) => {
      resolve({ failed: !!err, stdout, stderr });
    });
  });
}

/** The first line of Nix's complaint. */
export function errorLine(stderr: string): string {
  const lines = stderr.split('\n');
  return (lines.find((l) => l.startsWith('error:')) ?? lines.find((l) => l.trim() !== '') ?? 'rejected without a message').trim();
}

function outputLines(stdout: string): string[] {
  const lines = stdout.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Parses the files one process each: the fallback when a batch's output cannot be attributed. */
async function parseSingly(files: string[], options: ParseOptions, into: Map<string, NixParse>): Promise<void> {
  for (const file of files) {
    const r = await run(options.nixInstantiate, [file], options.env);
    into.set(file, r.failed ? { ok: false, output: errorLine(r.stderr) } : { ok: true, output: options.keepOutput?.(file) ? r.stdout.replace(/\n$/, '') : '' });
  }
}

async function parseBatch(files: string[], options: ParseOptions, into: Map<string, NixParse>): Promise<void> {
  let rest = files;
  while (rest.length > 0) {
    const r = await run(options.nixInstantiate, rest, options.env);
    const lines = outputLines(r.stdout);
    const accepted = r.failed ? lines.length : rest.length;
    // One line per accepted file, and a failure that names the next file: anything else (an
    // output over several lines, an error about something else) is not ours to guess at.
    if (lines.length !== accepted || (r.failed && (accepted >= rest.length || !r.stderr.includes(rest[accepted]!)))) {
      await parseSingly(rest, options, into);
      return;
    }
    for (let i = 0; i < accepted; i++) into.set(rest[i]!, { ok: true, output: options.keepOutput?.(rest[i]!) ? lines[i]! : '' });
    if (!r.failed) return;
    into.set(rest[accepted]!, { ok: false, output: errorLine(r.stderr) });
    rest = rest.slice(accepted + 1);
  }
}

/** Nix's verdict on every file, by path. */
export async function nixParseFiles(files: string[], options: ParseOptions): Promise<Map<string, NixParse>> {
  const size = options.batchSize ?? 100;
  const batches: string[][] = [];
  for (let i = 0; i < files.length; i += size) batches.push(files.slice(i, i + size));
  const into = new Map<string, NixParse>();
  await mapLimit(batches, options.jobs, async (batch) => {
    await parseBatch(batch, options, into);
    options.progress?.(into.size);
  });
  return into;
}

/** `nix-instantiate --version`, for the report. */
export function nixVersion(nixInstantiate: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(nixInstantiate, ['--version'], (err, stdout) => resolve(err ? 'unknown' : stdout.trim()));
  });
}
