import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FoldingRange, SelectionRange } from 'vscode-languageserver/node';
import { foldingRanges } from '../../server/src/features/folding';
import { selectionRanges } from '../../server/src/features/selection-ranges';
import { documentLinks, referenceTarget } from '../../server/src/features/document-links';
import { matchScore, WorkspaceSymbolIndex, type Progress } from '../../server/src/features/workspace-symbols';
import { LineIndex } from '../../server/src/text/line-index';
import { sharedParser } from '../support/analysis';
import { nixFilesUnder } from '../support/corpus';

const BROKEN = path.join(__dirname, '..', 'fixtures', 'broken');

async function withTree<T>(text: string, run: (tree: NonNullable<ReturnType<Awaited<ReturnType<typeof sharedParser>>['parse']>>) => T): Promise<T> {
  const tree = (await sharedParser()).parse(text)!;
  try {
    return run(tree);
  } finally {
    tree.delete();
  }
}

const folds = (text: string) => withTree(text, (tree) => foldingRanges(tree, text, new LineIndex(text)));
/** `first-last kind` for each range. */
const brief = (ranges: FoldingRange[]) => ranges.map((r) => `${r.startLine}-${r.endLine}${r.kind ? ` ${r.kind}` : ''}`);

describe('folding ranges', () => {
  test('sets, lists, let blocks, strings, comments, functions and regions', async () => {
    const text = [
      '# region setup', //            0
      '# Two comment lines', //       1
      '# fold together.', //          2
      '{ config', //                  3
      ', lib', //                     4
      ', ...', //                     5
      '}:', //                        6
      'let', //                       7
      '  ports = [', //               8
      '    22', //                    9
      '  ];', //                      10
      '  /* a block', //              11
      '     comment */', //           12
      '  motd = \'\'', //             13
      '    hello', //                 14
      '  \'\';', //                   15
      'in', //                        16
      '{', //                         17
      '  f = x:', //                  18
      '    x + 1;', //                19
      '  imports = [ {', //           20
      '    a = 1; # not a run', //    21
      '    b = 2; # of comments', //  22
      '  } ];', //                    23
      '}', //                         24
      '# endregion', //               25
    ].join('\n');
    assert.deepEqual(brief(await folds(text)), ['0-25 region', '1-2 comment', '3-5', '7-15', '8-9', '11-12 comment', '13-14', '17-23', '18-19', '20-22']);
  });

  test('every broken fixture folds without throwing, with ranges inside the file', async () => {
    for (const file of nixFilesUnder(BROKEN)) {
      const text = fs.readFileSync(file, 'utf8');
      const lines = new LineIndex(text).lineCount;
      for (const r of await folds(text)) assert.ok(r.startLine < r.endLine && r.endLine < lines, `${file}: ${JSON.stringify(r)}`);
    }
  });
});

/** The chain of ranges at the `¦` marker, innermost first, as the text each covers. */
async function chain(marked: string): Promise<string[]> {
  const offset = marked.indexOf('¦');
  const text = marked.replace('¦', '');
  const lines = new LineIndex(text);
  const [range] = await withTree(text, (tree) => selectionRanges(tree, text, lines, [lines.position(offset)]));
  const out: string[] = [];
  for (let r: SelectionRange | undefined = range; r; r = r.parent) out.push(text.slice(lines.offset(r.range.start), lines.offset(r.range.end)));
  return out;
}

