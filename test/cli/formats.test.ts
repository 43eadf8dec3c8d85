import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_CODES } from '../../server/src/analysis/codes';
import { checkGithubCommands, checkSarif } from '../support/ci-formats';
import { tempTree } from '../support/temp-tree';

/**
 * The CI formats of `jetson-nix check`, each held to its format's documented shape, and what a
 * hostile file name or a closed pipe does to each output. The reproducer of issue 11: a file
 * named `x\n::error file=README.md,line=1::INJECTED.nix`.
 */

const BIN = path.join(__dirname, '..', '..', 'bin', 'jetson-nix.js');
const HOSTILE = 'x\n::error file=README.md,line=1::INJECTED.nix';

function run(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}


/** One of each severity, a multi-line range, and a message with `%`, `:` and `,` in it. */
const TREE = {
  'hosts/robot.nix': '{ config, ... }:\n{\n  a = 1\n}\n',
  'hosts/scout.nix': '{ config, ... }:\n{\n  hardware.nvidia-jetpack.som = "orin-agx 100%, or: 64";\n}\n',
  'lib/x.nix': 'let\n  unused = 1;\n  e = let in 1;\n  m = (\n    1\n  );\nin [ e m ]\n',
  [HOSTILE]: 'let unused = 1; in y\n',
};

describe('--format github', () => {
  test('every line is a workflow command GitHub can parse, and decodes to the finding', () => {
    const root = tempTree(TREE);
    const r = run(['check', '--format', 'github', '.'], root);
    assert.equal(r.status, 1);
    const json = JSON.parse(run(['check', '--format', 'json', '.'], root).stdout) as { file: string; severity: string; message: string; range: { start: { line: number } } }[];
    const commands = checkGithubCommands(r.stdout);
    assert.equal(commands.length, json.length);
    for (const [i, c] of commands.entries()) {
      const f = json[i]!;
      assert.equal(c.properties.file, f.file, 'the file name round-trips through the encoding');
      assert.equal(c.properties.line, String(f.range.start.line + 1));
      assert.equal(c.message, f.message);
      assert.equal(c.command, { error: 'error', warning: 'warning', information: 'notice', hint: 'notice' }[f.severity]);
    }
    assert.ok(commands.some((c) => c.properties.file === HOSTILE));
    assert.ok(commands.some((c) => c.properties.endLine !== c.properties.line), 'a multi-line range is in the sample');
    assert.ok(commands.some((c) => /%, or: /.test(c.message)), 'a message with %, a comma and a colon is in the sample');
  });

  test('the hostile file name cannot inject a command', () => {
    const r = run(['check', '--format', 'github', '.'], tempTree({ [HOSTILE]: 'y\n' }));
    assert.equal(r.stdout, '::error file=x%0A%3A%3Aerror file=README.md%2Cline=1%3A%3AINJECTED.nix,line=1,endLine=1,col=1,endColumn=1,title=jetson-nix undefined-variable::undefined variable `y`\n');
  });
});

describe('--format sarif', () => {
  test('a SARIF 2.1.0 log in the shape code scanning reads, with every code as a rule', () => {
    const root = tempTree(TREE);
    const r = run(['check', '--format', 'sarif', '.'], root);
    assert.equal(r.status, 1);
    const log = checkSarif(JSON.parse(r.stdout));
    const run0 = log.runs[0]!;
    assert.deepEqual(run0.tool.driver.rules.map((rule) => rule.id), ALL_CODES);
    const files = new Set(run0.results.map((res) => fileURLToPath(new URL(res.locations[0]!.physicalLocation.artifactLocation.uri, run0.originalUriBaseIds!['%SRCROOT%']!.uri))));
    assert.deepEqual([...files].sort(), [path.join(root, HOSTILE), path.join(root, 'hosts/robot.nix'), path.join(root, 'hosts/scout.nix'), path.join(root, 'lib/x.nix')].map((f) => fs.realpathSync(path.dirname(f)) + path.sep + path.basename(f)).sort());
    assert.ok(run0.results.some((res) => res.level === 'note') && run0.results.some((res) => res.level === 'error'));
  });

  test('an absolute path outside the working folder is a file: URI', () => {
    const root = tempTree({ 'a b%.nix': 'y\n' });
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-cwd-'));
    const log = checkSarif(JSON.parse(run(['check', '--format', 'sarif', path.join(root, 'a b%.nix')], elsewhere).stdout));
    const location = log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation;
    assert.equal(location.uriBaseId, undefined);
    assert.equal(fileURLToPath(location.uri), path.join(root, 'a b%.nix'));
  });
});

describe('hostile file names in the other formats', () => {
  test('text escapes control characters, so one finding stays one line', () => {
    const r = run(['check', '.'], tempTree({ [HOSTILE]: 'y\n', 'b\u001b[31m\u202e.nix': 'z\n' }));
    assert.equal(
      r.stdout,
      'b\\x1b[31m\\u202e.nix:1:1: error undefined-variable: undefined variable `z`\n' + 'x\\n::error file=README.md,line=1::INJECTED.nix:1:1: error undefined-variable: undefined variable `y`\n',
    );
  });

  test('json keeps the real name, escaped by JSON', () => {
    const r = run(['check', '--format', 'json', '.'], tempTree({ [HOSTILE]: 'y\n' }));
    assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('::')).length, 0);
    assert.equal((JSON.parse(r.stdout) as { file: string }[])[0]!.file, HOSTILE);
  });
});

describe('output that cannot be written', () => {
  /** Enough findings to fill a pipe's buffer (64 KiB) many times over, and one error. */
  const many = () => tempTree({ 'big.nix': Array.from({ length: 3000 }, (_, i) => `let a${i} = 1; in`).join('\n') + '\nx\n' });

  test('a closed pipe (| head -1) ends the run quietly, with the verdict as exit status', () => {
    const root = many();
    const r = spawnSync('bash', ['-c', 'set -o pipefail; "$0" "$1" check . 2>stderr.txt | head -1', process.execPath, BIN], { cwd: root, encoding: 'utf8' });
    assert.equal(r.stdout, 'big.nix:1:5: warning unused-binding: `a0` is bound but never used\n');
    assert.equal(r.status, 1, 'the run found an error: CI with pipefail still fails');
    const stderr = fs.readFileSync(path.join(root, 'stderr.txt'), 'utf8');
    assert.equal(stderr, '1 file checked, 1 error, 3000 other findings\n');
  });

  test('a full disk (> /dev/full) is one line on stderr and exit 2, for every format', { skip: !fs.existsSync('/dev/full') }, () => {
    const root = tempTree({ 'a.nix': 'x\n' });
    for (const format of ['text', 'json', 'github', 'sarif']) {
      const out = fs.openSync('/dev/full', 'w');
      try {
        const r = spawnSync(process.execPath, [BIN, 'check', '--format', format, '.'], { cwd: root, encoding: 'utf8', stdio: ['ignore', out, 'pipe'] });
        assert.equal(r.stderr, 'jetson-nix: cannot write the output: no space left on the device\n', format);
        assert.equal(r.status, 2);
      } finally {
        fs.closeSync(out);
      }
    }
  });
});
