import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fifo, lockedSourceInStore, removeTempDirs, sparseFile, tempDir, zeroLink } from '../support/hostile';

/**
 * `jetson-nix check` on what a cloned repository can hold (issue 11): it never hangs, never reads
 * a device, and says what it could not read. Run asynchronously with a kill timer, so that a
 * regression (the CLI blocked on a FIFO) fails the test instead of hanging CI.
 */
const BIN = path.join(__dirname, '..', '..', 'bin', 'jetson-nix.js');
const TIMEOUT = 30_000;

after(removeTempDirs);

function run(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT - 5000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A module that sets an option only the pinned (store) source declares. */
const HOST = '{ ... }: {\n  hardware.nvidia-jetpack.hostileTreeWalked.enable = true;\n}\n';

describe('jetson-nix check on hostile trees', { timeout: TIMEOUT }, () => {
  test('a tree with a FIFO, a /dev/zero link, a FIFO flake.lock and a store source full of traps is checked', async () => {
    const root = tempDir('cli-tree');
    const store = tempDir('cli-store');
    fs.writeFileSync(path.join(root, 'ok.nix'), '{ }\n');
    fifo(path.join(root, 'pipe.nix'));
    zeroLink(path.join(root, 'hosts', 'zero.nix'));
    // A flake whose lock pins a jetpack-nixos "in the store": that source holds a FIFO, a link to
    // /dev/zero, a sparse 4 GB module and a folder link looping back on itself.
    const { lock, source } = lockedSourceInStore(store, 11);
    fs.mkdirSync(path.join(root, 'fleet'));
    fs.writeFileSync(path.join(root, 'fleet', 'flake.nix'), '{\n  inputs.jetpack-nixos = { url = "github:anduril/jetpack-nixos"; flake = false; };\n  outputs = { self, jetpack-nixos }: { };\n}\n');
    fs.writeFileSync(path.join(root, 'fleet', 'flake.lock'), lock);
    fs.writeFileSync(path.join(root, 'fleet', 'robot.nix'), HOST);
    fifo(path.join(source, 'modules', 'pipe.nix'));
    zeroLink(path.join(source, 'modules', 'zero.nix'));
    sparseFile(path.join(source, 'modules', 'huge.nix'), 4 * 1024 ** 3);
    fs.symlinkSync('..', path.join(source, 'modules', 'loop'));
    // Another flake whose flake.lock is a FIFO: it is checked against the bundled schema, and we say why.
    fs.mkdirSync(path.join(root, 'other'));
    fs.writeFileSync(path.join(root, 'other', 'flake.nix'), '{ outputs = { self }: { }; }\n');
    fifo(path.join(root, 'other', 'flake.lock'));
    fs.writeFileSync(path.join(root, 'other', 'robot.nix'), HOST);

    const r = await run(['check', '--format', 'json', '.'], { cwd: root, env: { ...process.env, NIX_STORE_DIR: store } });
    assert.equal(r.status, 1, r.stderr);
    const reports = JSON.parse(r.stdout) as { file: string; code: string }[];
    assert.deepEqual(reports.map((x) => `${x.file} ${x.code}`), ['other/flake.nix invalid-lock-file', 'other/robot.nix unknown-option'], 'the pinned source was read: its option is known in fleet/ only; the FIFO lock is reported on its flake.nix, as in the editor');
    assert.match(r.stderr, /^jetson-nix: fleet: options checked against jetpack-nixos aaaaaaa pinned in flake\.lock$/m);
    assert.match(r.stderr, /^jetson-nix: other: flake\.lock is not a regular file \(a named pipe\), so it was not read; using the bundled schema/m);
  });

  test('a FIFO or /dev/zero named on the command line is reported as unreadable-file, exit 2', async () => {
    const root = tempDir('cli-named');
    fs.writeFileSync(path.join(root, 'ok.nix'), 'x: y\n');
    fifo(path.join(root, 'pipe'));
    fs.symlinkSync('/dev/zero', path.join(root, 'zero.nix'));
    const text = await run(['check', '/dev/zero', 'pipe', 'zero.nix', 'ok.nix'], { cwd: root });
    assert.equal(text.status, 2, 'a path given that cannot be read is a usage error, as a missing one is');
    assert.equal(
      text.stdout,
      [
        '/dev/zero:1:1: error unreadable-file: this file is not a regular file (a device), so it was not read',
        'ok.nix:1:4: error undefined-variable: undefined variable `y`',
        'pipe:1:1: error unreadable-file: this file is not a regular file (a named pipe), so it was not read',
        'zero.nix:1:1: error unreadable-file: this file is not a regular file (a device), so it was not read',
        '',
      ].join('\n'),
    );
    assert.match(text.stderr, /^4 files checked, 4 errors, 0 other findings\n$/);
    const json = await run(['check', '--format', 'json', 'pipe'], { cwd: root });
    assert.equal(json.status, 2);
    assert.deepEqual(JSON.parse(json.stdout), [
      { file: 'pipe', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'error', code: 'unreadable-file', message: 'this file is not a regular file (a named pipe), so it was not read' },
    ]);
  });

  test('a file over the read limit is reported as file-too-large, a warning', async () => {
    const root = tempDir('cli-large');
    sparseFile(path.join(root, 'generated.nix'), 4 * 1024 ** 3);
    const r = await run(['check', '.'], { cwd: root });
    assert.equal(r.stdout, 'generated.nix:1:1: warning file-too-large: this file is too large to read (4096 MB; the limit is 64 MB), so it was not checked\n');
    assert.equal(r.status, 0);
  });
});
