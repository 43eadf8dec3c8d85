import * as fs from 'node:fs';
import * as path from 'node:path';
import { rng } from '../support/mutate';
import { BAD_VERDICTS, type JudgedFix } from './judge';
import { REPORT_FORMAT, figuresByCode, table, type FieldReport, type ReportFinding } from './report';

/**
 * Other views of a report: what changed since a baseline run (in the manner of ruff's ecosystem
 * check: per code, then finding by finding), and findings to judge by hand, with their source.
 */

/** Reads a report written by `--out`, refusing other files. */
export function readReport(file: string): FieldReport {
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as FieldReport;
  if (report?.format !== REPORT_FORMAT) throw new Error(`${file} is not a field report (${REPORT_FORMAT})`);
  return report;
}

const findingKey = (f: ReportFinding) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.code}: ${f.message}`;
const fixKey = (f: JudgedFix) => `${f.file}:${f.line}:${f.column} ${f.code} "${f.title}": ${f.verdict}`;

/** Items of `b` not in `a`, counting duplicates. */
export function minus<T>(a: T[], b: T[], key: (x: T) => string): T[] {
  const counts = new Map<string, number>();
  for (const x of a) counts.set(key(x), (counts.get(key(x)) ?? 0) + 1);
  return b.filter((x) => {
    const n = counts.get(key(x)) ?? 0;
    if (n === 0) return true;
    counts.set(key(x), n - 1);
    return false;
  });
}

/** What changed from `before` to `after`: counts per code, then each added (+) and removed (-) item. */
export function diffReports(before: FieldReport, after: FieldReport, perCode = 25): string[] {
  const added = minus(before.findings, after.findings, findingKey);
  const removed = minus(after.findings, before.findings, findingKey);
  const old = new Map(figuresByCode(before).map((c) => [c.code, c.findings]));
  const now = new Map(figuresByCode(after).map((c) => [c.code, c.findings]));
  const codes = [...new Set([...old.keys(), ...now.keys()])].sort();
  const changed = codes.filter((c) => added.some((f) => f.code === c) || removed.some((f) => f.code === c));
  const lines = [`Changes since the baseline (${before.startedAt}): +${added.length} -${removed.length} findings.`];
  if (changed.length) {
    const rows = changed.map((c) => [c, old.get(c) ?? 0, now.get(c) ?? 0, `+${added.filter((f) => f.code === c).length}`, `-${removed.filter((f) => f.code === c).length}`]);
    lines.push('', ...table(['code', 'before', 'after', 'added', 'removed'], rows, 1));
  }
  for (const code of changed) {
    const items = [...added.filter((f) => f.code === code).map((f) => `+ ${findingKey(f)}`), ...removed.filter((f) => f.code === code).map((f) => `- ${findingKey(f)}`)].sort((a, b) => a.slice(2).localeCompare(b.slice(2)));
    lines.push('', `${code}:`, ...items.slice(0, perCode).map((l) => `  ${l}`));
    if (items.length > perCode) lines.push(`  … and ${items.length - perCode} more (see the JSON reports)`);
  }
  const disagreementKey = (d: FieldReport['verdicts']['disagreements'][number]) => `${d.file}: nix ${d.nix ?? 'accepts'}; ours ${d.ours.join('; ') || 'no error'}`;
  const section = (title: string, plus: string[], less: string[]) => {
    if (plus.length || less.length) lines.push('', `${title}:`, ...plus.map((l) => `  + ${l}`), ...less.map((l) => `  - ${l}`));
  };
  section('Disagreements with Nix', minus(before.verdicts.disagreements, after.verdicts.disagreements, disagreementKey).map(disagreementKey), minus(after.verdicts.disagreements, before.verdicts.disagreements, disagreementKey).map(disagreementKey));
  const bad = (r: FieldReport) => r.fixes.filter((f) => BAD_VERDICTS.has(f.verdict));
  section('Bad fixes', minus(bad(before), bad(after), fixKey).map(fixKey), minus(bad(after), bad(before), fixKey).map(fixKey));
  return lines;
}

/**
 * About `size` warnings, hints and notes drawn at random, stratified by code: every code gets a
 * share in proportion to its findings, and at least `floor` (or all it has).
 */
export function sampleFindings(report: FieldReport, size: number, seed: number, floor = 5): ReportFinding[] {
  const pool = report.findings.filter((f) => f.severity !== 'error');
  const byCode = new Map<string, ReportFinding[]>();
  for (const f of pool) byCode.set(f.code, [...(byCode.get(f.code) ?? []), f]);
  const next = rng(seed);
  const out: ReportFinding[] = [];
  for (const [, list] of [...byCode].sort(([a], [b]) => a.localeCompare(b))) {
    const share = Math.min(list.length, Math.max(floor, Math.round((size * list.length) / Math.max(1, pool.length))));
    const shuffled = [...list];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    out.push(...shuffled.slice(0, share));
  }
  return out;
}

/** Findings with the source lines they point at, numbered, for judging by hand. */
export function withSource(report: FieldReport, findings: ReportFinding[], context = 1): string[] {
  const roots = new Map(report.trees.map((t) => [t.name, t.root]));
  const cache = new Map<string, string[] | undefined>();
  const lines: string[] = [];
  findings.forEach((f, n) => {
    const [tree, ...rest] = f.file.split('/');
    const abs = roots.has(tree!) ? path.join(roots.get(tree!)!, ...rest) : f.file;
    if (!cache.has(abs)) {
      try {
        cache.set(abs, fs.readFileSync(abs, 'utf8').split(/\r\n?|\n/));
      } catch {
        cache.set(abs, undefined);
      }
    }
    const src = cache.get(abs);
    lines.push(`[${n + 1}] ${f.file}:${f.line}:${f.column} ${f.severity} ${f.code}: ${f.message}`);
    if (!src) lines.push('      (source not found)');
    else for (let l = Math.max(1, f.line - context); l <= Math.min(src.length, f.endLine + context); l++) lines.push(`  ${String(l).padStart(5)}${l >= f.line && l <= f.endLine ? '>' : ' '}| ${src[l - 1]}`);
  });
  return lines;
}
