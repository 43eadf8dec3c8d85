import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { readFlake, type FlakeModel } from '../../server/src/flake/inputs';
import { LockFiles, nodeAt, parseLock, resolveInputPath, rootInputs, summarizeNode, type FlakeLock, type LockFile } from '../../server/src/flake/lock';
import { completeFlakeInputs, flakeFindings, hoverFlakeInput } from '../../server/src/features/flake-inputs';
import type { Finding } from '../../server/src/analysis/diagnostic';
import { sharedParser } from '../support/analysis';
import { findOnPath, offlineNixEnv } from '../support/nix';

const STATIC = path.join(__dirname, '..', 'fixtures', 'flakes-static');
const ROBOT = fs.readFileSync(path.join(STATIC, 'robot', 'flake.nix'), 'utf8');
const ROBOT_LOCK = lockOf(fs.readFileSync(path.join(STATIC, 'robot', 'flake.lock'), 'utf8'));

function lockOf(text: string): FlakeLock {
  const parsed = parseLock(text);
  assert.ok('lock' in parsed, JSON.stringify(parsed));
  return parsed.lock;
}

const ok = (lock: FlakeLock): LockFile => ({ state: 'ok', lock });
const ABSENT: LockFile = { state: 'absent' };

async function model(text: string): Promise<FlakeModel> {
  const tree = (await sharedParser()).parse(text)!;
  try {
    const m = readFlake(tree.rootNode, text);
    assert.ok(m, 'a flake model');
    return m;
  } finally {
    tree.delete();
  }
}

async function findings(text: string, lock: LockFile = ok(ROBOT_LOCK)): Promise<Finding[]> {
  return flakeFindings(await model(text), lock);
}

/** `code "the text it points at"` for each finding. */
function brief(text: string, list: Finding[]): string[] {
  return list.map((f) => `${f.code} ${JSON.stringify(text.slice(f.start, f.end))}`).sort();
}

