import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NixDocument } from '../../server/src/parse/document';
import { scopeModelOf } from '../../server/src/scope/index';
import type { ScopeModel } from '../../server/src/scope/model';
import { findDefinition, type DocumentPlace } from '../../server/src/features/definition';
import { documentHighlights, findReferences } from '../../server/src/features/references';
import { prepareRename, renameConfirmation, renameEdits } from '../../server/src/features/rename';
import { completeNames } from '../../server/src/features/names-completion';
import { hoverName } from '../../server/src/features/binding-hover';
import { SEMANTIC_LEGEND, semanticTokens } from '../../server/src/features/semantic-tokens';
import { BUILTIN_DOCS } from '../../server/src/features/builtin-docs';
import { GLOBAL_NAMES } from '../../server/src/analysis/builtins';
import { sharedParser } from '../support/analysis';
import { FIXTURES, nixFilesUnder } from '../support/corpus';

/**
 * Navigation on names, through the feature functions the server calls: `|` in a fixture is the
 * cursor. Definition, references and highlights, rename, completion, hover, semantic tokens, and
 * every request at every position of broken files.
 */

interface Opened {
  doc: NixDocument;
  model: ScopeModel;
  offset: number;
  text: string;
  place: DocumentPlace;
}

async function open(src: string, file = '/robot/modules/default.nix'): Promise<Opened> {
  const offset = src.indexOf('|');
  assert.ok(offset >= 0, 'the fixture has a cursor');
  const text = src.slice(0, offset) + src.slice(offset + 1);
  const doc = new NixDocument(await sharedParser(), text, 1);
  return { doc, model: scopeModelOf(doc), offset, text, place: { uri: pathToFileURL(file).href, file } };
}

/** The text at each location of the same document. */
function texts(o: Opened, ranges: { range: { start: { line: number; character: number }; end: { line: number; character: number } } }[]): string[] {
  return ranges.map((r) => o.text.slice(o.doc.lineIndex.offset(r.range.start), o.doc.lineIndex.offset(r.range.end)) + '@' + o.doc.lineIndex.offset(r.range.start));
}

async function definition(src: string, file?: string): Promise<string[]> {
  const o = await open(src, file);
  return texts(o, findDefinition(o.model, o.doc.lineIndex, o.offset, o.place));
}

async function renamed(src: string, newName: string): Promise<string> {
  const o = await open(src);
  const outcome = renameEdits(o.model, o.offset, newName);
  if ('refused' in outcome) return `refused: ${outcome.refused}`;
  let out = o.text;
  for (const e of [...outcome.ok].reverse()) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

async function completions(src: string, file?: string): Promise<string[]> {
  const o = await open(src, file);
  return completeNames(o.model, o.doc.lineIndex, o.offset, o.place).map((i) => i.label);
}

describe('go to definition', () => {
  test('names go to their binding, whatever binds them', async () => {
    assert.deepEqual(await definition('let a = 1; in a|'), ['a@4']);
    assert.deepEqual(await definition('rec { a = 1; b = a|; }'), ['a@6']);
    assert.deepEqual(await definition('{ a ? 1, b }: a| + b'), ['a@2']);
    assert.deepEqual(await definition('args@{ a }: args|.a'), ['args@0']);
    assert.deepEqual(await definition('let a.b = 1; a.c = 2; in a|'), ['a@4', 'a@13']);
  });

  test('`inherit a;` goes to the binding it reads; `inherit (x) a;` to the attribute in x', async () => {
    assert.deepEqual(await definition('let a = 1; in { inherit a|; }'), ['a@4']);
    assert.deepEqual(await definition('let s = { x = 1; }; in { inherit (s) x|; }'), ['x@10']);
    assert.deepEqual(await definition('let s = { x = 1; }; inherit (s) x|; in x'), ['x@10']);
    assert.deepEqual(await definition('let s = { x = 1; }; inherit (s) x; in x|'), ['x@32']);
  });

  test('a selected attribute goes to its definition when the set is in the file', async () => {
    assert.deepEqual(await definition('let cfg = { port = 80; tls.cert = ./c; }; in cfg.tls.cert|'), ['cert@27']);
    assert.deepEqual(await definition('let cfg = { port = 80; }; in cfg.other|'), []);
    assert.deepEqual(await definition('pkgs: pkgs.hello|'), []);
  });

  test('relative paths go to the file, a folder to its default.nix', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-def-'));
    fs.mkdirSync(path.join(root, 'hosts', 'scout'), { recursive: true });
    fs.writeFileSync(path.join(root, 'hardware.nix'), '{ }');
    fs.writeFileSync(path.join(root, 'hosts', 'scout', 'default.nix'), '{ }');
    const file = path.join(root, 'configuration.nix');
    const go = async (src: string) => {
      const o = await open(src, file);
      return findDefinition(o.model, o.doc.lineIndex, o.offset, o.place).map((l) => l.uri);
    };
    assert.deepEqual(await go('{ imports = [ ./hard|ware.nix ]; }'), [pathToFileURL(path.join(root, 'hardware.nix')).href]);
    assert.deepEqual(await go('import ./hosts/sc|out'), [pathToFileURL(path.join(root, 'hosts', 'scout', 'default.nix')).href]);
    assert.deepEqual(await go('import ./miss|ing.nix'), []);
  });

  test('in flake.nix, the outputs arguments and inputs.<name> go to the input declaration', async () => {
    const flake = '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  inputs.jetpack = { url = "github:anduril/jetpack-nixos"; };\n  outputs = { self, nixpkgs, jetpack }@inputs: inputs.JET;\n}\n';
    const declared = (name: string) => `${name}@${flake.indexOf(`inputs.${name}`) + 'inputs.'.length}`;
    const f = '/robot/flake.nix';
    const onArgument = flake.replace('nixpkgs, jetpack', 'nixpk|gs, jetpack').replace('JET', 'jetpack');
    assert.deepEqual(await definition(onArgument, f), [declared('nixpkgs')]);
    assert.deepEqual(await definition(flake.replace('JET', 'jet|pack'), f), [declared('jetpack')]);
    // Elsewhere the same code is just a function argument.
    assert.deepEqual(await definition(onArgument, '/robot/not-a-flake.nix'), [`nixpkgs@${flake.indexOf('nixpkgs, jetpack')}`]);
  });
});

