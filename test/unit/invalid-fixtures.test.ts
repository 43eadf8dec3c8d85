import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check } from '../support/analysis';
import { FIXTURES } from '../support/corpus';
import { LineIndex } from '../../server/src/text/line-index';

/**
 * Each invalid fixture holds one realistic mistake and names the line a person would point at.
 * We must report it there (or within a line of it, for a missing `;` whose natural place is the
 * end of the previous line), first, with a small range and a message in words.
 */
const dir = path.join(FIXTURES, 'invalid');

test('each realistic mistake is reported on its line, in words, with a small range', async () => {
  const problems: string[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.nix')).sort()) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const expected = JSON.parse(fs.readFileSync(path.join(dir, file.replace(/\.nix$/, '.expected.json')), 'utf8')) as { line: number };
    const errors = (await check(text)).filter((f) => f.severity === 'error');
    const lines = new LineIndex(text);
    const first = errors[0];
    if (!first) {
      problems.push(`${file}: no error reported`);
      continue;
    }
    const line = lines.lineOf(first.start) + 1;
    // An unterminated string is reported at its opening quote, as every parser does.
    if (Math.abs(line - expected.line) > 1 && !first.message.startsWith('unterminated')) problems.push(`${file}: first error on line ${line}, the mistake is on line ${expected.line}: ${first.message}`);
    if (first.end - first.start > 40) problems.push(`${file}: the range is ${first.end - first.start} characters long`);
    if (/^syntax error$/.test(first.message)) problems.push(`${file}: message says nothing`);
    const syntaxErrors = errors.filter((f) => f.code === 'syntax-error').length;
    if (syntaxErrors > 2) problems.push(`${file}: ${syntaxErrors} syntax errors for one mistake`);
  }
  assert.deepEqual(problems, []);
});
