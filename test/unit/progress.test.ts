import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BuildProgressModel, describeProgress, formatBytes, formatElapsed, parseLogLine, storePathName } from '../../client/src/nix/progress';
import { LineSplitter } from '../../client/src/nix/exec';

const LOGS = path.join(__dirname, '..', 'fixtures', 'nix-logs');
const read = (name: string) => fs.readFileSync(path.join(LOGS, name), 'utf8');
const linesOf = (name: string) => read(name).replace(/\n$/, '').split('\n');

/** Feeds lines one by one, calling `at(index, model, logSoFar)` after each. */
function replay(lines: string[], at?: (index: number, model: BuildProgressModel, log: string[]) => void, now?: () => number) {
  const model = new BuildProgressModel(now);
  const log: string[] = [];
  lines.forEach((line, i) => {
    log.push(...model.applyLine(line));
    at?.(i, model, log);
  });
  return { model, log };
}

test('a real build (Nix 2.8): counts, the derivation building now, its log lines', () => {
  const lines = linesOf('build-ok.internal-json.log');
  const seen: string[] = [];
  const { model, log } = replay(lines, (_i, m) => {
    const current = m.snapshot().running[0];
    if (current && !seen.includes(current.name)) seen.push(current.name);
  });
  assert.deepEqual(seen, ['robot-firmware', 'nixos-system-robot'], 'the derivations are shown in the order they build');
  const end = model.snapshot();
  assert.deepEqual(end.builds, { done: 2, total: 2, running: 0, failed: 0 });
  assert.equal(end.fraction, 1);
  assert.deepEqual(end.running, []);
  assert.ok(log.includes('robot-firmware> unpacking firmware'), log.join('\n'));
  assert.ok(log.some((l) => /^nixos-system-robot> linking \/nix\/store\/[0-9a-z]{32}-robot-firmware$/.test(l)));
  assert.ok(log.some((l) => /^building '\/nix\/store\/[0-9a-z]{32}-robot-firmware\.drv'$/.test(l)));
  assert.ok(!log.some((l) => l.startsWith('evaluating file')), '-v chatter stays out of the log');
  assert.ok(!log.some((l) => l.startsWith('@nix')), 'no raw JSON in the log');
});

test('mid-build the notification says what is building and how far along', () => {
  const lines = linesOf('build-ok.internal-json.log');
  const index = lines.findIndex((l) => l.includes('"fields":["unpacking firmware"]'));
  const { model } = replay(lines.slice(0, index + 1), undefined, fakeClock(65_000));
  const text = describeProgress(model.snapshot());
  assert.match(text, /^0\/2 built · robot-firmware · 1:05$/);
});

test('a real substitution from a binary cache: fetched paths, bytes, and a build estimate that drops to zero', () => {
  const lines = linesOf('substitute.internal-json.log');
  let sawFetching = false;
  let sawBytes = false;
  const { model } = replay(lines, (_i, m) => {
    const text = describeProgress(m.snapshot());
    if (/fetching robot-firmware/.test(text)) sawFetching = true;
    if (/\d\/2 fetched \(\d\.\d\/1\.9 MiB\)/.test(text)) sawBytes = true;
  });
  assert.ok(sawFetching, 'the path being fetched is named');
  assert.ok(sawBytes, 'bytes are shown while the path is copied');
  const end = model.snapshot();
  assert.deepEqual(end.substitutions, { done: 2, total: 2, running: 0, failed: 0 });
  assert.deepEqual(end.builds, { done: 0, total: 0, running: 0, failed: 0 }, 'Nix first expected one build, then fetched it instead');
  assert.equal(end.fraction, 1);
  assert.deepEqual(end.unpack, { done: 2000632, total: 2000632 }, 'finished copies count in full');
  assert.match(describeProgress(end), /^2\/2 fetched · \d+:\d\d$/);
});