describe('references and highlights', () => {
  test('every use and definition, in order; reads and writes', async () => {
    const o = await open('let a| = 1; b = { inherit a; }; in a + b.a');
    assert.deepEqual(texts(o, findReferences(o.model, o.doc.lineIndex, o.offset, o.place.uri, true)), ['a@4', 'a@25', 'a@34']);
    assert.deepEqual(texts(o, findReferences(o.model, o.doc.lineIndex, o.offset, o.place.uri, false)), ['a@25', 'a@34']);
    assert.deepEqual(documentHighlights(o.model, o.doc.lineIndex, o.offset).map((h) => h.kind), [3, 2, 2]);
  });

  test('a shadowed name is another binding', async () => {
    const o = await open('let a = 1; in [ a (let a = 2; in a|) ]');
    assert.deepEqual(texts(o, findReferences(o.model, o.doc.lineIndex, o.offset, o.place.uri, true)), ['a@23', 'a@33']);
  });

  test('a builtin, and a name a `with` provides: their uses', async () => {
    const o = await open('[ (map f xs) (map| g ys) ]');
    assert.equal(findReferences(o.model, o.doc.lineIndex, o.offset, o.place.uri, true).length, 2);
    const w = await open('with pkgs; [ hello cowsay hel|lo ]');
    assert.deepEqual(texts(w, findReferences(w.model, w.doc.lineIndex, w.offset, w.place.uri, true)), ['hello@13', 'hello@26']);
  });
});

