/**
 * `npm run field -- <folder>…`: Jetson Nix measured on code nobody here wrote. See `--help`
 * (test/field/args.ts) and the README's "Field check" section.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { collectNixFiles } from '../../server/src/cli/files';
import { findOnPath, offlineNixEnv } from '../support/nix';
import { parseFieldArgs, USAGE, UsageError, type FieldArgs } from './args';
import { cliFindings, compareFronts } from './cli-compare';
import { compareVerdicts, judgeFixes } from './judge';
import { lspPass, type FileAnalysis, type Tree } from './lsp-pass';
import { nixParseFiles, nixVersion } from './nix-parse';
import { displayPaths, passed, REPORT_FORMAT, reportFindings, summary, type FieldReport, type ReportFinding } from './report';
import { diffReports, readReport, sampleFindings, withSource } from './report-views';

const DIST = path.join(__dirname, '..', '..', 'dist', 'server');
/**
 * How long a server may take to say it has indexed its tree (10,000 files take seconds). Longer
 * means the server no longer says so: the run goes on and notes it, and the test on the real
 * server fails on the note.
 */
const INDEX_TIMEOUT_MS = 60_000;

/** Progress on stderr: one updating line on a terminal, a line every few seconds in a log. */
function progress(quiet: boolean): (label: string, done: number, total: number) => void {
  let last = 0;
  return (label, done, total) => {
    if (quiet) return;
    const now = Date.now();
    if (done < total && now - last < (process.stderr.isTTY ? 200 : 5000)) return;
    last = now;
    const line = `${label}: ${done}/${total}`;
    process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${line}${done === total ? '\n' : ''}` : `${line}\n`);
  };
}

/** The command that starts the server on stdio. */
function serverCommand(server: string | undefined): string[] {
  const file = path.resolve(server ?? path.join(DIST, 'server.js'));
  if (!fs.existsSync(file)) throw new UsageError(`${file} does not exist${server ? '' : ': run npm run build first'}`);
  // The server runs in the tree's folder, where `--import tsx` would not resolve: name it by path.
  return file.endsWith('.ts') ? [process.execPath, '--import', pathToFileURL(require.resolve('tsx')).href, file, '--stdio'] : [process.execPath, file, '--stdio'];
}

/** Names the trees by their folder's name, made unique. */
function trees(folders: string[]): Tree[] {
  const used = new Set<string>();
  return folders.map((f) => {
    const root = path.resolve(f);
    if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${f} is not a folder`);
    let name = path.basename(root) || 'root';
    for (let n = 2; used.has(name); n++) name = `${path.basename(root)}~${n}`;
    used.add(name);
    return { name, root };
  });
}

/** What the passes of one run share. */
interface Run {
  args: FieldArgs;
  nix: string;
  env: NodeJS.ProcessEnv;
  command: string[];
  show: ReturnType<typeof progress>;
  trees: Tree[];
  display: (file: string) => string;
  report: FieldReport;
}

/** Every file of every tree through the language server. */
async function serverPass(run: Run): Promise<FileAnalysis[]> {
  const results: FileAnalysis[] = [];
  for (const tree of run.trees) {
    const t0 = Date.now();
    const files = collectNixFiles([tree.root]).files;
    const label = `${tree.name}: language server`;
    const pass = await lspPass(tree, files, { command: run.command, env: run.env, jobs: run.args.jobs, timeoutMs: run.args.timeoutMs, indexTimeoutMs: INDEX_TIMEOUT_MS, progress: (n) => run.show(label, n, files.length) });
    results.push(...pass.results);
    run.report.notes.push(...pass.notes);
    run.report.trees.push({ ...tree, files: files.length, elapsedMs: Date.now() - t0 });
  }
  return results;
}

