import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from '../support/corpus';
import { tempTree } from '../support/temp-tree';

/** `jetson-nix check` as a fleet repository's CI runs it: the real bin script and bundle. */
const BIN = path.join(__dirname, '..', '..', 'bin', 'jetson-nix.js');

function run(args: string[], cwd = process.cwd()): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}


describe('jetson-nix check', () => {
  test('a valid tree passes with exit 0 and a summary on stderr', () => {
    const r = run(['check', '--no-lints', path.join(FIXTURES, 'corpus')]);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^1\d\d files checked, 0 errors, 0 other findings\n$/);
    assert.equal(r.status, 0);
  });

  test('lints are reported as warnings and hints and do not fail the run', () => {
    const r = run(['check', path.join(FIXTURES, 'corpus')]);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.length > 0, 'the corpus has a few real lint findings');
    for (const line of lines) assert.match(line, /: (warning|hint) (unused-binding|unused-with|empty-let|redundant-rec|deprecated-syntax|useless-parens): /);
    assert.match(r.stderr, /, 0 errors, \d+ other findings\n$/);
    assert.equal(r.status, 0);
  });

  test('errors are printed as file:line:col: severity code: message and exit 1', () => {
    const root = tempTree({ 'hosts/robot.nix': '{ config, ... }:\n{\n  a = 1\n  b = 2;\n}\n', 'ok.nix': '{ }' });
    const r = run(['check', '.'], root);
    assert.equal(r.stdout, 'hosts/robot.nix:3:7: error syntax-error: missing `;` after the binding of `a`\n');
    assert.equal(r.status, 1);
  });

  test('--format json gives 0-based LSP ranges', () => {
    const root = tempTree({ 'a.nix': 'x: y' });
    const r = run(['check', '--format', 'json', 'a.nix'], root);
    assert.equal(r.status, 1);
    assert.deepEqual(JSON.parse(r.stdout), [
      { file: 'a.nix', range: { start: { line: 0, character: 3 }, end: { line: 0, character: 4 } }, severity: 'error', code: 'undefined-variable', message: 'undefined variable `y`' },
    ]);
  });

  test('.git, node_modules and result* folders are skipped; other extensions are ignored', () => {
    const root = tempTree({
      '.git/bad.nix': 'x',
      'node_modules/pkg/bad.nix': 'x',
      'result/bad.nix': 'x',
      'result-2/bad.nix': 'x',
      'notes.txt': 'x',
      'good.nix': '{ }',
    });
    const r = run(['check', root]);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stderr, /^1 file checked/);
  });

  test('bad usage exits 2 with one line and a pointer to --help, never the whole help or a stack trace', () => {
    for (const args of [[], ['check'], ['lint', '.'], ['check', '--format', 'xml', '.'], ['check', '--frobnicate', '.'], ['check', '--jobs', '0', '.']]) {
      const r = run(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /^jetson-nix: [^\n]+ Run 'jetson-nix --help' for usage\.\n$/, args.join(' '));
      assert.equal(r.stdout, '');
    }
  });

  test('a misspelt flag, command or format gets a did-you-mean', () => {
    const cases: [string[], string][] = [
      [['check', '--formt', 'json', '.'], "jetson-nix: unknown option '--formt'; did you mean '--format'? Run 'jetson-nix --help' for usage.\n"],
      [['check', '--no-lint', '.'], "jetson-nix: unknown option '--no-lint'; did you mean '--no-lints'? Run 'jetson-nix --help' for usage.\n"],
      [['check', '--jbos=2', '.'], "jetson-nix: unknown option '--jbos'; did you mean '--jobs'? Run 'jetson-nix --help' for usage.\n"],
      [['check', '--no-lints=yes', '.'], "jetson-nix: --no-lints takes no value. Run 'jetson-nix --help' for usage.\n"],
      [['chek', '.'], "jetson-nix: unknown command 'chek'; did you mean 'check'? Run 'jetson-nix --help' for usage.\n"],
      [['check', '--format', 'sarf', '.'], "jetson-nix: --format must be text, json, github, sarif, not 'sarf'; did you mean 'sarif'? Run 'jetson-nix --help' for usage.\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = run(args);
      assert.equal(r.stderr, stderr, args.join(' '));
      assert.equal(r.status, 2);
    }
  });

  test('--help prints the usage on stdout and exits 0', () => {
    const r = run(['check', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: jetson-nix check/);
    assert.match(r.stdout, /--format FORMAT/);
  });

  test('an explicit folder that holds no .nix file is an error, not a green run', () => {
    const root = tempTree({ 'docs/README.md': '# notes', 'a.nix': '{ }' });
    fs.mkdirSync(path.join(root, 'empty'));
    for (const args of [['check', 'docs'], ['check', 'a.nix', 'empty']]) {
      const r = run(args, root);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /^jetson-nix: (docs|empty): no \.nix file in this folder\n/);
    }
  });

  test('a path that does not exist is reported, the rest is checked, exit 2', () => {
    const root = tempTree({ 'a.nix': 'x' });
    const r = run(['check', 'a.nix', 'missing.nix'], root);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /jetson-nix: missing.nix: no such file or directory/);
    assert.match(r.stdout, /^a.nix:1:1: error undefined-variable/);
  });

  test('hostile files are reported without crashing', () => {
    const root = tempTree({
      'nul.nix': Buffer.from('{ a = 1; }\0junk'),
      'binary.nix': Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x7b, 0x80]),
      'deep.nix': '('.repeat(20000) + '1' + ')'.repeat(20000),
      'empty.nix': '',
      'string.nix': '"unterminated',
      'crlf.nix': '{\r\n  a = 1;\r\n}\r\n',
    });
    const r = run(['check', '--format', 'json', '.'], root);
    assert.equal(r.status, 1);
    const files = new Set((JSON.parse(r.stdout) as { file: string }[]).map((x) => x.file));
    assert.deepEqual([...files].sort(), ['binary.nix', 'deep.nix', 'empty.nix', 'nul.nix', 'string.nix']);
  });

  test('large trees are split across threads with the same result as one thread', () => {
    const files: Record<string, string> = {};
    const template = fs.readFileSync(path.join(FIXTURES, 'corpus', 'modules', 'fleet.nix'), 'utf8');
    for (let i = 0; i < 120; i++) files[`hosts/h${i}.nix`] = i % 10 === 0 ? template.replace('{', '{ broken = ;') : template;
    const root = tempTree(files);
    const one = run(['check', '--no-lints', '--jobs', '1', '--format', 'json', '.'], root);
    const two = run(['check', '--no-lints', '--jobs', '2', '--format', 'json', '.'], root);
    assert.equal(one.status, 1);
    assert.equal(two.stdout, one.stdout);
    assert.equal((JSON.parse(two.stdout) as unknown[]).length, 12);
  });
});

