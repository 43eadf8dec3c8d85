import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkFiles, collectFacts, collectLiveSchemas } from '../../server/src/cli/check-files';
import { collectNixFiles } from '../../server/src/cli/files';
import { readNixFixture as readNixFile } from '../support/files';
import { readFlake } from '../../server/src/flake/inputs';
import { LockFiles } from '../../server/src/flake/lock';
import { flakeFindings } from '../../server/src/features/flake-inputs';
import { LineIndex } from '../../server/src/text/line-index';
import { sharedParser } from '../support/analysis';
import { FIXTURES } from '../support/corpus';

/**
 * Fixture flakes in the shapes real repositories have (test/fixtures/shapes/<case>/, each with an
 * `expected.json`), checked as `jetson-nix check <case>` checks them: every file, the facts the
 * files give each other, the schema the flake.lock pins, and the checks of flake.nix's inputs.
 * `expected.json` lists every finding as the start of its line `file:line severity code: message`;
 * nothing else may be reported.
 */
const SHAPES = path.join(FIXTURES, 'shapes');

interface Expected {
  description: string;
  findings: string[];
  /** What `jetson-nix check` says on stderr about the schema, each by a part of it; none when absent. */
  notes?: string[];
}

/** Every finding for a case folder, one line each, sorted by file and line; and the notes about the schema. */
async function findingsOf(dir: string): Promise<{ found: string[]; notes: string[] }> {
  const parser = await sharedParser();
  const { files } = collectNixFiles([dir]);
  const shared = collectFacts(parser, files);
  const notes: string[] = [];
  shared.schemas = await collectLiveSchemas(parser, files, (m) => notes.push(m));
  const lines = new Set<string>();
  const at = (file: string, line: number) => `${path.relative(dir, file)}:${line}`;
  for (const r of checkFiles(parser, files, shared)) lines.add(`${at(r.file, r.range.start.line + 1)} ${r.severity} ${r.code}: ${r.message}`);
  // The checks of flake.nix's inputs against flake.lock (a Set: once `check` covers them too, they are not doubled).
  for (const file of files.filter((f) => path.basename(f) === 'flake.nix')) {
    const text = readNixFile(file);
    const tree = parser.parse(text)!;
    const model = readFlake(tree.rootNode, text);
    const index = new LineIndex(text);
    for (const f of model ? flakeFindings(model, new LockFiles().besideFlake(file)) : []) lines.add(`${at(file, index.lineOf(f.start) + 1)} ${f.severity} ${f.code}: ${f.message}`);
    tree.delete();
  }
  return { found: [...lines].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })), notes };
}

describe('fixture flakes in the shapes of real repositories', () => {
  for (const name of fs.readdirSync(SHAPES).filter((n) => fs.statSync(path.join(SHAPES, n)).isDirectory()).sort()) {
    const dir = path.join(SHAPES, name);
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
    test(`${name}: ${expected.description}`, async () => {
      const { found, notes } = await findingsOf(dir);
      const expectedNotes = expected.notes ?? [];
      assert.equal(notes.length, expectedNotes.length, `notes: ${notes.join('\n')}`);
      expectedNotes.forEach((n, i) => assert.ok(notes[i]!.includes(n), `${notes[i]} should say ${n}`));
      const unmatched = [...found];
      const missing: string[] = [];
      for (const e of expected.findings) {
        const i = unmatched.findIndex((f) => f.startsWith(e));
        if (i < 0) missing.push(e);
        else unmatched.splice(i, 1);
      }
      assert.deepEqual({ missing, unexpected: unmatched }, { missing: [], unexpected: [] }, `all findings:\n${found.join('\n')}`);
    });
  }
});