describe('rename', () => {
  test('a binding and every use', async () => {
    assert.equal(await renamed('let a| = 1; in a + a', 'count'), 'let count = 1; in count + count');
    assert.equal(await renamed('x|: x * 2', 'n'), 'n: n * 2');
    assert.equal(await renamed('let a.b = 1; a.c = 2; in a|', 's'), 'let s.b = 1; s.c = 2; in s');
  });

  test('`inherit a;` keeps its attribute name', async () => {
    assert.equal(await renamed('let a| = 1; in { inherit a; }', 'b'), 'let b = 1; in { a = b; }');
    assert.equal(await renamed('let a| = 1; c = 2; in { inherit a c; }', 'b'), 'let b = 1; c = 2; in { inherit c; a = b; }');
  });

  test('a binding an inherit defines becomes a binding of its own', async () => {
    assert.equal(await renamed('let inherit (pkgs) hello|; in hello', 'hi'), 'let hi = pkgs.hello; in hi');
    assert.equal(await renamed('x: let inherit x|; in x', 'y'), 'x: let y = x; in y');
  });

  test('refused where the meaning would change, with the reason', async () => {
    assert.match(await renamed('let a| = 1; in with pkgs; [ a hello ]', 'hello'), /refused: `hello` on line 1 comes from the `with`/);
    assert.match(await renamed('let a| = 1; in [ a map ]', 'map'), /refused: `map` on line 1 is the builtin/);
    assert.match(await renamed('let a| = 1; in let b = 2; in a + b', 'b'), /refused: A use of `a` on line 1 would then find the `b`/);
    assert.match(await renamed('let a| = 1; b = 2; in a', 'b'), /refused: `b` is already bound in the same scope/);
    assert.match(await renamed('let a| = 1; in rec { b = 2; inherit a; }', 'b'), /refused: A use of `a`/);
    assert.match(await renamed('let a| = 1; in a', 'in'), /refused: `in` is a keyword/);
    assert.match(await renamed('let a| = 1; in a', '2x'), /refused: `2x` is not a valid Nix name/);
  });

  test('prepareRename: names also used as attribute names are refused', async () => {
    const refused = async (src: string) => {
      const o = await open(src);
      const outcome = prepareRename(o.model, o.offset);
      return 'refused' in outcome ? outcome.refused : `ok ${outcome.ok.name}`;
    };
    assert.equal(await refused('let a| = 1; in a'), 'ok a');
    assert.match(await refused('{ stdenv|, lib }: stdenv'), /takes `lib`, as NixOS modules and packages do: the module system or `callPackage` passes it/);
    assert.match(await refused('{ config, lib|, ... }: lib'), /argument of a NixOS module/);
    assert.match(await refused('rec { a| = 1; b = a; }'), /attribute of a `rec` set/);
    assert.match(await refused('map|'), /builtin/);
    assert.match(await refused('with pkgs; hel|lo'), /comes from the `with` on line 1/);
    assert.match(await refused('{ a| = 1; }'), /attribute name/);
  });
});

describe('rename of named arguments', () => {
  const prepared = async (src: string) => {
    const o = await open(src);
    const outcome = prepareRename(o.model, o.offset);
    return 'refused' in outcome ? `refused: ${outcome.refused}` : `ok ${outcome.ok.name}`;
  };
  const confirmation = async (src: string) => {
    const o = await open(src);
    return renameConfirmation(o.model, o.offset);
  };

  test("a plain function's named argument is renamed everywhere in it, with a confirmation", async () => {
    const src = 'let mkHost = { host|Name, system ? "aarch64-linux" }: { inherit system; name = hostName; }; in mkHost { hostName = "scout"; }';
    assert.equal(await prepared(src), 'ok hostName');
    // The call keeps `hostName = "scout"`: that is why the user confirms.
    assert.equal(
      await renamed(src, 'name'),
      'let mkHost = { name, system ? "aarch64-linux" }: { inherit system; name = name; }; in mkHost { hostName = "scout"; }',
    );
    assert.deepEqual(await confirmation(src), {
      label: 'Callers pass it by this name',
      description: '`hostName` is a named argument: calls that pass `hostName = …` keep the old name. Rename it there too.',
    });
    assert.equal(await renamed('{ a|, b ? a }: a + b', 'x'), '{ x, b ? x }: x + b');
    assert.match(await renamed('{ a|, b }: a + b', 'b'), /refused: `b` is already bound in the same scope/);
  });

  test('other bindings need no confirmation', async () => {
    assert.equal(await confirmation('let a| = 1; in a'), undefined);
    assert.equal(await confirmation('x|: x'), undefined);
    assert.equal(await confirmation('args@{ a, ... }: args|'), undefined);
  });

  test("a module's arguments, a package's and a flake's inputs are refused", async () => {
    for (const src of [
      '{ config|, ... }: { }',
      '{ options|, lib, ... }: { }',
      '{ modulesPath|, ... }: { imports = [ ]; }',
      // Returns a module: its other arguments come from specialArgs.
      '{ robot|, ... }: { imports = [ ./hardware.nix ]; }',
      '{ robot| }: { config.networking.hostName = robot; }',
      // An inline module of a configuration, through parentheses and `++`.
      'nixosSystem { modules = [ ({ robot|, ... }: { networking.hostName = robot; }) ]; }',
      'nixosSystem { modules = base ++ [ ({ robot| }: { networking.hostName = robot; }) ]; }',
      '{ imports = [ ({ robot| }: { }) ]; }',
    ]) {
      assert.match(await prepared(src), /refused: `[a-zA-Z]+` is an argument of a NixOS module: the module system passes it by this name/, src);
    }
    assert.match(await prepared('{ pkgs|, ... }: { environment.systemPackages = [ pkgs.git ]; }'), /refused: .*takes `pkgs`, as NixOS modules and packages do/);
    assert.match(await prepared('{ lib, stdenv| }: stdenv.mkDerivation { }'), /refused: .*takes `lib`/);
    assert.match(await prepared('{ outputs = { self, nix|pkgs }: { }; }'), /refused: `nixpkgs` is an input of this flake: Nix passes the inputs to `outputs` by their names/);
    // Not a module list: a list of something else holding a function.
    assert.equal(await prepared('{ hooks = [ ({ robot| }: robot) ]; }'), 'ok robot');
  });
});

