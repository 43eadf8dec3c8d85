import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectOtherNixServer, generalFeaturesStatus, type ExtensionsView } from '../../client/src/other-servers';
import { findExecutable } from '../../client/src/nix/dev-env';
import { codesOf, describeGeneralFeatures, generalFeaturesOn, isGeneralCode, readOtherServer } from '../../server/src/lsp/general-features';
import { LINT_CODES } from '../../server/src/analysis/lints';

/**
 * Which other Nix language server runs, from the extensions and settings VS Code reports (here
 * given as plain data), with executables looked up for real in a temporary PATH.
 */
const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-other-servers-'));
const made = [bin];
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});
for (const name of ['nixd', 'nil', 'rnix-lsp']) {
  fs.writeFileSync(path.join(bin, name), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
}
const nixdInStore = path.join(bin, 'store-nixd-2.6', 'bin', 'nixd');
fs.mkdirSync(path.dirname(nixdInStore), { recursive: true });
fs.writeFileSync(nixdInStore, '#!/bin/sh\nexit 1\n', { mode: 0o755 });

function view(extensions: string[], settings: Record<string, unknown>, onPath: string[] = ['nixd', 'nil', 'rnix-lsp']): ExtensionsView {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-path-'));
  made.push(dir);
  for (const name of onPath) fs.copyFileSync(path.join(bin, name), path.join(dir, name));
  for (const name of onPath) fs.chmodSync(path.join(dir, name), 0o755);
  return {
    enabled: (id) => extensions.includes(id),
    setting: (key) => settings[key],
    findExecutable: (command) => findExecutable(command, dir),
  };
}

const NIX_IDE = 'jnoortheen.nix-ide';
const VIA = 'Nix IDE (jnoortheen.nix-ide)';

describe('detecting another Nix language server', () => {
  test('none without a Nix extension, or with Nix IDE whose language server is off (its default)', () => {
    assert.deepEqual(detectOtherNixServer(view([], {})), { server: null, notes: [] });
    assert.deepEqual(detectOtherNixServer(view([NIX_IDE], {})), { server: null, notes: [] });
    assert.deepEqual(detectOtherNixServer(view([NIX_IDE], { 'nix.enableLanguageServer': false, 'nix.serverPath': 'nil' })), { server: null, notes: [] });
    // Settings of a disabled or uninstalled Nix IDE start nothing.
    assert.deepEqual(detectOtherNixServer(view([], { 'nix.enableLanguageServer': true })), { server: null, notes: [] });
  });

  test("Nix IDE's language server: nixd by default, or what nix.serverPath names", () => {
    const on = (serverPath: unknown, onPath?: string[]) => detectOtherNixServer(view([NIX_IDE], { 'nix.enableLanguageServer': true, 'nix.serverPath': serverPath }, onPath));
    assert.deepEqual(on(undefined).server, { name: 'nixd', via: VIA });
    assert.deepEqual(on('nixd').server, { name: 'nixd', via: VIA });
    assert.deepEqual(on('nil').server, { name: 'nil', via: VIA });
    assert.deepEqual(on(['nil', '--stdio']).server, { name: 'nil', via: VIA });
    assert.deepEqual(on(nixdInStore, []).server, { name: 'nixd', via: VIA });
    // An empty list: Nix IDE takes the first of nixd and nil on PATH.
    assert.deepEqual(on([], ['nil']).server, { name: 'nil', via: VIA });
    // Variables (Nix IDE expands them) and relative paths cannot be checked: trusted.
    assert.deepEqual(on('${workspaceFolder}/bin/nixd', []).server, { name: 'nixd', via: VIA });
    assert.deepEqual(on('./tools/nil', []).server, { name: 'nil', via: VIA });
  });

  test('a command that is not there starts no server, and the note says so', () => {
    const missing = detectOtherNixServer(view([NIX_IDE], { 'nix.enableLanguageServer': true }, ['nil']));
    assert.equal(missing.server, null);
    assert.deepEqual(missing.notes, [
      'Nix IDE (jnoortheen.nix-ide) is set to start nixd (nix.serverPath), but nixd is not on PATH, so it runs no language server: Jetson Nix keeps the general Nix features.',
    ]);
    const absent = detectOtherNixServer(view([NIX_IDE], { 'nix.enableLanguageServer': true, 'nix.serverPath': path.join(bin, 'absent') }));
    assert.equal(absent.server, null);
    assert.match(absent.notes[0]!, /set to start absent \(nix\.serverPath\), but \/.*\/absent is not an executable file/);
    const empty = detectOtherNixServer(view([NIX_IDE], { 'nix.enableLanguageServer': true, 'nix.serverPath': '' }));
    assert.equal(empty.server, null);
    assert.match(empty.notes[0]!, /is set to start a language server \(nix\.serverPath\), but the command is empty/);
  });

  test("rnix-lsp's extension (Nix LSP) starts rnix-lsp", () => {
    assert.deepEqual(detectOtherNixServer(view(['aaronduino.nix-lsp'], {})).server, { name: 'rnix-lsp', via: 'Nix LSP (aaronduino.nix-lsp)' });
    const missing = detectOtherNixServer(view(['aaronduino.nix-lsp'], {}, []));
    assert.equal(missing.server, null);
    assert.match(missing.notes[0]!, /^Nix LSP \(aaronduino\.nix-lsp\) is set to start rnix-lsp, but rnix-lsp is not on PATH/);
    // Nix IDE comes first when both run a server.
    assert.equal(detectOtherNixServer(view([NIX_IDE, 'aaronduino.nix-lsp'], { 'nix.enableLanguageServer': true, 'nix.serverPath': 'nil' })).server?.name, 'nil');
  });
});

describe('the general features and the setting', () => {
  const nixd = { name: 'nixd', via: VIA };

  test('auto leaves them to another server; on and off do what they say', () => {
    assert.equal(generalFeaturesOn('auto', null), true);
    assert.equal(generalFeaturesOn('auto', nixd), false);
    assert.equal(generalFeaturesOn('on', nixd), true);
    assert.equal(generalFeaturesOn('off', null), false);
  });

  test('the general codes are the Nix language ones; every lint is one; the Jetson and flake checks are not', () => {
    assert.deepEqual(codesOf('general').sort(), ['deprecated-syntax', 'duplicate-attribute', 'empty-let', 'redundant-rec', 'syntax-error', 'undefined-variable', 'unused-binding', 'unused-with', 'useless-parens']);
    for (const code of LINT_CODES) assert.ok(isGeneralCode(code), code);
    for (const code of ['invalid-enum-value', 'unknown-option', 'nixpkgs-not-followed', 'file-too-large', 'a-code-not-yet-written']) assert.equal(isGeneralCode(code), false, code);
  });

  test('what the log and the status item say', () => {
    assert.equal(describeGeneralFeatures('auto', null), undefined);
    assert.equal(describeGeneralFeatures('on', null), undefined);
    assert.match(describeGeneralFeatures('auto', nixd)!, /^nixd \(started by Nix IDE \(jnoortheen\.nix-ide\)\) is active: Jetson Nix leaves syntax errors, .* formatting to it, and keeps its Jetson, ROS, NixOS option and flake features\. Set jetsonNix\.generalNixFeatures to "on" to have both\.$/);
    assert.match(describeGeneralFeatures('off', nixd)!, /^jetsonNix\.generalNixFeatures is off/);
    assert.equal(generalFeaturesStatus('auto', null), undefined);
    assert.equal(generalFeaturesStatus('on', null), undefined);
    assert.deepEqual(generalFeaturesStatus('auto', nixd), {
      text: 'General Nix features: nixd',
      detail: 'Left to nixd (Nix IDE (jnoortheen.nix-ide)); Jetson Nix keeps its Jetson, ROS, option and flake features',
    });
    assert.equal(generalFeaturesStatus('on', nixd)?.text, 'General Nix features: on beside nixd');
    assert.equal(generalFeaturesStatus('off', null)?.text, 'General Nix features: off');
  });

  test("the README's table leaves exactly the general codes to the other server", () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Side by side with Nix IDE, nixd or nil'), readme.indexOf('## Install the extension'));
    const rows = section.split('\n').filter((l) => l.startsWith('| '));
    const left = rows.filter((r) => r.includes('| left to it |')).join('\n');
    const kept = rows.filter((r) => !r.includes('| left to it |')).join('\n');
    for (const code of codesOf('general')) assert.ok(left.includes(`\`${code}\``), `${code} is in a "left to it" row`);
    for (const code of codesOf('own')) assert.ok(!left.includes(`\`${code}\``), `${code} is not left to another server`);
    assert.match(kept, /`unknown-option` … `ineffective-option`, `module-structure`/);
  });

  test('what the client sends is checked', () => {
    assert.deepEqual(readOtherServer({ name: 'nixd', via: VIA }), nixd);
    assert.deepEqual(readOtherServer({ name: 'nil' }), { name: 'nil', via: 'another extension' });
    for (const bad of [null, undefined, 'nixd', 42, { name: '' }, { name: 7 }, []]) assert.equal(readOtherServer(bad), null, JSON.stringify(bad));
    assert.equal(readOtherServer({ name: 'x'.repeat(10_000) })?.name.length, 200);
  });
});
