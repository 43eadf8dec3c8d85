// Snapshot tests for syntaxes/nix.tmLanguage.json.
//
// Every test/grammar/cases/<name>.nix is tokenized and compared with
// test/grammar/snapshots/<name>.snap (format described in tokenize.ts).
// Run with UPDATE_SNAPSHOTS=1 to rewrite the snapshots, then review them by eye:
//   UPDATE_SNAPSHOTS=1 node --import tsx --test test/grammar/*.test.ts
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { IGrammar } from 'vscode-textmate';
import * as oniguruma from 'vscode-oniguruma';
import { lineDiff } from './diff';
import { formatTokens, grammarPath, loadNixGrammar, loadOnigLib, tokenizeDocument } from './tokenize';

const casesDir = path.join(__dirname, 'cases');
const snapshotsDir = path.join(__dirname, 'snapshots');
const update = process.env['UPDATE_SNAPSHOTS'] === '1';

const caseNames = readdirSync(casesDir)
  .filter((f) => f.endsWith('.nix'))
  .map((f) => f.slice(0, -'.nix'.length))
  .sort();

describe('nix.tmLanguage.json snapshots', () => {
  let grammar: IGrammar;
  before(async () => {
    grammar = await loadNixGrammar();
  });

  for (const name of caseNames) {
    test(name, () => {
      const source = readFileSync(path.join(casesDir, `${name}.nix`), 'utf8');
      const actual = formatTokens(tokenizeDocument(grammar, source));
      const snapshotPath = path.join(snapshotsDir, `${name}.snap`);
      if (update) {
        mkdirSync(snapshotsDir, { recursive: true });
        writeFileSync(snapshotPath, actual);
        return;
      }
      if (!existsSync(snapshotPath)) {
        assert.fail(`no snapshot for ${name}: run with UPDATE_SNAPSHOTS=1 and review ${snapshotPath}`);
      }
      const expected = readFileSync(snapshotPath, 'utf8');
      if (actual !== expected) {
        assert.fail(
          `tokens of cases/${name}.nix differ from snapshots/${name}.snap ` +
            `(- expected, + actual; UPDATE_SNAPSHOTS=1 rewrites it):\n${lineDiff(expected, actual)}`,
        );
      }
    });
  }

  test('every snapshot has a case', () => {
    if (!existsSync(snapshotsDir)) return;
    const orphans = readdirSync(snapshotsDir)
      .filter((f) => f.endsWith('.snap'))
      .map((f) => f.slice(0, -'.snap'.length))
      .filter((name) => !caseNames.includes(name));
    if (update) {
      for (const name of orphans) unlinkSync(path.join(snapshotsDir, `${name}.snap`));
      return;
    }
    assert.deepEqual(orphans, [], 'snapshots without a case (UPDATE_SNAPSHOTS=1 removes them)');
  });
});

type RawRule = {
  include?: string;
  match?: string;
  begin?: string;
  end?: string;
  while?: string;
  patterns?: RawRule[];
  repository?: Record<string, RawRule>;
  captures?: Record<string, RawRule>;
  beginCaptures?: Record<string, RawRule>;
  endCaptures?: Record<string, RawRule>;
};

/** Every rule of the grammar with a readable location. */
function* walk(rule: RawRule, where: string): Generator<[string, RawRule]> {
  yield [where, rule];
  for (const [i, child] of (rule.patterns ?? []).entries()) yield* walk(child, `${where}.patterns[${i}]`);
  for (const [key, child] of Object.entries(rule.repository ?? {})) yield* walk(child, `#${key}`);
  for (const field of ['captures', 'beginCaptures', 'endCaptures'] as const) {
    for (const [key, child] of Object.entries(rule[field] ?? {})) yield* walk(child, `${where}.${field}[${key}]`);
  }
}

describe('nix.tmLanguage.json structure', () => {
  const raw = JSON.parse(readFileSync(grammarPath, 'utf8')) as RawRule & { scopeName?: string };

  test('has the source.nix scope', () => {
    assert.equal(raw.scopeName, 'source.nix');
  });

  test('every include points at a repository entry', () => {
    const keys = new Set(Object.keys(raw.repository ?? {}));
    for (const [where, rule] of walk(raw, '$')) {
      if (rule.include === undefined || rule.include === '$self' || rule.include === '$base') continue;
      assert.ok(rule.include.startsWith('#') && keys.has(rule.include.slice(1)), `${where}: unknown include ${rule.include}`);
    }
  });

  test('every regex compiles with oniguruma', async () => {
    await loadOnigLib();
    for (const [where, rule] of walk(raw, '$')) {
      for (const field of ['match', 'begin', 'end', 'while'] as const) {
        const source = rule[field];
        if (source === undefined) continue;
        assert.doesNotThrow(() => new oniguruma.OnigScanner([source]).dispose(), `${where}.${field}: ${source}`);
      }
    }
  });
});

/** Runs `nix-instantiate --parse` on a file; undefined when Nix is not installed. */
function nixParse(file: string): { ok: boolean; error: string } | undefined {
  const r = spawnSync('nix-instantiate', ['--parse', file], { encoding: 'utf8' });
  if (r.error) return undefined;
  // --parse also reports unbound variables; the cases only need to be syntactically valid.
  const error = r.stderr.trim();
  return { ok: r.status === 0 || /undefined variable/.test(error), error };
}

describe('cases are valid Nix (when nix-instantiate is installed)', () => {
  const haveNix = spawnSync('nix-instantiate', ['--version']).error === undefined;
  for (const name of caseNames) {
    const file = path.join(casesDir, `${name}.nix`);
    const skip = !haveNix
      ? 'nix-instantiate not found'
      : /^# nix-parse: skip/.test(readFileSync(file, 'utf8'))
        ? 'marked "# nix-parse: skip"'
        : false;
    test(name, { skip }, () => {
      const result = nixParse(file);
      assert.ok(result, 'nix-instantiate did not run');
      assert.ok(result.ok, `cases/${name}.nix is not valid Nix:\n${result.error}`);
    });
  }
});
