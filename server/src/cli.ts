import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { createNixParser } from './parse/parser';
import { checkFiles, collectFacts, collectLiveSchemas, type Report, type SharedFacts } from './cli/check-files';
import { collectNixFiles } from './cli/files';
import { LINT_CODES } from './analysis/lints';

const USAGE = `Usage: jetson-nix check [--format text|json] [--jobs N] [--bundled-schema] [--no-lints] <files or directories…>

Checks Nix files as the Jetson Nix editor extension does, without evaluating anything: syntax,
undefined variables, duplicate attributes, and jetpack-nixos options in NixOS modules; lints
(unused bindings, an unused \`with\`, deprecated syntax, …) as warnings and hints.

Options:
  --format text|json  text: file:line:col: severity code: message (default)
                      json: an array of {file, range, severity, code, message}, 0-based positions
  --jobs N            threads to use (default: one per CPU core)
  --bundled-schema    check options against the jetpack-nixos schema shipped with Jetson Nix, even
                      where a flake.lock pins a jetpack-nixos that is in the local Nix store
                      (by default that pinned revision is used; nothing is ever downloaded)
  --no-lints          report no lints: only what Nix or the module system would reject
  -h, --help          show this help
  --version           print the version

Exit status: 0 no errors, 1 errors found, 2 bad usage or unreadable paths.`;

const VERSION = '0.1.0';

interface Options {
  format: 'text' | 'json';
  jobs: number;
  bundledSchema: boolean;
  lints: boolean;
  paths: string[];
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options | 'help' | 'version' {
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') return 'help';
  if (command === '--version') return 'version';
  if (command !== 'check') throw new UsageError(command ? `unknown command '${command}'` : 'missing command');
  const options: Options = { format: 'text', jobs: os.availableParallelism(), bundledSchema: false, lints: true, paths: [] };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = (flag: string) => {
      const eq = arg.indexOf('=');
      if (eq >= 0) return arg.slice(eq + 1);
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (arg === '-h' || arg === '--help') return 'help';
    if (arg === '--format' || arg.startsWith('--format=')) {
      const f = value('--format');
      if (f !== 'text' && f !== 'json') throw new UsageError(`--format must be text or json, not '${f}'`);
      options.format = f;
    } else if (arg === '--jobs' || arg.startsWith('--jobs=')) {
      const n = Number(value('--jobs'));
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError('--jobs must be a whole number from 1 to 64');
      options.jobs = n;
    } else if (arg === '--bundled-schema') {
      options.bundledSchema = true;
    } else if (arg === '--no-lints') {
      options.lints = false;
    } else if (arg === '--') {
      options.paths.push(...rest.slice(i + 1));
      break;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option '${arg}'`);
    } else {
      options.paths.push(arg);
    }
  }
  if (options.paths.length === 0) throw new UsageError('no files or directories given (use . for the current folder)');
  return options;
}

/** Splits files into `n` groups of about equal total size. */
function partition(files: string[], n: number): string[][] {
  const groups = Array.from({ length: n }, () => ({ files: [] as string[], bytes: 0 }));
  const sized = files.map((f) => ({ f, bytes: sizeOf(f) })).sort((a, b) => b.bytes - a.bytes);
  for (const { f, bytes } of sized) {
    const target = groups.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    target.files.push(f);
    target.bytes += bytes;
  }
  return groups.map((g) => g.files).filter((g) => g.length > 0);
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function runWorker(files: string[], shared: SharedFacts): Promise<Report[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'check-worker.js'), { workerData: { files, shared } });
    worker.once('message', (m: Report[] | { error: string }) => {
      if (Array.isArray(m)) resolve(m);
      else reject(new Error(m.error));
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** Uses worker threads only when the work is worth their start-up (about 100 ms each). */
async function checkAll(files: string[], jobs: number, bundledSchema: boolean): Promise<Report[]> {
  const totalBytes = files.reduce((n, f) => n + sizeOf(f), 0);
  const threads = Math.min(jobs, files.length, totalBytes > 256 * 1024 ? jobs : 1);
  const parser = await createNixParser();
  const shared: SharedFacts = collectFacts(parser, files);
  if (!bundledSchema) shared.schemas = await collectLiveSchemas(parser, files, (m) => process.stderr.write(`jetson-nix: ${m}\n`));
  if (threads <= 1) return checkFiles(parser, files, shared);
  const [mine, ...theirs] = partition(files, threads);
  const others = theirs.map((group) => runWorker(group, shared));
  const local = checkFiles(parser, mine ?? [], shared);
  return [local, ...(await Promise.all(others))].flat();
}

function format(reports: Report[], how: 'text' | 'json'): string {
  if (how === 'json') return JSON.stringify(reports, null, 2) + '\n';
  return reports
    .map((r) => `${r.file}:${r.range.start.line + 1}:${r.range.start.character + 1}: ${r.severity} ${r.code}: ${r.message}\n`)
    .join('');
}

async function main(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`jetson-nix: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (options === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (options === 'version') {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  const { files, missing, unreadable } = collectNixFiles(options.paths);
  for (const m of missing) process.stderr.write(`jetson-nix: ${m}: no such file or directory\n`);
  const reports = (await checkAll(files, options.jobs, options.bundledSchema)).filter((r) => options.lints || !LINT_CODES.has(r.code)).sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character,
  );
  await write(format(reports, options.format));
  if (options.format === 'text') {
    const errors = reports.filter((r) => r.severity === 'error').length;
    process.stderr.write(`${files.length} file${files.length === 1 ? '' : 's'} checked, ${errors} error${errors === 1 ? '' : 's'}, ${reports.length - errors} other finding${reports.length - errors === 1 ? '' : 's'}\n`);
  }
  // A path named on the command line that does not exist or cannot be read is a usage error (2),
  // even though an unreadable one is also reported as `unreadable-file`.
  if (missing.length > 0 || unreadable.length > 0) return 2;
  return reports.some((r) => r.severity === 'error') ? 1 : 0;
}

/** Writes all output before the process exits, even into a pipe. */
function write(text: string): Promise<void> {
  return new Promise((resolve) => (text ? process.stdout.write(text, () => resolve()) : resolve()));
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`jetson-nix: internal error, please report it: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