describe('completion', () => {
  test('names in scope and builtins where a value is typed', async () => {
    const items = await completions('let count = 1; f = { port }: por|; in f');
    assert.ok(items.includes('port') && items.includes('count') && items.includes('f') && items.includes('map'), items.join(' '));
    assert.ok(!items.includes('true') && !items.includes('__add'), 'true/false/null and __ aliases are left out');
    assert.ok((await completions('let a = 1; in [ | ]')).includes('a'));
    assert.ok((await completions('with pkgs; |')).includes('builtins'));
  });

  test('nothing where a binding name is typed (the option completion answers there)', async () => {
    assert.deepEqual(await completions('{ config, ... }: { hardware.| }'), []);
    assert.deepEqual(await completions('{ config, ... }: { hardware.nvidia-jetpack.s| }'), []);
    assert.deepEqual(await completions('{ config, ... }: { servi| }'), []);
    assert.deepEqual(await completions('let a = 1; in "a|"'), []);
    assert.deepEqual(await completions('let a = 1; in a # a|'), []);
  });

  test('builtins. members, attributes of sets in the file, a flake\'s inputs', async () => {
    assert.ok((await completions('builtins.con|')).includes('concatStringsSep'));
    assert.deepEqual(await completions('let cfg = { port = 80; tls = { cert = 1; }; }; in cfg.|'), ['port', 'tls']);
    assert.deepEqual(await completions('let cfg = { port = 80; tls = { cert = 1; }; }; in cfg.tls.|'), ['cert']);
    assert.deepEqual(await completions('let cfg = { a.b = 1; a.c = 2; }; in cfg.a.|'), ['b', 'c']);
    const flake = '{ inputs.nixpkgs.url = "x"; inputs.jetpack.url = "y"; outputs = { self, ... }@inputs: inputs.|; }';
    assert.deepEqual(await completions(flake, '/robot/flake.nix'), ['nixpkgs', 'jetpack']);
  });

  test('file names after ./', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-paths-'));
    fs.mkdirSync(path.join(root, 'modules'));
    fs.writeFileSync(path.join(root, 'modules', 'gpio.nix'), '{ }');
    fs.writeFileSync(path.join(root, 'modules', 'camera.nix'), '{ }');
    fs.writeFileSync(path.join(root, '.hidden.nix'), '{ }');
    const file = path.join(root, 'default.nix');
    assert.deepEqual(await completions('{ imports = [ ./| ]; }', file), ['modules/'], 'hidden files only when typed');
    assert.deepEqual(await completions('{ imports = [ ./.| ]; }', file), ['.hidden.nix', 'modules/']);
    assert.deepEqual((await completions('{ imports = [ ./modules/g| ]; }', file)).sort(), ['camera.nix', 'gpio.nix']);
    assert.deepEqual(await completions('import ./nowhere/|', file), []);
  });
});