describe('selection ranges', () => {
  test('from a word in a string out to the whole file, each step larger', async () => {
    const steps = await chain('{\n  hardware.nvidia-jetpack = { som = "orin-a¦gx"; };\n}\n');
    assert.deepEqual(steps, [
      'orin-agx',
      '"orin-agx"',
      'som = "orin-agx";',
      ' som = "orin-agx"; ',
      '{ som = "orin-agx"; }',
      'hardware.nvidia-jetpack = { som = "orin-agx"; };',
      '\n  hardware.nvidia-jetpack = { som = "orin-agx"; };\n',
      '{\n  hardware.nvidia-jetpack = { som = "orin-agx"; };\n}',
      '{\n  hardware.nvidia-jetpack = { som = "orin-agx"; };\n}\n',
    ]);
  });

  test('at the end of a word the word is selected; attribute paths step by segment', async () => {
    const steps = await chain('{ a.bcd¦ = 1; }');
    assert.deepEqual(steps.slice(0, 3), ['bcd', 'a.bcd', 'a.bcd = 1;']);
  });

  test('every position of every broken fixture gives a growing chain', async () => {
    const parser = await sharedParser();
    for (const file of nixFilesUnder(BROKEN)) {
      const text = fs.readFileSync(file, 'utf8');
      const lines = new LineIndex(text);
      const tree = parser.parse(text)!;
      try {
        const positions = Array.from({ length: text.length + 1 }, (_, i) => lines.position(i));
        for (const range of selectionRanges(tree, text, lines, positions)) {
          let previous: [number, number] | undefined;
          for (let r: SelectionRange | undefined = range; r; r = r.parent) {
            const span: [number, number] = [lines.offset(r.range.start), lines.offset(r.range.end)];
            if (previous) assert.ok(span[0] <= previous[0] && span[1] >= previous[1] && (span[0] < previous[0] || span[1] > previous[1]), file);
            previous = span;
          }
        }
      } finally {
        tree.delete();
      }
    }
  });
});

