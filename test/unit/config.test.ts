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
    assert.deepEqual(p.default, spec.default, key);
    if (spec.kind === 'number') {
      assert.equal(p.type, 'number', key);
      assert.deepEqual([p.minimum, p.maximum], [spec.min, spec.max], key);
    } else if (spec.kind === 'enum') {
      assert.equal(p.type, 'string', key);
      assert.deepEqual(p.enum, spec.values, key);
    } else if (spec.kind === 'robots') {
      assert.equal(p.type, 'array', key);
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
  assert.deepEqual(paths.sort(), ['jetsonNix.deploy.sshConfigFile', 'jetsonNix.nix.executable', 'jetsonNix.usb.sysfsRoot']);
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

test('jetsonNix.robots keeps the valid robots and says why each other one is left out', () => {
  const { settings, problems } = readSettings({
    robots: [
      { name: 'arm-1', host: '10.0.0.5', configuration: 'robot' },
      { name: 'arm-2', host: 'arm-2.lan', user: 'ops', port: 2222, configuration: 'fleet#robot' },
      { name: 'no-host', configuration: 'robot' },
      { name: 'bad-port', host: 'x', port: 70000, configuration: 'robot' },
      { name: 'arm-1', host: 'again', configuration: 'robot' },
      { name: 'typo', host: 'x', configuraton: 'robot', configuration: 'robot' },
      'arm-3',
    ],
    deploy: { sshConfigFile: '' },
  });
  assert.deepEqual(settings.robots, [
    { name: 'arm-1', host: '10.0.0.5', configuration: 'robot' },
    { name: 'arm-2', host: 'arm-2.lan', user: 'ops', port: 2222, configuration: 'fleet#robot' },
  ]);
  assert.deepEqual(problems, [
    'jetsonNix.robots[2] needs name, host and configuration (non-empty strings); it is left out',
    'jetsonNix.robots[3] has a port that is not a whole number from 1 to 65535; it is left out',
    'jetsonNix.robots[4] repeats the name "arm-1"; it is left out',
    'jetsonNix.robots[5] has an unknown key "configuraton"; it is left out',
    'jetsonNix.robots[6] is not an object; it is left out',
  ]);
  assert.equal(settings['deploy.sshConfigFile'], '', 'an empty ssh_config setting is valid: SSH uses its own');
  assert.deepEqual(readSettings({ robots: 'arm-1' }).problems, ['jetsonNix.robots must be a list of { name, host, user?, port?, configuration }; using []']);
});