test('an HTTP download: compressed bytes over the size Nix announced', () => {
  const lines = linesOf('http-download.internal-json.log');
  const index = lines.findIndex((l) => l.includes('[20971520,41943040,0,0]'));
  const { model } = replay(lines.slice(0, index + 1));
  const p = model.snapshot();
  assert.deepEqual(p.download, { done: 20971520, total: 41943040 });
  assert.match(describeProgress(p), /^0\/1 fetched \(20\.0\/40\.0 MiB\) · fetching l4t-firmware-36\.5\.0 · 0:00$/);
  const end = replay(lines).model.snapshot();
  assert.deepEqual(end.download, { done: 41943040, total: 41943040 });
  assert.doesNotMatch(describeProgress(end), /MiB/, 'a finished download is not shown');
});

test('out of order, unknown types, a dropping estimate, ANSI and a line cut short', () => {
  const lines = linesOf('out-of-order.internal-json.log');
  const snapshots = new Map<number, ReturnType<BuildProgressModel['snapshot']>>();
  const { model, log } = replay(lines, (i, m) => snapshots.set(i, m.snapshot()));
  // The result that arrived before its activity started is applied when it starts.
  assert.deepEqual(snapshots.get(2)!.builds, { done: 0, total: 4, running: 0, failed: 0 });
  // The activity stopped before it started never shows as running.
  for (const s of snapshots.values()) assert.ok(!s.running.some((r) => r.name === 'ghost'));
  // Unknown activity types are neither counted nor shown.
  assert.deepEqual(snapshots.get(6)!.running, []);
  const building = snapshots.get(11)!;
  assert.deepEqual(building.running, [{ kind: 'build', name: 'camera-driver-1.0', path: '/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-camera-driver-1.0.drv', phase: 'buildPhase' }]);
  assert.deepEqual(building.builds, { done: 0, total: 4, running: 1, failed: 0 });
  // Nix's estimate drops to 1 while one is done and one runs: the total never goes below 2.
  assert.deepEqual(snapshots.get(13)!.builds, { done: 1, total: 2, running: 1, failed: 0 });
  assert.deepEqual(snapshots.get(14)!.builds, { done: 2, total: 2, running: 0, failed: 0 });
  assert.equal(snapshots.get(14)!.fraction, 1);
  assert.ok(log.includes('camera-driver-1.0> compiling nvargus'), 'ANSI stripped from build log lines');
  assert.ok(log.includes("warning: Git tree '/home/me/robot' is dirty"), 'ANSI stripped from messages');
  assert.ok(log.includes('a plain line on stderr'));
  assert.equal(log.at(-1), lines.at(-1), 'the line cut short is kept as text');
  assert.deepEqual(model.logTail('/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-camera-driver-1.0.drv'), ['compiling nvargus']);
  assert.deepEqual(model.snapshot().builds, { done: 2, total: 2, running: 0, failed: 0 }, 'the cut line changed nothing');
});

test('chunks split anywhere (inside JSON, inside UTF-8) give the same result as whole lines', () => {
  for (const name of ['build-ok.internal-json.log', 'build-fail.internal-json.log', 'out-of-order.internal-json.log']) {
    const bytes = Buffer.from(read(name) + '@nix {"action":"msg","level":3,"msg":"Jetson ✓ données"}\n', 'utf8');
    const whole = new BuildProgressModel(fakeClock(0));
    const wholeLog = bytes.toString('utf8').replace(/\n$/, '').split('\n').flatMap((l) => whole.applyLine(l));
    for (let seed = 1; seed <= 20; seed++) {
      const chunked = new BuildProgressModel(fakeClock(0));
      const chunkedLog: string[] = [];
      const splitter = new LineSplitter((line) => chunkedLog.push(...chunked.applyLine(line)));
      let offset = 0;
      let state = seed;
      while (offset < bytes.length) {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        const size = 1 + (state % 97);
        splitter.push(bytes.subarray(offset, offset + size));
        offset += size;
      }
      splitter.end();
      assert.deepEqual(chunkedLog, wholeLog, `${name}, seed ${seed}`);
      assert.deepEqual(chunked.snapshot(), whole.snapshot(), `${name}, seed ${seed}`);
    }
    assert.ok(wholeLog.includes('Jetson ✓ données'));
  }
});

