import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SETTINGS, LIMITS, readSettings } from '../../server/src/config';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { type: string; default: unknown; minimum?: number; maximum?: number }> } };
};

test('package.json declares every server setting with the same default and bounds', () => {
  const declared = pkg.contributes.configuration.properties;
  for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) {
    const p = declared[`jetsonNix.${key}`];
    assert.ok(p, `jetsonNix.${key} is missing from package.json`);
    assert.equal(p.type, 'number');
    assert.equal(p.default, value, key);
    assert.deepEqual([p.minimum, p.maximum], LIMITS[key as keyof typeof LIMITS], key);
  }
  const serverKeys = Object.keys(declared).filter((k) => k.startsWith('jetsonNix.diagnostics.'));
  assert.deepEqual(serverKeys.sort(), Object.keys(DEFAULT_SETTINGS).map((k) => `jetsonNix.${k}`).sort());
});

test('settings are read nested or flat, and invalid values fall back with a reason', () => {
  assert.equal(readSettings({ diagnostics: { debounceMs: 5 } }).settings['diagnostics.debounceMs'], 5);
  assert.equal(readSettings({ 'diagnostics.maxFileSizeKb': 10 }).settings['diagnostics.maxFileSizeKb'], 10);
  const bad = readSettings({ diagnostics: { debounceMs: -1, maxFileSizeKb: 'big' } });
  assert.deepEqual(bad.settings, DEFAULT_SETTINGS);
  assert.equal(bad.problems.length, 2);
  assert.deepEqual(readSettings(null).settings, DEFAULT_SETTINGS);
});
