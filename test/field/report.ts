import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver/node';
import type { Disagreement, JudgedFix } from './judge';
import { BAD_VERDICTS } from './judge';
import type { FileAnalysis, Tree } from './lsp-pass';

/**
 * The field report: every finding, verdict and fix of a run, with paths relative to the trees
 * (`<tree name>/<path>`) so that runs on different machines or checkouts can be compared.
 */

export const REPORT_FORMAT = 'jetson-nix-field/1';

export type Severity = 'error' | 'warning' | 'information' | 'hint';
const SEVERITIES: Severity[] = ['error', 'warning', 'information', 'hint'];

export interface ReportFinding {
  file: string;
  /** 1-based. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Severity;
  code: string;
  message: string;
}

export interface FieldReport {
  format: typeof REPORT_FORMAT;
  startedAt: string;
  elapsedMs: number;
  /** The command that started the language server. */
  server: string;
  nix: string;
  trees: (Tree & { files: number; elapsedMs: number })[];
  findings: ReportFinding[];
  verdicts: { compared: number; notAnalysed: string[]; disagreements: Disagreement[] };
  fixes: JudgedFix[];
  /** Files the server failed on (crash, timeout). */
  problems: { file: string; message: string }[];
  notes: string[];
  /** Findings of `jetson-nix check` that the editor did not show, and the other way round. */
  cli?: { editorOnly: ReportFinding[]; cliOnly: ReportFinding[] };
}

/** Maps absolute paths to `<tree name>/<path in tree>`. */
export function displayPaths(trees: Tree[]): (file: string) => string {
  const sorted = [...trees].sort((a, b) => b.root.length - a.root.length);
  return (file) => {
    for (const t of sorted) {
      const rel = path.relative(t.root, file);
      if (!rel.startsWith('..') && !path.isAbsolute(rel)) return [t.name, ...rel.split(path.sep)].join('/');
    }
    return file;
  };
}

/** The findings of the analysed files, as report entries. */
export function reportFindings(results: FileAnalysis[], display: (file: string) => string): ReportFinding[] {
  return results.flatMap((r) => r.diagnostics.map((d) => toFinding(display(r.file), d)));
}

function toFinding(file: string, d: Diagnostic): ReportFinding {
  return {
    file,
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    endLine: d.range.end.line + 1,
    endColumn: d.range.end.character + 1,
    severity: SEVERITIES[(d.severity ?? 1) - 1] ?? 'error',
    code: String(d.code ?? 'no-code'),
    message: d.message,
  };
}

export interface CodeFigures {
  code: string;
  severity: string;
  findings: number;
  files: number;
  fixes: number;
  badFixes: number;
}

/** Findings, files and fixes per code, most findings first. */
export function figuresByCode(report: FieldReport): CodeFigures[] {
  const by = new Map<string, { severities: Set<string>; findings: number; files: Set<string>; fixes: number; badFixes: number }>();
  const entry = (code: string) => {
    let e = by.get(code);
    if (!e) by.set(code, (e = { severities: new Set(), findings: 0, files: new Set(), fixes: 0, badFixes: 0 }));
    return e;
  };
  for (const f of report.findings) {
    const e = entry(f.code);
    e.severities.add(f.severity);
    e.findings++;
    e.files.add(f.file);
  }
  for (const fix of report.fixes) {
    const e = entry(fix.code);
    e.fixes++;
    if (BAD_VERDICTS.has(fix.verdict)) e.badFixes++;
  }
  return [...by.entries()]
    .map(([code, e]) => ({ code, severity: [...e.severities].join('/'), findings: e.findings, files: e.files.size, fixes: e.fixes, badFixes: e.badFixes }))
    .sort((a, b) => b.findings - a.findings || a.code.localeCompare(b.code));
}

/** A plain-text table: the first `left` columns left-aligned (names), the rest right-aligned (figures). */
export function table(header: string[], rows: (string | number)[][], left = 2): string[] {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The summary printed at the end of a run. */
export function summary(report: FieldReport): string[] {
  const files = report.trees.reduce((n, t) => n + t.files, 0);
  const v = report.verdicts;
  const bad = report.fixes.filter((f) => BAD_VERDICTS.has(f.verdict));
  const lines = [
    `jetson-nix field: ${report.trees.length} trees, ${files} .nix files, ${report.findings.length} findings, ${duration(report.elapsedMs)} (${report.nix})`,
    '',
    ...table(
      ['code', 'severity', 'findings', 'files', 'fixes', 'bad fixes'],
      figuresByCode(report).map((c) => [c.code, c.severity, c.findings, c.files, c.fixes, c.badFixes]),
    ),
    '',
    `Verdicts: ${v.compared} files compared with nix-instantiate --parse, ${v.disagreements.length} disagree${v.notAnalysed.length ? `, ${v.notAnalysed.length} not analysed` : ''}.`,
  ];
  for (const d of v.disagreements) {
    lines.push(`  ${d.file}`, `      nix: ${d.nix ?? 'accepts the file'}`, `      ours: ${d.ours.length ? d.ours.join('; ') : 'no parse-level error'}`);
  }
  const counts = new Map<string, number>();
  for (const f of report.fixes) counts.set(f.verdict, (counts.get(f.verdict) ?? 0) + 1);
  lines.push('', `Quick fixes: ${report.fixes.length} applied to copies and judged by Nix${report.fixes.length ? ` (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')})` : ''}; ${bad.length} bad.`);
  for (const f of bad) lines.push(`  ${f.file}:${f.line}:${f.column} ${f.code} "${f.title}" (${f.kind}): ${f.verdict}`, ...(f.detail ?? '').split('\n').map((l) => `      ${l}`));
  if (report.cli) {
    lines.push('', `jetson-nix check vs the editor: ${report.cli.cliOnly.length} findings only in the CLI, ${report.cli.editorOnly.length} only in the editor.`);
    for (const [label, list] of [['editor only', report.cli.editorOnly], ['CLI only', report.cli.cliOnly]] as const) {
      const byCode = new Map<string, number>();
      for (const f of list) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
      if (byCode.size) lines.push(`  ${label}: ${[...byCode].map(([c, n]) => `${c} ${n}`).join(', ')}`);
    }
  }
  if (report.problems.length) lines.push('', `The server failed on ${report.problems.length} files:`, ...report.problems.map((p) => `  ${p.file}: ${p.message}`));
  if (report.notes.length) lines.push('', ...report.notes.map((n) => `note: ${n}`));
  return lines;
}

/** Whether the run met the targets: Nix agrees on every file, no fix is bad, the server never failed. */
export function passed(report: FieldReport): boolean {
  return report.verdicts.disagreements.length === 0 && !report.fixes.some((f) => BAD_VERDICTS.has(f.verdict)) && report.problems.length === 0;
}