test('a failed build keeps the log tail of the failing derivation and counts the failure', () => {
  const { model } = replay(linesOf('build-fail.internal-json.log'));
  const drv = model.loggedDerivations().find((d) => d.endsWith('-camera-driver.drv'))!;
  assert.ok(drv);
  const tail = model.logTail(drv);
  assert.equal(tail.at(-1), "nvcc: error: unsupported gpu architecture 'compute_72'");
  assert.equal(tail[0], 'configuring camera-driver');
  assert.deepEqual(model.snapshot().builds, { done: 0, total: 1, running: 0, failed: 1 });
  assert.match(describeProgress(model.snapshot()), /^0\/1 built, 1 failed · /);
});

test('lines that are not events never throw', () => {
  for (const line of ['', 'plain', '@nix ', '@nix null', '@nix 42', '@nix []', '@nix {"action":"start"}', '@nix {"action":"result","id":1}', '@nix {"action":"msg"}', '@nix {"action":"nonsense","id":3}']) {
    assert.equal(parseLogLine(line).kind, 'text', JSON.stringify(line));
  }
  const model = new BuildProgressModel();
  model.applyLine('@nix {"action":"result","id":5,"type":105,"fields":["x",-3,null,1e400]}');
  model.applyLine('@nix {"action":"start","id":5,"type":104,"level":0,"text":""}');
  assert.deepEqual(model.snapshot().builds, { done: 0, total: 0, running: 0, failed: 0 }, 'malformed numbers count as zero');
  model.applyLine('@nix {"action":"result","id":5,"type":105,"fields":[1,3,1]}');
  assert.deepEqual(model.snapshot().builds, { done: 1, total: 3, running: 1, failed: 0 }, 'a short field list is padded');
});

test('formatting helpers', () => {
  assert.equal(storePathName('/nix/store/ff0mx3hjanhjap1r3rrwxmibjihq8pcw-camera-driver-1.2.drv'), 'camera-driver-1.2');
  assert.equal(storePathName('/nix/store/i20khh0w3q0j3d5swgk9h4n35g1nwffq-robot-firmware'), 'robot-firmware');
  assert.equal(formatBytes(1536, 41943040), '0.0/40.0 MiB');
  assert.equal(formatBytes(10, 900), '10/900 B');
  assert.equal(formatBytes(3 * 1024 ** 3, 7 * 1024 ** 3), '3.0/7.0 GiB');
  assert.equal(formatElapsed(0), '0:00');
  assert.equal(formatElapsed(65_000), '1:05');
  assert.equal(formatElapsed(3_725_000), '1:02:05');
});

function fakeClock(elapsed: number): () => number {
  let calls = 0;
  // The first call is the model's start time; every later call is `elapsed` after it.
  return () => (calls++ === 0 ? 1_000_000 : 1_000_000 + elapsed);
}

test('a build on a remote builder (Nix 2.8 over ssh-ng): the machine is named, the forwarded copy of the build is not counted', () => {
  const lines = linesOf('remote-build.internal-json.log');
  const machines = new Set<string>();
  const described: string[] = [];
  const { model, log } = replay(lines, (_i, m) => {
    const snapshot = m.snapshot();
    for (const r of snapshot.running) machines.add(`${r.name} on ${r.machine ?? 'this machine'}`);
    if (snapshot.running.length > 0) described.push(describeProgress(snapshot));
    // The remote Nix repeats the build and its own totals: never more than one derivation in all.
    assert.ok(snapshot.builds.total <= 1, JSON.stringify(snapshot.builds));
    assert.ok(snapshot.running.length <= 1, JSON.stringify(snapshot.running));
  });
  assert.deepEqual([...machines], ['linux-5.15 on 127.0.0.1']);
  assert.ok(described.some((d) => /^0\/1 built · linux-5\.15 on 127\.0\.0\.1 · 0:0\d$/.test(d)), described.join('\n'));
  assert.deepEqual(model.snapshot().builds, { done: 1, total: 1, running: 0, failed: 0 });
  assert.ok(log.includes('linux-5.15> compiling part 5'), log.join('\n'));
  assert.ok(log.some((l) => /^building '\/nix\/store\/[0-9a-z]{32}-linux-5\.15\.drv' on 'ssh-ng:\/\/root@127\.0\.0\.1\?remote-program=/.test(l)), log.join('\n'));
});
