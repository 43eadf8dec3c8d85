import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseFormatter, formattingEdits, runFormatter, type OffsetEdit } from '../../server/src/features/formatting';

/**
 * No Nix formatter can be installed here (none is packaged in Debian bookworm or on npm), so
 * test/fixtures/formatter/nixfmt stands in for nixfmt: stdin → formatted stdout, exit 1 with a
 * message on stderr for input it cannot parse. It is copied into temporary folders put on PATH.
 */
const FAKE_NIXFMT = path.join(__dirname, '..', 'fixtures', 'formatter', 'nixfmt');

let bin: string;
before(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-fmt-'));
});
after(() => fs.rmSync(bin, { recursive: true, force: true }));

/** A folder holding executables with these names (copies of the fake nixfmt). */
function folderWith(...names: string[]): string {
  const dir = fs.mkdtempSync(path.join(bin, 'path-'));
  for (const name of names) {
    fs.copyFileSync(FAKE_NIXFMT, path.join(dir, name));
    fs.chmodSync(path.join(dir, name), 0o755);
  }
  return dir;
}

function apply(text: string, edits: OffsetEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

describe('choosing a formatter', () => {
  test('auto takes the first of nixfmt, alejandra, nixpkgs-fmt found on PATH', () => {
    const a = folderWith('nixpkgs-fmt');
    const b = folderWith('alejandra', 'nixpkgs-fmt');
    const choice = chooseFormatter('auto', [a, b].join(path.delimiter));
    assert.equal(choice.kind === 'found' && choice.name, 'alejandra');
    assert.deepEqual(choice.kind === 'found' && choice.args, ['--quiet'], 'alejandra formats stdin when given no paths');
    assert.equal(chooseFormatter('auto', a).kind === 'found' && (chooseFormatter('auto', a) as { name: string }).name, 'nixpkgs-fmt');
  });

  test('a named formatter, none, and nothing installed', () => {
    const dir = folderWith('nixfmt');
    const named = chooseFormatter('nixfmt', dir);
    assert.equal(named.kind === 'found' && named.executable, path.join(dir, 'nixfmt'));
    assert.deepEqual(chooseFormatter('alejandra', dir), { kind: 'missing', wanted: ['alejandra'] });
    assert.deepEqual(chooseFormatter('none', dir), { kind: 'off' });
    assert.deepEqual(chooseFormatter('auto', folderWith()), { kind: 'missing', wanted: ['nixfmt', 'alejandra', 'nixpkgs-fmt'] });
    assert.deepEqual(chooseFormatter('auto', undefined), { kind: 'missing', wanted: ['nixfmt', 'alejandra', 'nixpkgs-fmt'] });
  });

  test('a file that is not executable is not a formatter', () => {
    const dir = fs.mkdtempSync(path.join(bin, 'noexec-'));
    fs.writeFileSync(path.join(dir, 'nixfmt'), '');
    fs.chmodSync(path.join(dir, 'nixfmt'), 0o644);
    assert.equal(chooseFormatter('auto', dir).kind, 'missing');
  });
});

describe('running a formatter', () => {
  test('stdin to stdout', async () => {
    const exe = path.join(folderWith('nixfmt'), 'nixfmt');
    const result = await runFormatter(exe, [], '{\na = 1;   \n}');
    assert.deepEqual(result, { ok: true, text: '{\n  a = 1;\n}\n' });
  });

  test('a syntax error is a result with the formatter\'s message, not an exception', async () => {
    const exe = path.join(folderWith('nixfmt'), 'nixfmt');
    const result = await runFormatter(exe, [], '{ a = 1;');
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /exited with code 1/);
    assert.match(result.ok ? '' : result.stderr, /unexpected end of input/);
  });

  test('a formatter that hangs is stopped; one that is missing or prints nothing fails cleanly', async () => {
    const exe = path.join(folderWith('nixfmt'), 'nixfmt');
    process.env.FAKE_NIXFMT_SLEEP_MS = '5000';
    try {
      const started = Date.now();
      const slow = await runFormatter(exe, [], '{ }', { timeoutMs: 300 });
      assert.match(slow.ok ? '' : slow.reason, /did not finish within 0\.3 s/);
      assert.ok(Date.now() - started < 3000);
    } finally {
      delete process.env.FAKE_NIXFMT_SLEEP_MS;
    }
    const missing = await runFormatter(path.join(bin, 'no-such-formatter'), [], '{ }');
    assert.match(missing.ok ? '' : missing.reason, /could not be started/);
    const silent = path.join(bin, 'silent');
    fs.writeFileSync(silent, '#!/bin/sh\ncat > /dev/null\n');
    fs.chmodSync(silent, 0o755);
    const empty = await runFormatter(silent, [], '{ a = 1; }');
    assert.match(empty.ok ? '' : empty.reason, /printed nothing/, 'an empty answer never wipes the document');
  });
});

describe('edits from a formatted text', () => {
  test('applying the edits gives the formatted text (random texts)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pieces = ['{', '}', '  a = 1;', 'b = [ 1 2 ];', '', '    # note', 'in', 'let', '  x'];
    const make = () => Array.from({ length: Math.floor(random() * 14) }, () => pieces[Math.floor(random() * pieces.length)]).join('\n') + (random() < 0.5 ? '\n' : '');
    for (let i = 0; i < 2000; i++) {
      const before = make();
      const formatted = make();
      const edits = formattingEdits(before, formatted);
      assert.equal(apply(before, edits), formatted, JSON.stringify({ before, formatted, edits }));
      for (let j = 1; j < edits.length; j++) assert.ok(edits[j]!.start >= edits[j - 1]!.end, 'edits do not overlap');
    }
  });

  test('only the changed lines are touched', () => {
    const before = '{\n  a = 1;\nb = 2;\n  c = 3;\n}\n';
    const formatted = '{\n  a = 1;\n  b = 2;\n  c = 3;\n}\n';
    const edits = formattingEdits(before, formatted);
    assert.deepEqual(edits, [{ start: before.indexOf('b = 2'), end: before.indexOf('  c'), newText: '  b = 2;\n' }]);
    assert.deepEqual(formattingEdits(formatted, formatted), []);
  });

  test('a range keeps only the groups that touch it, each self-contained', () => {
    const before = '{\na = 1;\n  b = {\n  c = 2; };\nd = 3;\n}\n';
    // `};` moves to its own line: the change of line 3 is not whitespace-only without line 4.
    const formatted = '{\n  a = 1;\n  b = {\n    c = 2;\n  };\n  d = 3;\n}\n';
    const all = formattingEdits(before, formatted);
    assert.equal(apply(before, all), formatted);
    const middle = formattingEdits(before, formatted, { start: 3, end: 3 });
    assert.equal(middle.length, 1);
    assert.equal(apply(before, middle), '{\na = 1;\n  b = {\n    c = 2;\n  };\nd = 3;\n}\n');
    const first = formattingEdits(before, formatted, { start: 1, end: 1 });
    assert.equal(apply(before, first), '{\n  a = 1;\n  b = {\n  c = 2; };\nd = 3;\n}\n');
  });

  test('CRLF documents keep their line endings', () => {
    const before = '{\r\na = 1;\r\n}\r\n';
    const edits = formattingEdits(before, '{\n  a = 1;\n}\n');
    assert.equal(apply(before, edits), '{\r\n  a = 1;\r\n}\r\n');
  });
});