describe('document links', () => {
  test('paths that exist, directories through default.nix, nothing else', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-links-'));
    try {
      fs.writeFileSync(path.join(dir, 'hardware.nix'), '{ }');
      fs.mkdirSync(path.join(dir, 'modules'));
      fs.writeFileSync(path.join(dir, 'modules', 'default.nix'), '{ }');
      fs.mkdirSync(path.join(dir, 'empty'));
      const text = [
        '{ name, ... }: {',
        '  imports = [ ./hardware.nix ./modules ./empty ./missing.nix ./${name}.nix ];',
        '  # see ./hardware.nix',
        '  text = "./hardware.nix";',
        '  up = ../.;',
        '}',
      ].join('\n');
      const lines = new LineIndex(text);
      const links = await withTree(text, (tree) => documentLinks(tree, text, lines, path.join(dir, 'configuration.nix')));
      assert.deepEqual(
        links.map((l) => [text.slice(lines.offset(l.range.start), lines.offset(l.range.end)), l.target]),
        [
          ['./hardware.nix', pathToFileURL(path.join(dir, 'hardware.nix')).href],
          ['./modules', pathToFileURL(path.join(dir, 'modules', 'default.nix')).href],
        ],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('flake references in strings and URL literals', async () => {
    const text = '{\n  inputs.a.url = "github:anduril/jetpack-nixos";\n  b = "github:o/${x}";\n  c = https://example.org/a.tar.gz;\n  d = "not github:a/b";\n}\n';
    const lines = new LineIndex(text);
    const links = await withTree(text, (tree) => documentLinks(tree, text, lines, undefined));
    assert.deepEqual(links.map((l) => l.target), ['https://github.com/anduril/jetpack-nixos', 'https://example.org/a.tar.gz']);
  });

  test('where each kind of flake reference leads', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-refs-'));
    try {
      fs.mkdirSync(path.join(dir, 'sub'));
      fs.writeFileSync(path.join(dir, 'sub', 'flake.nix'), '{ }');
      const cases: [string, string | undefined][] = [
        ['github:anduril/jetpack-nixos', 'https://github.com/anduril/jetpack-nixos'],
        ['github:NixOS/nixpkgs/nixos-24.11', 'https://github.com/NixOS/nixpkgs/tree/nixos-24.11'],
        ['github:o/r?dir=nix', 'https://github.com/o/r/tree/HEAD/nix'],
        ['github:o/r/main?dir=nix', 'https://github.com/o/r/tree/main/nix'],
        ['github:o/r?ref=v2&host=git.example.com', 'https://git.example.com/o/r/tree/v2'],
        ['gitlab:group%2Fsub/r/dev', 'https://gitlab.com/group/sub/r/-/tree/dev'],
        ['sourcehut:~user/r', 'https://git.sr.ht/~user/r'],
        ['git+https://example.org/robots/scout.git?ref=main', 'https://example.org/robots/scout'],
        ['git+ssh://git@github.com/acme/fleet.git', 'https://github.com/acme/fleet'],
        ['git+ssh://git@internal.example/fleet', undefined],
        ['https://example.org/src.tar.gz', 'https://example.org/src.tar.gz'],
        ['tarball+https://example.org/src.tar.gz', 'https://example.org/src.tar.gz'],
        ['path:./sub', pathToFileURL(path.join(dir, 'sub', 'flake.nix')).href],
        ['path:./nowhere', undefined],
        ['flake:nixpkgs', undefined],
      ];
      for (const [reference, expected] of cases) assert.equal(referenceTarget(reference, dir), expected, reference);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('workspace symbols', () => {
  const silent: Progress = { begin: () => undefined, report: () => undefined, done: () => undefined };

  test('indexes the .nix files of the folders, skipping what the CLI skips, and follows changes', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-ws-symbols-'));
    try {
      fs.copyFileSync(path.join(__dirname, '..', 'fixtures', 'flakes-static', 'robot', 'flake.nix'), path.join(root, 'flake.nix'));
      fs.mkdirSync(path.join(root, 'hosts'));
      fs.writeFileSync(path.join(root, 'hosts', 'rover.nix'), '{ ... }: {\n  networking.hostName = "rover";\n  roverTuning = { gain = 3; };\n}\n');
      for (const skipped of ['node_modules', '.git', 'result']) {
        fs.mkdirSync(path.join(root, skipped));
        fs.writeFileSync(path.join(root, skipped, 'x.nix'), '{ skippedScout = 1; }');
      }
      const logs: string[] = [];
      const index = new WorkspaceSymbolIndex(sharedParser);
      const events: string[] = [];
      const progress: Progress = { begin: (t) => events.push(`begin ${t}`), report: () => undefined, done: () => events.push('done') };
      // A query before the index is built waits for it instead of answering nothing.
      const early = index.start([root], async () => progress, (m) => logs.push(m)).then(() => index.query('scout'));
      const scout = await early;
      assert.deepEqual(events, ['begin Indexing Nix symbols', 'done']);
      assert.ok(scout.some((s) => s.name === 'nixosConfigurations.scout' && s.containerName === 'outputs' && s.location.uri.endsWith('/flake.nix')), JSON.stringify(scout));
      assert.ok(!scout.some((s) => s.name === 'skippedScout'), 'node_modules, .git and result are skipped');
      assert.match(logs.join('\n'), /Indexed 2 \.nix files \(\d+ symbols\)/);
      assert.deepEqual((await index.query('rtun')).map((s) => s.name), ['roverTuning'], 'letters in order match');

      fs.writeFileSync(path.join(root, 'hosts', 'rover.nix'), '{ ... }: { trailerHitch = 1; }\n');
      await index.update(path.join(root, 'hosts', 'rover.nix'));
      assert.deepEqual((await index.query('roverTuning')).length, 0);
      assert.deepEqual((await index.query('trailer')).map((s) => s.name), ['trailerHitch']);
      fs.rmSync(path.join(root, 'hosts', 'rover.nix'));
      await index.update(path.join(root, 'hosts', 'rover.nix'));
      assert.deepEqual(await index.query('trailer'), []);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('a file cap keeps huge trees from stalling', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-ws-cap-'));
    try {
      for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(root, `m${i}.nix`), `{ module${i} = ${i}; }`);
      const logs: string[] = [];
      const index = new WorkspaceSymbolIndex(sharedParser, 3);
      await index.start([root], async () => silent, (m) => logs.push(m));
      assert.equal((await index.query('module')).length, 3);
      assert.match(logs.join('\n'), /Workspace has 5 \.nix files; indexing the first 3/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('ranking: prefix, then substring, then letters in order', () => {
    assert.ok(matchScore('scout', 'sc') < matchScore('nixosconfigurations.scout', 'scout'));
    assert.ok(matchScore('nixosconfigurations.scout', 'scout') < matchScore('security', 'scout'.slice(0, 2) + 'y'));
    assert.equal(matchScore('rover', 'xyz'), -1);
    assert.equal(matchScore('anything', ''), 0);
  });
});
