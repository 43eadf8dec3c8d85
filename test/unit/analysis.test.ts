import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkVerdicts as check, summarize } from '../support/analysis';

/** Findings of `text` as `code@line:col message` strings. */
async function findings(text: string): Promise<string[]> {
  return summarize(text, await check(text));
}

describe('syntax errors', () => {
  test('a missing `;` is reported on the value it should follow, once', async () => {
    const text = '{\n  enable = true\n  som = "orin-agx";\n}\n';
    assert.deepEqual(await findings(text), ['syntax-error@2:12 missing `;` after the binding of `enable`']);
  });

  test('a missing `;` before the closing brace', async () => {
    assert.deepEqual(await findings('{ a = 1 }'), ['syntax-error@1:7 missing `;` after the binding of `a`']);
  });

  test('an unclosed brace names the line it was opened on', async () => {
    const text = 'x:\n\n{\n  a = 1;\n';
    assert.deepEqual(await findings(text), ['syntax-error@3:1 unclosed `{` opened on line 3: add the matching `}`']);
  });

  test('an unterminated string is one error, and nothing after it is reported', async () => {
    const text = '{ a = "oops;\n  b = undefinedName;\n}\n';
    assert.deepEqual(await findings(text), ['syntax-error@1:7 unterminated string: it has no closing `"`']);
  });

  test('an unterminated indented string and comment', async () => {
    assert.deepEqual(await findings("{ a = ''\n  text\n"), ["syntax-error@1:7 unterminated indented string (`''`): it has no closing `''`"]);
    assert.deepEqual(await findings('{ a = 1; /* note\n}'), ['syntax-error@1:10 unterminated comment: `/*` has no closing `*/`']);
  });

  test('let without in, if without else, stray closers, list commas', async () => {
    assert.deepEqual(await findings('let a = 1; a'), ['syntax-error@1:12 missing `in` after the bindings of the `let` on line 1']);
    assert.deepEqual(await findings('if true then 1'), ['syntax-error@1:14 missing `else` after this `then` branch: Nix requires both branches (`if` on line 1)']);
    assert.deepEqual(await findings('1 )'), ['syntax-error@1:3 unexpected `)`: there is no `(` for it to close']);
    assert.match((await findings('[ 1, 2 ]'))[0]!, /^syntax-error@1:4 unexpected `,`/);
  });

  test('a missing value', async () => {
    assert.deepEqual(await findings('{ a = ; }'), ['syntax-error@1:5 missing value in the binding of `a`']);
  });

  test('a binding with `=` and no value, before the closing brace or the next binding, is reported at the binding', async () => {
    assert.deepEqual(await findings('{ config, ... }:\n{\n  networking.hostName =\n}\n'), [
      'syntax-error@3:3 `networking.hostName =` has no value: write it after the `=`, and end the binding with `;`',
    ]);
    assert.deepEqual(await findings('{\n  networking.hostName =\n  time.timeZone = "UTC";\n}\n'), [
      'syntax-error@2:3 `networking.hostName =` has no value: write it after the `=`, and end the binding with `;` (the next line was read as its value)',
    ]);
    // A value on its own line and a binding after it without `;`: the `;` is what is missing.
    assert.deepEqual((await findings('f: g: {\n  a =\n    f;\n  b =\n    g\n  c = 1;\n}\n')).filter((f) => f.startsWith('syntax')), ['syntax-error@5:5 missing `;` after the binding of `b`']);
  });

  test('the pipe operators: only Nix 2.24 and later with the pipe-operators feature read them', async () => {
    const [pipe] = await findings('xs: f: xs |> f');
    assert.equal(pipe, 'syntax-error@1:11 `|>` is a pipe operator, which only Nix 2.24 and later read, with the experimental feature `pipe-operators` enabled; any other Nix rejects this file. `x |> f` is `f x`.');
    assert.match((await findings('f: x: f <| x'))[0]!, /^syntax-error@1:9 `<\|` is a pipe operator, .* `f <\| x` is `f x`\.$/);
  });

  test('errors Nix reports beyond the grammar', async () => {
    assert.deepEqual(await findings('./a/'), ['syntax-error@1:4 a path cannot end with `/`: remove the trailing slash']);
    assert.deepEqual(await findings('99999999999999999999'), ['syntax-error@1:1 integer `99999999999999999999` is too large: Nix integers are 64-bit (at most 9223372036854775807)']);
    assert.deepEqual(await findings('x: let ${x} = 1; in 1'), ['syntax-error@1:8 dynamic attribute names are not allowed in `let`']);
    assert.deepEqual(await findings('1 == 2 == 3'), ['syntax-error@1:1 `==` cannot be chained: Nix does not read `a == b == c`; add parentheses or `&&`']);
    assert.deepEqual(await findings(''), ['syntax-error@1:1 this file has no expression: a Nix file must contain one (for example `{ }`)']);
  });

  test('valid Nix the grammar gets wrong is accepted', async () => {
    for (const ok of ['{ a, b, }: a', '{ a\n, b\n,\n}: a', '{ inherit; }', '{ inherit (x); }', 'x: x//{ }', 'let or = 1; in map or', 'x:x']) {
      assert.deepEqual(await findings(ok.replace('(x)', '({ })')), [], ok);
    }
  });
});

