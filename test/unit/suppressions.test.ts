import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkText, policyFor } from '../../server/src/analysis/check';
import type { Finding } from '../../server/src/analysis/diagnostic';
import { parseRepoConfig } from '../../server/src/repo-config';
import { isSuppressible, suppressionFix } from '../../server/src/analysis/suppressions';
import { LineIndex } from '../../server/src/text/line-index';
import { readNixFixture as readNixFile } from '../support/files';
import { sharedParser, summarize } from '../support/analysis';
import { FIXTURES, nixFilesUnder } from '../support/corpus';
import { findOnPath, offlineNixEnv } from '../support/nix';

/** Per-line suppressions: `# jetson-nix: ignore[code, …]` on the line, or alone on the line before. */

async function findings(text: string, options: Parameters<typeof checkText>[2] = {}): Promise<Finding[]> {
  return checkText(await sharedParser(), text, options);
}

async function codes(text: string): Promise<string[]> {
  return summarize(text, await findings(text)).map((s) => s.replace(/ .*/, ''));
}

function applyFix(text: string, f: Finding): string {
  const edits = [...f.fixes![0]!.edits].sort((a, b) => b.start - a.start);
  return edits.reduce((t, e) => t.slice(0, e.start) + e.newText + t.slice(e.end), text);
}

describe('suppression comments', () => {
  test('a comment after the code hides the named code on its own line only', async () => {
    const text = 'let\n  a = 1; # jetson-nix: ignore[unused-binding]\n  b = 2;\nin { }\n';
    assert.deepEqual(await codes(text), ['unused-binding@3:3']);
  });

  test('a comment alone on its line hides the next line, and only that one', async () => {
    const text = 'let\n  # jetson-nix: ignore[unused-binding] -- kept for later\n  a = 1;\n  b = 2;\nin { }\n';
    assert.deepEqual(await codes(text), ['unused-binding@4:3']);
  });

  test('several codes, comma-separated, with or without spaces', async () => {
    const text = '{ config, ... }: {\n  hardware.nvidia-jetpack.som = "orin-agx-64"; # jetson-nix: ignore[unused-binding,invalid-enum-value]\n  x = (1); # jetson-nix: ignore[ useless-parens ]\n}\n';
    const found = summarize(text, await findings(text));
    assert.deepEqual(found, ['unused-suppression@2:69 nothing reports `unused-binding` on this line, so this suppression is not needed']);
  });

  test('a `#` inside a string is not a comment, so it suppresses nothing', async () => {
    const text = 'let\n  a = "# jetson-nix: ignore[unused-binding]";\nin { }\n';
    assert.deepEqual(await codes(text), ['unused-binding@2:3']);
  });

  test('a misspelt code is reported with a did-you-mean, and hides nothing', async () => {
    const text = 'let\n  a = 1; # jetson-nix: ignore[unused-bindng]\nin { }\n';
    assert.deepEqual(summarize(text, await findings(text)), [
      'unused-binding@2:3 `a` is bound but never used',
      'unused-suppression@2:31 `unused-bindng` is not a Jetson Nix code, so this suppresses nothing: did you mean `unused-binding`?',
    ]);
  });

  test('a suppression that names no code is reported', async () => {
    for (const comment of ['# jetson-nix: ignore', '# jetson-nix: ignore[]']) {
      const text = `{ a = 1; } ${comment}\n`;
      assert.deepEqual(await codes(text), ['unused-suppression@1:12'], comment);
    }
  });

  test('syntax errors cannot be suppressed, and unused suppressions wait until the file parses', async () => {
    const text = '{\n  a = 1 # jetson-nix: ignore[syntax-error]\n  b = 2;\n}\n';
    assert.deepEqual(await codes(text), ['syntax-error@2:7']);
    const parses = '{ a = 1; } # jetson-nix: ignore[syntax-error]\n';
    assert.deepEqual(summarize(parses, await findings(parses)), ['unused-suppression@1:33 syntax errors cannot be suppressed: Nix rejects the file whatever a comment says']);
  });

  test('the fixes remove the comment, its line, or one code of several', async () => {
    const trailing = 'let\n  a = 1;\nin a # jetson-nix: ignore[unused-binding]\n';
    assert.equal(applyFix(trailing, (await findings(trailing))[0]!), 'let\n  a = 1;\nin a\n');
    const ownLine = 'let\n  # jetson-nix: ignore[unused-with]\n  a = 1;\nin a\n';
    assert.equal(applyFix(ownLine, (await findings(ownLine))[0]!), 'let\n  a = 1;\nin a\n');
    const crlf = 'let\r\n  a = 1;\r\nin a # jetson-nix: ignore[unused-binding]\r\n';
    assert.equal(applyFix(crlf, (await findings(crlf))[0]!), 'let\r\n  a = 1;\r\nin a\r\n');
    const several = 'let\n  a = 1; # jetson-nix: ignore[empty-let, unused-binding, redundant-rec]\nin { }\n';
    const unused = await findings(several);
    assert.deepEqual(unused.map((f) => several.slice(f.start, f.end)), ['empty-let', 'redundant-rec']);
    assert.equal(applyFix(several, unused[0]!), 'let\n  a = 1; # jetson-nix: ignore[unused-binding, redundant-rec]\nin { }\n');
    assert.equal(applyFix(several, unused[1]!), 'let\n  a = 1; # jetson-nix: ignore[empty-let, unused-binding]\nin { }\n');
  });

  test('a suppression of a code switched off is still used; unused-suppression itself can be switched off', async () => {
    const text = 'let\n  a = 1; # jetson-nix: ignore[unused-binding]\n  b = (2); # jetson-nix: ignore[empty-let]\nin b\n';
    const config = parseRepoConfig('/repo/.jetson-nix.json', '{ "disable": ["unused-binding", "useless-parens"] }');
    assert.deepEqual(await codes(text), ['useless-parens@3:7', 'unused-suppression@3:33']);
    assert.deepEqual((await findings(text, { policy: policyFor('/repo/a.nix', {}, config) })).map((f) => f.code), ['unused-suppression']);
    const quiet = parseRepoConfig('/repo/.jetson-nix.json', '{ "disable": ["unused-suppression"] }');
    assert.deepEqual((await findings(text, { policy: policyFor('/repo/a.nix', {}, quiet) })).map((f) => f.code), ['useless-parens']);
  });
});

