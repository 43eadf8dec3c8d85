import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalParse } from './canonical';
import { classifyFix, judgeFix } from './fix-judge';
import { compareVerdicts } from './judge';
import type { FileAnalysis } from './lsp-pass';
import { nixParseFiles } from './nix-parse';
import { applyOffsetEdits, editsFor, offsetAt, toOffsetEdits } from './text-edits';
import { findOnPath, offlineNixEnv } from '../support/nix';

/** The field check's comparison functions, each with a case it must reject. */

test('LSP positions: every line ending, UTF-16 columns, clamped to the line', () => {
  const text = 'a\r\nb\rc\nd😀e';
  assert.equal(offsetAt(text, { line: 1, character: 0 }), 3);
  assert.equal(offsetAt(text, { line: 2, character: 0 }), 5);
  assert.equal(offsetAt(text, { line: 3, character: 3 }), text.indexOf('e'));
  assert.equal(offsetAt(text, { line: 0, character: 99 }), 1, 'a column past the end is the end of the line, before its line break');
  assert.equal(offsetAt(text, { line: 9, character: 0 }), undefined);
});

test('edits: applied in order, overlapping or reversed edits refused, other files reported', () => {
  const text = 'let a = (1); in a';
  const edits = toOffsetEdits(text, [
    { range: { start: { line: 0, character: 10 }, end: { line: 0, character: 11 } }, newText: '' },
    { range: { start: { line: 0, character: 8 }, end: { line: 0, character: 9 } }, newText: '' },
  ]);
  assert.equal(applyOffsetEdits(text, edits), 'let a = 1; in a');
  assert.throws(() => toOffsetEdits(text, [
    { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }, newText: '' },
    { range: { start: { line: 0, character: 3 }, end: { line: 0, character: 6 } }, newText: '' },
  ]), /overlap/);
  assert.throws(() => toOffsetEdits(text, [{ range: { start: { line: 0, character: 5 }, end: { line: 0, character: 2 } }, newText: '' }]), /reversed/);
  const split = editsFor({ documentChanges: [{ textDocument: { uri: 'file:///a.nix', version: 1 }, edits: [] }, { textDocument: { uri: 'file:///b.nix' }, edits: [] }, { kind: 'create', uri: 'file:///c.nix' }] }, 'file:///a.nix');
  assert.deepEqual(split.elsewhere, ['file:///b.nix', 'create file:///c.nix']);
  assert.deepEqual(editsFor({ changes: { 'file:///a.nix': [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: 'x' }] } }, 'file:///a.nix').edits.length, 1);
});

test('fixes are classified by what their edits do', () => {
  const text = 'f ((a) + b) { urll = "x"; som = "agx-orin"; }';
  const at = (s: string, newText: string) => ({ start: text.indexOf(s), end: text.indexOf(s) + s.length, newText });
  const open = text.indexOf('((');
  const close = text.indexOf(' b)') + 2;
  assert.equal(classifyFix(text, [{ start: open, end: open + 1, newText: '' }, { start: close, end: close + 1, newText: '' }]).kind, 'parens');
  assert.equal(classifyFix(text, [{ start: open, end: open + 2, newText: '(' }]).kind, 'parens', 'one of two parentheses removed by a replacement');
  assert.equal(classifyFix(text, [at('((a) + b)', 'a + b')]).kind, 'parens', 'a parenthesized text replaced by its content');
  assert.equal(classifyFix(text, [at('((a) + b)', '(a - b)')]).kind, 'other');
  assert.equal(classifyFix(text, [at('f ', '')]).kind, 'other', 'no parenthesis removed');
  assert.equal(classifyFix(text, [{ start: 0, end: 0, newText: '# jetson-nix: ignore[unused-binding]\n' }]).kind, 'comment');
  assert.equal(classifyFix(text, [{ start: 0, end: 0, newText: '# a comment\nx ' }]).kind, 'other', 'code beside the comment');
  assert.deepEqual(classifyFix(text, [at('urll', 'url')]), { kind: 'rename', renames: [['urll', 'url']] });
  assert.deepEqual(classifyFix(text, [at('"agx-orin"', '"orin-agx"')]), { kind: 'literal', renames: [['agx-orin', 'orin-agx']] });
  assert.equal(classifyFix(text, [at('urll = "x"; ', '')]).kind, 'other');
});

test('canonical parse output ignores the order Nix 2.8 prints sets, lets and formals in, and nothing else', () => {
  const a = '({ y, x, ... } @ args: (let b = 2; a = 1; in { q = assert x; y; p = [ (1) (2) ]; "${(x)}" = "s;}"; inherit a ; }))';
  const b = '({ ..., x, y } @ args: (let a = 1; b = 2; in { inherit a ; "${(x)}" = "s;}"; p = [ (1) (2) ]; q = assert x; y; }))';
  assert.equal(canonicalParse(a), canonicalParse(b));
  assert.notEqual(canonicalParse('{ p = [ (1) (2) ]; }'), canonicalParse('{ p = [ (2) (1) ]; }'), 'lists keep their order');
  assert.notEqual(canonicalParse('((a + b) * c)'), canonicalParse('(a + (b * c))'));
});

