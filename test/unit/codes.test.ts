import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_CODES, CODES, disabledCodes, LINT_CODES, switchableCodes } from '../../server/src/analysis/codes';
import { SETTINGS_SPEC } from '../../server/src/config';
import { checkText } from '../../server/src/analysis/check';
import { LockFiles } from '../../server/src/flake/lock';
import { readNixFixture as readNixFile } from '../support/files';
import { expectedFiles } from '../../scripts/codes';
import { sharedParser } from '../support/analysis';
import { FIXTURES, nixFilesUnder } from '../support/corpus';

/** The table of codes is the one source: everything that lists codes is derived from it and kept in step. */

test('the README table, the lint settings in package.json and the config schema are generated from the table', () => {
  for (const { file, text } of expectedFiles()) {
    assert.ok(fs.readFileSync(file, 'utf8') === text, `${path.basename(file)} is out of step with server/src/analysis/codes.ts: run npm run codes`);
  }
});

test('each switch in the table is a boolean setting, and the settings switch exactly those codes', () => {
  const lintKeys = Object.keys(SETTINGS_SPEC).filter((k) => k.startsWith('lints.'));
  assert.deepEqual(lintKeys.sort(), switchableCodes().map((s) => s.setting).sort());
  for (const { code, setting } of switchableCodes()) {
    assert.deepEqual(SETTINGS_SPEC[setting], { kind: 'boolean', default: true });
    assert.deepEqual([...disabledCodes({ settings: { [setting]: false } })], [code]);
  }
  assert.deepEqual([...disabledCodes({ lints: false })].sort(), [...LINT_CODES].sort());
  assert.ok(LINT_CODES.size >= 6);
});

test('every entry is complete: one-line description, a setting only for lints', () => {
  for (const code of ALL_CODES) {
    const info = CODES[code] as (typeof CODES)[typeof code] & { setting?: string };
    assert.match(code, /^[a-z]+(-[a-z]+)*$/);
    assert.ok(info.description.length > 20 && !info.description.includes('\n'), code);
    assert.equal(info.setting !== undefined, info.category === 'lint', `${code}: only lints have a switch`);
  }
});

test('on every fixture, a finding with a quick fix has a code the table calls fixable', async () => {
  const parser = await sharedParser();
  const locks = new LockFiles();
  const seen = new Set<string>();
  for (const file of nixFilesUnder(FIXTURES)) {
    for (const f of checkText(parser, readNixFile(file), { file, lockFile: (flake) => locks.besideFlake(flake) })) {
      seen.add(f.code);
      if (f.fixes?.length) assert.ok(CODES[f.code].fixable, `${f.code} offers a fix in ${path.relative(FIXTURES, file)} but the table says it is not fixable`);
    }
  }
  assert.ok(seen.size >= 15, `the fixtures cover ${seen.size} codes`);
});
