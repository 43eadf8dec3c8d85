import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFieldArgs } from './args';
import { compareFronts } from './cli-compare';
import { figuresByCode, passed, REPORT_FORMAT, summary, type FieldReport, type ReportFinding } from './report';
import { diffReports, sampleFindings } from './report-views';

function finding(file: string, line: number, code: string, severity: ReportFinding['severity'] = 'hint'): ReportFinding {
  return { file, line, column: 1, endLine: line, endColumn: 2, severity, code, message: `${code} here` };
}

function report(findings: ReportFinding[], extra: Partial<FieldReport> = {}): FieldReport {
  return {
    format: REPORT_FORMAT, startedAt: '2025-01-01T00:00:00.000Z', elapsedMs: 1000, server: 'server.js --stdio', nix: 'nix-instantiate (Nix) 2.8.0',
    trees: [{ name: 'repo', root: '/nowhere/repo', files: 3, elapsedMs: 900 }], findings, verdicts: { compared: 3, notAnalysed: [], disagreements: [] },
    fixes: [], problems: [], notes: [], ...extra,
  };
}

test('figures per code: findings, distinct files, fixes and bad fixes', () => {
  const r = report([finding('repo/a.nix', 1, 'unused-binding', 'warning'), finding('repo/a.nix', 2, 'unused-binding', 'warning'), finding('repo/b.nix', 1, 'useless-parens')], {
    fixes: [
      { file: 'repo/b.nix', line: 1, column: 1, code: 'useless-parens', title: 't', kind: 'parens', verdict: 'changes-meaning' },
      { file: 'repo/a.nix', line: 1, column: 1, code: 'unused-binding', title: 't', kind: 'other', verdict: 'ok' },
    ],
  });
  assert.deepEqual(figuresByCode(r), [
    { code: 'unused-binding', severity: 'warning', findings: 2, files: 1, fixes: 1, badFixes: 0 },
    { code: 'useless-parens', severity: 'hint', findings: 1, files: 1, fixes: 1, badFixes: 1 },
  ]);
  assert.equal(passed(r), false, 'a bad fix fails the run');
  assert.equal(passed(report([])), true);
  assert.equal(passed(report([], { problems: [{ file: 'repo/x.nix', message: 'timeout' }] })), false, 'so does a server failure');
  assert.ok(summary(r).some((l) => /repo\/b\.nix:1:1 useless-parens "t" \(parens\): changes-meaning/.test(l)));
});

test('baseline: added and removed findings per code, duplicates counted', () => {
  const before = report([finding('repo/a.nix', 1, 'x'), finding('repo/a.nix', 1, 'x'), finding('repo/b.nix', 3, 'y')]);
  const after = report([finding('repo/a.nix', 1, 'x'), finding('repo/c.nix', 9, 'y'), finding('repo/c.nix', 2, 'z')]);
  const lines = diffReports(before, after);
  assert.equal(lines[0], 'Changes since the baseline (2025-01-01T00:00:00.000Z): +2 -2 findings.');
  assert.ok(lines.includes('  - repo/a.nix:1:1 hint x: x here'));
  assert.ok(lines.includes('  - repo/b.nix:3:1 hint y: y here'));
  assert.ok(lines.includes('  + repo/c.nix:9:1 hint y: y here'));
  assert.ok(lines.includes('  + repo/c.nix:2:1 hint z: z here'));
  assert.deepEqual(diffReports(before, before), ['Changes since the baseline (2025-01-01T00:00:00.000Z): +0 -0 findings.']);
});

test('sample: every code gets its share, errors are left out, the same seed draws the same sample', () => {
  const findings = [
    ...Array.from({ length: 90 }, (_, i) => finding('repo/a.nix', i + 1, 'common')),
    ...Array.from({ length: 3 }, (_, i) => finding('repo/b.nix', i + 1, 'rare', 'warning')),
    finding('repo/c.nix', 1, 'syntax-error', 'error'),
  ];
  const r = report(findings);
  const sample = sampleFindings(r, 20, 7);
  assert.equal(sample.filter((f) => f.code === 'rare').length, 3);
  assert.equal(sample.filter((f) => f.code === 'common').length, 19);
  assert.equal(sample.filter((f) => f.severity === 'error').length, 0);
  assert.deepEqual(sampleFindings(r, 20, 7), sample);
  assert.notDeepEqual(sampleFindings(r, 20, 8), sample);
});

test('editor and CLI: findings only one front reports, by position and code', () => {
  const editor = [finding('repo/a.nix', 1, 'x'), finding('repo/a.nix', 2, 'flake-only')];
  const cli = [{ ...finding('repo/a.nix', 1, 'x'), message: 'worded differently' }, finding('repo/a.nix', 5, 'cli-only')];
  const { editorOnly, cliOnly } = compareFronts(editor, cli);
  assert.deepEqual(editorOnly.map((f) => f.code), ['flake-only']);
  assert.deepEqual(cliOnly.map((f) => f.code), ['cli-only']);
});

test('command line: folders or --from, checked numbers, a clear error for unknown flags', () => {
  const args = parseFieldArgs(['a', 'b', '--jobs', '3', '--out=r.json', '--show', 'x', '--show', 'y']);
  assert.ok(args !== 'help');
  assert.deepEqual([args.folders, args.jobs, args.out, args.show], [['a', 'b'], 3, 'r.json', ['x', 'y']]);
  assert.equal(parseFieldArgs(['--help']), 'help');
  assert.throws(() => parseFieldArgs([]), /no folders/);
  assert.throws(() => parseFieldArgs(['a', '--from', 'r.json']), /not both/);
  assert.throws(() => parseFieldArgs(['a', '--jobs', '0']), /--jobs must be/);
  assert.throws(() => parseFieldArgs(['a', '--frobnicate']), /unknown option '--frobnicate'/);
});
