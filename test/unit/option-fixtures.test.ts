import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { createNixParser } from '../../server/src/parse/parser';
import { collectFacts, type SharedFacts } from '../../server/src/cli/check-files';
import { checkText } from '../../server/src/analysis/check';
import type { DiagnosticCode, Finding } from '../../server/src/analysis/diagnostic';
import { LineIndex } from '../../server/src/text/line-index';

/**
 * Option checking against a fleet of realistic Jetson configurations (test/fixtures/configs).
 *
 * valid/: each file is a configuration NixOS and jetpack-nixos accept (every file parses with
 * `nix-instantiate --parse`). The checker must report nothing at all, of any severity: zero false
 * positives is the hard requirement.
 *
 * invalid/: each file holds one realistic option mistake, described by `<name>.expected.json`
 * (`code`, 1-based `line`, `messageIncludes`). The checker must report exactly that one finding.
 *
 * Cases where the checker is currently wrong are marked `todo` with the reason, so the suite stays
 * green while saying what is broken. Remove an entry once the checker is fixed.
 */

const CONFIGS = path.join(__dirname, '..', 'fixtures', 'configs');
const VALID = path.join(CONFIGS, 'valid');
const INVALID = path.join(CONFIGS, 'invalid');

/** Valid configurations the checker reports anyway (false positives). */
const VALID_TODO: Record<string, string> = {
};

/** Invalid configurations the checker misses or reports wrongly. */
const INVALID_TODO: Record<string, string> = {
};

interface Expected {
  code: DiagnosticCode;
  line: number;
  messageIncludes: string;
}

let parser: Parser;

before(async () => {
  parser = await createNixParser();
});

function nixFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.nix'))
    .sort();
}

/** What the files of each fixture folder say about each other, as `jetson-nix check` collects it. */
const shared = new Map<string, SharedFacts>();

function findings(file: string): { text: string; found: Finding[] } {
  const dir = path.dirname(file);
  if (!shared.has(dir)) shared.set(dir, collectFacts(parser, nixFiles(dir).map((f) => path.join(dir, f))));
  const facts = shared.get(dir)!;
  const text = fs.readFileSync(file, 'utf8');
  return { text, found: checkText(parser, text, { declarations: facts.declarations, isModuleFile: facts.moduleFiles.includes(path.resolve(file)) }) };
}

/** `code@line:col (severity) message`, for failure messages. */
function show(text: string, found: Finding[]): string {
  const lines = new LineIndex(text);
  return found
    .map((f) => {
      const col = f.start - (text.lastIndexOf('\n', f.start - 1) + 1) + 1;
      return `${f.code}@${lines.lineOf(f.start) + 1}:${col} (${f.severity}) ${f.message}`;
    })
    .join('\n');
}

describe('valid Jetson configurations: no finding at all', () => {
  const files = nixFiles(VALID);

  test('the fixture set is large enough', () => {
    assert.ok(files.length >= 60, `only ${files.length} valid configurations`);
    for (const name of Object.keys(VALID_TODO)) assert.ok(files.includes(name), `VALID_TODO names a missing file: ${name}`);
  });

  for (const name of files) {
    const todo = VALID_TODO[name];
    test(name, todo ? { todo } : {}, () => {
      const { text, found } = findings(path.join(VALID, name));
      assert.equal(found.length, 0, `expected no finding, got:\n${show(text, found)}`);
    });
  }
});

describe('invalid Jetson configurations: exactly the one mistake', () => {
  const files = nixFiles(INVALID);

  test('the fixture set is large enough and every file has its expectation', () => {
    assert.ok(files.length >= 40, `only ${files.length} invalid configurations`);
    for (const name of files) assert.ok(fs.existsSync(path.join(INVALID, name.replace(/\.nix$/, '.expected.json'))), `${name} has no .expected.json`);
    for (const name of Object.keys(INVALID_TODO)) assert.ok(files.includes(name), `INVALID_TODO names a missing file: ${name}`);
  });

  for (const name of files) {
    const todo = INVALID_TODO[name];
    test(name, todo ? { todo } : {}, () => {
      const expected = JSON.parse(fs.readFileSync(path.join(INVALID, name.replace(/\.nix$/, '.expected.json')), 'utf8')) as Expected;
      const { text, found } = findings(path.join(INVALID, name));
      const lines = new LineIndex(text);
      const report = show(text, found) || '(nothing)';
      assert.equal(found.length, 1, `expected exactly one ${expected.code} on line ${expected.line}, got:\n${report}`);
      const f = found[0]!;
      assert.equal(f.code, expected.code, `wrong code:\n${report}`);
      assert.equal(lines.lineOf(f.start) + 1, expected.line, `wrong line:\n${report}`);
      assert.ok(f.message.includes(expected.messageIncludes), `the message should include ${JSON.stringify(expected.messageIncludes)}:\n${report}`);
    });
  }
});
