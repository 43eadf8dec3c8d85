import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  diagnosticMessage,
  locateErrors,
  mapFile,
  parseErrorJson,
  parseErrorText,
  primaryError,
  rangeAt,
  splitErrors,
  storeRootsIn,
  type NixError,
} from '../../client/src/nix/errors';
import { parseLogLine } from '../../client/src/nix/progress';

const ROOT = path.join(__dirname, '..', '..');
const LOGS = path.join(ROOT, 'test', 'fixtures', 'nix-logs');
/** The workspace the recorded errors came from: the fixture flake itself (it was copied to the store from a copy of it). */
const FLAKE = path.join(ROOT, 'test', 'fixtures', 'flakes', 'build-eval-error');
const read = (name: string) => fs.readFileSync(path.join(LOGS, name), 'utf8');

/** The errors of a recorded internal-json log, as nixBuild reads them. */
function jsonErrors(name: string): NixError[] {
  return read(name)
    .split('\n')
    .map(parseLogLine)
    .flatMap((e) => (e.kind === 'message' && e.level === 0 ? [parseErrorJson(e.json)] : []));
}

/** Maps recorded errors onto the fixture flake: the store root in the log is the flake's copy. */
function located(errors: NixError[]): NixError[] {
  const storeRoots = storeRootsIn(errors);
  assert.equal(storeRoots.length, 1, `one store copy of the flake in ${JSON.stringify(storeRoots)}`);
  return locateErrors(errors, { storeRoots, sourceRoot: FLAKE });
}

const EXPECTED: Record<string, { kind: string; message: string | RegExp; file: string; line: number; column: number; exact: boolean; context?: string }> = {
  undefined: { kind: 'evaluation', message: "undefined variable 'carrierBoard'", file: 'modules/undefined.nix', line: 6, column: 13, exact: true },
  assertion: { kind: 'assertion', message: `assertion '((som != "xavier-agx") || (jetpack == 5))' failed`, file: 'modules/robot.nix', line: 8, column: 5, exact: true },
  throws: {
    kind: 'evaluation',
    message: 'JetPack 6 needs an Orin module, not xavier-agx',
    file: 'modules/robot.nix',
    line: 11,
    column: 3,
    exact: false,
    context: "while evaluating the attribute 'throws'",
  },
  aborts: {
    kind: 'evaluation',
    message: "evaluation aborted with the following error message: 'flash target unknown for xavier-agx'",
    file: 'modules/robot.nix',
    line: 16,
    column: 3,
    exact: false,
    context: "while evaluating the attribute 'aborts'",
  },
  typeError: { kind: 'evaluation', message: 'cannot add a string to an integer', file: 'modules/robot.nix', line: 18, column: 37, exact: true },
  untracked: { kind: 'setup', message: /^getting status of '\/nix\/store\/[0-9a-z]{32}-source\/modules\/untracked\.nix': No such file or directory$/, file: 'flake.nix', line: 23, column: 21, exact: false },
};

for (const [name, want] of Object.entries(EXPECTED)) {
  for (const format of ['internal-json', 'text'] as const) {
    test(`real Nix 2.8 error (${format}): ${name} → ${want.file}:${want.line}`, () => {
      const errors = located(format === 'internal-json' ? jsonErrors(`eval-${name}.internal-json.log`) : splitErrors(read(`eval-${name}.txt`)).map(parseErrorText));
      assert.equal(errors.length, 1);
      const error = errors[0]!;
      assert.equal(error.kind, want.kind);
      if (typeof want.message === 'string') assert.equal(error.message, want.message);
      else assert.match(error.message, want.message);
      assert.doesNotMatch(error.text, /\u001b/, 'ANSI stripped');
      assert.deepEqual(error.location, {
        file: path.join(FLAKE, want.file),
        line: want.line,
        column: want.column,
        exact: want.exact,
        ...(want.exact ? {} : { context: error.location?.context }),
      });
      if (want.context) assert.equal(error.location!.context, want.context);
    });
  }
}

