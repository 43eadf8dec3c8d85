import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileGlob, type Glob } from '../../server/src/util/glob';
import { isExcluded, parseRepoConfig, RepoConfigs } from '../../server/src/repo-config';
import { tempTree } from '../support/temp-tree';

/** `.jetson-nix.json`: its globs, its problems, and how the nearest one is found and re-read. */

function glob(pattern: string): Glob {
  const g = compileGlob(pattern);
  assert.ok(typeof g !== 'string', `${pattern}: ${String(g)}`);
  return g;
}


describe('exclude globs', () => {
  test('a pattern without a slash matches at any depth, one with a slash from the config folder', () => {
    assert.ok(glob('hardware-configuration.nix').matches('hosts/a/hardware-configuration.nix'));
    assert.ok(glob('result*').matches('result-2/x.nix'));
    assert.ok(!glob('/hosts/old.nix').matches('lib/hosts/old.nix'));
    assert.ok(glob('/hosts/old.nix').matches('hosts/old.nix'));
    assert.ok(!glob('hosts/*.nix').matches('lib/hosts/a.nix'));
    assert.ok(glob('hosts/*.nix').matches('hosts/a.nix'));
    assert.ok(!glob('hosts/*.nix').matches('hosts/a/b.nix'));
  });

  test('a folder excludes everything below it; a trailing slash matches folders only', () => {
    assert.ok(glob('vendor').matches('vendor/deep/x.nix'));
    assert.ok(glob('vendor/').matches('vendor/x.nix'));
    assert.ok(!glob('vendor.nix/').matches('vendor.nix'));
    assert.ok(glob('vendor/**').matches('vendor/a/b/c.nix'));
    assert.ok(glob('**/tests/*.nix').matches('tests/a.nix'));
    assert.ok(glob('**/tests/*.nix').matches('pkgs/x/tests/a.nix'));
  });

  test('?, classes and braces', () => {
    assert.ok(glob('host-?.nix').matches('host-a.nix'));
    assert.ok(!glob('host-?.nix').matches('host-ab.nix'));
    assert.ok(glob('host-[ab].nix').matches('host-b.nix'));
    assert.ok(!glob('host-[!ab].nix').matches('host-b.nix'));
    assert.ok(glob('{vendor,third_party}/').matches('third_party/x.nix'));
    assert.ok(!glob('a.nix').matches('a-nix'), 'a dot is a dot');
  });

  test('what is not a glob says why', () => {
    for (const [pattern, why] of [['[oops', /no closing `]`/], ['a/**b', /whole path segment/], ['{a,b', /no closing `}`/], ['', /empty/], ['a\\b', /backslash/]] as const) {
      const g = compileGlob(pattern);
      assert.equal(typeof g, 'string', pattern);
      assert.match(g as string, why);
    }
  });
});

describe('.jetson-nix.json', () => {
  test('a valid file: codes and globs', () => {
    const c = parseRepoConfig('/repo/.jetson-nix.json', '{ "$schema": "x", "disable": ["useless-parens"], "exclude": ["vendor/", "*.gen.nix"] }');
    assert.deepEqual(c.problems, []);
    assert.deepEqual(c.disable, ['useless-parens']);
    assert.ok(isExcluded(c, '/repo/vendor/a.nix'));
    assert.ok(isExcluded(c, '/repo/hosts/x.gen.nix'));
    assert.ok(!isExcluded(c, '/repo/hosts/x.nix'));
    assert.ok(!isExcluded(c, '/elsewhere/vendor/a.nix'), 'only files under its folder');
  });

  test('each problem is located in the file, and the valid rest still applies', () => {
    const text = '{\n  "disabel": [],\n  "disable": ["unused-bindng", "empty-let", 3],\n  "exclude": ["[oops", "vendor/"]\n}\n';
    const c = parseRepoConfig('/repo/.jetson-nix.json', text);
    assert.deepEqual(
      c.problems.map((p) => `${text.slice(p.start, p.end)}: ${p.message}`),
      [
        '"disabel": `disabel` is not a setting of .jetson-nix.json: did you mean `disable`?',
        '"disable": `disable` must be a list of strings',
        '"unused-bindng": `unused-bindng` is not a Jetson Nix code: did you mean `unused-binding`?',
        '"[oops": `[oops` is not a usable glob: `[` has no closing `]`',
      ],
    );
    assert.deepEqual(c.disable, ['empty-let']);
    assert.equal(c.exclude.length, 1);
  });

  test('broken JSON is one problem at the place JSON.parse names, and nothing applies', () => {
    const text = '{ "disable": ["empty-let"], }';
    const c = parseRepoConfig('/repo/.jetson-nix.json', text);
    assert.equal(c.problems.length, 1);
    assert.match(c.problems[0]!.message, /^\.jetson-nix\.json is not valid JSON \(.+\); it is ignored$/);
    assert.equal(c.problems[0]!.start, text.lastIndexOf('}'));
    assert.deepEqual(c.disable, []);
    assert.match(parseRepoConfig('/r/.jetson-nix.json', '["empty-let"]').problems[0]!.message, /must hold a JSON object/);
  });
});

describe('finding the configuration of a file', () => {
  test('the nearest one above the file wins; the search stops at the repository root', () => {
    const root = tempTree({
      '.jetson-nix.json': '{ "disable": ["empty-let"] }',
      'repo/.git/HEAD': 'ref: refs/heads/main\n',
      'repo/hosts/a.nix': '{ }',
      'other/.jetson-nix.json': '{ "disable": ["unused-with"] }',
      'other/deep/er/b.nix': '{ }',
      'plain/c.nix': '{ }',
    });
    const configs = new RepoConfigs();
    assert.equal(configs.forFile(path.join(root, 'repo/hosts/a.nix')), undefined, 'not above the repository root');
    assert.deepEqual(configs.forFile(path.join(root, 'other/deep/er/b.nix'))?.disable, ['unused-with']);
    assert.deepEqual(configs.forFile(path.join(root, 'plain/c.nix'))?.disable, ['empty-let']);
  });

  test('a changed file is read again (once per change), and its problems are announced when read', () => {
    const root = tempTree({ '.jetson-nix.json': '{ "disable": ["empty-let"] }', 'a.nix': '{ }' });
    const loaded: number[] = [];
    const configs = new RepoConfigs((c) => loaded.push(c.problems.length));
    const file = path.join(root, 'a.nix');
    assert.deepEqual(configs.forFile(file)?.disable, ['empty-let']);
    configs.forFile(file);
    fs.writeFileSync(path.join(root, '.jetson-nix.json'), '{ "disable": ["unused-with"], "exlude": [] }');
    fs.utimesSync(path.join(root, '.jetson-nix.json'), new Date(), new Date(Date.now() + 5000));
    assert.deepEqual(configs.forFile(file)?.disable, ['unused-with']);
    assert.deepEqual(loaded, [0, 1]);
  });

  test('a FIFO or a folder named .jetson-nix.json is a problem, not a hang', () => {
    const root = tempTree({ 'a/x.nix': '{ }', 'b/x.nix': '{ }' });
    execFileSync('mkfifo', [path.join(root, 'a', '.jetson-nix.json')]);
    fs.mkdirSync(path.join(root, 'b', '.jetson-nix.json'));
    const configs = new RepoConfigs();
    assert.match(configs.forFile(path.join(root, 'a/x.nix'))!.problems[0]!.message, /is not a regular file \(a named pipe\).*; it is ignored$/);
    assert.match(configs.forFile(path.join(root, 'b/x.nix'))!.problems[0]!.message, /is not a regular file/);
  });
});