describe('the report policy', () => {
  test('lint switches, --no-lints and .jetson-nix.json combine; an excluded file reports nothing', async () => {
    const text = 'let\n  a = (1);\nin x\n';
    const all = (await findings(text)).map((f) => f.code);
    assert.deepEqual(all, ['undefined-variable', 'unused-binding', 'useless-parens']);
    const switched = await findings(text, { policy: policyFor(undefined, { settings: { 'lints.unusedBinding': false } }, undefined) });
    assert.deepEqual(switched.map((f) => f.code), ['undefined-variable', 'useless-parens']);
    const noLints = await findings(text, { policy: policyFor(undefined, { lints: false }, undefined) });
    assert.deepEqual(noLints.map((f) => f.code), ['undefined-variable']);
    const config = parseRepoConfig('/repo/.jetson-nix.json', '{ "disable": ["undefined-variable"], "exclude": ["vendor/"] }');
    assert.deepEqual((await findings(text, { policy: policyFor('/repo/hosts/a.nix', { lints: false }, config) })).map((f) => f.code), []);
    assert.deepEqual(await findings(text, { policy: policyFor('/repo/vendor/a.nix', {}, config) }), []);
  });
});

describe('"Ignore `code` on this line"', () => {
  async function fixAt(text: string, f: Finding): Promise<string | undefined> {
    const tree = (await sharedParser()).parse(text)!;
    try {
      const fix = suppressionFix(tree.rootNode, text, new LineIndex(text), f.start, f.code);
      return fix && applyFix(text, { ...f, fixes: [fix] });
    } finally {
      tree.delete();
    }
  }

  async function fixFor(text: string, code: string): Promise<string | undefined> {
    return fixAt(text, (await findings(text)).find((x) => x.code === code)!);
  }

  test('a comment at the end of the line, or the code added to the comment already there', async () => {
    assert.equal(await fixFor('let\n  a = 1;\nin { }\n', 'unused-binding'), 'let\n  a = 1; # jetson-nix: ignore[unused-binding]\nin { }\n');
    assert.equal(await fixFor('let\n  a = (1); # jetson-nix: ignore[useless-parens]\nin { }\n', 'unused-binding'), 'let\n  a = (1); # jetson-nix: ignore[useless-parens, unused-binding]\nin { }\n');
    assert.equal(await fixFor('let\n  # jetson-nix: ignore[useless-parens]\n  a = (1);\nin { }\n', 'unused-binding'), 'let\n  # jetson-nix: ignore[useless-parens, unused-binding]\n  a = (1);\nin { }\n');
  });

  test('alone on the line before when the line ends in a comment or inside a string', async () => {
    assert.equal(await fixFor('let\r\n  a = 1; # the answer\r\nin { }\r\n', 'unused-binding'), 'let\r\n  # jetson-nix: ignore[unused-binding]\r\n  a = 1; # the answer\r\nin { }\r\n');
    assert.equal(await fixFor("let\n  a = ''\n    text\n  '';\nin { }\n", 'unused-binding'), "let\n  # jetson-nix: ignore[unused-binding]\n  a = ''\n    text\n  '';\nin { }\n");
  });

  test('nowhere inside a string: a finding inside a multi-line string has no such fix', async () => {
    const text = "{\n  a = ''\n    ${let x = 1; in \"\"}\n  '';\n}\n";
    assert.equal(await fixFor(text, 'unused-binding'), undefined);
  });

  test('on every finding of the fixtures that parse: the finding goes, nothing else changes, and Nix parses the same', async () => {
    const nix = findOnPath('nix-instantiate');
    const env = offlineNixEnv();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-suppress-'));
    let tried = 0;
    const pairs: [string, string][] = [];
    for (const file of nixFilesUnder(FIXTURES)) {
      const text = readNixFile(file);
      const before = await findings(text);
      if (text.includes('\0') || before.some((f) => f.code === 'syntax-error')) continue;
      for (const f of before.filter((x) => isSuppressible(x.code)).slice(0, 3)) {
        const fixed = await fixAt(text, f);
        if (fixed === undefined) continue;
        tried++;
        const after = await findings(fixed);
        assert.equal(after.length, before.length - before.filter((x) => x.code === f.code && lineOf(text, x.start) === lineOf(text, f.start)).length, `${file}: ${f.code}`);
        const unused = (list: Finding[]) => list.filter((x) => x.code === 'unused-suppression').length;
        assert.equal(unused(after), unused(before), `${file}: ${f.code}: the new suppression is used`);
        const a = path.join(dir, `${tried}-a.nix`);
        const b = path.join(dir, `${tried}-b.nix`);
        fs.writeFileSync(a, text);
        fs.writeFileSync(b, fixed);
        pairs.push([a, b]);
      }
    }
    assert.ok(tried > 50, `only ${tried} findings tried`);
    if (!nix) return;
    for (const [a, b] of pairs) {
      const parse = (f: string): string => spawnSync(nix, ['--parse', f], { env, encoding: 'utf8' }).stdout;
      assert.equal(parse(b), parse(a), b);
    }
  });
});

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}
