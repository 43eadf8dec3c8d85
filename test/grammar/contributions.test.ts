// Checks the static language contributions next to the grammar:
// snippets/nix.json and language-configuration.json.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot } from './tokenize';

type Snippet = { prefix: string | string[]; body: string | string[]; description: string; isFileTemplate?: boolean };

const snippetsPath = path.join(repoRoot, 'snippets', 'nix.json');
const languageConfigurationPath = path.join(repoRoot, 'language-configuration.json');

// ---------------------------------------------------------------------------------------------
// Snippet expansion: every placeholder replaced by its default (first choice, placeholder text,
// or the text of the placeholder it mirrors), as VS Code would insert it if the user only
// pressed Tab.

type SnippetNode =
  | { kind: 'text'; text: string }
  | { kind: 'placeholder'; index: number; children: SnippetNode[] }
  | { kind: 'choice'; index: number; options: string[] }
  | { kind: 'tabstop'; index: number }
  | { kind: 'variable'; name: string; children: SnippetNode[] };

/** Parses VS Code snippet syntax (tabstops, placeholders, choices, variables, \ escapes). */
function parseSnippet(source: string): SnippetNode[] {
  let pos = 0;

  function fail(message: string): never {
    throw new Error(`${message} at offset ${pos} of snippet ${JSON.stringify(source)}`);
  }

  function parseNodes(closing: string | undefined): SnippetNode[] {
    const nodes: SnippetNode[] = [];
    let text = '';
    const flush = () => {
      if (text !== '') nodes.push({ kind: 'text', text });
      text = '';
    };
    while (pos < source.length) {
      const c = source[pos]!;
      if (closing !== undefined && c === closing) {
        flush();
        return nodes;
      }
      if (c === '\\' && pos + 1 < source.length && '$}\\'.includes(source[pos + 1]!)) {
        text += source[pos + 1];
        pos += 2;
        continue;
      }
      if (c === '$') {
        const rest = source.slice(pos + 1);
        const simple = /^(\d+|[A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
        if (simple) {
          flush();
          const id = simple[1]!;
          nodes.push(/^\d/.test(id) ? { kind: 'tabstop', index: Number(id) } : { kind: 'variable', name: id, children: [] });
          pos += 1 + id.length;
          continue;
        }
        if (rest.startsWith('{')) {
          flush();
          nodes.push(parseBraced());
          continue;
        }
      }
      text += c;
      pos++;
    }
    if (closing !== undefined) fail(`missing "${closing}"`);
    flush();
    return nodes;
  }

  function parseBraced(): SnippetNode {
    pos += 2; // "${"
    const id = /^(\d+|[A-Za-z_][A-Za-z0-9_]*)/.exec(source.slice(pos))?.[1];
    if (id === undefined) fail('expected a tabstop number or a variable name');
    pos += id.length;
    const isTabstop = /^\d/.test(id);
    const next = source[pos];
    if (next === '}') {
      pos++;
      return isTabstop ? { kind: 'tabstop', index: Number(id) } : { kind: 'variable', name: id, children: [] };
    }
    if (next === ':') {
      pos++;
      const children = parseNodes('}');
      pos++;
      return isTabstop ? { kind: 'placeholder', index: Number(id), children } : { kind: 'variable', name: id, children };
    }
    if (next === '|' && isTabstop) {
      pos++;
      const options: string[] = [];
      let option = '';
      for (;;) {
        const c = source[pos];
        if (c === undefined) fail('unterminated choice');
        if (c === '\\' && pos + 1 < source.length && ',|\\$}'.includes(source[pos + 1]!)) {
          option += source[pos + 1];
          pos += 2;
        } else if (c === ',') {
          options.push(option);
          option = '';
          pos++;
        } else if (c === '|' && source[pos + 1] === '}') {
          options.push(option);
          pos += 2;
          return { kind: 'choice', index: Number(id), options };
        } else {
          option += c;
          pos++;
        }
      }
    }
    return fail('unsupported snippet syntax (transforms are not used here)');
  }

  return parseNodes(undefined);
}

/** The text VS Code inserts when every placeholder keeps its default. */
function expandSnippet(source: string): string {
  const nodes = parseSnippet(source);
  const definitions = new Map<number, SnippetNode>();
  const collect = (list: SnippetNode[]) => {
    for (const node of list) {
      if ((node.kind === 'placeholder' || node.kind === 'choice') && !definitions.has(node.index)) {
        definitions.set(node.index, node);
      }
      if (node.kind === 'placeholder' || node.kind === 'variable') collect(node.children);
    }
  };
  collect(nodes);
  const render = (list: SnippetNode[], depth: number): string => {
    if (depth > 10) throw new Error('placeholders refer to each other in a cycle');
    return list
      .map((node) => {
        switch (node.kind) {
          case 'text':
            return node.text;
          case 'choice':
            return node.options[0] ?? '';
          case 'placeholder':
            return render(node.children, depth + 1);
          case 'variable':
            return render(node.children, depth + 1);
          case 'tabstop': {
            const definition = definitions.get(node.index);
            return definition ? render([definition], depth + 1) : '';
          }
        }
      })
      .join('');
  };
  return render(nodes, 0);
}

/** Choices offered by the first choice placeholder with the given index. */
function choicesOf(source: string, index: number): string[] | undefined {
  const find = (list: SnippetNode[]): string[] | undefined => {
    for (const node of list) {
      if (node.kind === 'choice' && node.index === index) return node.options;
      if (node.kind === 'placeholder' || node.kind === 'variable') {
        const found = find(node.children);
        if (found) return found;
      }
    }
    return undefined;
  };
  return find(parseSnippet(source));
}

// ---------------------------------------------------------------------------------------------

function loadSnippets(): Record<string, Snippet> {
  return JSON.parse(readFileSync(snippetsPath, 'utf8')) as Record<string, Snippet>;
}

const bodyText = (snippet: Snippet) => (Array.isArray(snippet.body) ? snippet.body.join('\n') : snippet.body);
const prefixes = (snippet: Snippet) => (Array.isArray(snippet.prefix) ? snippet.prefix : [snippet.prefix]);

/** Runs `nix-instantiate --parse -E`; undefined when Nix is not installed. */
function nixSyntaxError(expression: string): string | undefined | null {
  const r = spawnSync('nix-instantiate', ['--parse', '-E', expression], { encoding: 'utf8' });
  if (r.error) return null;
  if (r.status === 0) return undefined;
  // Unbound names (pkgs, lib, config, nixpkgs …) are expected in fragments; only syntax matters.
  return /undefined variable/.test(r.stderr) ? undefined : r.stderr.trim();
}

describe('snippets/nix.json', () => {
  test('is valid JSON and every snippet has a prefix, a body and a description', () => {
    const snippets = loadSnippets();
    assert.ok(Object.keys(snippets).length > 0, 'no snippets');
    for (const [name, snippet] of Object.entries(snippets)) {
      assert.ok(prefixes(snippet).length > 0 && prefixes(snippet).every((p) => typeof p === 'string' && p.trim() !== ''), `${name}: prefix`);
      assert.ok(
        typeof snippet.body === 'string' || (Array.isArray(snippet.body) && snippet.body.every((l) => typeof l === 'string')),
        `${name}: body must be a string or an array of strings`,
      );
      assert.ok(bodyText(snippet).trim() !== '', `${name}: empty body`);
      assert.ok(typeof snippet.description === 'string' && snippet.description.trim() !== '', `${name}: description`);
      const unknown = Object.keys(snippet).filter((k) => !['prefix', 'body', 'description', 'scope', 'isFileTemplate'].includes(k));
      assert.deepEqual(unknown, [], `${name}: unknown properties`);
    }
  });

  test('prefixes are unique', () => {
    const seen = new Map<string, string>();
    for (const [name, snippet] of Object.entries(loadSnippets())) {
      for (const prefix of prefixes(snippet)) {
        assert.ok(!seen.has(prefix), `prefix ${prefix} used by both ${seen.get(prefix)} and ${name}`);
        seen.set(prefix, name);
      }
    }
  });

  test('the Jetson and NixOS snippets are present', () => {
    const all = new Set(Object.values(loadSnippets()).flatMap(prefixes));
    for (const prefix of [
      'jetson-flake',
      'jetson-nixos-configuration',
      'jetpack-module',
      'ros2-devshell',
      'nixos-module',
      'mkOption',
      'mkEnableOption',
      'mkIf',
    ]) {
      assert.ok(all.has(prefix), `missing snippet ${prefix}`);
    }
  });

  test('SoM, carrier board and ROS distro choices', () => {
    const byPrefix = new Map(Object.values(loadSnippets()).map((s) => [prefixes(s)[0]!, bodyText(s)]));
    const soms = [
      'orin-agx', 'orin-agx-industrial', 'orin-nx', 'orin-nano', 'thor-agx', 'thor-agx-t4000',
      'xavier-agx', 'xavier-agx-industrial', 'xavier-nx', 'xavier-nx-emmc', 'generic',
    ];
    assert.deepEqual(choicesOf(byPrefix.get('jetpack-module')!, 1), soms);
    assert.deepEqual(choicesOf(byPrefix.get('jetpack-module')!, 2), ['devkit', 'generic', 'xavierNxDevkit']);
    assert.deepEqual(choicesOf(byPrefix.get('jetson-nixos-configuration')!, 2), soms);
    assert.deepEqual(choicesOf(byPrefix.get('jetson-flake')!, 3), soms);
    assert.deepEqual([...(choicesOf(byPrefix.get('ros2-devshell')!, 1) ?? [])].sort(), ['humble', 'jazzy', 'kilted', 'rolling']);
    const flake = expandSnippet(byPrefix.get('jetson-flake')!);
    for (const needle of [
      'url = "github:anduril/jetpack-nixos";',
      'inputs.nixpkgs.follows = "nixpkgs";',
      'nix-ros-overlay.url = "github:lopsided98/nix-ros-overlay/master";',
      'nixpkgs.follows = "nix-ros-overlay/nixpkgs";',
      'jetpack-nixos.nixosModules.default',
      'nix-ros-overlay.nixosModules.default',
      'system = "aarch64-linux";',
    ]) {
      assert.ok(flake.includes(needle), `jetson-flake lacks ${needle}`);
    }
  });

  test('the snippet expander understands the syntax used', () => {
    assert.equal(expandSnippet('a ${1:x} $1 ${2|p,q|} $2 \\${nix} $0'), 'a x x p p ${nix} ');
    assert.equal(expandSnippet('${1:outer ${2:inner}} $2'), 'outer inner inner');
  });

  const haveNix = spawnSync('nix-instantiate', ['--version']).error === undefined;
  for (const [name, snippet] of Object.entries(loadSnippets())) {
    test(`"${name}" expands to valid Nix`, { skip: haveNix ? false : 'nix-instantiate not found' }, () => {
      const text = expandSnippet(bodyText(snippet));
      // An expression, or else a binding fragment (`a.b = …;`) that is valid inside a set.
      const asExpression = nixSyntaxError(text);
      if (asExpression === undefined) return;
      const asBinding = nixSyntaxError(`{\n${text}\n}`);
      assert.equal(asBinding, undefined, `${name} is neither an expression nor a binding:\n${text}\n\n${asExpression}\n${asBinding}`);
    });
  }
});

describe('language-configuration.json', () => {
  const parse = () =>
    JSON.parse(readFileSync(languageConfigurationPath, 'utf8')) as {
      comments: { lineComment: string; blockComment: [string, string] };
      brackets: [string, string][];
      autoClosingPairs: { open: string; close: string; notIn?: string[] }[];
      surroundingPairs: [string, string][];
      wordPattern: string;
      indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
      onEnterRules: { beforeText: string; afterText?: string; previousLineText?: string }[];
      folding: { markers: { start: string; end: string } };
    };

  test('parses as plain JSON with the expected comment and bracket settings', () => {
    const config = parse();
    assert.equal(config.comments.lineComment, '#');
    assert.deepEqual(config.comments.blockComment, ['/*', '*/']);
    assert.deepEqual(config.brackets, [['{', '}'], ['[', ']'], ['(', ')']]);
    const pairs = new Map(config.autoClosingPairs.map((p) => [p.open, p]));
    for (const open of ['{', '[', '(', '"', "''", '${']) assert.ok(pairs.has(open), `auto-closing ${open}`);
    assert.deepEqual(pairs.get('"')?.notIn, ['string', 'comment']);
    assert.ok(pairs.get("''")?.notIn?.includes('string'));
  });

  test('its regular expressions compile and behave', () => {
    const config = parse();
    const word = new RegExp(config.wordPattern, 'g');
    assert.deepEqual('hardware.nvidia-jetpack.som x\' foldl\' 1.5e3'.match(word), ['hardware', 'nvidia-jetpack', 'som', "x'", "foldl'", '1.5e3']);

    const increase = new RegExp(config.indentationRules.increaseIndentPattern);
    const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);
    for (const line of ['foo = {', '  modules = [', 'let', '  a =', "  script = ''", '  f (', '{ config, lib, ... }:']) {
      assert.ok(increase.test(line), `should indent after ${JSON.stringify(line)}`);
    }
    for (const line of ['  a = { b = 1; };', '  # foo = {', "  '';", '  x = "${y}";']) {
      assert.ok(!increase.test(line), `should not indent after ${JSON.stringify(line)}`);
    }
    for (const line of ['}', '  ];', '  )', 'in', "  '';"]) assert.ok(decrease.test(line), `should outdent ${JSON.stringify(line)}`);
    for (const line of ['  inherit x;', "  ''${x}", '  input = 1;']) {
      assert.ok(!decrease.test(line), `should not outdent ${JSON.stringify(line)}`);
    }

    for (const rule of config.onEnterRules) {
      for (const source of [rule.beforeText, rule.afterText, rule.previousLineText]) if (source !== undefined) new RegExp(source);
    }
    const continues = (line: string) => config.onEnterRules.some((r) => new RegExp(r.beforeText).test(line));
    assert.ok(continues('# a comment'));
    assert.ok(continues('/* a block'));
    assert.ok(continues(' * inside a block'));
    assert.ok(!continues('# region Networking'));
    assert.ok(!continues('x = 1;'));

    assert.ok(new RegExp(config.folding.markers.start).test('  # region Networking'));
    assert.ok(new RegExp(config.folding.markers.end).test('  # endregion'));
  });
});
