import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FIXTURES, nixFilesUnder } from '../support/corpus';
import { LspClient } from '../support/lsp-client';
import { readNixFixture as readNixFile } from '../support/files';
import { SCHEMA_INFO } from '../../server/src/protocol';

/**
 * CI = editor: `jetson-nix check` over every fixture, and the language server with the same folder
 * open and every fixture opened in it, must report exactly the same findings (file, range,
 * severity, code, message), flake checks against flake.lock, suppressions and `.jetson-nix.json`
 * included. Both are the real built artefacts: the bin script, and the server over stdio.
 */

const REPO = path.join(__dirname, '..', '..');
const BIN = path.join(REPO, 'bin', 'jetson-nix.js');

interface Finding {
  file: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity: string;
  code: string;
  message: string;
}

const SEVERITIES = ['', 'error', 'warning', 'information', 'hint'];

function order(a: Finding, b: Finding): number {
  return JSON.stringify([a.file, a.range.start.line, a.range.start.character, a.code, a.message]).localeCompare(
    JSON.stringify([b.file, b.range.start.line, b.range.start.character, b.code, b.message]),
  );
}

function cliFindings(): Finding[] {
  const r = spawnSync(process.execPath, [BIN, 'check', '--format', 'json', path.relative(REPO, FIXTURES)], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 1, `the fixtures hold errors on purpose; stderr: ${r.stderr}`);
  return (JSON.parse(r.stdout) as Finding[]).map((f) => ({ ...f, file: path.resolve(REPO, f.file) }));
}

function configFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...configFiles(full));
    else if (e.name === '.jetson-nix.json') out.push(full);
  }
  return out;
}

async function serverFindings(): Promise<Finding[]> {
  const c = new LspClient();
  try {
    await c.initializeWith({ rootUri: pathToFileURL(FIXTURES).href, workspaceFolders: [{ uri: pathToFileURL(FIXTURES).href, name: 'fixtures' }] });
    // The same facts as the CLI: the whole folder indexed, and every flake's schema settled.
    const deadline = Date.now() + 60_000;
    while (!c.logs.some((l) => /^Indexed \d+ \.nix files/.test(l))) {
      assert.ok(Date.now() < deadline, `the workspace was not indexed; logs: ${c.logs.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await c.connection.sendRequest(SCHEMA_INFO, { uri: pathToFileURL(path.join(FIXTURES, 'flakes-static', 'robot', 'flake.nix')).href });
    const files = nixFilesUnder(FIXTURES);
    for (const file of files) await c.open(pathToFileURL(file).href, readNixFile(file));
    const out: Finding[] = [];
    const collect = (file: string, diagnostics: Awaited<ReturnType<LspClient['diagnostics']>>['diagnostics']) => {
      for (const d of diagnostics) out.push({ file, range: d.range, severity: SEVERITIES[d.severity]!, code: d.code, message: d.message });
    };
    for (const file of files) collect(file, (await c.diagnostics(pathToFileURL(file).href, 1, 60_000)).diagnostics);
    for (const config of configFiles(FIXTURES)) collect(config, (await c.diagnostics(pathToFileURL(config).href, undefined, 10_000)).diagnostics);
    return out;
  } finally {
    await c.shutdown();
  }
}

test('jetson-nix check and the language server report the same findings on every fixture', async () => {
  const cli = cliFindings().sort(order);
  const server = (await serverFindings()).sort(order);
  const codes = new Set(cli.map((f) => f.code));
  // What the comparison covers: findings of every part of the analysis, not only the syntax.
  for (const code of ['syntax-error', 'unknown-option', 'unused-binding', 'nixpkgs-not-followed', 'unused-suppression', 'invalid-config']) assert.ok(codes.has(code), `no ${code} among the fixtures' findings`);
  assert.ok(cli.length > 150, `only ${cli.length} findings`);
  assert.deepEqual(server, cli);
});
