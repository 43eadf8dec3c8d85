import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NixDocument } from '../../server/src/parse/document';
import { scopeModelOf } from '../../server/src/scope/index';
import { findDefinition } from '../../server/src/features/definition';
import { hoverName } from '../../server/src/features/binding-hover';
import { collectNixFiles } from '../../server/src/cli/files';
import { readLockedJetpack, readSourceTree } from '../../server/src/schema/live';
import { readTree } from '../../server/src/schema/merge';
import { LockFiles } from '../../server/src/flake/lock';
import { STALE, WorkspaceReads } from '../../server/src/workspace-reads';
import { downloadRisk, exampleShellInputs, flakeFingerprint } from '../../client/src/nix/discovery';
import { isCopyOfFlake } from '../../client/src/nix/build';
import { sharedParser } from '../support/analysis';
import { fifo, removeTempDirs, sparseFile, tempDir, zeroLink } from '../support/hostile';

/**
 * Every reader of files a workspace names, on what a hostile repository can put there: a FIFO
 * (reading blocks forever), a link to /dev/zero (reading never ends), a sparse file of gigabytes,
 * links out of the tree. Before the safe reader each of these hung or exhausted memory, so the
 * suite has a timeout: a regression fails instead of hanging the run.
 */
describe('hostile files', { timeout: 30_000 }, () => {
  after(removeTempDirs);
  test('a flake.lock that is a FIFO, /dev/zero or huge is an invalid lock that says why', () => {
    const cases: [string, (file: string) => void, RegExp][] = [
      ['fifo', fifo, /^flake\.lock is not a regular file \(a named pipe\), so it was not read$/],
      ['zero', zeroLink, /^flake\.lock is not a regular file \(a device\), so it was not read$/],
      ['huge', (f) => sparseFile(f, 4 * 1024 ** 3), /^flake\.lock is too large to read \(4096 MB; the limit is 16 MB\)$/],
    ];
    for (const [name, make, message] of cases) {
      const dir = tempDir(`lock-${name}`);
      make(path.join(dir, 'flake.lock'));
      const file = new LockFiles().besideFlake(path.join(dir, 'flake.nix'));
      assert.equal(file.state, 'invalid', name);
      assert.match((file as { error: string }).error, message);
    }
  });

  test('the live schema says why it cannot use such a lock', async () => {
    const dir = tempDir('live-lock');
    fifo(path.join(dir, 'flake.lock'));
    assert.deepEqual(await readLockedJetpack(dir), { reason: 'flake.lock is not a regular file (a named pipe), so it was not read' });
    assert.deepEqual(await readLockedJetpack(tempDir('live-none')), { reason: 'no flake.lock' });
  });

  test('source walks read regular .nix files only, and never follow links', async () => {
    const root = tempDir('source');
    fs.mkdirSync(path.join(root, 'modules'));
    fs.writeFileSync(path.join(root, 'modules', 'default.nix'), '{ }');
    fifo(path.join(root, 'modules', 'pipe.nix'));
    zeroLink(path.join(root, 'modules', 'zero.nix'));
    sparseFile(path.join(root, 'modules', 'huge.nix'), 4 * 1024 ** 3);
    fs.symlinkSync('..', path.join(root, 'modules', 'loop'));
    const outside = tempDir('outside');
    fs.writeFileSync(path.join(outside, 'secret.nix'), '"not part of the source"');
    fs.symlinkSync(outside, path.join(root, 'out'));
    fs.symlinkSync(path.join(outside, 'secret.nix'), path.join(root, 'linked.nix'));
    const live = await readSourceTree(root);
    assert.deepEqual(live.map((f) => f.path), ['modules/default.nix'], 'the huge file is over the cap, the rest is not a regular file');
    // The schema script's walk refuses to build a partial schema from a file it cannot read.
    assert.throws(() => readTree(root), /huge\.nix is too large to read/);
    fs.rmSync(path.join(root, 'modules', 'huge.nix'));
    assert.deepEqual(readTree(root).map((f) => f.path), ['modules/default.nix']);
  });

  test('jetson-nix check: named FIFOs and devices are unreadable; in folders they are skipped', () => {
    const root = tempDir('collect');
    fs.writeFileSync(path.join(root, 'ok.nix'), '{ }');
    const pipe = fifo(path.join(root, 'pipe.nix'));
    zeroLink(path.join(root, 'sub', 'zero.nix'));
    const walked = collectNixFiles([root]);
    assert.deepEqual(walked, { files: [path.join(root, 'ok.nix')], missing: [], unreadable: [] });
    const named = collectNixFiles(['/dev/zero', pipe, path.join(root, 'ok.nix'), path.join(root, 'gone.nix')]);
    assert.deepEqual(named, { files: ['/dev/zero', path.join(root, 'ok.nix'), pipe].sort(), missing: [path.join(root, 'gone.nix')], unreadable: ['/dev/zero', pipe].sort() });
  });

  test('the workspace indexes read no link out of the folder, and the last read of a file wins', async () => {
    const root = tempDir('reads');
    const outside = tempDir('reads-outside');
    fs.writeFileSync(path.join(outside, 'secret.nix'), '{ outsideSecret = 1; }');
    fs.symlinkSync(path.join(outside, 'secret.nix'), path.join(root, 'linked.nix'));
    const file = path.join(root, 'a.nix');
    fs.writeFileSync(file, '{ a = 1; }');
    const reads = new WorkspaceReads(() => [root], 1024);
    const linked = await reads.read(path.join(root, 'linked.nix'));
    assert.equal(linked !== STALE && !linked.ok && linked.reason, 'outside');
    const first = reads.read(file);
    fs.writeFileSync(file, '{ a = 2; }');
    const second = reads.read(file);
    assert.equal(await first, STALE, 'a read overtaken by a later one is dropped, whichever ends first');
    const latest = await second;
    assert.equal(latest !== STALE && latest.ok && latest.value, '{ a = 2; }');
    const seen: string[] = [];
    await reads.each([file, fifo(path.join(root, 'pipe.nix'))], (f, r) => seen.push(`${path.basename(f)} ${r.ok ? 'read' : r.reason}`));
    assert.deepEqual(seen, ['a.nix read', 'pipe.nix not-regular']);
  });

  test('the extension reads flake.lock and flake.nix without blocking or reading a device', () => {
    const dir = tempDir('client');
    fifo(path.join(dir, 'flake.lock'));
    zeroLink(path.join(dir, 'flake.nix'));
    assert.equal(downloadRisk(dir, []), 'flake.lock is not a regular file (a named pipe), so it was not read');
    assert.deepEqual(exampleShellInputs(dir), []);
    const fingerprint = flakeFingerprint(dir);
    fs.rmSync(path.join(dir, 'flake.lock'));
    assert.notEqual(flakeFingerprint(dir), fingerprint, 'a FIFO lock and no lock are different states');
    const store = tempDir('client-store');
    fifo(path.join(store, 'flake.nix'));
    assert.equal(isCopyOfFlake(store, { flakeDir: dir, sourceRoot: dir, evaluatedFlakes: [] }), false);
  });

  test('go to definition never opens a FIFO or a device; hover says what the path is', async () => {
    const root = tempDir('definition');
    fifo(path.join(root, 'pipe.nix'));
    fifo(path.join(root, 'folder', 'default.nix'));
    const file = path.join(root, 'configuration.nix');
    const at = async (src: string) => {
      const offset = src.indexOf('|');
      const text = src.slice(0, offset) + src.slice(offset + 1);
      const doc = new NixDocument(await sharedParser(), text, 1);
      const model = scopeModelOf(doc);
      const place = { uri: pathToFileURL(file).href, file };
      return { definition: findDefinition(model, doc.lineIndex, offset, place), hover: hoverName(model, doc.lineIndex, offset, place)?.contents };
    };
    for (const src of ['import ./pi|pe.nix', 'import /dev/ze|ro']) {
      const { definition, hover } = await at(src);
      assert.deepEqual(definition, [], src);
      assert.match((hover as { value: string }).value, /Not a regular file or a folder/, src);
    }
    const folder = await at('import ./fol|der');
    assert.deepEqual(folder.definition, [], 'a default.nix that is a FIFO is not offered either');
  });
});
