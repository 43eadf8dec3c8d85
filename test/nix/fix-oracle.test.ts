import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { Fix } from '../../server/src/analysis/diagnostic';
import { check, sharedParser } from '../support/analysis';
import { FIXTURES, nixFilesUnder } from '../support/corpus';
import { rng } from '../support/mutate';
import { findOnPath, mapLimit, offlineNixEnv } from '../support/nix';

/**
 * Every quick fix the analysis offers, judged by Nix itself: applied to the corpus, the option
 * fixtures, parenthesised variants of the corpus and hand-picked shapes, the fixed text must
 * still parse; a fix that only removes parentheses must leave `nix-instantiate --parse` output
 * (Nix's own normalised syntax tree, which writes every grouping explicitly) unchanged.
 * JETSON_NIX_PAREN_MUTANTS sets the parenthesised variants per corpus file.
 */
const nixInstantiate = findOnPath('nix-instantiate');
const MUTANTS_PER_FILE = Number(process.env.JETSON_NIX_PAREN_MUTANTS ?? 2);
/** Fixes that must not change the syntax tree at all. */
const MEANING_PRESERVING = new Set(['useless-parens']);

/** Shapes real code has where parentheses matter, or only seem not to. */
const SHAPES = [
  '{ lib, xs }: lib.optionals ((lib.lists.length xs) > 0) [ 1 ]',
  'a: b: ((a) + b)',
  'a: b: ((a) b)',
  'a: b: [ ((a) b) ((a)) (((a))) ]',
  'f: x: { y = ((f x)); z = (((f) x)); }',
  'a: b: c: ((a) // b) // (c)',
  'a: ((a).b or (a.c))',
  'x: (x: x) (x)',
  'a: -(a) - (-a)',
  'a: b: !((a) && b)',
  'let f = x: x; in f(1)',
  'a: b: (a)-b',
  'a: (a)."b"',
  'x: { inherit (x) a; b = (x).c; }',
  'x: "${(x)}"',
  'x: assert (x); (x)',
  'x: if (x) then (1) else ((2))',
  'x: with (x); (a)',
];

interface Case {
  name: string;
  text: string;
}

/** Wraps `count` random expressions of `text` in parentheses (one or two pairs each). */
async function parenthesised(text: string, seed: number, count: number): Promise<string> {
  const tree = (await sharedParser()).parse(text);
  if (!tree) return text;
  const nodes: Node[] = [];
  const walk = (n: Node) => {
    if (n.type.endsWith('_expression') && n.parent?.type !== 'attrpath') nodes.push(n);
    for (const c of n.namedChildren) if (c) walk(c);
  };
  walk(tree.rootNode);
  const random = rng(seed);
  const opens = new Map<number, number>();
  const closes = new Map<number, number>();
  for (let i = 0; i < count && nodes.length > 0; i++) {
    const n = nodes[Math.floor(random() * nodes.length)]!;
    const pairs = random() < 0.3 ? 2 : 1;
    opens.set(n.startIndex, (opens.get(n.startIndex) ?? 0) + pairs);
    closes.set(n.endIndex, (closes.get(n.endIndex) ?? 0) + pairs);
  }
  tree.delete();
  let out = '';
  for (let i = 0; i <= text.length; i++) {
    out += ')'.repeat(closes.get(i) ?? 0) + '('.repeat(opens.get(i) ?? 0);
    if (i < text.length) out += text[i];
  }
  return out;
}

async function cases(): Promise<Case[]> {
  const out: Case[] = [];
  const files = [...nixFilesUnder(path.join(FIXTURES, 'corpus')), ...nixFilesUnder(path.join(FIXTURES, 'configs')), ...nixFilesUnder(path.join(FIXTURES, 'flakes-static'))];
  for (const [i, file] of files.entries()) {
    const text = fs.readFileSync(file, 'utf8');
    const rel = path.relative(FIXTURES, file);
    out.push({ name: rel, text });
    if (!rel.startsWith('corpus')) continue;
    for (let m = 0; m < MUTANTS_PER_FILE; m++) out.push({ name: `${rel} (parenthesised #${m})`, text: await parenthesised(text, 7000 + i * 31 + m, 10) });
  }
  SHAPES.forEach((text, i) => out.push({ name: `shape ${i}: ${text}`, text }));
  return out;
}

