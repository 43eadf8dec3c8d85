import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkVerdicts as check } from '../support/analysis';

/** Hostile input: every case must finish with a sensible answer and no exception. */

test('a 5 MB file is analysed', async () => {
  const unit = '  robot-N = { config, lib, pkgs, ... }: {\n    hardware.nvidia-jetpack = { enable = true; som = "orin-agx"; };\n    environment.systemPackages = [ pkgs.htop ];\n  };\n';
  let text = '{\n';
  for (let i = 0; text.length < 5 * 1024 * 1024; i++) text += unit.replace('N', String(i));
  text += '}\n';
  assert.deepEqual(await check(text), []);
});

test('a file with NUL bytes: Nix stops at the first one, and we say so', async () => {
  const findings = await check('{ a = 1; }\0garbage {{{');
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.severity, 'warning');
  assert.match(findings[0]!.message, /NUL byte/);
});

test('invalid UTF-8 decoded with replacement characters is fine inside strings', async () => {
  const bytes = Buffer.concat([Buffer.from('{ a = "'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"; }')]);
  const text = new TextDecoder('utf-8').decode(bytes);
  assert.deepEqual(await check(text), []);
});

test('20,000 nested parentheses: no stack overflow, and the same verdict as Nix (too deep)', async () => {
  const text = '('.repeat(20000) + '1' + ')'.repeat(20000);
  const findings = await check(text);
  assert.equal(findings.length, 1);
  assert.match(findings[0]!.message, /nested too deeply/);
  const shallow = '('.repeat(3000) + '1' + ')'.repeat(3000);
  assert.deepEqual(await check(shallow), []);
});

test('an empty file and a file that is one unterminated string', async () => {
  assert.match((await check(''))[0]!.message, /no expression/);
  const findings = await check('"' + 'x'.repeat(100000));
  assert.deepEqual(findings.map((f) => f.message), ['unterminated string: it has no closing `"`']);
});

test('CRLF line endings give the same findings, on the right lines', async () => {
  const lf = '{\n  a = b;\n  c = 1;\n  c = 2;\n}\n';
  const crlf = lf.replace(/\n/g, '\r\n');
  const a = await check(lf);
  const b = await check(crlf);
  assert.deepEqual(a.map((f) => f.message), b.map((f) => f.message));
  assert.equal(b.length, 2);
});

test('a binary file gives an answer, not an exception', async () => {
  const bytes = Buffer.alloc(4096);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251 + 1;
  const findings = await check(new TextDecoder('utf-8').decode(bytes));
  assert.ok(findings.length >= 1);
  assert.ok(findings.some((f) => f.severity === 'error'));
});

test('input that once made the analysis slow or overflow its stack finishes quickly', async () => {
  // 2,400 nested sets (duplicate checks copied each level), pasted TOML (1,000 syntax errors),
  // a 3,000-deep list as an option value, 20,000 nested interpolations.
  const nestedSets = '{ a = '.repeat(2400) + '1' + '; }'.repeat(2400);
  assert.deepEqual(await check(nestedSets), []);
  const toml = '{\n' + Array.from({ length: 1000 }, (_, i) => `  key${i} = "value${i}"`).join('\n') + '\n}\n';
  assert.ok((await check(toml)).some((f) => f.code === 'syntax-error'));
  const deepList = '{ config, ... }: { foo = ' + '['.repeat(3000) + ']'.repeat(3000) + '; }';
  assert.deepEqual(await check(deepList), []);
  const interpolations = '"${'.repeat(20000) + '1' + '}"'.repeat(20000);
  assert.ok(Array.isArray(await check(interpolations)));
  // Module lists that name each other (each name read again at every step took 3^24 steps).
  const loop = '{ nixpkgs, ... }: let a = [ b b b ]; b = [ a a a ]; in { nixosConfigurations.x = nixpkgs.lib.nixosSystem { modules = [ a ]; }; }';
  assert.deepEqual(await check(loop), []);
  const selfRefs = `{ self, nixpkgs }: { nixosModules.m = { }; nixosConfigurations = { ${Array.from({ length: 2000 }, (_, i) => `c${i} = nixpkgs.lib.nixosSystem { modules = [ self.nixosModules.m ]; };`).join(' ')} }; }`;
  assert.deepEqual(await check(selfRefs), []);
});
