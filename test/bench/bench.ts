/**
 * Performance benchmark of the built CLI and language server, each figure next to a reference
 * measured in the same run:
 *
 *   1. CLI throughput on a generated corpus (≥ 5,000 files, ≥ 10 MB) and on an optional directory,
 *      against `nix-instantiate --parse` run once per file and batched;
 *   2. edit latency of incremental `didChange` on a ~3,000-line module, against full-text changes;
 *   3. time from spawning the server to the first diagnostics, against `node -e 0`;
 *   4. peak memory of the server and of the CLI;
 *   5. what option validation adds to the diagnostics of a ~300-line configuration, against the
 *      rest of the analysis.
 *
 * Usage (build first; `npm run bench` does both):
 *   node esbuild.mjs --production && node --import tsx test/bench/bench.ts [dir] [--runs N] [--keep]
 *
 *   dir       also measure throughput on the .nix files under this directory
 *   --runs N  timed runs of the CLI and of batched nix (median reported; default 3)
 *   --keep    keep the generated corpus (its path is printed) instead of deleting it
 *
 * Progress goes to stderr, the table and notes to stdout.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Parser } from 'web-tree-sitter';
import { createNixParser } from '../../server/src/parse/parser';
import { generateCorpus, generateModule, listNixFiles, loadSources, type SourceFile } from './corpus-gen';
import { applyEdit, planEdits, positionOf } from './edit-plan';
import { LspClient, type PublishDiagnosticsParams } from './lsp-client';
import { chunks, findOnPath, gnuTime, mapLimit, median, percentile, run, type RunResult } from './run';
import { measureValidation, summarize as summarizeValidation } from './validation';
import { requestLatencyRows, type Row } from './requests';

const ROOT = path.resolve(__dirname, '..', '..');
const BUILD = path.join(ROOT, 'dist', 'server');
/**
 * The bundles measured: copies of dist/server taken at the start, so that a rebuild of dist/ while
 * the benchmark runs (another terminal, a test run) cannot mix two builds in one table.
 */
const bundles = { server: path.join(BUILD, 'server.js'), cli: path.join(BUILD, 'cli.js') };
const CORPUS = path.join(ROOT, 'test', 'fixtures', 'corpus');

const GENERATED_FILES = 5000;
const MIN_GENERATED_BYTES = 10 * 1000 * 1000;
const SEED = 20240611;
const BATCH_SIZE = 250;
const EDITS = 200;
/** Full-text changes for the reference: fewer than EDITS, since each one costs a full analysis. */
const FULL_EDITS = 100;
/**
 * The server analyses the first change after a pause (≥ 50 ms since its last analysis started) at
 * once and throttles bursts. Waiting this long after each answer keeps every edit "after a pause",
 * so the figures measure analysis, not the throttle. This is the only fixed sleep in the benchmark.
 */
const PAUSE_BETWEEN_EDITS_MS = 60;
const STARTS = 5;
const NIX_ENV: NodeJS.ProcessEnv = { ...process.env, NIX_CONFIG: 'experimental-features = nix-command flakes\nsubstituters =' };

// ---------------------------------------------------------------------------------------------
// Command line, scratch space, clean-up

