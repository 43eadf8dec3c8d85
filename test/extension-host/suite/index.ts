/**
 * The test runner VS Code loads in the extension host (its `--extensionTestsPath`): VS Code calls
 * `run()` once the extension host is up, and ends the test run with its outcome. Bundled by
 * scripts/test-extension-host.mjs into test/extension-host/out/index.js, next to the bundled
 * `*.test.js` files it runs in name order.
 *
 * Environment, all optional (scripts/test-extension-host.mjs sets them):
 *   JETSON_NIX_EH_LOG     also append the mocha report to this file (the extension host's own
 *                         output is not visible everywhere, e.g. in code-server)
 *   JETSON_NIX_EH_RESULT  write {passes, failures, pending, tests, failed[]} as JSON to this file
 *   JETSON_NIX_EH_GREP    run only the tests whose full title matches this regular expression
 *   JETSON_NIX_EH_SUITE   "untrusted": run the untrusted-*.test.js files (the workspace is in
 *                         Restricted Mode); anything else: all the other files
 *   JETSON_NIX_EH_MARKERS the folder where the untrusted workspace's fake tools leave markers
 *   JETSON_NIX_EH_COLOR   "1": coloured report
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';

/** A test may wait up to 60 s for the language server; a test as a whole gets twice that. */
const TEST_TIMEOUT_MS = 120_000;

interface Result {
  passes: number;
  failures: number;
  pending: number;
  tests: number;
  durationMs: number;
  failed: { title: string; error: string }[];
  vscodeVersion: string;
  nodeVersion: string;
}

export async function run(): Promise<void> {
  const logFile = process.env.JETSON_NIX_EH_LOG;
  const resultFile = process.env.JETSON_NIX_EH_RESULT;
  const grep = process.env.JETSON_NIX_EH_GREP;

  // Every reporter line goes through Base.consoleLog: also copy it to the log file.
  const consoleLog = Mocha.reporters.Base.consoleLog;
  if (logFile) {
    Mocha.reporters.Base.consoleLog = (...data: unknown[]) => {
      fs.appendFileSync(logFile, `${format(...data)}\n`);
      consoleLog(...data);
    };
  }

  const mocha = new Mocha({
    ui: 'tdd',
    reporter: 'spec',
    color: process.env.JETSON_NIX_EH_COLOR === '1',
    timeout: TEST_TIMEOUT_MS,
    ...(grep ? { grep } : {}),
  });
  const untrusted = process.env.JETSON_NIX_EH_SUITE === 'untrusted';
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js') && f.startsWith('untrusted-') === untrusted)
    .sort();
  if (files.length === 0) throw new Error(`no *.test.js next to ${__filename}: build the suite first`);
  for (const file of files) mocha.addFile(path.join(__dirname, file));

  const vscodeVersion = vscode.version;
  Mocha.reporters.Base.consoleLog(`Extension-host suite in VS Code ${vscodeVersion} (Node ${process.version}), ${files.length} files: ${files.join(', ')}`);

  const failed: Result['failed'] = [];
  const started = Date.now();
  try {
    const runner = await new Promise<Mocha.Runner>((resolve) => {
      const r: Mocha.Runner = mocha.run(() => resolve(r));
      r.on('fail', (test, error: unknown) =>
        failed.push({ title: test.fullTitle(), error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
    });
    const stats = runner.stats ?? { passes: 0, failures: failed.length, pending: 0, tests: 0 };
    const result: Result = {
      passes: stats.passes,
      failures: stats.failures,
      pending: stats.pending,
      tests: stats.tests,
      durationMs: Date.now() - started,
      failed,
      vscodeVersion,
      nodeVersion: process.version,
    };
    if (resultFile) fs.writeFileSync(resultFile, JSON.stringify(result, null, 2));
    if (result.failures > 0) throw new Error(`${result.failures} of ${result.tests} extension-host tests failed`);
    if (result.passes === 0) throw new Error('no extension-host test ran (check JETSON_NIX_EH_GREP)');
  } finally {
    Mocha.reporters.Base.consoleLog = consoleLog;
  }
}
