import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readBytes, readBytesSync, readText, readTextSync } from '../../server/src/shared/safe-read';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'jn-safe-read-'));
}

test('a regular file is read whole, as text Nix would see (BOM kept, invalid UTF-8 replaced)', async () => {
  const dir = tmp();
  const file = path.join(dir, 'a.nix');
  fs.writeFileSync(file, Buffer.from([0xef, 0xbb, 0xbf, 0x31, 0xff]));
  const sync = readTextSync(file);
  const async = await readText(file);
  assert.deepEqual(sync, async);
  assert.equal(sync.ok && sync.value, '\ufeff1\ufffd');
});

test('/dev/zero, a FIFO and a folder are refused at once, without reading or blocking', async () => {
  const dir = tmp();
  const fifo = path.join(dir, 'flake.lock');
  execFileSync('mkfifo', [fifo]);
  const zeroLink = path.join(dir, 'idVendor');
  fs.symlinkSync('/dev/zero', zeroLink);
  for (const file of [fifo, zeroLink, '/dev/zero', dir]) {
    const sync = readBytesSync(file);
    const async = await readBytes(file);
    assert.equal(sync.ok, false, file);
    assert.equal(async.ok, false, file);
    if (!sync.ok) assert.equal(sync.reason, 'not-regular', `${file}: ${sync.message}`);
    if (!async.ok) assert.equal(async.reason, 'not-regular', file);
  }
});

test('a file over its cap is refused with its size in the message; a missing one is "missing"', async () => {
  const dir = tmp();
  const file = path.join(dir, 'big.lock');
  fs.writeFileSync(file, Buffer.alloc(3000, 0x20));
  const r = readBytesSync(file, { maxBytes: 2048 });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.reason, 'too-large');
    assert.match(r.message, /big\.lock is too large to read \(3 KB; the limit is 2 KB\)/);
  }
  const a = await readBytes(file, { maxBytes: 2999 });
  assert.equal(a.ok, false);
  const ok = await readBytes(file, { maxBytes: 3000 });
  assert.equal(ok.ok && ok.size, 3000);
  const missing = readBytesSync(path.join(dir, 'nope'));
  assert.equal(!missing.ok && missing.reason, 'missing');
});

test('with `within`, a symbolic link out of the folder is refused; one inside is followed', async () => {
  const dir = tmp();
  const outsideDir = tmp();
  fs.writeFileSync(path.join(outsideDir, 'secret'), 'x');
  fs.writeFileSync(path.join(dir, 'real.nix'), '1');
  fs.symlinkSync(path.join(outsideDir, 'secret'), path.join(dir, 'out.nix'));
  fs.symlinkSync(path.join(dir, 'real.nix'), path.join(dir, 'in.nix'));
  const out = await readText(path.join(dir, 'out.nix'), { within: dir });
  assert.equal(!out.ok && out.reason, 'outside');
  const inside = readTextSync(path.join(dir, 'in.nix'), { within: dir });
  assert.equal(inside.ok && inside.value, '1');
});
