import * as path from 'node:path';
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { createNixParser } from './parse/parser';
import { checkFiles, collectFacts, collectLiveSchemas, configReports, type Report, type SharedFacts } from './cli/check-files';
import { collectNixFiles } from './cli/files';
import { parseArgs, UsageError, USAGE, type Options } from './cli/args';
import { escapeControls, formatReports } from './cli/formats';
import { guardOutput, writeErr, writeOut } from './cli/output';
import { isExcluded, RepoConfigs, type RepoConfig } from './repo-config';
import { runDoctor } from './cli/doctor';

const VERSION = '0.1.0';

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

/** What a run checks: the files to report on, and the wider set whose declarations and imports count. */
interface Run {
  files: string[];
  factFiles: string[];
  jobs: number;
  bundledSchema: boolean;
  lints: boolean;
  configs: RepoConfigs;
}

/** Uses worker threads only when the work is worth their start-up (about 100 ms each). */
async function checkAll(run: Run): Promise<Report[]> {
  const { files, jobs } = run;
  const totalBytes = files.reduce((n, f) => n + sizeOf(f), 0);
  const threads = Math.min(jobs, files.length, totalBytes > 256 * 1024 ? jobs : 1);
  const parser = await createNixParser();
  const shared: SharedFacts = { ...collectFacts(parser, run.factFiles), lints: run.lints };
  if (!run.bundledSchema) shared.schemas = await collectLiveSchemas(parser, run.factFiles, (m) => writeErr(`jetson-nix: ${escapeControls(m)}`));
  if (threads <= 1) return checkFiles(parser, files, shared, run.configs);
  const [mine, ...theirs] = partition(files, threads);
  const others = theirs.map((group) => runWorker(group, shared));
  const local = checkFiles(parser, mine ?? [], shared, run.configs);
  return [local, ...(await Promise.all(others))].flat();
}

/** Explicit folders that hold no `.nix` file at all: a typo or a wrong checkout, not a green run. */
function emptyFolders(paths: string[], files: string[]): string[] {
  const resolved = files.map((f) => path.resolve(f));
  return paths.filter((p) => {
    if (!isDirectory(p)) return false;
    const dir = path.resolve(p);
    return !resolved.some((f) => f.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep));
  });
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function byPosition(a: Report, b: Report): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.range.start.line - b.range.start.line ||
    a.range.start.character - b.range.start.character ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function check(options: Options): Promise<number> {
  const { files, missing, unreadable } = collectNixFiles(options.paths);
  for (const m of missing) writeErr(`jetson-nix: ${escapeControls(m)}: no such file or directory`);
  const empty = emptyFolders(options.paths, files);
  for (const e of empty) writeErr(`jetson-nix: ${escapeControls(e)}: no .nix file in this folder`);
  const used = new Set<RepoConfig>();
  const configs = new RepoConfigs((config) => used.add(config));
  const checked = files.filter((f) => {
    const config = configs.forFile(f);
    return !config || !isExcluded(config, f);
  });
  const reports = [...configReports([...used]), ...(await checkAll({ files: checked, factFiles: files, jobs: options.jobs, bundledSchema: options.bundledSchema, lints: options.lints, configs }))].sort(byPosition);
  const written = await writeOut(formatReports(reports, options.format, VERSION));
  if (typeof written === 'object') {
    writeErr(`jetson-nix: cannot write the output: ${written.failed}`);
    return 2;
  }
  const errors = reports.filter((r) => r.severity === 'error').length;
  if (options.format === 'text' || options.format === 'github') {
    const excluded = files.length - checked.length;
    writeErr(`${plural(checked.length, 'file')} checked${excluded ? ` (${excluded} excluded by .jetson-nix.json)` : ''}, ${plural(errors, 'error')}, ${plural(reports.length - errors, 'other finding')}`);
  }
  // A path named on the command line that does not exist, cannot be read (it is also reported as
  // `unreadable-file`) or holds no .nix file is a usage error.
  if (missing.length > 0 || unreadable.length > 0 || empty.length > 0) return 2;
  return errors > 0 ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  guardOutput();
  if (argv[0] === 'doctor') return runDoctor(argv.slice(1), { out: async (text) => void (await writeOut(text)), err: writeErr, cwd: process.cwd() });
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const message = escapeControls(err.message);
    writeErr(`jetson-nix: ${message}${/[?.]$/.test(message) ? '' : '.'} Run 'jetson-nix --help' for usage.`);
    return 2;
  }
  if (options === 'help' || options === 'version') {
    const written = await writeOut(`${options === 'help' ? USAGE : VERSION}\n`);
    return typeof written === 'object' ? 2 : 0;
  }
  return check(options);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    writeErr(`jetson-nix: internal error, please report it: ${escapeControls(err instanceof Error ? err.message : String(err))}`);
    process.exitCode = 2;
  },
);