interface Args {
  dir: string | undefined;
  runs: number;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { dir: undefined, runs: 3, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') {
      args.runs = Number(argv[++i]);
      if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error('--runs needs a whole number ≥ 1');
    } else if (a === '--keep') {
      args.keep = true;
    } else if (a.startsWith('-')) {
      throw new Error(`unknown option ${a}`);
    } else if (args.dir === undefined) {
      args.dir = path.resolve(a);
      if (!fs.statSync(args.dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${a} is not a directory`);
    } else {
      throw new Error('at most one directory');
    }
  }
  return args;
}

const liveClients = new Set<LspClient>();
let scratch: string | undefined;
let keepScratch = false;

function cleanUp(): void {
  for (const c of liveClients) c.kill();
  liveClients.clear();
  if (scratch && !keepScratch) fs.rmSync(scratch, { recursive: true, force: true });
}

function startServer(): LspClient {
  const c = new LspClient(process.execPath, [bundles.server, '--stdio']);
  liveClients.add(c);
  c.process.once('exit', () => liveClients.delete(c));
  return c;
}

function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}

const t0 = performance.now();

// ---------------------------------------------------------------------------------------------
// 1. Throughput

interface NixPerFile {
  wallMs: number;
  rejected: { file: string; error: string }[];
}

interface NixBatched {
  runsMs: number[];
  /** CPU time (user + system) of all chunk processes, per run, when GNU time is there. */
  cpuMs: (number | undefined)[];
  files: number;
  bytes: number;
  chunks: number;
  /** Chunks whose process printed fewer lines than files or exited non-zero. */
  incomplete: number;
  peakRssKb: number | undefined;
}

interface CliRuns {
  runsMs: number[];
  cpuMs: (number | undefined)[];
  checked: number;
  errors: number;
  otherFindings: number;
  peakRssKb: number | undefined;
}

interface Throughput {
  label: string;
  files: number;
  bytes: number;
  cli: CliRuns;
  perFile: NixPerFile | undefined;
  batched: NixBatched | undefined;
}

interface Tools {
  nix: string | undefined;
  timeBin: string | undefined;
  jobs: number;
  runs: number;
  scratch: string;
}

async function nixPerFile(tools: Tools, files: string[]): Promise<NixPerFile> {
  const started = performance.now();
  const results = await mapLimit(files, tools.jobs, async (file, i) => {
    if (i > 0 && i % 1000 === 0) progress(`  … ${i} files`);
    return run(tools.nix!, ['--parse', file], { env: NIX_ENV, ignoreStdout: true });
  });
  const wallMs = performance.now() - started;
  const rejected = results.flatMap((r, i) =>
    r.code === 0 ? [] : [{ file: files[i]!, error: r.stderr.split('\n').find((l) => l.startsWith('error:')) ?? r.stderr.trim().split('\n')[0] ?? '' }],
  );
  return { wallMs, rejected };
}

async function nixBatchedOnce(
  tools: Tools,
  files: string[],
): Promise<{ wallMs: number; cpuMs: number | undefined; incomplete: number; peakRssKb: number | undefined }> {
  const parts = chunks(files, BATCH_SIZE);
  const started = performance.now();
  const results = await mapLimit(parts, tools.jobs, (part) =>
    run(tools.nix!, ['--parse', ...part], { env: NIX_ENV, peakRss: { timeBin: tools.timeBin, scratchDir: tools.scratch } }),
  );
  const wallMs = performance.now() - started;
  // `--parse` prints each file's expression on one line, so a complete chunk prints one line per file.
  const incomplete = results.filter((r, i) => r.code !== 0 || r.stdoutLines !== parts[i]!.length).length;
  const rss = results.map((r) => r.peakRssKb).filter((k): k is number => k !== undefined);
  const cpu = results.every((r) => r.cpuMs !== undefined) ? results.reduce((n, r) => n + r.cpuMs!, 0) : undefined;
  return { wallMs, cpuMs: cpu, incomplete, peakRssKb: rss.length > 0 ? Math.max(...rss) : undefined };
}

async function cliOnce(tools: Tools, target: string): Promise<RunResult> {
  return run(process.execPath, [bundles.cli, 'check', '--format', 'text', '--jobs', String(tools.jobs), target], {
    peakRss: { timeBin: tools.timeBin, scratchDir: tools.scratch },
  });
}

function cliSummary(r: RunResult): { checked: number; errors: number; other: number } {
  const m = /(\d+) files? checked, (\d+) errors?, (\d+) other findings?/.exec(r.stderr);
  if (!m || r.signal !== null || r.code === null || r.code > 1) throw new Error(`the CLI failed (exit ${r.code ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return { checked: Number(m[1]), errors: Number(m[2]), other: Number(m[3]) };
}

async function throughput(tools: Tools, label: string, target: string, files: string[]): Promise<Throughput> {
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  let perFile: NixPerFile | undefined;
  if (tools.nix) {
    progress(`${label}: nix-instantiate --parse, one process per file, ${tools.jobs} at a time (${files.length} files)…`);
    perFile = await nixPerFile(tools, files);
  }
  // Batched nix stops at the first file it rejects, so it gets only the files it accepts.
  const rejected = new Set(perFile?.rejected.map((r) => r.file) ?? []);
  const accepted = files.filter((f) => !rejected.has(f));
  const cliRuns: RunResult[] = [];
  const batchedRuns: Awaited<ReturnType<typeof nixBatchedOnce>>[] = [];
  for (let i = 0; i < tools.runs; i++) {
    progress(`${label}: CLI run ${i + 1}/${tools.runs}…`);
    cliRuns.push(await cliOnce(tools, target));
    if (tools.nix && accepted.length > 0) {
      progress(`${label}: batched nix-instantiate run ${i + 1}/${tools.runs}…`);
      batchedRuns.push(await nixBatchedOnce(tools, accepted));
    }
  }
  const summary = cliSummary(cliRuns[0]!);
  const rss = cliRuns.map((r) => r.peakRssKb).filter((k): k is number => k !== undefined);
  const batchRss = batchedRuns.map((r) => r.peakRssKb).filter((k): k is number => k !== undefined);
  return {
    label,
    files: files.length,
    bytes,
    cli: {
      runsMs: cliRuns.map((r) => r.wallMs),
      cpuMs: cliRuns.map((r) => r.cpuMs),
      checked: summary.checked,
      errors: summary.errors,
      otherFindings: summary.other,
      peakRssKb: rss.length > 0 ? Math.max(...rss) : undefined,
    },
    perFile,
    batched:
      batchedRuns.length > 0
        ? {
            runsMs: batchedRuns.map((r) => r.wallMs),
            cpuMs: batchedRuns.map((r) => r.cpuMs),
            files: accepted.length,
            bytes: accepted.reduce((n, f) => n + fs.statSync(f).size, 0),
            chunks: Math.ceil(accepted.length / BATCH_SIZE),
            incomplete: Math.max(...batchedRuns.map((r) => r.incomplete)),
            peakRssKb: batchRss.length > 0 ? Math.max(...batchRss) : undefined,
          }
        : undefined,
  };
}

/** What `nix-instantiate --parse a b c` does with several files, one of them broken. */
async function probeBatchedNix(tools: Tools): Promise<string> {
  if (!tools.nix) return 'nix-instantiate not found';
  const dir = path.join(tools.scratch, 'probe');
  fs.mkdirSync(dir);
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  const a = write('a.nix', '{ a = 1; }\n');
  const bad = write('bad.nix', '{ b = ; }\n');
  const c = write('c.nix', '[ 1 2 ]\n');
  const good = await run(tools.nix, ['--parse', a, c], { env: NIX_ENV });
  const mixed = await run(tools.nix, ['--parse', a, bad, c], { env: NIX_ENV });
  const all = good.code === 0 && good.stdoutLines === 2 ? 'parses and prints every file given (one line each)' : `printed ${good.stdoutLines} lines for 2 valid files (exit ${good.code})`;
  const stops =
    mixed.code !== 0 && mixed.stdoutLines < 3
      ? `stops at the first file with an error (exit ${mixed.code}; ${mixed.stdoutLines} of 3 printed, the files after it are not parsed)`
      : `went on after an error (exit ${mixed.code}, ${mixed.stdoutLines} of 3 printed)`;
  return `\`nix-instantiate --parse f1 … fN\` ${all}, but ${stops}.`;
}

// ---------------------------------------------------------------------------------------------
// 2. Edit latency

interface EditRun {
  latencies: number[];
  openMs: number;
  /** Diagnostics published on open (the baseline the edits start from). */
  baseline: number;
  /** By edit kind: how many edits were answered with a different number of diagnostics than the baseline. */
  changed: Map<string, { edits: number; changed: number }>;
  peakRssKb: number | undefined;
}

async function editLatency(parser: Parser, text: string, mode: 'incremental' | 'full', count: number): Promise<EditRun> {
  const uri = 'file:///bench/hosts/rover-07/configuration.nix';
  const edits = planEdits(parser, text, EDITS, SEED).slice(0, count);
  const client = startServer();
  try {
    await client.initialize();
    const opened = client.waitForDiagnostics(uri, 1);
    const openSent = client.open(uri, text);
    const openAnswer = await opened;
    const openMs = openAnswer.at - openSent;
    const baseline = (openAnswer.message.params as PublishDiagnosticsParams).diagnostics.length;
    const latencies: number[] = [];
    const changed = new Map<string, { edits: number; changed: number }>();
    let current = text;
    for (let i = 0; i < edits.length; i++) {
      const edit = edits[i]!;
      const version = i + 2;
      const range = { start: positionOf(current, edit.start), end: positionOf(current, edit.end) };
      current = applyEdit(current, edit);
      const contentChanges = mode === 'incremental' ? [{ range, text: edit.text }] : [{ text: current }];
      await sleep(PAUSE_BETWEEN_EDITS_MS); // deliberate: see PAUSE_BETWEEN_EDITS_MS
      const answer = client.waitForDiagnostics(uri, version);
      const sent = client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
      const got = await answer;
      latencies.push(got.at - sent);
      const stats = changed.get(edit.kind) ?? { edits: 0, changed: 0 };
      stats.edits++;
      if ((got.message.params as PublishDiagnosticsParams).diagnostics.length !== baseline) stats.changed++;
      changed.set(edit.kind, stats);
    }
    const peakRssKb = client.statusKb('VmHWM');
    await client.shutdown();
    return { latencies, openMs, baseline, changed, peakRssKb };
  } finally {
    client.kill();
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Time to first diagnostics

interface StartRun {
  firstDiagnosticsMs: number;
  initializeMs: number;
}

async function timeToFirstDiagnostics(text: string): Promise<StartRun> {
  const uri = 'file:///bench/modules/robot.nix';
  const client = startServer();
  try {
    const init = await client.initialize();
    const first = client.waitForDiagnostics(uri, 1);
    client.open(uri, text);
    const got = await first;
    await client.shutdown();
    return { firstDiagnosticsMs: got.at - client.spawnedAt, initializeMs: init.at - client.spawnedAt };
  } finally {
    client.kill();
  }
}

// ---------------------------------------------------------------------------------------------
// Output

function ms(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (v >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 100) return `${v.toFixed(0)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(2)} ms`;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function mib(kb: number | undefined): string {
  return kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MiB`;
}

function rate(files: number, bytes: number, wallMs: number): string {
  return `${(files / (wallMs / 1000)).toFixed(0)} files/s, ${(bytes / 1e6 / (wallMs / 1000)).toFixed(2)} MB/s`;
}

function ratio(ours: number, ref: number): string {
  return Number.isFinite(ours) && Number.isFinite(ref) && ref > 0 ? (ours / ref).toFixed(2) : 'n/a';
}

function table(rows: Row[]): string {
  const head: Row = { id: '#', figure: 'Figure', ours: 'Ours', reference: 'Reference (same run)', ratio: 'Ours/ref', target: 'Target', met: 'Met' };
  const cols: (keyof Row)[] = ['id', 'figure', 'ours', 'reference', 'ratio', 'target', 'met'];
  const all = [head, ...rows];
  // Cells may hold several lines (split on \n); each column is as wide as its widest line.
  const width = (c: keyof Row) => Math.max(...all.flatMap((r) => r[c].split('\n').map((l) => l.length)));
  const widths = cols.map(width);
  const render = (r: Row) => {
    const cells = cols.map((c) => r[c].split('\n'));
    const height = Math.max(...cells.map((c) => c.length));
    return Array.from({ length: height }, (_, k) => '| ' + cells.map((c, i) => (c[k] ?? '').padEnd(widths[i]!)).join(' | ') + ' |').join('\n');
  };
  const rule = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|';
  return [render(head), rule, ...rows.flatMap((r) => [render(r), rule.replace(/-/g, '·')])].slice(0, -1).join('\n');
}

/** Rows for one throughput measurement; `ids` name the per-file and batched rows (e.g. 1a, 1b). */
function throughputRows(t: Throughput, ids: [string, string]): Row[] {
  const cliMs = median(t.cli.runsMs);
  const what = `CLI throughput: ${t.label}\n${t.files.toLocaleString('en')} files, ${mb(t.bytes)}`;
  const ours = `${ms(cliMs)} wall, incl. start\n(median of ${t.cli.runsMs.length})\n${rate(t.files, t.bytes, cliMs)}`;
  const rows: Row[] = [];
  if (t.perFile) {
    rows.push({
      id: ids[0],
      figure: what,
      ours,
      reference: `nix-instantiate --parse, 1 process/file,\n2 at a time: ${ms(t.perFile.wallMs)} (1 run)\n${rate(t.files, t.bytes, t.perFile.wallMs)}`,
      ratio: ratio(cliMs, t.perFile.wallMs),
      target: 'ratio ≤ 1.0',
      met: cliMs <= t.perFile.wallMs ? 'yes' : 'NO',
    });
  }
  if (t.batched) {
    const b = median(t.batched.runsMs);
    const subset = t.batched.files === t.files ? '' : ` (${t.batched.files} files nix accepts)`;
    rows.push({
      id: ids[1],
      figure: t.perFile ? '  same files, same CLI runs' : what,
      ours: t.perFile ? '(same runs)' : ours,
      reference: `nix-instantiate --parse, batched\n${BATCH_SIZE} files/process, 2 at a time${subset}:\n${ms(b)} (median of ${t.batched.runsMs.length})\n${rate(t.batched.files, t.batched.bytes, b)}`,
      ratio: ratio(cliMs, b),
      target: 'ratio ≤ 1.0',
      met: cliMs <= b ? 'yes' : 'NO',
    });
  }
  if (rows.length === 0) rows.push({ id: ids[0], figure: what, ours, reference: 'nix-instantiate not found', ratio: 'n/a', target: 'ratio ≤ 1.0', met: '—' });
  return rows;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  for (const f of [bundles.server, bundles.cli]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(ROOT, f)} is missing: run \`node esbuild.mjs --production\` first`);
  }
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-bench-'));
  keepScratch = args.keep;
  const build = snapshotBuild(path.join(scratch, 'build'));
  const jobs = os.availableParallelism();
  const tools: Tools = { nix: findOnPath('nix-instantiate'), timeBin: undefined, jobs, runs: args.runs, scratch };
  const time = gnuTime();
  if (time && (await run(time, ['-f', '%M %U %S', '-o', path.join(scratch, 'probe-time.txt'), process.execPath, '-e', '0'])).code === 0) tools.timeBin = time;
  const nixVersion = tools.nix ? execFileSync(tools.nix, ['--version'], { env: NIX_ENV, encoding: 'utf8' }).trim() : 'nix not installed';
  const loadBefore = os.loadavg();

  // Inputs
  progress('generating the corpus…');
  const parser = await createNixParser();
  const sources: SourceFile[] = loadSources(parser, CORPUS);
  const genStarted = performance.now();
  const corpusDir = path.join(scratch, 'corpus');
  const generated = generateCorpus(sources, corpusDir, GENERATED_FILES, SEED);
  const genMs = performance.now() - genStarted;
  if (generated.files.length < 5000 || generated.bytes < MIN_GENERATED_BYTES) {
    throw new Error(`the generated corpus is too small: ${generated.files.length} files, ${generated.bytes} bytes`);
  }
  const bigModule = generateModule(sources, 3000, SEED + 1);
  const smallModule = generateModule(sources, 300, SEED + 2);
  const lineCount = (t: string) => t.split('\n').length - (t.endsWith('\n') ? 1 : 0);
  const batchedBehaviour = await probeBatchedNix(tools);

  // 1. Throughput
  const throughputs: Throughput[] = [];
  throughputs.push(await throughput(tools, 'generated corpus', corpusDir, [...generated.files].sort()));
  if (args.dir) {
    const files = listNixFiles(args.dir);
    if (files.length > 0) throughputs.push(await throughput(tools, path.basename(args.dir) || args.dir, args.dir, files));
    else progress(`${args.dir} holds no .nix files: skipped`);
  }
  progress('CLI start cost (one small file, 3 runs)…');
  const smallFile = path.join(CORPUS, 'modules', 'jetson-base.nix');
  const cliStart: number[] = [];
  for (let i = 0; i < 3; i++) cliStart.push((await run(process.execPath, [bundles.cli, 'check', smallFile])).wallMs);

  // 2. Edit latency
  progress(`edit latency: ${EDITS} incremental edits on a ${lineCount(bigModule)}-line module…`);
  const incremental = await editLatency(parser, bigModule, 'incremental', EDITS);
  progress(`edit latency: ${FULL_EDITS} full-text changes (reference)…`);
  const full = await editLatency(parser, bigModule, 'full', FULL_EDITS);

  // 3. Time to first diagnostics
  progress(`time to first diagnostics (${STARTS} starts)…`);
  const starts: StartRun[] = [];
  for (let i = 0; i < STARTS; i++) starts.push(await timeToFirstDiagnostics(smallModule));
  const nodeStarts: number[] = [];
  for (let i = 0; i < STARTS; i++) nodeStarts.push((await run(process.execPath, ['-e', '0'])).wallMs);
  const nodeRss = (await run(process.execPath, ['-e', '0'], { peakRss: { timeBin: tools.timeBin, scratchDir: scratch } })).peakRssKb;
  // 5. Option validation cost (in process, warm)
  progress('option validation on a typical configuration…');
  const validation = measureValidation(parser);
  parser.delete();

  // Table
  const rows: Row[] = [];
  throughputs.forEach((t, i) => rows.push(...throughputRows(t, i === 0 ? ['1a', '1b'] : ['1c', '1d'])));
  const p = (q: number, xs: number[]) => percentile(xs, q);
  const incP95 = p(95, incremental.latencies);
  rows.push({
    id: '2',
    figure: `Edit latency, didChange → publishDiagnostics\n${EDITS} incremental edits, ${lineCount(bigModule).toLocaleString('en')}-line module`,
    ours: `p50 ${ms(p(50, incremental.latencies))}\np95 ${ms(incP95)}\nmax ${ms(Math.max(...incremental.latencies))}`,
    reference: `full re-analysis (${FULL_EDITS} full-text changes):\np50 ${ms(p(50, full.latencies))}, p95 ${ms(p(95, full.latencies))}, max ${ms(Math.max(...full.latencies))}`,
    ratio: `p50 ${ratio(p(50, incremental.latencies), p(50, full.latencies))}\np95 ${ratio(incP95, p(95, full.latencies))}`,
    target: 'p95 < 10 ms',
    met: incP95 < 10 ? 'yes' : 'NO',
  });
  const ttfd = median(starts.map((s) => s.firstDiagnosticsMs));
  const nodeStart = median(nodeStarts);
  rows.push({
    id: '3',
    figure: `Time to first diagnostics: spawn → first publish\n${lineCount(smallModule)}-line module opened after initialized`,
    ours: `${ms(ttfd)} (median of ${STARTS})`,
    reference: `node -e 0, spawn → exit:\n${ms(nodeStart)} (median of ${STARTS})`,
    ratio: ratio(ttfd, nodeStart),
    target: '< 300 ms',
    met: ttfd < 300 ? 'yes' : 'NO',
  });
  rows.push({
    id: '4a',
    figure: 'Peak RSS (VmHWM) of the server\nafter the incremental edits of (2)',
    ours: mib(incremental.peakRssKb),
    reference: `node -e 0: ${mib(nodeRss)}`,
    ratio: ratio(incremental.peakRssKb ?? NaN, nodeRss ?? NaN),
    target: '—',
    met: '—',
  });
  const gen = throughputs[0]!;
  rows.push({
    id: '4b',
    figure: `Peak RSS of the CLI during (1)\n${tools.timeBin ? '/usr/bin/time -f %M' : 'VmHWM polled every 10 ms'}, max of runs`,
    ours: mib(gen.cli.peakRssKb),
    reference: gen.batched ? `nix-instantiate batched\n(${BATCH_SIZE} files/process): ${mib(gen.batched.peakRssKb)}` : 'n/a',
    ratio: ratio(gen.cli.peakRssKb ?? NaN, gen.batched?.peakRssKb ?? NaN),
    target: '—',
    met: '—',
  });

  const v = summarizeValidation(validation);
  rows.push({
    id: '5',
    figure: `Option validation added to diagnostics\n${validation.lines}-line robot configuration, warm, in process`,
    ours: `p50 ${ms(v.p50)}\np95 ${ms(v.p95)}`,
    reference: `the rest of the analysis (syntax, scopes, duplicates): p50 ${ms(v.analysis)}`,
    ratio: ratio(v.p50, v.analysis),
    target: '< 2 ms',
    met: v.p50 < 2 ? 'yes' : 'NO',
  });

  // 6. Latency of each request the server advertises (3,000-line module and 1 MB module)
  rows.push(...(await requestLatencyRows({ startServer, progress, module: bigModule, sources, seed: SEED + 3 })));

  const out: string[] = [];
  out.push(
    `Jetson Nix benchmark — ${new Date().toISOString()} — Node ${process.version}, ${nixVersion}, ${os.cpus().length} CPUs (CLI --jobs ${jobs}, nix ${jobs} at a time)`,
    `Build measured: dist/server of ${build.builtAt}, sha256 ${build.hash}${build.production ? ' (production)' : ' — WARNING: development build (source maps), not --production'}`,
    `Load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}${loadBefore[0]! > 1 ? '  (other processes were busy: figures are noisy)' : ''}`,
    '',
    table(rows),
    '',
    'Notes',
  );
  const shapes = Object.entries(generated.shapes)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  out.push(
    `- Wall times include process start and, under load, time spent waiting for a CPU; CPU times (GNU time) are less sensitive to other processes.`,
    `- Generated corpus: ${generated.files.length} files, ${mb(generated.bytes)} in ${ms(genMs)} from the ${sources.length} fixture files (seed ${SEED}): ${shapes}.`,
  );
  for (const t of throughputs) {
    out.push(
      `- ${t.label}: CLI runs ${t.cli.runsMs.map(ms).join(', ')} (CPU user+sys ${t.cli.cpuMs.map((c) => (c === undefined ? 'n/a' : ms(c))).join(', ')}); it checked ${t.cli.checked} files: ${t.cli.errors} errors, ${t.cli.otherFindings} other findings.` +
        (t.perFile ? ` nix accepted ${t.files - t.perFile.rejected.length}/${t.files} files${t.perFile.rejected.length ? ` (first rejection: ${t.perFile.rejected[0]!.file}: ${t.perFile.rejected[0]!.error})` : ''}.` : '') +
        (t.batched
          ? ` Batched nix runs ${t.batched.runsMs.map(ms).join(', ')} (CPU ${t.batched.cpuMs.map((c) => (c === undefined ? 'n/a' : ms(c))).join(', ')}); ${t.batched.incomplete === 0 ? `every chunk (${t.batched.chunks}) printed one expression per file` : `${t.batched.incomplete} of ${t.batched.chunks} chunks incomplete`}.`
          : ''),
    );
  }
  out.push(`- ${batchedBehaviour}`);
  const fixed = median(cliStart);
  const genCli = median(gen.cli.runsMs);
  out.push(
    `- CLI fixed cost (Node start + WebAssembly parser load, one ${fs.statSync(smallFile).size}-byte file): ${ms(fixed)} (median of 3); without it the generated corpus goes at ${(gen.bytes / 1e6 / ((genCli - fixed) / 1000)).toFixed(2)} MB/s.`,
  );
  const kinds = [...incremental.changed].map(([k, s]) => `${k} ${s.changed}/${s.edits}`).join(', ');
  out.push(
    `- Edits: opening the ${lineCount(bigModule)}-line module took ${ms(incremental.openMs)} to first diagnostics (full analysis, cold; ${incremental.baseline} diagnostics). Edits answered with a different number of diagnostics, by kind: ${kinds}. Pause between edits: ${PAUSE_BETWEEN_EDITS_MS} ms. First incremental edit ${ms(incremental.latencies[0]!)}; server peak RSS in the full-text run ${mib(full.peakRssKb)}.`,
  );
  out.push(
    `- Server starts: first diagnostics ${starts.map((s) => ms(s.firstDiagnosticsMs)).join(', ')}; of which spawn → initialize response ${starts.map((s) => ms(s.initializeMs)).join(', ')}. node -e 0: ${nodeStarts.map(ms).join(', ')}.`,
  );
  out.push(
    `- Option validation: ${validation.validationMs.length} rounds on test/fixtures/bench/jetson-config.nix (${validation.findings} findings); whole diagnostics p50 ${ms(v.diagnose)}. Sets that cannot hold a schema option (networking, systemd.services, users…) are not walked.`,
  );
  out.push(`- Total bench time ${ms(performance.now() - t0)}.${args.keep ? ` Corpus kept in ${corpusDir}.` : ''}`);
  process.stdout.write(out.join('\n') + '\n');
}

/** Copies dist/server without source maps (the bundles find the WebAssembly files by folder). */
function snapshotBuild(dir: string): { builtAt: string; hash: string; production: boolean } {
  fs.cpSync(BUILD, dir, { recursive: true, filter: (from) => !from.endsWith('.map') });
  const hash = createHash('sha256');
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.endsWith('.js') || name.endsWith('.wasm')) hash.update(name).update(fs.readFileSync(path.join(dir, name)));
  }
  const builtAt = fs.statSync(bundles.server).mtime.toISOString();
  const serverText = fs.readFileSync(path.join(dir, 'server.js'), 'utf8');
  bundles.server = path.join(dir, 'server.js');
  bundles.cli = path.join(dir, 'cli.js');
  // A development build ends with a source map comment; `--production` builds have none.
  const production = !/\/\/# sourceMappingURL=\S+\s*$/.test(serverText.slice(-300));
  return { builtAt, hash: hash.digest('hex').slice(0, 12), production };
}

process.on('SIGINT', () => {
  cleanUp();
  process.exit(130);
});

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(cleanUp);
