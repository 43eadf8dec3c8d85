import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run, resolveExecutable, ToolMissingError, LineSplitter, parseNixVersion, atLeast, explainNixFailure, stripAnsi } from '../../client/src/nix/exec';

test('run passes arguments as an array and streams lines', async () => {
  const lines: string[] = [];
  const r = await run('sh', ['-c', 'printf "%s\\n" "$1"; echo err >&2; exit 3', 'sh', 'a; rm -rf / $(x)'], {
    cwd: os.tmpdir(),
    onStdoutLine: (l) => lines.push(l),
  });
  assert.equal(r.exitCode, 3);
  assert.deepEqual(lines, ['a; rm -rf / $(x)']);
  assert.equal(r.stderr, 'err\n');
});

test('a missing executable is one clear error', async () => {
  await assert.rejects(run('jetson-nix-no-such-tool', [], { cwd: os.tmpdir() }), ToolMissingError);
  await assert.rejects(run('nix', ['--version'], { cwd: os.tmpdir(), env: { PATH: '' } }), /Nix was not found/);
});

test('cancelling kills the whole process tree', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-exec-'));
  const pidFile = path.join(dir, 'child.pid');
  const controller = new AbortController();
  const pending = run('sh', ['-c', `sleep 30 & echo $! > "${pidFile}"; wait`], { cwd: dir, signal: controller.signal });
  for (let i = 0; i < 200 && !fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
  const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
  controller.abort();
  const r = await pending;
  assert.equal(r.cancelled, true);
  assert.equal(await diesSoon(grandchild), true, 'the sleep started by the shell was killed too');
});

test('lines split across chunks, CRLF and a final line without newline', () => {
  const got: string[] = [];
  const s = new LineSplitter((l) => got.push(l));
  s.push(Buffer.from('ab'));
  s.push(Buffer.from('c\r\nd\n\ne'));
  s.push(Buffer.from([0xc3]));
  s.push(Buffer.from([0xa9]));
  s.end();
  assert.deepEqual(got, ['abc', 'd', '', 'eé']);
});

test('Nix versions and set-up failures', () => {
  const v = parseNixVersion('nix (Nix) 2.8.0\n')!;
  assert.deepEqual([v.major, v.minor, v.patch], [2, 8, 0]);
  assert.equal(atLeast(v, 2, 14), false);
  assert.equal(atLeast(parseNixVersion('nix (Determinate Nix 3.6.2) 2.29.0')!, 2, 14), true);
  assert.equal(parseNixVersion('garbage'), undefined);
  assert.match(explainNixFailure("error: experimental Nix feature 'flakes' is disabled; use '--extra-experimental-features flakes'")!, /Flakes are not enabled/);
  assert.match(
    explainNixFailure("error: getting status of '/nix/store/0123456789abcdfghijklmnpqrsvwxyz-source/modules/robot.nix': No such file or directory")!,
    /git add modules\/robot\.nix/,
  );
  assert.equal(explainNixFailure('error: undefined variable'), undefined);
  assert.equal(stripAnsi('\u001b[31;1merror:\u001b[0m x'), 'error: x');
});

test('a process group still running when Node exits is killed with it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-exit-'));
  const pidFile = path.join(dir, 'sleep.pid');
  const script = `
    const { run } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'client', 'src', 'nix', 'exec.ts'))});
    run('sh', ['-c', 'sleep 30 & echo $! > "$1"; wait', 'sh', ${JSON.stringify(pidFile)}], { cwd: ${JSON.stringify(dir)} });
    const wait = () => require('fs').existsSync(${JSON.stringify(pidFile)}) ? process.exit(0) : setTimeout(wait, 20);
    wait();
  `;
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, r.stderr);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  assert.equal(await diesSoon(pid), true, 'the sleep in the detached group died with its parent');
});

test('stderr past the buffer limit still reaches the line callback when not buffered', async () => {
  let lines = 0;
  const r = await run('sh', ['-c', 'yes 0123456789012345678901234567890123456789012345678901234567890123456789012345678 | head -n 900000 >&2'], {
    cwd: os.tmpdir(),
    bufferStderr: false,
    onStderrLine: () => lines++,
  });
  assert.equal(r.exitCode, 0);
  assert.equal(lines, 900000);
});

/** Whether the process is gone within two seconds. */
async function diesSoon(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((res) => setTimeout(res, 20));
  }
  return false;
}

test('an executable setting is an absolute path or a name on PATH, never a path relative to the workspace', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-exec-resolve-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(path.join(dir, 'tools'), { recursive: true });
  fs.mkdirSync(bin);
  for (const file of [path.join(dir, 'tools', 'nix'), path.join(bin, 'nix')]) fs.writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'not-executable'), '', { mode: 0o644 });
  assert.equal(resolveExecutable('nix', bin), path.join(bin, 'nix'));
  assert.equal(resolveExecutable(path.join(dir, 'tools', 'nix'), ''), path.join(dir, 'tools', 'nix'));
  assert.equal(resolveExecutable('~/bin/nix', '', dir), path.join(bin, 'nix'));
  for (const relative of ['./tools/nix', 'tools/nix', '../x/nix', '.']) {
    assert.throws(() => resolveExecutable(relative, bin), /is a relative path, which Jetson Nix never runs: it would be resolved against a workspace folder/, relative);
  }
  // An empty or relative PATH entry means the working directory (a workspace folder): skipped.
  const cwd = process.cwd();
  process.chdir(path.join(dir, 'tools'));
  try {
    assert.throws(() => resolveExecutable('nix', ['', '.', 'tools'].join(path.delimiter)), /Nix was not found \(no such file on PATH\)/);
  } finally {
    process.chdir(cwd);
  }
  assert.throws(() => resolveExecutable('not-executable', bin), ToolMissingError);
  assert.throws(() => resolveExecutable(path.join(bin, 'missing'), bin), /not found \(no such file\)/);
});

test('run never resolves a relative executable against its working directory', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-exec-relative-'));
  const marker = path.join(dir, 'ran');
  fs.mkdirSync(path.join(dir, 'tools'));
  fs.writeFileSync(path.join(dir, 'tools', 'nix'), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
  await assert.rejects(run('./tools/nix', ['--version'], { cwd: dir }), ToolMissingError);
  await assert.rejects(run('nix', ['--version'], { cwd: dir, env: { PATH: '.:tools' } }), ToolMissingError);
  assert.equal(fs.existsSync(marker), false, 'the workspace executable did not run');
});
