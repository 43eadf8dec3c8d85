import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Finding } from '../../server/src/analysis/diagnostic';
import { LINT_CODES } from '../../server/src/analysis/lints';
import { check } from '../support/analysis';
import { FIXTURES, nixFilesUnder } from '../support/corpus';
import { findOnPath, offlineNixEnv } from '../support/nix';

/**
 * Lints: each reported where it should be and nowhere else, with a fix that keeps the meaning.
 * Where Nix is installed, fixed code is evaluated and must give the same value as the original.
 */

async function lints(text: string): Promise<Finding[]> {
  return (await check(text)).filter((f) => LINT_CODES.has(f.code));
}

/** `code@start-end` for each lint, as a compact assertion target. */
async function summary(text: string): Promise<string[]> {
  return (await lints(text)).map((f) => `${f.code}@${text.slice(f.start, f.end)}`);
}

function applyFix(text: string, f: Finding): string {
  const fix = f.fixes?.[0];
  assert.ok(fix, `${f.code} has a fix`);
  let out = text;
  for (const e of [...fix.edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

const nix = findOnPath('nix-instantiate');
const env = nix ? offlineNixEnv() : undefined;

function evaluate(text: string): Promise<string> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-lint-')), 'x.nix');
  fs.writeFileSync(file, text);
  return new Promise((resolve) => execFile(nix!, ['--eval', '--strict', file], { env }, (err, stdout, stderr) => resolve(err ? `error: ${stderr}` : stdout.trim())));
}

/** Applies the lint's fix; the result has no syntax error, no longer has this lint, and (with Nix) the same value. */
async function fixKeepsMeaning(text: string, code: string): Promise<string> {
  const found = (await lints(text)).filter((f) => f.code === code);
  assert.equal(found.length, 1, `${text}: one ${code}`);
  const fixed = applyFix(text, found[0]!);
  const after = await check(fixed);
  assert.deepEqual(after.filter((f) => f.severity === 'error'), [], `${fixed}: still valid`);
  assert.ok(!after.some((f) => f.code === code), `${fixed}: ${code} is gone`);
  if (nix) assert.equal(await evaluate(fixed), await evaluate(text), `${text} → ${fixed}: the same value`);
  return fixed;
}

describe('unused-binding', () => {
  test('a let binding nothing uses, with a fix that removes its line', async () => {
    assert.deepEqual(await summary('let\n  a = 1;\n  b = 2;\nin a\n'), ['unused-binding@b']);
    assert.equal(await fixKeepsMeaning('let\n  a = 1;\n  b = 2;\nin a\n', 'unused-binding'), 'let\n  a = 1;\nin a\n');
    assert.equal(await fixKeepsMeaning('let a = 1; b = 2; in a', 'unused-binding'), 'let a = 1; in a');
  });

  test('a name a let inherits and never uses: the fix takes it out of the clause', async () => {
    assert.equal(await fixKeepsMeaning('let s = { x = 1; y = 2; }; inherit (s) x y; in x', 'unused-binding'), 'let s = { x = 1; y = 2; }; inherit (s) x; in x');
  });

  test('a binding used only inside its own value is unused; one used elsewhere is not', async () => {
    assert.deepEqual(await summary('let f = n: if n == 0 then 0 else f (n - 1); in 1'), ['unused-binding@f']);
    assert.deepEqual(await summary('let f = n: if n == 0 then 0 else f (n - 1); in f 3'), []);
  });

  test('uses in every position count: inherit, interpolation, a `with` body, `a//b`, a formal default', async () => {
    for (const text of ['let a = 1; in { inherit a; }', 'let a = "x"; in "${a}"', 'let a = 1; in with { }; a', 'let a = { }; b = { }; in a//b', 'let a = 1; in { x ? a }: x']) {
      assert.deepEqual((await summary(text)).filter((f) => f.startsWith('unused-binding')), [], text);
    }
  });

  test('unused named arguments: reported for a plain function, never for modules, `...`, `@args`, flake outputs or `_` names', async () => {
    assert.deepEqual(await summary('{ stdenv, fetchurl }: stdenv'), ['unused-binding@fetchurl']);
    for (const text of [
      '{ config, pkgs }: { }',
      '{ stdenv, fetchurl, ... }: stdenv',
      'args@{ stdenv, fetchurl }: stdenv',
      '{ inputs }: { imports = [ ]; }',
      '{ _unused, b }: b',
      '{ inputs = { }; outputs = { self, nixpkgs }: { }; }',
      'x: 1',
    ]) {
      assert.deepEqual(await summary(text), [], text);
    }
  });
});

describe('unused-with', () => {
  test('a `with` whose body takes nothing from it, with a fix that removes it', async () => {
    assert.deepEqual(await summary('let x = 1; in with { y = 2; }; x'), ['unused-with@with']);
    await fixKeepsMeaning('let x = 1; in with { y = 2; }; x', 'unused-with');
  });

  test('a body with no name at all is a placeholder, not an unused `with`', async () => {
    for (const text of ['{ pkgs, ... }: { environment.systemPackages = with pkgs; [ ]; }', 'pkgs: with pkgs; [ /* soon */ ]', 'pkgs: with pkgs; "x"']) {
      assert.deepEqual(await summary(text), [], text);
    }
    assert.deepEqual(await summary('pkgs: let x = 1; in with pkgs; [ x ]'), ['unused-with@with'], 'a name, bound elsewhere');
  });

  test('builtins never come from a `with`, so they do not use it', async () => {
    assert.deepEqual(await summary('with { map = 1; }; map (x: x) [ 1 ]'), ['unused-with@with']);
    await fixKeepsMeaning('with { map = 1; }; map (x: x) [ 1 ]', 'unused-with');
  });

  test('a name from it, or from a `with` inside it, uses it', async () => {
    assert.deepEqual(await summary('with { y = 2; }; y'), []);
    assert.deepEqual(await summary('with { a = 1; }; with { b = 2; }; b'), []);
    assert.deepEqual(await summary('with { s = { }; }; with s; let y = 1; in y'), ['unused-with@with'], 'the inner one provides nothing');
  });
});

describe('empty-let, redundant-rec, deprecated-syntax', () => {
  test('an empty let', async () => {
    assert.deepEqual(await summary('let in 1'), ['empty-let@let']);
    assert.equal(await fixKeepsMeaning('let in 1', 'empty-let'), '1');
  });

  test('rec is redundant when no attribute refers to another', async () => {
    assert.deepEqual(await summary('rec { a = 1; b = 2; }'), ['redundant-rec@rec']);
    assert.equal(await fixKeepsMeaning('rec { a = 1; b = 2; }', 'redundant-rec'), '{ a = 1; b = 2; }');
    assert.deepEqual(await summary('rec { a = 1; b = a; }'), []);
    assert.deepEqual(await summary('let x = 1; in rec { inherit x; }'), ['redundant-rec@rec'], '`inherit x;` reads the scope outside');
  });

  test('rec is needed when a value merged into it refers to it', async () => {
    assert.deepEqual(await summary('{ a = rec { x = 1; }; a.y = x; }'), []);
  });

  test('let { … }: the fix writes let … in', async () => {
    assert.deepEqual(await summary('let { a = 1; body = a + 1; }'), ['deprecated-syntax@let']);
    assert.equal(await fixKeepsMeaning('let { a = 1; body = a + 1; }', 'deprecated-syntax'), 'let a = 1; in a + 1');
    const multi = 'let {\n  a = 1;\n  body = a;\n}\n';
    assert.equal(await fixKeepsMeaning(multi, 'deprecated-syntax'), 'let\n  a = 1;\nin a\n');
  });

  test('URL literals, but not `x:x` (which is no URL, and another mistake)', async () => {
    assert.deepEqual(await summary('{ src = https://example.org/a.tar.gz; }'), ['deprecated-syntax@https://example.org/a.tar.gz']);
    assert.equal(await fixKeepsMeaning('{ src = https://example.org/a.tar.gz; }', 'deprecated-syntax'), '{ src = "https://example.org/a.tar.gz"; }');
    assert.deepEqual(await summary('x:x'), []);
  });
});

describe('useless-parens', () => {
  test('around a name, a literal, a whole binding value, or other parentheses', async () => {
    assert.deepEqual(await summary('{ a = (1); b = (x: x); c = [ (2) ]; d = map (x: x) [ ]; }'), ['useless-parens@(1)', 'useless-parens@(x: x)', 'useless-parens@(2)']);
    await fixKeepsMeaning('{ a = (1 + 2); }', 'useless-parens');
    assert.equal(await fixKeepsMeaning('{ a = ((1 + 2)); }', 'useless-parens'), '{ a = 1 + 2; }');
    assert.equal(await fixKeepsMeaning('[ ((1 + 2)) ]', 'useless-parens'), '[ (1 + 2) ]');
  });

  test('never where they matter', async () => {
    for (const text of ['[ (builtins.add 1 2) ]', 'map (x: x) [ ]', '(x: x) 1', 'let f = x: x; in f (f 1)', 'let a = 1; in [ (-a) ]', '1 - (2 - 3)']) {
      assert.deepEqual(await summary(text), [], text);
    }
  });

  test('a pair whose content only starts with another pair is not doubled: `((a) > b)`', async () => {
    const text = '{ lib, xs }: lib.optionals ((lib.lists.length xs) > 0) [ 1 ]';
    assert.deepEqual(await summary(text), [], 'the outer pair groups the comparison');
    assert.deepEqual(await summary('a: b: [ ((a) b) ]'), ['useless-parens@(a)']);
    const found = (await lints('a: b: { c = ((a) + b); }')).map((f) => f.message);
    assert.deepEqual(found, ['these parentheses are not needed', 'these parentheses are not needed'], 'the binding value and `(a)`, each on its own');
  });

  test('never where removing them would join tokens', async () => {
    assert.deepEqual(await summary('let f = x: x; in f(1)'), []);
    assert.deepEqual(await summary('let a = 1; b = 2; in (a)-b'), [], '`a-b` is one name');
  });
});

describe('lints and the rest', () => {
  test('a file with a syntax error gets no lints (half-typed code looks unused)', async () => {
    assert.deepEqual(await lints('let a = 1; b = ; in a'), []);
  });

  test('the realistic Jetson configurations give none', async () => {
    for (const file of nixFilesUnder(path.join(FIXTURES, 'configs', 'valid'))) assert.deepEqual(await summary(fs.readFileSync(file, 'utf8')), [], file);
  });

  test('on the corpus, exactly the findings reviewed as real', async () => {
    const found: string[] = [];
    for (const file of nixFilesUnder(path.join(FIXTURES, 'corpus'))) {
      for (const f of await summary(fs.readFileSync(file, 'utf8'))) found.push(`${path.relative(path.join(FIXTURES, 'corpus'), file)}: ${f.split('@')[0]}`);
    }
    assert.deepEqual(found.sort(), [
      'lib/fleet-lib.nix: unused-binding', // hasPrefix, inherited from lib and never used
      'lib/old-let-syntax.nix: deprecated-syntax',
      'lib/paths.nix: deprecated-syntax',
      'lib/paths.nix: deprecated-syntax',
      'lib/paths.nix: deprecated-syntax',
      'modules/fleet.nix: unused-binding', // mapAttrs
      'modules/fleet.nix: unused-binding', // optionals
      'packages/ros-python-node.nix: redundant-rec',
      'styles/deeply-nested.nix: useless-parens',
      'styles/let-chains.nix: empty-let',
    ]);
  });
});