describe('hover', () => {
  const hover = async (src: string, file?: string) => {
    const o = await open(src, file);
    const h = hoverName(o.model, o.doc.lineIndex, o.offset, o.place);
    return h ? (h.contents as { value: string }).value : undefined;
  };

  test('a builtin: signature and what it does', async () => {
    assert.match((await hover('map| (x: x) [ ]'))!, /map :: \(a -> b\) -> \[a\] -> \[b\]/);
    assert.match((await hover("builtins.foldl|' (a: b: a) 0 [ ]"))!, /foldl' ::/);
    assert.match((await hover('builtins.toPa|th "/x"'))!, /deprecated/);
  });

  test('a binding: where it is defined, its value when simple, its uses', async () => {
    assert.match((await hover('let som = "orin-agx"; in som|'))!, /\*\*som\*\* · `let` binding \(line 1\)[\s\S]*som = "orin-agx"[\s\S]*Used once/);
    assert.match((await hover('{ port ? 8080 }: port|'))!, /named argument[\s\S]*port \? 8080/);
    assert.doesNotMatch((await hover('let f = x: x; in f|'))!, /```/);
  });

  test('a name from a `with`, and paths', async () => {
    assert.match((await hover('with pkgs; hel|lo'))!, /comes from `with pkgs;`/);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-hover-'));
    fs.writeFileSync(path.join(root, 'gpio.nix'), '{ }');
    const file = path.join(root, 'default.nix');
    assert.match((await hover('import ./gp|io.nix', file))!, new RegExp(`\\./gpio\\.nix\\*\\* → \`${path.join(root, 'gpio.nix').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\``));
    assert.match((await hover('import ./nowh|ere.nix', file))!, /does not exist/);
  });

  test('builtin documentation covers every builtin', () => {
    for (const name of GLOBAL_NAMES) assert.ok(BUILTIN_DOCS.has(name.replace(/^__/, '')), name);
  });
});

describe('semantic tokens', () => {
  test('variables, parameters, attribute names, builtins and namespaces', async () => {
    const o = await open('{ lib, port }: let base = 1; in { x = base + port; y = map toString [ ]; z = lib.mkIf true builtins.currentSystem; }|');
    const data = semanticTokens(o.model, o.doc.lineIndex).data;
    const tokens: string[] = [];
    let line = 0;
    let char = 0;
    for (let i = 0; i < data.length; i += 5) {
      line += data[i]!;
      char = data[i] === 0 ? char + data[i + 1]! : data[i + 1]!;
      const start = o.doc.lineIndex.offset({ line, character: char });
      const mods = SEMANTIC_LEGEND.tokenModifiers.filter((_, bit) => data[i + 4]! & (1 << bit));
      tokens.push(`${o.text.slice(start, start + data[i + 2]!)}:${SEMANTIC_LEGEND.tokenTypes[data[i + 3]!]}${mods.map((m) => '.' + m).join('')}`);
    }
    assert.deepEqual(tokens, [
      'lib:namespace.declaration',
      'port:parameter.declaration',
      'base:variable.declaration',
      'x:property',
      'base:variable',
      'port:parameter',
      'y:property',
      'map:function.defaultLibrary',
      'toString:function.defaultLibrary',
      'z:property',
      'lib:namespace',
      'mkIf:property',
      'builtins:namespace.defaultLibrary',
      'currentSystem:variable.readonly.defaultLibrary',
    ]);
  });
});

describe('robustness', () => {
  test('every request at every position of broken files answers without an exception, quickly', async () => {
    const files = nixFilesUnder(path.join(FIXTURES, 'invalid'));
    assert.ok(files.length > 20);
    let slowest = 0;
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const doc = new NixDocument(await sharedParser(), text, 1);
      const model = scopeModelOf(doc);
      const place = { uri: pathToFileURL(file).href, file };
      const requests = [
        (offset: number) => findDefinition(model, doc.lineIndex, offset, place),
        (offset: number) => findReferences(model, doc.lineIndex, offset, place.uri, true),
        (offset: number) => documentHighlights(model, doc.lineIndex, offset),
        (offset: number) => prepareRename(model, offset),
        (offset: number) => renameEdits(model, offset, 'renamed'),
        (offset: number) => completeNames(model, doc.lineIndex, offset, place),
        (offset: number) => hoverName(model, doc.lineIndex, offset, place),
      ];
      for (let offset = 0; offset <= text.length; offset++) {
        for (const request of requests) {
          // A slow answer is timed again: a garbage collection or a busy machine does not repeat at the same spot.
          let took = Infinity;
          for (let attempt = 0; attempt < 2 && took >= 50; attempt++) {
            const started = performance.now();
            request(offset);
            took = performance.now() - started;
          }
          slowest = Math.max(slowest, took);
        }
      }
      semanticTokens(model, doc.lineIndex);
      doc.dispose();
    }
    assert.ok(slowest < 50, `the slowest request took ${slowest.toFixed(1)} ms`);
  });
});
