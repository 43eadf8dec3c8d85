import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath } from '../support/nix';
import type { FieldReport } from './report';

/**
 * `npm run field` end to end, on fixture trees written here: against a deliberately wrong
 * stand-in server (fixtures/stand-in-server.ts), whose planted disagreements and bad fixes it
 * must all find, and against the real built server, which must pass on a tree it gets right.
 */

const ROOT = path.join(__dirname, '..', '..');
const FIELD = path.join(__dirname, 'field.ts');
const nixInstantiate = findOnPath('nix-instantiate');
const skip = !nixInstantiate && !process.env.CI ? 'nix-instantiate is not installed' : false;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  report: FieldReport;
  tree: string;
}

/** Runs the field check on a copy of a fixture tree (the check writes its fixed copies beside the files). */
async function field(fixture: string, extra: string[]): Promise<Run> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-field-test-'));
  const tree = path.join(work, fixture);
  fs.cpSync(path.join(__dirname, 'fixtures', fixture), tree, { recursive: true });
  const out = path.join(work, 'report.json');
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', FIELD, tree, '--out', out, '--quiet', '--jobs', '2', ...extra], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
  assert.ok(fs.existsSync(out), `no report written; stderr: ${stderr}`);
  return { code, stdout, stderr, report: JSON.parse(fs.readFileSync(out, 'utf8')) as FieldReport, tree };
}

/** Every file under a folder, relative. */
function listing(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

test('a stand-in that gets verdicts and fixes wrong: the field check finds every planted fault', { skip }, async () => {
  const run = await field('tree', ['--server', path.join(__dirname, 'fixtures', 'stand-in-server.ts')]);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  const r = run.report;
  assert.deepEqual(
    r.verdicts.disagreements.map((d) => [d.file, d.nix === null ? 'nix accepts' : 'nix rejects', d.ours.length > 0 ? 'we reject' : 'we accept']),
    [
      ['tree/fine.nix', 'nix accepts', 'we reject'],
      ['tree/missing-brace.nix', 'nix rejects', 'we accept'],
    ],
  );
  assert.equal(r.verdicts.compared, 5);
  const fixes = r.fixes.map((f) => [f.file, f.line, f.code, f.kind, f.verdict]).sort();
  assert.deepEqual(fixes, [
    ['tree/arith.nix', 4, 'planted-parens', 'parens', 'changes-meaning'],
    ['tree/fine.nix', 5, 'syntax-error', 'other', 'breaks-parse'],
    // Renamed through codeAction/resolve, judged beside the original: `./helper.nix` still means the same file.
    ['tree/sub/names.nix', 4, 'planted-rename', 'rename', 'ok'],
    // Through a command and workspace/applyEdit: `helper count` → `helper helper` captures another binding.
    ['tree/sub/names.nix', 7, 'planted-capture', 'rename', 'changes-meaning'],
  ]);
  assert.match(run.stdout, /tree\/arith\.nix:4:\d+ planted-parens .*changes-meaning/);
  assert.match(run.stdout, /Verdicts: 5 files compared with nix-instantiate --parse, 2 disagree/);
  assert.deepEqual(listing(run.tree), listing(path.join(__dirname, 'fixtures', 'tree')), 'the fixed copies are gone');
});

test('the real server on a tree it gets right: verdicts agree, every fix keeps the meaning, and the CLI agrees', { skip }, async () => {
  assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'server', 'server.js')), 'npm test builds dist/ first');
  const run = await field('real', []);
  const r = run.report;
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(r.verdicts.compared, 5);
  assert.deepEqual(r.verdicts.disagreements, []);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.notes, [], 'the server said when its index was built');
  const codes = new Set(r.findings.map((f) => f.code));
  for (const code of ['syntax-error', 'undefined-variable', 'unused-binding', 'useless-parens', 'redundant-rec']) assert.ok(codes.has(code), `${code} in ${[...codes].join(', ')}`);
  assert.ok(r.fixes.length >= 3, `fixes judged: ${JSON.stringify(r.fixes)}`);
  assert.deepEqual(r.fixes.filter((f) => f.verdict !== 'ok'), []);
  assert.ok(r.cli, 'compared with jetson-nix check');
  assert.deepEqual(listing(run.tree), listing(path.join(__dirname, 'fixtures', 'real')));

  // The report reads back, and a baseline shows what changed: one finding fewer is a "-" line.
  const baseline = path.join(path.dirname(run.tree), 'baseline.json');
  const changed = { ...r, findings: r.findings.slice(1) };
  fs.writeFileSync(baseline, JSON.stringify(r));
  fs.writeFileSync(path.join(path.dirname(run.tree), 'now.json'), JSON.stringify(changed));
  const diff = await new Promise<string>((resolve) =>
    execFile(process.execPath, ['--import', 'tsx', FIELD, '--from', path.join(path.dirname(run.tree), 'now.json'), '--baseline', baseline], { cwd: ROOT }, (_err, stdout) => resolve(stdout)),
  );
  const gone = r.findings[0]!;
  assert.ok(diff.includes(`- ${gone.file}:${gone.line}:${gone.column} ${gone.severity} ${gone.code}: ${gone.message}`), diff);
  assert.match(diff, /\+0 -1 findings/);
});
