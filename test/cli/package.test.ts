import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The two packages built from this repository, each from its own allow-list: the .vsix
 * (`.vscodeignore`) and the npm package with the CLI (`.npmignore`). And the npm package used
 * the way a fleet's CI uses it: packed, installed from the tarball into another repository with
 * no network, and run with `npx jetson-nix check .`. The packages are made from the dist/ that
 * `npm test` has just built (`--ignore-scripts`: no rebuild under the other running tests).
 */

const REPO = path.join(__dirname, '..', '..');
const skip = !fs.existsSync(path.join(REPO, 'dist', 'server', 'cli.js')) ? 'build first (npm run build)' : false;

const VSIX_FILES = [
  'CHANGELOG.md',
  'LICENSE',
  'README.md',
  'dist/client/extension.js',
  'dist/server/ros-index.txt',
  'dist/server/server.js',
  'dist/server/tree-sitter-nix.wasm',
  'dist/server/tree-sitter.wasm',
  'images/icon.png',
  'images/jetson.svg',
  'images/screenshot.png',
  'language-configuration.json',
  'package.json',
  'schemas/jetson-nix.schema.json',
  'snippets/nix.json',
  'syntaxes/nix.tmLanguage.json',
];

const NPM_FILES = [
  'CHANGELOG.md',
  'LICENSE',
  'README.md',
  'bin/jetson-nix.js',
  'dist/server/check-worker.js',
  'dist/server/cli.js',
  'dist/server/ros-index.txt',
  'dist/server/tree-sitter-nix.wasm',
  'dist/server/tree-sitter.wasm',
  'package.json',
];

/** npm without the network, the user's cache or the update check. */
function npm(args: string[], cwd: string, cache: string): SpawnSyncReturns<string> {
  const env = { ...process.env, npm_config_cache: cache, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_offline: 'true' };
  return spawnSync('npm', args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

test('the .vsix holds exactly the files of .vscodeignore', { skip }, () => {
  const r = spawnSync(process.execPath, [path.join(REPO, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), VSIX_FILES);
});

test('the npm package holds exactly the files of .npmignore, and depends on nothing', { skip }, () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-npm-cache-'));
  const r = npm(['pack', '--dry-run', '--json', '--ignore-scripts'], REPO, cache);
  assert.equal(r.status, 0, r.stderr);
  const [packed] = JSON.parse(r.stdout) as { files: { path: string }[] }[];
  assert.deepEqual(packed!.files.map((f) => f.path).sort(), NPM_FILES);
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { dependencies?: object; files?: unknown };
  assert.equal(pkg.dependencies, undefined, 'everything is bundled: installing the CLI must not fetch anything');
  assert.equal(pkg.files, undefined, 'vsce refuses a "files" list beside .vscodeignore');
});

test('npm pack, npm install <tarball> in a fleet repository, then npx jetson-nix check . works offline', { skip }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-install-'));
  const cache = path.join(tmp, 'npm-cache');
  const packed = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], REPO, cache);
  assert.equal(packed.status, 0, packed.stderr);
  const tarball = path.join(tmp, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);

  const fleet = path.join(tmp, 'fleet');
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'fleet', version: '1.0.0', private: true }),
    'hosts/scout/default.nix': '{ config, ... }: {\n  imports = [ ./jetson.nix ];\n}\n',
    'hosts/scout/jetson.nix': '{\n  hardware.nvidia-jetpack.som = "orin-agx-64";\n}\n',
    'flake.nix': '{\n  inputs.foo.urll = "github:acme/foo";\n  outputs = { self, ... }: { };\n}\n',
  };
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(fleet, rel)), { recursive: true });
    fs.writeFileSync(path.join(fleet, rel), content);
  }
  const installed = npm(['install', '--no-audit', '--no-fund', tarball], fleet, cache);
  assert.equal(installed.status, 0, installed.stderr);
  assert.ok(!fs.existsSync(path.join(fleet, 'node_modules', 'web-tree-sitter')), 'no runtime dependency was installed');

  const r = npm(['exec', '--no', '--', 'jetson-nix', 'check', '.'], fleet, cache);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^flake\.nix:2:14: error unknown-input-attribute: `urll` is not an attribute of a flake input/);
  assert.match(lines[1]!, /^hosts\/scout\/jetson\.nix:2:33: error invalid-enum-value: "orin-agx-64" is not a valid value/);
  assert.equal(lines.length, 3);
  assert.match(r.stderr, /3 files checked, 2 errors, 0 other findings\n$/);
  assert.equal(r.status, 1);
  const sarif = npm(['exec', '--no', '--', 'jetson-nix', 'check', '--format', 'sarif', 'hosts'], fleet, cache);
  assert.equal((JSON.parse(sarif.stdout) as { runs: { results: unknown[] }[] }).runs[0]!.results.length, 1);
});
