import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver/node';
import { documentSymbols, outline as outlineWithReuse, type SymbolReuse } from '../../server/src/features/symbols';
import { NixDocument } from '../../server/src/parse/document';
import { readFlake } from '../../server/src/flake/inputs';
import { LineIndex } from '../../server/src/text/line-index';
import { sharedParser } from '../support/analysis';
import { capped } from '../../server/src/lsp/structure';
import { nixFilesUnder } from '../support/corpus';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

async function symbols(text: string, flake = false): Promise<DocumentSymbol[]> {
  const tree = (await sharedParser()).parse(text)!;
  try {
    return documentSymbols(tree, text, new LineIndex(text), { flake: flake ? readFlake(tree.rootNode, text) : undefined });
  } finally {
    tree.delete();
  }
}

const KIND_NAMES = new Map(Object.entries(SymbolKind).map(([name, value]) => [value as number, name]));

/** The outline as indented lines: `name [Kind] detail`. */
function outline(list: DocumentSymbol[], depth = 0): string[] {
  return list.flatMap((s) => [
    `${'  '.repeat(depth)}${s.name} [${KIND_NAMES.get(s.kind) ?? s.kind}]${s.detail ? ` ${s.detail}` : ''}`,
    ...outline(s.children ?? [], depth + 1),
  ]);
}

/** The text a range covers. */
function slice(text: string, range: DocumentSymbol['range']): string {
  const lines = new LineIndex(text);
  return text.slice(lines.offset(range.start), lines.offset(range.end));
}