function apply(text: string, fix: Fix): string {
  let out = text;
  for (const e of [...fix.edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/**
 * `nix-instantiate --parse` of several texts in one run (Nix prints one line per file, in order):
 * each printed tree, or undefined for all when Nix rejects one of them.
 */
function parseAll(dir: string, name: string, texts: string[], env: NodeJS.ProcessEnv): Promise<string[] | undefined> {
  const files = texts.map((text, i) => {
    const file = path.join(dir, `${name}-${i}.nix`);
    fs.writeFileSync(file, text);
    return file;
  });
  return new Promise((resolve) =>
    execFile(nixInstantiate!, ['--parse', ...files], { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      for (const f of files) fs.rmSync(f);
      const lines = stdout.split('\n').slice(0, -1);
      resolve(err || lines.length !== texts.length ? undefined : lines);
    }),
  );
}

async function parse(dir: string, name: string, text: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return (await parseAll(dir, name, [text], env))?.[0];
}

/** One fix applied to a case, and what Nix must say about the result. */
interface Applied {
  where: string;
  text: string;
  preserving: boolean;
}

/** What is wrong with one applied fix, judged alone (after a batch failed). */
async function judgeAlone(dir: string, id: string, a: Applied, before: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const after = await parse(dir, id, a.text, env);
  if (after === undefined) return `${a.where}: the fixed text no longer parses`;
  if (a.preserving && after !== before) return `${a.where}: Nix reads the fixed text differently\n    before: ${before.slice(0, 300)}\n    after:  ${after.slice(0, 300)}`;
  return undefined;
}

test('every quick fix keeps the file parsing; removing parentheses leaves Nix’s syntax tree unchanged', { skip: !nixInstantiate && !process.env.CI ? 'nix-instantiate is not installed (apt-get install nix-bin)' : false }, async () => {
  assert.ok(nixInstantiate, 'nix-instantiate must be installed in CI (.ci/run installs nix-bin)');
  const env = offlineNixEnv();
  // Fixtures that read sibling files by relative path still parse anywhere: `--parse` never reads them.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-fixes-'));
  const all = await cases();
  const problems: string[] = [];
  let judged = 0;
  let preserving = 0;
  await mapLimit(all, os.availableParallelism() + 1, async (c) => {
    const id = `case-${all.indexOf(c)}`;
    const before = await parse(dir, id, c.text, env);
    if (before === undefined) return; // a variant Nix rejects (parentheses around a name in a path) is no case
    const applied: Applied[] = [];
    for (const f of await check(c.text)) {
      for (const fix of f.fixes ?? []) {
        const where = `${c.name}: ${f.code} at ${f.start} "${c.text.slice(f.start, f.end).slice(0, 60)}" → ${fix.title}`;
        applied.push({ where, text: apply(c.text, fix), preserving: MEANING_PRESERVING.has(f.code) });
      }
    }
    judged += applied.length;
    preserving += applied.filter((a) => a.preserving).length;
    if (applied.length === 0) return;
    // All fixes of a case in one run of Nix; only when that fails is each judged alone, to say which.
    const after = await parseAll(dir, id, applied.map((a) => a.text), env);
    if (after && applied.every((a, i) => !a.preserving || after[i] === before)) return;
    for (const [i, a] of applied.entries()) {
      const problem = await judgeAlone(dir, `${id}-${i}`, a, before, env);
      if (problem) problems.push(problem);
    }
  });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.ok(preserving >= 100, `only ${preserving} parenthesis fixes were judged: the variants no longer exercise the lint`);
  assert.deepEqual(problems, [], `${problems.length} of ${judged} fixes are wrong:\n${problems.slice(0, 10).join('\n')}`);
});
