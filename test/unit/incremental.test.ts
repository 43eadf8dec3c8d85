import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NixDocument } from '../../server/src/parse/document';
import { LineIndex } from '../../server/src/text/line-index';
import { check, sharedParser } from '../support/analysis';
import { FIXTURES, nixFilesUnder } from '../support/corpus';
import { rng } from '../support/mutate';

/**
 * Incremental re-analysis (tree.edit + cached subtree summaries and per-module option results)
 * must give exactly what an analysis without caches gives on the same tree, after any sequence of
 * edits, including ones that break the syntax and repair it again. (On text with syntax errors,
 * tree-sitter's incremental parse may recover differently from a fresh parse, so the comparison
 * is on the document's own tree; on valid text the two parses agree, which is checked too.)
 */
const SNIPPETS = ['', ' ', ';', '}', '{', '"', "''", 'x', 'let ', ' in ', 'a = 1;', '\n', '# c\n', '/*', '*/', '${', 'inherit pkgs;', 'é', '😀', '\r\n'];

test('incremental analysis equals a fresh analysis after random edits', async () => {
  const parser = await sharedParser();
  // Realistic files of every kind, and Jetson configurations whose option checks are cached per module.
  const files = [...nixFilesUnder(path.join(FIXTURES, 'corpus')), ...nixFilesUnder(path.join(FIXTURES, 'configs'))].filter((_, i) => i % 7 === 0);
  assert.ok(files.length >= 10, 'the corpus must be present');
  for (const [fi, file] of files.entries()) {
    const random = rng(7 + fi);
    const doc = new NixDocument(parser, fs.readFileSync(file, 'utf8'), 1);
    assert.deepEqual(doc.diagnose(), await check(doc.text), `${file}: initial analysis`);
    for (let step = 0; step < 25; step++) {
      const lines = new LineIndex(doc.text);
      const start = Math.floor(random() * (doc.text.length + 1));
      const end = Math.min(doc.text.length, start + Math.floor(random() * 6));
      const insert = SNIPPETS[Math.floor(random() * SNIPPETS.length)]!;
      doc.applyChanges([{ range: lines.range(start, end), text: insert }], step + 2);
      const got = doc.diagnose();
      const what = `${path.basename(file)}: after edit ${step} (replaced ${start}-${end} with ${JSON.stringify(insert)})`;
      assert.deepEqual(got, doc.diagnoseWithoutCaches(), what);
      if (!doc.syntaxTree().rootNode.hasError) assert.deepEqual(got, await check(doc.text), `${what}, against a fresh parse`);
    }
    doc.dispose();
  }
});

test('several changes in one notification are applied in order', async () => {
  const doc = new NixDocument(await sharedParser(), '{ a = 1; }', 1);
  doc.diagnose();
  doc.applyChanges(
    [
      { range: { start: { line: 0, character: 6 }, end: { line: 0, character: 7 } }, text: 'b' },
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'b: ' },
    ],
    2,
  );
  assert.equal(doc.text, 'b: { a = b; }');
  assert.deepEqual(doc.diagnose(), []);
  doc.applyChanges([{ text: '{ a = c; }' }], 3);
  assert.equal(doc.diagnose()[0]?.message, 'undefined variable `c`');
  doc.dispose();
});

test('an enum extended through a let list outside the module is re-read when the list changes', async () => {
  const text = '{ lib, ... }:\nlet boards = [ "acme" ]; in\n{\n  options.hardware.nvidia-jetpack.carrierBoard = lib.mkOption { type = lib.types.enum boards; };\n  config.hardware.nvidia-jetpack.carrierBoard = "acme2";\n}\n';
  const doc = new NixDocument(await sharedParser(), text, 1);
  assert.deepEqual(doc.diagnose().map((f) => f.code), ['invalid-enum-value']);
  const at = text.indexOf('"acme" ]') + '"acme"'.length;
  const lines = new LineIndex(text);
  doc.applyChanges([{ range: lines.range(at, at), text: ' "acme2"' }], 2);
  assert.deepEqual(doc.diagnose(), []);
  doc.dispose();
});
