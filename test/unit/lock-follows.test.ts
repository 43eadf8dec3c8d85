import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFlake } from '../../server/src/flake/inputs';
import { LockFiles, nodeAt, parseLock, resolveInputPath, type FlakeLock, type LockInput, type LockNode } from '../../server/src/flake/lock';
import { flakeFindings, hoverFlakeInput } from '../../server/src/features/flake-inputs';
import { downloadRisk } from '../../client/src/nix/discovery';
import { sharedParser } from '../support/analysis';

/**
 * The crafted lock of issue 11: input `a<k>` follows `a<k-1>/y<k>`, and `y<k>` of the node they
 * all end at follows `a<k-1>` again, so resolving `a<k>` naively resolves `a<k-1>` twice. With
 * N=30 each diagnostics pass took 64 s; with N=40 it never finished. These tests have a timeout
 * so that a return of the exponential walk fails instead of hanging the run.
 */
function chainedLock(n: number): string {
  const root: Record<string, LockInput> = { a0: 'n0' };
  const n0: Record<string, LockInput> = {};
  for (let k = 1; k <= n; k++) {
    root[`a${k}`] = [`a${k - 1}`, `y${k}`];
    n0[`y${k}`] = [`a${k - 1}`];
  }
  const locked = { type: 'github', owner: 'o', repo: 'r', rev: 'f'.repeat(40), narHash: 'sha256-' + 'A'.repeat(43) + '=' };
  return JSON.stringify({ version: 7, root: 'root', nodes: { root: { inputs: root }, n0: { inputs: n0, locked, original: { type: 'github', owner: 'o', repo: 'r' } } } });
}

/** The flake.nix that goes with it: every input follows the one before. */
function chainedFlake(n: number): string {
  const lines = ['  inputs.a0.url = "github:o/r";'];
  for (let k = 1; k <= n; k++) lines.push(`  inputs.a${k}.follows = "a${k - 1}/y${k}";`);
  const args = Array.from({ length: n + 1 }, (_, k) => `a${k}`).join(', ');
  return `{\n${lines.join('\n')}\n  outputs = { self, ${args} }: { };\n}\n`;
}

function parsed(text: string): FlakeLock {
  const r = parseLock(text);
  assert.ok('lock' in r, JSON.stringify(r));
  return r.lock;
}

/** A lock built without parseLock, as a caller holding a cyclic graph might have one. */
function lockWith(rootInputs: Record<string, LockInput>, others: Record<string, Record<string, LockInput>> = {}): FlakeLock {
  const node = (key: string, inputs: Record<string, LockInput>): LockNode => ({ key, inputs: new Map(Object.entries(inputs)), flake: true });
  const nodes = new Map([['root', node('root', rootInputs)], ...Object.entries(others).map(([k, v]) => [k, node(k, v)] as const)]);
  return { version: 7, root: 'root', nodes };
}

describe('follows in flake.lock: linear, whatever the lock', { timeout: 20_000 }, () => {
  test('40 chained inputs resolve, and a whole diagnostics pass and a hover complete', async () => {
    const lock = parsed(chainedLock(40));
    assert.equal(resolveInputPath(lock, ['a40']), 'n0');
    assert.equal(resolveInputPath(lock, ['a40', 'y40', 'y1']), 'n0');
    assert.equal(resolveInputPath(lock, ['a40', 'nope']), undefined);
    assert.equal(nodeAt(lock, ['a23'])?.locked?.repo, 'r');

    const text = chainedFlake(40);
    const tree = (await sharedParser()).parse(text)!;
    try {
      const model = readFlake(tree.rootNode, text)!;
      const findings = flakeFindings(model, { state: 'ok', lock });
      assert.deepEqual(findings.map((f) => f.code), [], 'every follows names an input the lock has');
      const hover = hoverFlakeInput(text.indexOf('a40.follows') + 1, model, { state: 'ok', lock });
      assert.match(hover!.markdown, /Locked as following `a39\/y40`/);
      assert.match(hover!.markdown, /revision `f{40}`/);
    } finally {
      tree.delete();
    }
  });

  test("the extension's download check on that lock completes too", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-lock-chain-'));
    try {
      fs.writeFileSync(path.join(dir, 'flake.lock'), chainedLock(40));
      const declared = Array.from({ length: 41 }, (_, k) => ({ name: `a${k}`, span: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }));
      assert.equal(downloadRisk(dir, declared, () => true), undefined);
      assert.match(downloadRisk(dir, declared, () => false)!, /^a0, a1, .*a39 and a40 are not in the Nix store yet/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a chain of 20,000 follows does not overflow the stack', () => {
    const inputs: Record<string, LockInput> = { i0: 'leaf' };
    for (let k = 1; k <= 20_000; k++) inputs[`i${k}`] = [`i${k - 1}`];
    const lock = parsed(JSON.stringify({ version: 7, root: 'root', nodes: { root: { inputs }, leaf: {} } }));
    assert.equal(resolveInputPath(lock, ['i20000']), 'leaf');
  });

  test('a cycle of follows is an invalid lock that says so', () => {
    const direct = parseLock(JSON.stringify({ version: 7, root: 'root', nodes: { root: { inputs: { a: ['b'], b: ['a'] } } } }));
    assert.deepEqual(direct, { error: 'flake.lock has a cycle of `follows` (a → b → a), which Nix cannot resolve' });
    // Through a node's input: `a` follows `b/x`, and `x` of b's node follows `a`.
    const nested = parseLock(JSON.stringify({ version: 7, root: 'root', nodes: { root: { inputs: { a: ['b', 'x'], b: 'B' } }, B: { inputs: { x: ['a'] } } } }));
    assert.ok('error' in nested && nested.error.includes('cycle of `follows` (a → b/x → a)'), JSON.stringify(nested));
    // A cycle only in nodes Nix never loads (not reachable from the root) does not matter.
    const unreachable = parseLock(JSON.stringify({ version: 7, root: 'root', nodes: { root: { inputs: {} }, orphan: { inputs: { a: ['a'] } } } }));
    assert.ok('lock' in unreachable);
  });

  test('resolving inside a cycle ends with nothing, and every later question too', () => {
    const lock = lockWith({ a: ['b'], b: ['c', 'x'], c: 'C', d: 'C' }, { C: { x: ['a'] } });
    assert.equal(resolveInputPath(lock, ['a']), undefined);
    assert.equal(resolveInputPath(lock, ['b']), undefined);
    assert.equal(resolveInputPath(lock, ['c', 'x']), undefined);
    assert.equal(resolveInputPath(lock, ['d']), 'C', 'what does not go through the cycle still resolves');
  });

  test('flake.nix says why a cyclic lock is not used', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-lock-cycle-'));
    try {
      const text = '{\n  inputs.a.follows = "b";\n  inputs.b.follows = "a";\n  outputs = { self, a, b }: { };\n}\n';
      fs.writeFileSync(path.join(dir, 'flake.nix'), text);
      fs.writeFileSync(path.join(dir, 'flake.lock'), JSON.stringify({ version: 7, root: 'root', nodes: { root: { inputs: { a: ['b'], b: ['a'] } } } }));
      const lockFile = new LockFiles().besideFlake(path.join(dir, 'flake.nix'));
      const tree = (await sharedParser()).parse(text)!;
      try {
        const findings = flakeFindings(readFlake(tree.rootNode, text)!, lockFile);
        assert.deepEqual(
          findings.map((f) => [f.code, f.message]),
          [['invalid-lock-file', 'flake.lock has a cycle of `follows` (a → b → a), which Nix cannot resolve; the inputs are not checked against it.']],
        );
      } finally {
        tree.delete();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