describe('jetson-nix check: what files say about each other', () => {
  test('a bare set of definitions is checked as a module when another file imports it', () => {
    const root = tempTree({
      'hosts/scout/default.nix': '{ config, ... }: {\n  imports = [ ./jetson.nix ];\n}\n',
      'hosts/scout/jetson.nix': '{\n  hardware.nvidia-jetpack.som = "orin-nx";\n  hardware.nvidia-jetpack.carrierBord = "devkit";\n}\n',
      'data/robots.nix': '{\n  hardware.nvidia-jetpack.carrierBord = "not a module: nobody imports it";\n}\n',
    });
    const r = run(['check', '.'], root);
    assert.equal(r.stdout, 'hosts/scout/jetson.nix:3:27: error unknown-option: `hardware.nvidia-jetpack.carrierBord` is not a jetpack-nixos option: did you mean `hardware.nvidia-jetpack.carrierBoard`?\n');
    assert.equal(r.status, 1);
  });

  test('a carrier board declared in one file is a valid value in another', () => {
    const root = tempTree({
      'boards/kestrel.nix': '{ lib, ... }: {\n  options.hardware.nvidia-jetpack.carrierBoard = lib.mkOption { type = lib.types.enum [ "kestrel" ]; };\n}\n',
      'hosts/a.nix': '{ config, ... }: {\n  hardware.nvidia-jetpack.carrierBoard = "kestrel";\n}\n',
    });
    const r = run(['check', '.'], root);
    assert.equal(r.stdout, '');
    assert.equal(r.status, 0);
  });
});

