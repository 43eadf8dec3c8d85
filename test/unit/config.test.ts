import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SETTINGS, SETTINGS_SPEC, readSettings } from '../../server/src/config';

interface Declared {
  type: string;
  default: unknown;
  minimum?: number;
  maximum?: number;
  enum?: string[];
  scope?: string;
}
const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Declared> } };
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations?: string[] } };
};

test('package.json declares every setting with the same type, default and bounds', () => {
  const declared = pkg.contributes.configuration.properties;
  for (const [key, spec] of Object.entries(SETTINGS_SPEC)) {
    const p = declared[`jetsonNix.${key}`];
    assert.ok(p, `jetsonNix.${key} is missing from package.json`);
    assert.equal(p.default, spec.default, key);
    if (spec.kind === 'number') {
      assert.equal(p.type, 'number', key);
      assert.deepEqual([p.minimum, p.maximum], [spec.min, spec.max], key);
    } else if (spec.kind === 'enum') {
      assert.equal(p.type, 'string', key);
      assert.deepEqual(p.enum, spec.values, key);
    } else {
      assert.equal(p.type, spec.kind, key);
    }
  }
  const ours = Object.keys(declared).filter((k) => k !== 'jetsonNix.trace.server');
  assert.deepEqual(ours.sort(), Object.keys(SETTINGS_SPEC).map((k) => `jetsonNix.${k}`).sort());
});

test('settings that name an executable or a system path are machine settings, ignored in Restricted Mode', () => {
  const declared = pkg.contributes.configuration.properties;
  // Every free-form string setting here names a file (an enum names a choice): a cloned
  // repository's .vscode/settings.json must not pick what runs, or where the scan reads.
  const paths = Object.entries(declared).filter(([, p]) => p.type === 'string' && !p.enum).map(([key]) => key);
  assert.deepEqual(paths.sort(), ['jetsonNix.nix.executable', 'jetsonNix.usb.sysfsRoot']);
  for (const key of paths) assert.ok(['machine', 'machine-overridable'].includes(declared[key]!.scope ?? ''), `${key} has scope ${declared[key]!.scope}`);
  assert.deepEqual([...(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations ?? [])].sort(), paths);
});

test('settings are read nested or flat, and invalid values fall back with a reason', () => {
  assert.equal(readSettings({ diagnostics: { debounceMs: 5 } }).settings['diagnostics.debounceMs'], 5);
  assert.equal(readSettings({ 'diagnostics.maxFileSizeKb': 10 }).settings['diagnostics.maxFileSizeKb'], 10);
  assert.equal(readSettings({ lints: { unusedWith: false } }).settings['lints.unusedWith'], false);
  assert.equal(readSettings({ flash: { elevation: 'pkexec' } }).settings['flash.elevation'], 'pkexec');
  const bad = readSettings({
    diagnostics: { debounceMs: -1, maxFileSizeKb: 'big' },
    lints: { emptyLet: 'no' },
    formatting: { formatter: 'gofmt' },
    usb: { sysfsRoot: '' },
  });
  assert.deepEqual(bad.settings, DEFAULT_SETTINGS);
  assert.equal(bad.problems.length, 5);
  assert.match(bad.problems.join('\n'), /formatting\.formatter must be one of auto, nixfmt/);
  assert.deepEqual(readSettings(null).settings, DEFAULT_SETTINGS);
});