function applyFix(text: string, finding: Finding, title: RegExp): string {
  const fix = finding.fixes?.find((f) => title.test(f.title));
  assert.ok(fix, `a fix matching ${title}: ${finding.fixes?.map((f) => f.title).join(' | ')}`);
  let out = text;
  for (const e of [...fix.edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/** The flake with the body of `inputs = { … };` replaced. */
const withInputs = (inputs: string) => `{\n  inputs = {\n${inputs}\n  };\n  outputs = { self, ... }: { };\n}\n`;

describe('reading inputs from flake.nix', () => {
  test('every way of writing them gives the same model', async () => {
    const forms = [
      withInputs('    nixpkgs.url = "github:NixOS/nixpkgs";\n    jp = { url = "github:anduril/jetpack-nixos"; inputs.nixpkgs.follows = "nixpkgs"; };'),
      '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  inputs.jp.url = "github:anduril/jetpack-nixos";\n  inputs.jp.inputs.nixpkgs.follows = "nixpkgs";\n  outputs = { self, ... }: { };\n}\n',
      withInputs('    nixpkgs = { url = "github:NixOS/nixpkgs"; };\n    jp.url = "github:anduril/jetpack-nixos";\n    jp.inputs = { nixpkgs = { follows = "nixpkgs"; }; };'),
      '{\n  inputs = { nixpkgs.url = "github:NixOS/nixpkgs"; };\n  inputs.jp = { url = "github:anduril/jetpack-nixos"; inputs = { nixpkgs.follows = "nixpkgs"; }; };\n  outputs = { self, ... }: { };\n}\n',
    ];
    for (const text of forms) {
      const m = await model(text);
      assert.equal(m.complete, true, text);
      assert.deepEqual([...m.inputs.keys()], ['nixpkgs', 'jp'], text);
      const jp = m.inputs.get('jp')!;
      assert.equal(jp.attributes.find((a) => a.name === 'url')?.text, 'github:anduril/jetpack-nixos', text);
      assert.deepEqual(jp.overrides.map((o) => [o.path.join('/'), o.follows?.text]), [['nixpkgs', 'nixpkgs']], text);
      assert.equal(text.slice(jp.keys[0]!.start, jp.keys[0]!.end), 'jp');
    }
  });

  test('the robot fixture: flake = false, outputs arguments, implicit registry inputs', async () => {
    const m = await model(ROBOT);
    assert.deepEqual([...m.inputs.keys()], ['nixpkgs', 'jetpack-nixos', 'nix-ros-overlay', 'flake-utils', 'calibration']);
    assert.equal(m.inputs.get('calibration')!.attributes.find((a) => a.name === 'flake')?.bool, false);
    assert.deepEqual(m.outputArguments.map((a) => a.name), ['self', 'nixpkgs', 'jetpack-nixos', 'nix-ros-overlay', 'flake-utils', 'calibration']);
    const implicit = await model('{\n  inputs.a.url = "github:o/a";\n  outputs = { self, a, nixpkgs }: { };\n}\n');
    assert.equal(implicit.inputs.get('nixpkgs')?.implicit, true, 'an argument of outputs that is not declared comes from the registry');
    assert.equal(implicit.inputs.get('a')?.implicit, false);
  });

  test('computed inputs are not guessed at', async () => {
    const m = await model('{\n  inputs = import ./inputs.nix;\n  outputs = { self, ... }: { };\n}\n');
    assert.equal(m.complete, false);
    const opaque = await model(withInputs('    nixpkgs = someSet;'));
    assert.equal(opaque.inputs.get('nixpkgs')?.opaque, true);
    assert.deepEqual(await findings(withInputs('    nixpkgs = someSet;'), ABSENT), [], 'nothing is said about an input whose attributes are not known');
  });
});

describe('flake.lock', () => {
  test('follows paths resolve from the root, as Nix resolves them', () => {
    assert.equal(resolveInputPath(ROBOT_LOCK, ['jetpack-nixos', 'nixpkgs']), 'nixpkgs');
    assert.equal(resolveInputPath(ROBOT_LOCK, ['nix-ros-overlay', 'nixpkgs']), 'nixpkgs_2');
    assert.equal(resolveInputPath(ROBOT_LOCK, ['nix-ros-overlay', 'flake-utils', 'systems']), 'systems_2');
    assert.equal(resolveInputPath(ROBOT_LOCK, ['nix-ros-overlay', 'nope']), undefined);
    assert.deepEqual([...rootInputs(ROBOT_LOCK).keys()].sort(), ['calibration', 'flake-utils', 'jetpack-nixos', 'nix-ros-overlay', 'nixpkgs']);
  });

  test('a follows cycle ends instead of looping', () => {
    const cyclic: FlakeLock = { version: 7, root: 'root', nodes: new Map([['root', { key: 'root', inputs: new Map([['a', ['b']], ['b', ['a']]]), flake: true }]]) };
    assert.equal(resolveInputPath(cyclic, ['a']), undefined);
  });

  test('what a hover shows about a locked node', () => {
    const s = summarizeNode(nodeAt(ROBOT_LOCK, ['jetpack-nixos'])!);
    assert.equal(s.rev, '4d857d6e2b1f4c0a9e7d3b5a8c6f1e0d2b4a6c8e');
    assert.equal(s.lastModified, '2025-07-12 13:43:00 UTC');
    assert.equal(s.reference, 'github:anduril/jetpack-nixos/4d857d6e2b1f4c0a9e7d3b5a8c6f1e0d2b4a6c8e');
    assert.equal(s.original, 'github:anduril/jetpack-nixos');
  });

  test('unreadable locks say why', () => {
    assert.match((parseLock('{') as { error: string }).error, /not valid JSON/);
    assert.match((parseLock('{"version": 4, "nodes": {}}') as { error: string }).error, /version 4/);
    assert.match((parseLock('{"version": 7, "root": "root", "nodes": {}}') as { error: string }).error, /no root node/);
  });

  test('a lock file is re-read when it changes on disk', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-lock-'));
    try {
      const files = new LockFiles();
      const flake = path.join(dir, 'flake.nix');
      assert.deepEqual(files.besideFlake(flake), { state: 'absent' });
      fs.writeFileSync(path.join(dir, 'flake.lock'), JSON.stringify({ version: 7, root: 'root', nodes: { root: { inputs: { a: 'a' } }, a: {} } }));
      const first = files.besideFlake(flake);
      assert.equal(first.state, 'ok');
      assert.deepEqual([...rootInputs((first as { lock: FlakeLock }).lock).keys()], ['a']);
      fs.writeFileSync(path.join(dir, 'flake.lock'), JSON.stringify({ version: 7, root: 'root', nodes: { root: { inputs: { a: 'a', bb: 'bb' } }, a: {}, bb: {} } }));
      const second = files.besideFlake(flake);
      assert.deepEqual([...rootInputs((second as { lock: FlakeLock }).lock).keys()], ['a', 'bb']);
      fs.writeFileSync(path.join(dir, 'flake.lock'), 'not json');
      assert.equal(files.besideFlake(flake).state, 'invalid');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('flake findings', () => {
  test('the robot fixture: only nix-ros-overlay does not share the flake\'s nixpkgs', async () => {
    const list = await findings(ROBOT);
    assert.deepEqual(brief(ROBOT, list), ['nixpkgs-not-followed "nix-ros-overlay"']);
    assert.match(list[0]!.message, /binary cache/);
    assert.equal(list[0]!.severity, 'warning');
  });

  test('the quick fix is nix-ros-overlay\'s own setup: the flake\'s nixpkgs follows it; never the reverse', async () => {
    const [finding] = await findings(ROBOT);
    assert.deepEqual(finding!.fixes!.map((f) => f.title.split(':')[0]), ["Use nix-ros-overlay's nixpkgs for the whole flake"]);
    const fixed = applyFix(ROBOT, finding!, /nixpkgs\.follows = "nix-ros-overlay\/nixpkgs"/);
    assert.ok(fixed.includes('nixpkgs.follows = "nix-ros-overlay/nixpkgs";'), fixed);
    const tree = (await sharedParser()).parse(fixed)!;
    assert.equal(tree.rootNode.hasError, false, 'the fix leaves a file that parses');
    tree.delete();
    assert.deepEqual(brief(fixed, await findings(fixed, ABSENT)), [], fixed);
  });

  test('nix-ros-overlay made to follow another nixpkgs misses its binary cache', async () => {
    const text = ROBOT.replace(
      'nix-ros-overlay.url = "github:lopsided98/nix-ros-overlay/master";',
      'nix-ros-overlay.url = "github:lopsided98/nix-ros-overlay/master";\n    nix-ros-overlay.inputs.nixpkgs.follows = "nixpkgs";',
    );
    const list = await findings(text, ABSENT);
    assert.deepEqual(brief(text, list), ['ros-nixpkgs-replaced "nixpkgs"']);
    assert.equal(list[0]!.severity, 'warning');
    assert.match(list[0]!.message, /made to follow `nixpkgs` instead of its own nixpkgs: ROS packages are then built against a nixpkgs nix-ros-overlay's binary cache was not built against, so they are compiled locally/);
    const fixed = applyFix(text, list[0]!, /nixpkgs\.follows = "nix-ros-overlay\/nixpkgs"/);
    assert.ok(!fixed.includes('nix-ros-overlay.inputs.nixpkgs.follows'), fixed);
    assert.ok(fixed.includes('nixpkgs.follows = "nix-ros-overlay/nixpkgs";'), fixed);
    assert.deepEqual(brief(fixed, await findings(fixed, ABSENT)), [], fixed);
  });

  test('the jetpack-nixos message says what a second nixpkgs does there', async () => {
    const text = withInputs('    nixpkgs.url = "github:NixOS/nixpkgs";\n    jetpack.url = "github:anduril/jetpack-nixos";');
    const [finding, ...rest] = await findings(text, ABSENT);
    assert.equal(rest.length, 0);
    assert.match(finding!.message, /`jetpack` keeps its own nixpkgs: its module applies its overlay to this flake's packages, but the overlay takes `lib` from that second nixpkgs, which Nix fetches too/);
    assert.doesNotMatch(finding!.message, /evaluated/);
  });

  test('the follows fix goes inside a set-form input, indented like its neighbours', async () => {
    const text = withInputs('    nixpkgs.url = "github:NixOS/nixpkgs";\n    jetpack-nixos = {\n      url = "github:anduril/jetpack-nixos";\n    };');
    const [finding] = await findings(text, ABSENT);
    assert.equal(finding?.code, 'nixpkgs-not-followed');
    const fixed = applyFix(text, finding!, /follow this flake's nixpkgs/);
    assert.ok(fixed.includes('      url = "github:anduril/jetpack-nixos";\n      inputs.nixpkgs.follows = "nixpkgs";\n    };'), fixed);
  });

  test('only jetpack-nixos and nix-ros-overlay, recognised by repository (forks too) or, without a URL, by name', async () => {
    const text = withInputs(
      '    nixpkgs.url = "github:NixOS/nixpkgs";\n    jetpack-nixos.url = "github:tiiuae/jetpack-nixos/august-rebase";\n    hm.url = "github:nix-community/home-manager/release-24.11";\n    chaotic.url = "github:chaotic-cx/nyx/nyxpkgs-unstable";\n    determinate.url = "https://flakehub.com/f/DeterminateSystems/determinate/*";\n    disko.url = "github:nix-community/disko";\n    flake-utils.url = "github:numtide/flake-utils";',
    );
    assert.deepEqual(brief(text, await findings(text, ABSENT)), ['nixpkgs-not-followed "jetpack-nixos"']);
  });

  test('with a lock: only when the locked node has a nixpkgs of its own, other than the flake\'s source', async () => {
    const lock = (theirs: Record<string, unknown>) =>
      lockOf(
        JSON.stringify({
          version: 7,
          root: 'root',
          nodes: {
            root: { inputs: { nixpkgs: 'nixpkgs', tools: 'tools', jetpack: 'jetpack', ros: 'ros' } },
            nixpkgs: { locked: { narHash: 'sha256-A' } },
            nixpkgs_2: { locked: { narHash: 'sha256-B' } },
            nixpkgs_3: { locked: { narHash: 'sha256-A' } },
            tools: { inputs: { nixpkgs: 'nixpkgs_2' } },
            jetpack: { inputs: {} },
            ros: theirs,
          },
        }),
      );
    const text = withInputs('    nixpkgs.url = "github:NixOS/nixpkgs";\n    tools.url = "github:acme/tools";\n    jetpack.url = "github:anduril/jetpack-nixos";\n    ros.url = "github:lopsided98/nix-ros-overlay";');
    assert.deepEqual(brief(text, await findings(text, ok(lock({ inputs: { nixpkgs: 'nixpkgs_2' } })))), ['nixpkgs-not-followed "ros"'], 'this jetpack-nixos has no nixpkgs input; tools is no project of ours');
    assert.deepEqual(brief(text, await findings(text, ok(lock({ inputs: { nixpkgs: 'nixpkgs_3' } })))), [], 'two pins of one source are one nixpkgs');
  });

  test('the flake\'s nixpkgs following nix-ros-overlay\'s is the recommended setup', async () => {
    const text = withInputs('    nixpkgs.follows = "nix-ros-overlay/nixpkgs";\n    nix-ros-overlay.url = "github:lopsided98/nix-ros-overlay/master";\n    jetpack-nixos = { url = "github:anduril/jetpack-nixos"; inputs.nixpkgs.follows = "nixpkgs"; };');
    assert.deepEqual(brief(text, await findings(text, ABSENT)), []);
  });

  test('attributes Nix rejects: misspelt, or fetcher attributes beside a url', async () => {
    const text = withInputs('    nixpkgs.urll = "github:NixOS/nixpkgs";\n    a = { url = "github:o/a"; ref = "main"; };\n    b = { type = "github"; owner = "o"; repo = "b"; ref = "main"; dir = "sub"; };\n    c = { url = "github:o/c"; flakee = false; };');
    const list = await findings(text, ABSENT);
    assert.deepEqual(brief(text, list), ['unknown-input-attribute "flakee"', 'unknown-input-attribute "ref"', 'unknown-input-attribute "urll"']);
    const urll = list.find((f) => text.slice(f.start, f.end) === 'urll')!;
    assert.equal(urll.severity, 'error');
    assert.match(applyFix(text, urll, /url/), /nixpkgs\.url = "github:NixOS\/nixpkgs";/);
    assert.match(list.find((f) => text.slice(f.start, f.end) === 'ref')!.message, /without `type`, an input may only set `url`, `flake`, `follows` and `inputs`/);
  });

  test('follows must name an input that exists, down to the lock', async () => {
    const text = (follows: string) => ROBOT.replace('inputs.nixpkgs.follows = "nixpkgs";', `inputs.nixpkgs.follows = "${follows}";`);
    const typo = text('nixpkg');
    const [finding, ...rest] = await findings(typo);
    assert.deepEqual(rest.map((f) => f.code), ['nixpkgs-not-followed']);
    assert.equal(finding?.code, 'unknown-follows-target');
    assert.equal(finding?.severity, 'error');
    assert.match(applyFix(typo, finding!, /Change to "nixpkgs"/), /inputs\.nixpkgs\.follows = "nixpkgs";/);
    assert.deepEqual(brief(text('nix-ros-overlay/nixpkgs'), await findings(text('nix-ros-overlay/nixpkgs'))), ['nixpkgs-not-followed "nix-ros-overlay"']);
    const deep = await findings(text('flake-utils/nixpkgs'));
    assert.match(deep.find((f) => f.code === 'unknown-follows-target')!.message, /`flake-utils` has no input `nixpkgs` in flake\.lock \(its inputs: `systems`\)/);
    assert.ok(!(await findings(text(''))).some((f) => f.code === 'unknown-follows-target'), '"" (the flake itself) is valid');
  });

  test('an override of an input the input does not have does nothing', async () => {
    const text = ROBOT.replace('flake-utils.url = "github:numtide/flake-utils";', 'flake-utils.url = "github:numtide/flake-utils";\n    flake-utils.inputs.nixpkgs.follows = "nixpkgs";');
    const list = (await findings(text)).filter((f) => f.code === 'unknown-input-override');
    assert.deepEqual(brief(text, list), ['unknown-input-override "nixpkgs"']);
    assert.match(list[0]!.message, /`flake-utils` has no input `nixpkgs`.*does nothing/);
  });

  test('declarations and the lock must agree, but only when a lock exists and the inputs parse', async () => {
    const added = ROBOT.replace('flake-utils.url', 'disko.url = "github:nix-community/disko";\n    flake-utils.url');
    const removed = added.replace(/    calibration = \{[^}]*\};\n/, '').replace(', calibration, ...', ', ...');
    assert.deepEqual(
      brief(removed, (await findings(removed)).filter((f) => f.code !== 'nixpkgs-not-followed')),
      ['input-not-locked "disko"', 'stale-lock-input "inputs"'],
    );
    assert.match((await findings(removed)).find((f) => f.code === 'stale-lock-input')!.message, /still locks `calibration`/);
    assert.deepEqual((await findings(removed, ABSENT)).map((f) => f.code), ['nixpkgs-not-followed'], 'no lock: nothing to disagree with');
    const halfTyped = removed.replace('flake-utils.url = "github:numtide/flake-utils";', 'flake-utils.url = "github:numtide/flake-utils"\n    foo.');
    const recovered = await model(halfTyped);
    assert.equal(recovered.complete, false);
    assert.ok(!flakeFindings(recovered, ok(ROBOT_LOCK)).some((f) => f.code === 'stale-lock-input' || f.code === 'input-not-locked'), 'no verdict on half-typed inputs');
  });

  test('a lock that cannot be read is reported once', async () => {
    const list = await findings(ROBOT, { state: 'invalid', error: 'flake.lock is not valid JSON (Unexpected end)' });
    assert.deepEqual(list.map((f) => f.code).sort(), ['invalid-lock-file', 'nixpkgs-not-followed']);
  });
});

/** Completion labels at the `¦` marker of a flake. */
async function labelsAt(marked: string, lock: FlakeLock | null = ROBOT_LOCK): Promise<string[]> {
  const offset = marked.indexOf('¦');
  const text = marked.replace('¦', '');
  return completeFlakeInputs(text, offset, await model(text).catch(() => undefined), lock ?? undefined).map((c) => c.label);
}

describe('completion in inputs', () => {
  test('attributes of an input, after a dotted name or inside its set', async () => {
    assert.deepEqual(await labelsAt(withInputs('    nix-ros-overlay.¦')), ['url', 'flake', 'follows', 'inputs', 'type', 'owner', 'repo', 'ref', 'rev', 'dir', 'narHash', 'submodules', 'host']);
    const inSet = await labelsAt(withInputs('    jetpack-nixos = {\n      url = "github:anduril/jetpack-nixos";\n      ¦\n    };'));
    assert.deepEqual(inSet, ['flake', 'follows', 'inputs'], 'beside a url, only what Nix accepts');
    assert.deepEqual(await labelsAt('{\n  inputs.jetpack-nixos.¦'), ['url', 'flake', 'follows', 'inputs', 'type', 'owner', 'repo', 'ref', 'rev', 'dir', 'narHash', 'submodules', 'host']);
  });

  test('the inputs of an input, from flake.lock, and what an override sets', async () => {
    assert.deepEqual(await labelsAt(withInputs('    nix-ros-overlay.url = "github:lopsided98/nix-ros-overlay";\n    nix-ros-overlay.inputs.¦')), ['flake-utils', 'nixpkgs']);
    assert.deepEqual(await labelsAt(withInputs('    nix-ros-overlay.inputs.nixpkgs.¦')), ['follows', 'url', 'flake', 'inputs']);
    assert.deepEqual(await labelsAt(withInputs('    nix-ros-overlay.inputs.¦'), null), [], 'no lock: nothing known');
  });

  test('follows targets: this flake\'s inputs and their inputs, replacing what is typed', async () => {
    const marked = ROBOT.replace('inputs.nixpkgs.follows = "nixpkgs";', 'inputs.nixpkgs.follows = "nix-ros¦";');
    const offset = marked.indexOf('¦');
    const text = marked.replace('¦', '');
    const items = completeFlakeInputs(text, offset, await model(text).catch(() => undefined), ROBOT_LOCK);
    const labels = items.map((i) => i.label);
    assert.ok(labels.includes('nixpkgs') && labels.includes('nix-ros-overlay/nixpkgs') && labels.includes('nix-ros-overlay/flake-utils'), labels.join(' '));
    assert.ok(!labels.includes('jetpack-nixos'), 'an input does not follow itself');
    assert.deepEqual(items[0]!.replace, { start: offset - 'nix-ros'.length, end: offset });
  });

  test('works in the half-typed fixture (the whole file is an ERROR node), and not outside inputs', async () => {
    const broken = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'broken', 'flake', 'flake.nix'), 'utf8');
    const m = await model(broken);
    assert.equal(m.complete, false);
    assert.deepEqual([...m.inputs.keys()].slice(0, 2), ['nixpkgs', 'jetpack-nixos'], 'inputs recovered from the broken file');
    const follows = broken.indexOf('"nixp') + '"nixp'.length;
    assert.ok(completeFlakeInputs(broken, follows, m, undefined).some((c) => c.label === 'nixpkgs'));
    // After the string cut off above, Nix (and the completion) would still be inside it: close it first.
    const closed = broken.replace('"nixp\n', '"nixpkgs";\n');
    const override = closed.indexOf('nix-ros-overlay.inputs.') + 'nix-ros-overlay.inputs.'.length;
    assert.deepEqual(completeFlakeInputs(closed, override, await model(closed), ROBOT_LOCK).map((c) => c.label), ['flake-utils', 'nixpkgs']);
    assert.deepEqual(await labelsAt(ROBOT.replace('system = "aarch64-linux";', 'system = "aarch64-linux";\n      ¦')), []);
  });
});

describe('hover on an input', () => {
  const hoverAt = async (needle: string, lock: LockFile = ok(ROBOT_LOCK), text = ROBOT, nth = 0) => {
    let offset = -1;
    for (let i = 0; i <= nth; i++) offset = text.indexOf(needle, offset + 1);
    return hoverFlakeInput(offset + 1, await model(text), lock)?.markdown;
  };

  test('the locked revision, its date and narHash, from the declaration or an argument of outputs', async () => {
    for (const md of [await hoverAt('jetpack-nixos = {'), await hoverAt('jetpack-nixos,')]) {
      assert.match(md!, /\*\*jetpack-nixos\*\* · flake input/);
      assert.match(md!, /`github:anduril\/jetpack-nixos`/);
      assert.match(md!, /revision `4d857d6e2b1f4c0a9e7d3b5a8c6f1e0d2b4a6c8e`/);
      assert.match(md!, /date 2025-07-12 13:43:00 UTC/);
      assert.match(md!, /narHash `sha256-c2R8xq0JzTQ4vJgVq6pQG0kC1kXH9mQz7bYwTn3cL1s=`/);
      assert.match(md!, /Its inputs: `nixpkgs` → follows `nixpkgs`/);
    }
  });

  test('an overridden input shows what it follows and what that is locked to', async () => {
    const md = await hoverAt('nixpkgs.follows', ok(ROBOT_LOCK), ROBOT);
    assert.match(md!, /\*\*jetpack-nixos\/nixpkgs\*\*/);
    assert.match(md!, /Locked as following `nixpkgs`/);
    assert.match(md!, /revision `a0f3e10d94359665dba45b71b4227b0aeb851f8e`/);
  });

  test('without a lock, or before the input is locked', async () => {
    assert.match((await hoverAt('jetpack-nixos = {', ABSENT))!, /Not locked: there is no flake\.lock/);
    const added = ROBOT.replace('flake-utils.url', 'disko.url = "github:nix-community/disko";\n    flake-utils.url');
    assert.match((await hoverAt('disko.url', ok(ROBOT_LOCK), added))!, /Not in flake\.lock yet/);
    assert.equal(await hoverAt('description'), undefined);
  });
});

const nix = findOnPath('nix');

test('real Nix locks the vendored fixture as we read it, and agrees with our findings', { skip: !nix && !process.env.CI ? 'nix is not installed' : false }, async () => {
  assert.ok(nix, 'CI must have nix installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-flake-'));
  const env = offlineNixEnv();
  const lockNow = async () => {
    const r = await promisify(execFile)(nix, ['flake', 'lock'], { cwd: dir, env }).catch((err: { stderr?: string }) => ({ stderr: err.stderr ?? String(err), failed: true }));
    const lockFile = new LockFiles().besideFlake(path.join(dir, 'flake.nix'));
    return { failed: 'failed' in r, stderr: r.stderr, lockFile };
  };
  try {
    fs.cpSync(path.join(STATIC, 'vendored'), dir, { recursive: true });
    fs.rmSync(path.join(dir, 'flake.lock'));
    const first = await lockNow();
    assert.equal(first.failed, false, first.stderr);
    assert.equal(first.lockFile.state, 'ok');
    const lock = (first.lockFile as { lock: FlakeLock }).lock;
    const committed = lockOf(fs.readFileSync(path.join(STATIC, 'vendored', 'flake.lock'), 'utf8'));
    assert.deepEqual([...lock.nodes.keys()].sort(), [...committed.nodes.keys()].sort(), 'the committed lock is what Nix writes');
    assert.equal(resolveInputPath(lock, ['jetpack-nixos', 'nixpkgs']), resolveInputPath(lock, ['nixpkgs']));
    let text = fs.readFileSync(path.join(dir, 'flake.nix'), 'utf8');
    const list = await findings(text, first.lockFile);
    assert.deepEqual(brief(text, list), ['nixpkgs-not-followed "nix-ros-overlay"'], 'found from the lock: the input is not named like a known one');

    // nix-ros-overlay made to follow the flake's nixpkgs: Nix locks it, and we warn about the cache.
    const replaced = text.replace('nix-ros-overlay.url = "path:./vendor/nix-ros-overlay";', 'nix-ros-overlay.url = "path:./vendor/nix-ros-overlay";\n    nix-ros-overlay.inputs.nixpkgs.follows = "nixpkgs";');
    fs.writeFileSync(path.join(dir, 'flake.nix'), replaced);
    const overridden = await lockNow();
    assert.equal(overridden.failed, false, overridden.stderr);
    const both = await findings(replaced, overridden.lockFile);
    assert.deepEqual(brief(replaced, both), ['ros-nixpkgs-replaced "nixpkgs"']);

    // Our quick fix, then Nix again: the flake's nixpkgs is nix-ros-overlay's, shared by all, and nothing is reported.
    text = applyFix(replaced, both[0]!, /nixpkgs\.follows = "nix-ros-overlay\/nixpkgs"/);
    fs.writeFileSync(path.join(dir, 'flake.nix'), text);
    const second = await lockNow();
    assert.equal(second.failed, false, second.stderr);
    const relocked = (second.lockFile as { lock: FlakeLock }).lock;
    assert.equal(resolveInputPath(relocked, ['nix-ros-overlay', 'nixpkgs']), resolveInputPath(relocked, ['nixpkgs']));
    assert.equal(resolveInputPath(relocked, ['jetpack-nixos', 'nixpkgs']), resolveInputPath(relocked, ['nixpkgs']));
    assert.deepEqual(brief(text, await findings(text, second.lockFile)), []);

    // A follows of an input that does not exist: Nix refuses it, and so do we.
    const wrong = text.replace('inputs.nixpkgs.follows = "nixpkgs";\n    };', 'inputs.nixpkgs.follows = "nixpkgz";\n    };');
    fs.writeFileSync(path.join(dir, 'flake.nix'), wrong);
    const third = await lockNow();
    assert.equal(third.failed, true);
    assert.match(third.stderr, /follows a non-existent input 'nixpkgz'/);
    assert.deepEqual(brief(wrong, (await findings(wrong, second.lockFile)).filter((f) => f.severity === 'error')), ['unknown-follows-target "\\"nixpkgz\\""']);

    // An attribute Nix does not accept beside a url: refused by both.
    const attr = text.replace('flake = false;', 'flake = false;\n      ref = "main";');
    fs.writeFileSync(path.join(dir, 'flake.nix'), attr);
    const fourth = await lockNow();
    assert.equal(fourth.failed, true);
    assert.match(fourth.stderr, /unexpected flake input attribute 'ref'/);
    assert.deepEqual(brief(attr, (await findings(attr, second.lockFile)).filter((f) => f.severity === 'error')), ['unknown-input-attribute "ref"']);

    // An input removed from flake.nix: the lock still names it until Nix locks again.
    const removed = text.replace(/    firmware = \{[^}]*\};\n/, '').replace(', firmware }', ' }');
    fs.writeFileSync(path.join(dir, 'flake.nix'), removed);
    assert.deepEqual(brief(removed, await findings(removed, second.lockFile)), ['stale-lock-input "inputs"']);
    const fifth = await lockNow();
    assert.equal(fifth.failed, false, fifth.stderr);
    assert.deepEqual(brief(removed, await findings(removed, fifth.lockFile)), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