/** Nix's verdict on every file, then on every fixed copy. */
async function nixPass(run: Run, results: FileAnalysis[], live: Set<string>): Promise<void> {
  const { report, display, args } = run;
  const withFixes = new Set(results.filter((r) => r.fixes.length > 0).map((r) => r.file));
  const files = results.map((r) => r.file);
  const options = { nixInstantiate: run.nix, env: run.env, jobs: args.jobs };
  const parsed = await nixParseFiles(files, { ...options, keepOutput: (f) => withFixes.has(f), progress: (n) => run.show('nix-instantiate --parse', n, files.length) });
  const verdicts = compareVerdicts(results, parsed);
  report.verdicts = { compared: verdicts.compared, notAnalysed: verdicts.notAnalysed.map(display), disagreements: verdicts.disagreements.map((d) => ({ ...d, file: display(d.file) })) };
  if (!args.quiet) process.stderr.write(`judging ${results.reduce((n, r) => n + r.fixes.length, 0)} quick fixes with Nix\n`);
  report.fixes = (await judgeFixes(results, parsed, options, live)).map((f) => ({ ...f, file: display(f.file) }));
}

async function run(args: FieldArgs, live: Set<string>): Promise<FieldReport> {
  const started = Date.now();
  const nix = findOnPath('nix-instantiate');
  if (!nix) throw new UsageError('nix-instantiate is not on PATH: the field check needs Nix as its oracle');
  const command = serverCommand(args.server);
  const all = trees(args.folders);
  const report: FieldReport = {
    format: REPORT_FORMAT, startedAt: new Date(started).toISOString(), elapsedMs: 0, server: command.slice(1).join(' '), nix: await nixVersion(nix),
    trees: [], findings: [], verdicts: { compared: 0, notAnalysed: [], disagreements: [] }, fixes: [], problems: [], notes: [],
  };
  const env = offlineNixEnv();
  const ctx: Run = { args, nix, env, command, show: progress(args.quiet), trees: all, display: displayPaths(all), report };
  try {
    const results = await serverPass(ctx);
    await nixPass(ctx, results, live);
    report.findings = reportFindings(results, ctx.display);
    report.problems = results.filter((r) => r.problem).map((r) => ({ file: ctx.display(r.file), message: r.problem! }));
    if (args.cli && !args.server) report.cli = await compareWithCli(all, report.findings, env, args, ctx.display);
  } finally {
    fs.rmSync(path.dirname(env.XDG_CACHE_HOME!), { recursive: true, force: true });
  }
  report.elapsedMs = Date.now() - started;
  return report;
}

async function compareWithCli(all: Tree[], editor: ReportFinding[], env: NodeJS.ProcessEnv, args: FieldArgs, display: (f: string) => string): Promise<FieldReport['cli']> {
  const cli: ReportFinding[] = [];
  for (const tree of all) {
    if (!args.quiet) process.stderr.write(`${tree.name}: jetson-nix check\n`);
    cli.push(...(await cliFindings(path.join(DIST, 'cli.js'), tree.root, env, args.jobs, display)));
  }
  return compareFronts(editor, cli);
}

async function main(argv: string[]): Promise<number> {
  const args = parseFieldArgs(argv);
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Fixed copies are removed when the run ends, and also when it is interrupted.
  const live = new Set<string>();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const copy of live) fs.rmSync(copy, { force: true });
      process.exit(130);
    });
  }
  const report = args.from ? readReport(args.from) : await run(args, live);
  const out: string[] = [...summary(report)];
  if (args.baseline) out.push('', ...diffReports(readReport(args.baseline), report));
  for (const code of args.show) out.push('', `All ${code} findings:`, ...withSource(report, report.findings.filter((f) => f.code === code)));
  if (args.sample) out.push('', `A sample of warnings, hints and notes (seed ${args.seed}):`, ...withSource(report, sampleFindings(report, args.sample, args.seed)));
  process.stdout.write(`${out.join('\n')}\n`);
  if (args.out) {
    fs.writeFileSync(args.out, `${JSON.stringify(report, null, 1)}\n`);
    if (!args.quiet) process.stderr.write(`report written to ${args.out}\n`);
  }
  return passed(report) ? 0 : 1;
}

// Should the run ever stop short without settling (nothing left to wait on), it must not pass.
process.exitCode = 2;
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`field: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`field: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