describe('jetson-nix check: what the editor checks, CI checks', () => {
  test('flake inputs are checked against the rules of Nix and flake.lock, as in the editor', () => {
    const root = tempTree({
      'flake.nix': '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";\n  inputs.foo.urll = "github:acme/foo";\n  inputs.bar.follows = "doesnotexist";\n  outputs = { self, ... }: { };\n}\n',
    });
    const r = run(['check', '.'], root);
    assert.equal(
      r.stdout,
      'flake.nix:3:14: error unknown-input-attribute: `urll` is not an attribute of a flake input: Nix rejects the flake. Did you mean `url`?\n' +
        'flake.nix:4:24: error unknown-follows-target: `follows` names `doesnotexist`, which is not an input of this flake (its inputs: `nixpkgs`, `foo`, `bar`).\n',
    );
    assert.equal(r.status, 1);
  });

  test('.jetson-nix.json disables codes and excludes paths; the summary says how many were excluded', () => {
    const root = tempTree({
      '.jetson-nix.json': '{ "disable": ["unused-binding"], "exclude": ["vendor/"] }',
      'hosts/a.nix': 'let unused = 1; in { }\n',
      'vendor/b.nix': 'x\n',
    });
    const r = run(['check', '.'], root);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '1 file checked (1 excluded by .jetson-nix.json), 0 errors, 0 other findings\n');
    assert.equal(r.status, 0);
    const broken = tempTree({ '.jetson-nix.json': '{ "disable": ["unused-binding"], }', 'a.nix': 'let unused = 1; in { }\n' });
    const b = run(['check', '.'], broken);
    assert.match(b.stdout, /^\.jetson-nix\.json:1:34: error invalid-config: \.jetson-nix\.json is not valid JSON \(.+\); it is ignored\na\.nix:1:5: warning unused-binding: /);
    assert.equal(b.status, 1);
  });

  test('a suppression comment hides a finding in CI as in the editor', () => {
    const root = tempTree({ 'a.nix': 'let\n  # jetson-nix: ignore[unused-binding]\n  unused = 1;\n  kept = 2; # jetson-nix: ignore[empty-let]\nin kept\n' });
    const r = run(['check', '.'], root);
    assert.equal(r.stdout, 'a.nix:4:34: warning unused-suppression: nothing reports `empty-let` on this line, so this suppression is not needed\n');
  });

  test('the bundled revision pinned in flake.lock is not called missing from the store', () => {
    const lock = (rev: string) =>
      JSON.stringify({
        nodes: {
          'jetpack-nixos': { locked: { type: 'github', owner: 'anduril', repo: 'jetpack-nixos', rev, narHash: 'sha256-' + 'A'.repeat(43) + '=', lastModified: 1700000000 }, original: { type: 'github', owner: 'anduril', repo: 'jetpack-nixos' } },
          root: { inputs: { 'jetpack-nixos': 'jetpack-nixos' } },
        },
        root: 'root',
        version: 7,
      });
    const flake = '{\n  inputs.jetpack-nixos.url = "github:anduril/jetpack-nixos";\n  outputs = { self, ... }: { };\n}\n';
    const bundled = run(['check', '.'], tempTree({ 'flake.nix': flake, 'flake.lock': lock('4d857d6' + '0'.repeat(33)) }));
    assert.doesNotMatch(bundled.stderr, /not in the local Nix store/);
    assert.match(bundled.stderr, /^jetson-nix: \.: options checked against jetpack-nixos 4d857d6 pinned in flake\.lock \(the schema bundled with Jetson Nix\)\n/);
    const other = run(['check', '.'], tempTree({ 'flake.nix': flake, 'flake.lock': lock('1234567' + '0'.repeat(33)) }));
    assert.match(other.stderr, /^jetson-nix: \.: jetpack-nixos 1234567 \(locked in flake\.lock\) is not in the local Nix store/);
  });
});