describe('document symbols', () => {
  test('a module: let bindings, nested sets through mkIf and lists, inherit', async () => {
    const text = [
      '{ config, lib, pkgs, ... }:',
      'let',
      '  cfg = config.services.rover;',
      '  mkPort = n: 8000 + n;',
      '  inherit (lib) mkIf;',
      'in',
      '{',
      '  options.services.rover.enable = lib.mkEnableOption "the rover service";',
      '  config = mkIf cfg.enable {',
      '    hardware.nvidia-jetpack = { enable = true; som = "orin-nx"; };',
      '    networking.firewall.allowedTCPPorts = [ (mkPort 1) 22 ];',
      '    imports = [ ./hardware.nix { boot.loader.timeout = 3; } ];',
      '    inherit (pkgs) hello;',
      '  };',
      '}',
    ].join('\n');
    assert.deepEqual(outline(await symbols(text)), [
      'cfg [Variable] config.services.rover',
      'mkPort [Function] n: 8000 + n',
      'mkIf [Variable] inherit (lib)',
      'options.services.rover.enable [Property] lib.mkEnableOption "the rover service"',
      'config [Property] mkIf cfg.enable { …',
      '  hardware.nvidia-jetpack [Object]',
      '    enable [Boolean] true',
      '    som [String] "orin-nx"',
      '  networking.firewall.allowedTCPPorts [Array] [ (mkPort 1) 22 ]',
      '  imports [Array] [ ./hardware.nix { boot.loader.timeout = 3; } ]',
      '    boot.loader.timeout [Number] 3',
      '  hello [Property] inherit (pkgs)',
    ]);
  });

  test('ranges cover the binding, selection ranges its name', async () => {
    const text = '{\n  a.b."c d" = {\n    x = 1;\n  };\n}\n';
    const [sym] = await symbols(text);
    assert.equal(sym!.name, 'a.b."c d"');
    assert.equal(slice(text, sym!.selectionRange), 'a.b."c d"');
    assert.equal(slice(text, sym!.range), 'a.b."c d" = {\n    x = 1;\n  };');
    assert.equal(slice(text, sym!.children![0]!.range), 'x = 1;');
  });

  test('a flake: inputs by name, outputs named for what they are', async () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'flakes-static', 'robot', 'flake.nix'), 'utf8');
    const lines = outline(await symbols(text, true));
    assert.deepEqual(lines.slice(0, 7), [
      'description [String] "Field scout: a Jetson Orin NX running ROS 2"',
      'inputs [Namespace] 5 inputs',
      '  nixpkgs [Package] github:NixOS/nixpkgs/nixos-24.11',
      '  jetpack-nixos [Package] github:anduril/jetpack-nixos',
      '  nix-ros-overlay [Package] github:lopsided98/nix-ros-overlay/master',
      '  flake-utils [Package] github:numtide/flake-utils',
      '  calibration [Package] github:acme-robotics/scout-calibration (not a flake)',
    ]);
    assert.ok(lines.includes('outputs [Function] flake outputs'), lines.join('\n'));
    assert.ok(lines.includes('  nixosConfigurations.scout [Module] NixOS configuration'), lines.join('\n'));
    assert.ok(lines.some((l) => /^  packages\.\$\{system\}\.calibration-data \[Package\] package · \$\{system\}$/.test(l)), lines.join('\n'));
    assert.ok(lines.includes('  devShells.x86_64-linux.default [Class] dev shell · x86_64-linux'), lines.join('\n'));
    assert.ok(lines.includes('      hardware.nvidia-jetpack [Object]'), 'inline modules are in the outline: ' + lines.join('\n'));
  });

  test('nested output sets name each level', async () => {
    const text = '{\n  outputs = { self }: {\n    devShells = {\n      aarch64-linux = {\n        ros = self.x;\n      };\n    };\n    nixosModules.jetson = ./jetson.nix;\n  };\n}\n';
    assert.deepEqual(outline(await symbols(text, true)), [
      'outputs [Function] flake outputs',
      '  devShells [Object]',
      '    aarch64-linux [Namespace] devShells for aarch64-linux',
      '      ros [Class] dev shell · aarch64-linux',
      '  nixosModules.jetson [Module] NixOS module',
    ]);
  });

  test('the parts of a broken file that parse are listed', async () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'broken', 'half-typed-config.nix'), 'utf8');
    const names = outline(await symbols(text)).map((l) => l.trim().split(' ')[0]);
    for (const expected of ['cfg', 'imports', 'enable']) assert.ok(names.includes(expected), names.join(' '));
    for (const file of nixFilesUnder(path.join(FIXTURES, 'broken'))) {
      const broken = fs.readFileSync(file, 'utf8');
      const list = await symbols(broken, file.endsWith('flake.nix'));
      for (const s of list) assert.ok(s.range.start.line <= s.selectionRange.start.line, file);
    }
  });

  test('hostile nesting: deep sets are cut off, not a stack overflow', async () => {
    const depth = 3000;
    const text = '{ a = '.repeat(depth) + '1' + '; }'.repeat(depth);
    let levels = 0;
    for (let list = await symbols(text); list.length > 0; list = list[0]!.children ?? []) levels++;
    assert.equal(levels, 32);
  });

  test('after edits, reusing the previous outline gives exactly the fresh outline', async () => {
    const parser = await sharedParser();
    const files = nixFilesUnder(path.join(FIXTURES, 'corpus', 'modules')).slice(0, 6);
    let seed = 11;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    const snippets = [' ', '\n', 'x', ';', '{', '}', ' a = 1; ', 'let b = 2; in ', '"', '# c\n', ''];
    for (const file of files) {
      const doc = new NixDocument(parser, fs.readFileSync(file, 'utf8'), 1);
      let reuse: SymbolReuse | undefined = outlineWithReuse(doc.syntaxTree(), doc.text, doc.lineIndex).reuse;
      for (let version = 2; version < 40; version++) {
        const start = random(doc.text.length + 1);
        const end = Math.min(doc.text.length, start + random(4));
        doc.applyChanges([{ range: doc.lineIndex.range(start, end), text: snippets[random(snippets.length)]! }], version);
        const tree = doc.syntaxTree();
        const next = outlineWithReuse(tree, doc.text, doc.lineIndex, { previous: reuse });
        assert.deepEqual(next.symbols, documentSymbols(tree, doc.text, doc.lineIndex), `${file} after edit ${version}`);
        reuse = next.reuse;
      }
      doc.dispose();
    }
  });
});

test('a huge outline is cut after the first symbols in document order, parents kept', () => {
  const leaf = (name: string): DocumentSymbol => ({ name, kind: 13, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, selectionRange: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } });
  const tree: DocumentSymbol[] = [{ ...leaf('a'), children: [leaf('a1'), leaf('a2'), leaf('a3')] }, leaf('b'), leaf('c')];
  assert.equal(capped(tree, 10), tree, 'under the cap: the same outline');
  const cut = capped(tree, 4);
  assert.deepEqual(cut.map((s) => [s.name, (s.children ?? []).map((c) => c.name)]), [['a', ['a1', 'a2', 'a3']]]);
  assert.deepEqual(capped(tree, 2).map((s) => [s.name, (s.children ?? []).map((c) => c.name)]), [['a', ['a1']]]);
});