describe('undefined variables', () => {
  test('every undefined name is reported, each use', async () => {
    const text = '{ config, ... }: {\n  a = pkgs.hello;\n  b = [ pkgs.git lib.id ];\n}';
    assert.deepEqual(await findings(text), [
      'undefined-variable@2:7 undefined variable `pkgs`',
      'undefined-variable@3:9 undefined variable `pkgs`',
      'undefined-variable@3:18 undefined variable `lib`',
    ]);
  });

  test('let, rec, formals, @-patterns, inherit and builtins bind names', async () => {
    const ok = [
      'let a = 1; b = a; in b',
      'rec { a = b; b = 1; }',
      '{ a ? b, b }: a',
      'args@{ a, ... }: args.x',
      '{ ... }@args: args',
      'let x = { a = 1; }; inherit (x) a; in a',
      'builtins.map toString [ true false null ]',
      '__curPos',
      'import ./x.nix { inherit (builtins) currentSystem; }',
      'x: x.${"a"} or (throw "no")',
    ];
    for (const text of ok) assert.deepEqual(await findings(text), [], text);
  });

  test('names under `with` are never reported', async () => {
    assert.deepEqual(await findings('pkgs: with pkgs; [ hello git anything ]'), []);
    assert.deepEqual(await findings('with undefinedSet; x'), ['undefined-variable@1:6 undefined variable `undefinedSet`']);
  });

  test('`inherit a;` in a let or rec set looks outside it', async () => {
    assert.deepEqual(await findings('let inherit a; in a'), ['undefined-variable@1:13 undefined variable `a`']);
    assert.deepEqual(await findings('a: let inherit a; in a'), []);
  });

  test('a plain set does not bind its own attributes', async () => {
    assert.deepEqual(await findings('{ a = 1; b = a; }'), ['undefined-variable@1:14 undefined variable `a`']);
  });
});

describe('duplicate attributes', () => {
  test('plain duplicates and dotted forms Nix rejects', async () => {
    assert.deepEqual(await findings('{\n  a = 1;\n  a = 2;\n}'), ['duplicate-attribute@3:3 attribute `a` is already defined on line 2']);
    assert.deepEqual(await findings('{ a.b = 1; a = { b = 2; }; }'), ['duplicate-attribute@1:18 attribute `a.b` is already defined on line 1']);
    assert.deepEqual(await findings('{ a = 1; a.b = 2; }'), ['duplicate-attribute@1:10 attribute `a.b` is already defined on line 1']);
    assert.deepEqual(await findings('let a = 1; a = 2; in a'), ['duplicate-attribute@1:12 attribute `a` is already defined on line 1']);
    assert.deepEqual(await findings('x: { inherit x; x = 1; }'), ['duplicate-attribute@1:17 attribute `x` is already defined on line 1']);
    assert.deepEqual(await findings('{ a, a }: a'), ['duplicate-attribute@1:6 duplicate function argument `a` (also on line 1)']);
  });

  test('merges Nix accepts', async () => {
    for (const ok of ['{ a.b = 1; a.c = 2; }', '{ a.b = 1; a = { c = 2; }; }', '{ a = { c = 2; }; a = { b = 1; }; }', '{ a = ({ c = 1; }); a.b = 2; }', 'x: { ${x} = 1; ${x} = 2; }']) {
      assert.deepEqual(await findings(ok), [], ok);
    }
  });

  test('the first definition is given as related information', async () => {
    const [f] = await check('{\n  a = 1;\n  a = 2;\n}');
    assert.equal(f?.related?.message, '`a` is first defined here');
  });
});