test('a fix is judged by the parse before and after it', () => {
  const parens = { kind: 'parens' as const, renames: [] };
  assert.equal(judgeFix(parens, { ok: true, output: '(f ((a) + b))' }, { ok: true, output: '(f ((a) + b))' }), 'ok');
  assert.equal(judgeFix(parens, { ok: true, output: '((f a) + b)' }, { ok: true, output: '(f (a + b))' }), 'changes-meaning');
  assert.equal(judgeFix(parens, { ok: true, output: 'x' }, { ok: false, output: 'error: syntax error' }), 'breaks-parse');
  assert.equal(judgeFix(parens, { ok: false, output: 'error' }, { ok: true, output: 'x' }), 'unparseable-before');
  const comment = { kind: 'comment' as const, renames: [] };
  assert.equal(judgeFix(comment, { ok: false, output: 'error: undefined variable' }, { ok: false, output: 'error: undefined variable' }), 'ok', 'a suppression on a file Nix rejects');
  assert.equal(judgeFix(comment, { ok: false, output: 'error' }, { ok: true, output: 'x' }), 'changes-meaning');
  assert.equal(judgeFix(comment, { ok: true, output: '{ a = 1; }' }, { ok: true, output: '{ a = 1; }' }), 'ok');
  const rename = { kind: 'rename' as const, renames: [['urll', 'url']] as [string, string][] };
  assert.equal(judgeFix(rename, { ok: true, output: '{ a = { urll = "x"; }; }' }, { ok: true, output: '{ a = { url = "x"; }; }' }), 'ok');
  assert.equal(judgeFix(rename, { ok: true, output: '{ a = { urll = "x"; }; }' }, { ok: true, output: '{ a = { url = "y"; }; }' }), 'changes-meaning');
  // Renamed to a name already in use: only a rename of every occurrence keeps the meaning.
  const capture = { kind: 'rename' as const, renames: [['count', 'helper']] as [string, string][] };
  assert.equal(judgeFix(capture, { ok: true, output: '(let count = 3; helper = f; in (helper count))' }, { ok: true, output: '(let count = 3; helper = f; in (helper helper))' }), 'changes-meaning');
});

test('verdicts: a parse-level error where Nix accepts, or none where it rejects, is a disagreement', () => {
  const diag = (code: string, severity: number) => ({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, severity: severity as 1, code, message: code });
  const file = (name: string, diagnostics: ReturnType<typeof diag>[]): FileAnalysis => ({ file: name, uri: `file://${name}`, diagnostics, fixes: [] });
  const results = [
    file('/agree-ok', [diag('unused-binding', 2)]),
    file('/agree-bad', [diag('syntax-error', 1)]),
    file('/invented', [diag('undefined-variable', 1)]),
    file('/missed', [diag('unknown-option', 1)]),
    file('/large', [diag('file-too-large', 3)]),
  ];
  const nix = new Map([
    ['/agree-ok', { ok: true, output: '' }],
    ['/agree-bad', { ok: false, output: 'error: syntax error' }],
    ['/invented', { ok: true, output: '' }],
    ['/missed', { ok: false, output: "error: undefined variable 'x'" }],
    ['/large', { ok: true, output: '' }],
  ]);
  const v = compareVerdicts(results, nix);
  assert.equal(v.compared, 4);
  assert.deepEqual(v.notAnalysed, ['/large']);
  assert.deepEqual(v.disagreements.map((d) => [d.file, d.nix, d.ours.length]), [['/invented', null, 1], ['/missed', "error: undefined variable 'x'", 0]]);
});

const nixInstantiate = findOnPath('nix-instantiate');

test('batched nix-instantiate --parse gives each file its own verdict, past the files it rejects', { skip: !nixInstantiate && !process.env.CI ? 'nix-instantiate is not installed' : false }, async () => {
  assert.ok(nixInstantiate, 'CI installs nix-bin');
  const env = offlineNixEnv();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-field-batch-'));
  try {
    const files = ['{ a = 1; }', '{ a = ', 'x: x', 'y', '"s\\n${toString 1}"', '{ a = 1; a = 2; }', './p'].map((text, i) => {
      const f = path.join(dir, `f${i}.nix`);
      fs.writeFileSync(f, text);
      return f;
    });
    const got = await nixParseFiles(files, { nixInstantiate: nixInstantiate!, env, jobs: 2, batchSize: 3, keepOutput: () => true });
    assert.deepEqual(files.map((f) => got.get(f)?.ok), [true, false, true, false, true, false, true]);
    assert.equal(got.get(files[0]!)?.output, '{ a = 1; }');
    assert.match(got.get(files[3]!)!.output, /undefined variable 'y'/);
    assert.equal(got.get(files[6]!)?.output, path.join(dir, 'p'), 'paths resolve from the file’s folder');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.dirname(env.XDG_CACHE_HOME!), { recursive: true, force: true });
  }
});
