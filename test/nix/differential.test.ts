import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath, mapLimit, nixParse, offlineNixEnv } from '../support/nix';
import { mutants } from '../support/mutate';
import { FIXTURES, nixFilesUnder } from '../support/corpus';
import { check } from '../support/analysis';
import { EDGE_CASES } from './edge-cases';

/**
 * The correctness bar of the syntax and scope diagnostics: on every input, "we report an error"
 * must agree with "nix-instantiate --parse rejects it". Judged over the fixture corpus, the
 * invalid fixtures, hand-picked edge cases, and mutants of the corpus (a token deleted, a token
 * inserted, a name changed, a line duplicated). JETSON_NIX_MUTANTS sets mutants per file.
 */
const nixInstantiate = findOnPath('nix-instantiate');
/** The classes of error `nix-instantiate --parse` reports. */
const PARSE_CODES = new Set(['syntax-error', 'undefined-variable', 'duplicate-attribute']);
const MUTANTS_PER_FILE = Number(process.env.JETSON_NIX_MUTANTS ?? 8);

interface Case {
  name: string;
  text: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  const files = [...nixFilesUnder(path.join(FIXTURES, 'corpus')), ...nixFilesUnder(path.join(FIXTURES, 'invalid'))];
  files.forEach((file, i) => {
    const text = fs.readFileSync(file, 'utf8');
    const rel = path.relative(FIXTURES, file);
    out.push({ name: rel, text });
    if (rel.startsWith('corpus')) {
      for (const m of mutants(text, 1000 + i, MUTANTS_PER_FILE)) out.push({ name: `${rel} (${m.description})`, text: m.text });
    }
  });
  EDGE_CASES.forEach((text, i) => out.push({ name: `edge case ${i}: ${JSON.stringify(text).slice(0, 60)}`, text }));
  return out;
}

test('error verdicts agree with nix-instantiate --parse', { skip: !nixInstantiate && !process.env.CI ? 'nix-instantiate is not installed (apt-get install nix-bin)' : false }, async () => {
  assert.ok(nixInstantiate, 'nix-instantiate must be installed in CI (.ci/run installs nix-bin)');
  const env = offlineNixEnv();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-diff-'));
  const all = cases();
  const disagreements: string[] = [];
  await mapLimit(all, os.availableParallelism() + 1, async (c) => {
    const file = path.join(dir, `case-${all.indexOf(c)}.nix`);
    fs.writeFileSync(file, c.text);
    const nix = await nixParse(nixInstantiate!, file, env);
    // Option checks judge what Nix's parser does not (evaluation would); only parse-level verdicts compare.
    const ours = (await check(c.text)).filter((f) => f.severity === 'error' && PARSE_CODES.has(f.code));
    if (nix.ok === (ours.length === 0)) {
      fs.rmSync(file);
      return;
    }
    disagreements.push(
      `${c.name} [${file}]\n    nix: ${nix.ok ? 'accepts' : nix.error}\n    ours: ${ours.length === 0 ? 'no error' : ours.map((f) => `${f.code} at ${f.start}: ${f.message}`).join('; ')}`,
    );
  });
  const report = path.join('test-output', 'differential.txt');
  fs.mkdirSync('test-output', { recursive: true });
  fs.writeFileSync(report, `${all.length} cases, ${disagreements.length} disagreements\n\n${disagreements.sort().join('\n')}\n`);
  assert.equal(disagreements.length, 0, `${disagreements.length} of ${all.length} cases disagree with Nix (all in ${report}):\n${disagreements.slice(0, 15).join('\n')}`);
});