test('a file not tracked by git: the hint says which file to add, and the diagnostic says it', () => {
  const [error] = located(jsonErrors('eval-untracked.internal-json.log'));
  assert.match(error!.hint!, /^Nix only sees files tracked by git: `git add modules\/untracked\.nix`/);
  assert.match(diagnosticMessage(error!), /^Nix only sees files tracked by git: `git add modules\/untracked\.nix`[\s\S]*\n\(while realising the context of path /);
});

test('a throw shows its message and the attribute being evaluated', () => {
  const [error] = located(jsonErrors('eval-throws.internal-json.log'));
  assert.equal(diagnosticMessage(error!), "JetPack 6 needs an Orin module, not xavier-agx\n(while evaluating the attribute 'throws')");
});

test('a failing builder (Nix 2.8, internal-json): the derivation, its exit code; the dependent is secondary', () => {
  const errors = jsonErrors('build-fail.internal-json.log');
  assert.deepEqual(
    errors.map((e) => [e.kind, path.basename(e.derivation ?? '').replace(/^[0-9a-z]{32}-/, '')]),
    [
      ['build', 'camera-driver.drv'],
      ['dependency', 'robot-image.drv'],
    ],
  );
  assert.equal(errors[0]!.exitCode, 2);
  assert.equal(primaryError([...errors].reverse()), errors[0], 'the builder failure is the one to report');
});

test('a failing builder (Nix 2.8, text): the last log lines Nix quotes', () => {
  const errors = splitErrors(read('build-fail.txt')).map(parseErrorText);
  assert.equal(errors.length, 2);
  const [build] = errors;
  assert.equal(build!.kind, 'build');
  assert.equal(build!.logTail!.length, 10);
  assert.equal(build!.logTail!.at(-1), "nvcc: error: unsupported gpu architecture 'compute_72'");
  assert.equal(build!.message.split('\n').length, 1, 'the quoted log is not part of the message');
});

test('a failing builder as newer Nix prints it ("Cannot build … Reason: …")', () => {
  const errors = splitErrors(read('build-fail-modern.txt')).map(parseErrorText);
  assert.deepEqual(
    errors.map((e) => [e.kind, e.derivation, e.exitCode]),
    [
      ['build', '/nix/store/ffffffffffffffffffffffffffffffff-camera-driver.drv', 2],
      ['dependency', '/nix/store/hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh-robot-image.drv', undefined],
    ],
  );
  assert.deepEqual(errors[0]!.logTail, ['compiling unit 11', 'compiling unit 12', "nvcc: error: unsupported gpu architecture 'compute_72'"]);
  assert.equal(errors[0]!.message, "Cannot build '/nix/store/ffffffffffffffffffffffffffffffff-camera-driver.drv'.\nReason: builder failed with exit code 2.");
});

test('newer Nix prints frames first and the error last: the innermost frame in the workspace is chosen', () => {
  const errors = splitErrors(read('eval-modern-format.txt')).map(parseErrorText);
  assert.equal(errors.length, 1);
  const storeRoot = `/nix/store/${'e'.repeat(32)}-source`;
  const [error] = locateErrors(errors, { storeRoots: [storeRoot], sourceRoot: FLAKE });
  assert.equal(error!.message, 'JetPack 6 needs an Orin module, not xavier-agx');
  assert.equal(error!.position, undefined);
  assert.deepEqual(
    error!.frames.map((f) => `${path.basename(f.file)}:${f.line}`),
    ['robot.nix:13', 'robot.nix:11', 'flake.nix:19'],
  );
  assert.deepEqual(error!.location, { file: path.join(FLAKE, 'modules/robot.nix'), line: 13, column: 10, exact: false, context: "while calling the 'throw' builtin" });
});

test('«git+file://…» positions map to the work tree they name', () => {
  const [error] = splitErrors(read('eval-lazy-trees-format.txt')).map(parseErrorText);
  assert.deepEqual(error!.position, { file: '«git+file:///home/me/robot?dir=fleet»/fleet/modules/undefined.nix', line: 6, column: 13 });
  const mapping = { storeRoots: [], sourceRoot: '/home/me/robot' };
  locateErrors([error!], mapping, () => true);
  assert.deepEqual(error!.location, { file: '/home/me/robot/fleet/modules/undefined.nix', line: 6, column: 13, exact: true });
});

test('positions that are not the flake stay unmapped', () => {
  const flakeRoot = `/nix/store/${'a'.repeat(32)}-source`;
  const mapping = { storeRoots: [flakeRoot], sourceRoot: '/home/me/robot' };
  assert.equal(mapFile(`${flakeRoot}/modules/robot.nix`, mapping), '/home/me/robot/modules/robot.nix');
  assert.equal(mapFile(`/nix/store/${'b'.repeat(32)}-source/lib/modules.nix`, mapping), undefined, 'another source (nixpkgs)');
  assert.equal(mapFile(`${flakeRoot}/../../etc/passwd`, mapping), undefined, 'no escape from the work tree');
  assert.equal(mapFile('«string»', mapping), undefined);
  assert.equal(mapFile('«github:NixOS/nixpkgs/abc»/lib/modules.nix', mapping), undefined);
  assert.equal(mapFile('«path:/home/me/robot»/flake.nix', mapping), '/home/me/robot/flake.nix');
  assert.equal(mapFile('/home/other/flake.nix', mapping), undefined);
  assert.equal(mapFile('/home/me/robot/modules/robot.nix', mapping), '/home/me/robot/modules/robot.nix');

});

test('an error in an expression given as a string has no file', () => {
  const error = parseErrorText("error: undefined variable 'x'\n\n       at «string»:1:1:\n\n            1| x\n             | ^");
  assert.deepEqual(error.position, { file: '«string»', line: 1, column: 1 });
  locateErrors([error], { storeRoots: [], sourceRoot: '/home/me/robot' }, () => true);
  assert.equal(error.location, undefined);
});

test('a NixOS error naming a module file without a line points at the top of that file', () => {
  const flakeRoot = `/nix/store/${'a'.repeat(32)}-source`;
  const text = [
    "error: The option `hardware.nvidia-jetpack.somm' does not exist. Definition values:",
    `       - In \`${flakeRoot}/modules/robot.nix': "orin-agx"`,
  ].join('\n');
  const [error] = locateErrors(splitErrors(text).map(parseErrorText), { storeRoots: [flakeRoot], sourceRoot: '/home/me/robot' }, () => true);
  assert.deepEqual(error!.location, { file: '/home/me/robot/modules/robot.nix', line: 1, column: 1, exact: false });
  assert.equal(error!.message, "The option `hardware.nvidia-jetpack.somm' does not exist. Definition values:\n- In `" + flakeRoot + "/modules/robot.nix': \"orin-agx\"");
});

test('NixOS failed assertions are assertions, with their messages', () => {
  const flat = parseErrorText('error:\nFailed assertions:\n- hardware.nvidia-jetpack.som must be set to flash this configuration');
  assert.equal(flat.kind, 'assertion');
  assert.equal(flat.message, 'Failed assertions:\n- hardware.nvidia-jetpack.som must be set to flash this configuration');
  const nested = parseErrorText(
    "error:\n       … while evaluating the attribute 'config.system.build.toplevel'\n         at /nix/store/" +
      'a'.repeat(32) +
      '-source/nixos/modules/system/activation/top-level.nix:71:12:\n\n       error:\n       Failed assertions:\n       - hardware.nvidia-jetpack.som must be set',
  );
  assert.equal(nested.kind, 'assertion');
  assert.equal(nested.message, 'Failed assertions:\n- hardware.nvidia-jetpack.som must be set');
});

test('splitErrors keeps nested errors inside their error and drops what comes before', () => {
  const parts = splitErrors("warning: Git tree is dirty\nerror:\n       … while x\n\n       error: inner\nerror: second\n");
  assert.deepEqual(parts, ['error:\n       … while x\n\n       error: inner', 'error: second']);
  assert.equal(parseErrorText(parts[0]!).message, 'inner');
});

test('ranges: Nix counts bytes, editors count UTF-16; a point grows to the name there', () => {
  const text = 'let\n  sœm = "é"; carrier = carrierBoard;\nin x';
  // `carrierBoard` starts at byte column 27 (1-based) on line 2: "œ" and "é" are two bytes each.
  const byteColumn = Buffer.from('  sœm = "é"; carrier = ', 'utf8').length + 1;
  assert.deepEqual(rangeAt(text, 2, byteColumn), { start: { line: 1, character: 23 }, end: { line: 1, character: 35 } });
  assert.deepEqual(rangeAt(text, 2, 1), { start: { line: 1, character: 0 }, end: { line: 1, character: 1 } }, 'a space: one character');
  assert.deepEqual(rangeAt(text, 99, 1), { start: { line: 2, character: 0 }, end: { line: 2, character: 2 } }, 'past the end: the last line');
  assert.deepEqual(rangeAt('a.b.c = 1;', 1, 1), { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }, 'an attribute path');
  assert.deepEqual(rangeAt('', 1, 5), { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
});

test('the $nix problem matchers find the error and its position in a task terminal', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    contributes: { problemMatchers: Array<{ name: string; pattern: Array<{ regexp: string; message?: number; file?: number; line?: number; column?: number }> }> };
  };
  const matchers = pkg.contributes.problemMatchers.filter((m) => m.name === 'nix' || m.name === 'nix-compact');
  assert.equal(matchers.length, 2);
  /** What VS Code's multi-line matcher does: every pattern on consecutive lines, fields gathered across them. */
  const match = (output: string) =>
    matchers.flatMap((matcher) => {
      const lines = output.split('\n');
      const found: string[] = [];
      for (let start = 0; start + matcher.pattern.length <= lines.length; start++) {
        const data: Record<string, string> = {};
        const ok = matcher.pattern.every((p, k) => {
          const m = new RegExp(p.regexp).exec(lines[start + k]!);
          if (!m) return false;
          for (const key of ['message', 'file', 'line', 'column'] as const) if (p[key] !== undefined) data[key] = m[p[key]!]!;
          return true;
        });
        if (ok) found.push(`${data.file}:${data.line}:${data.column}: ${data.message}`);
      }
      return found;
    });
  assert.deepEqual(match(read('eval-undefined.txt')), ["modules/undefined.nix:6:13: undefined variable 'carrierBoard'"]);
  assert.deepEqual(match(read('eval-assertion.txt')), [`modules/robot.nix:8:5: assertion '((som != "xavier-agx") || (jetpack == 5))' failed`]);
  assert.deepEqual(match(read('eval-typeError.txt')), ['modules/robot.nix:18:37: cannot add a string to an integer']);
  assert.deepEqual(match(read('eval-lazy-trees-format.txt')), ["fleet/modules/undefined.nix:6:13: undefined variable 'carrierBoard'"]);
  const compact = "error:\n       … while evaluating x\n         at /nix/store/" + 'e'.repeat(32) + '-source/flake.nix:3:5:\n\n       error: undefined variable \'som\'\n       at /nix/store/' + 'e'.repeat(32) + '-source/modules/robot.nix:4:9:\n            4|   x = som;';
  assert.deepEqual(match(compact), ["modules/robot.nix:4:9: undefined variable 'som'"]);
});

test("Nix's refusal to build another platform (Nix 2.8, recorded) is a platform error with the doctor's explanation", () => {
  for (const errors of [jsonErrors('platform-mismatch.internal-json.log'), splitErrors(read('platform-mismatch.txt')).map(parseErrorText)]) {
    const error = primaryError(errors)!;
    assert.equal(error.kind, 'platform');
    assert.deepEqual([error.platform?.system, error.platform?.hostSystem], ['aarch64-linux', 'x86_64-linux']);
    assert.match(error.derivation!, /^\/nix\/store\/[0-9a-z]{32}-linux-5\.15\.drv$/);
    assert.equal(error.hint, 'Building linux-5.15 needs aarch64-linux, but this machine builds x86_64-linux, and Nix found no builder or emulation for aarch64-linux.');
    assert.equal(diagnosticMessage(error), error.hint);
  }
});
