/**
 * What option validation adds to the diagnostics of a typical configuration: the same
 * ~300-line robot module diagnosed with and without the option checks, in process, warm, from a
 * fresh parse each time (no caches carried over, as when a file is opened). The difference of the
 * medians is the cost of validation; the reference is the rest of the analysis.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { analyzeTree } from '../../server/src/analysis/analyze';
import { diagnoseTree } from '../../server/src/analysis/check';
import { checkOptions } from '../../server/src/options/check';
import { bundledIndex } from '../../server/src/schema/bundled';
import { median, percentile } from './run';

export const VALIDATION_FIXTURE = path.join(__dirname, '..', 'fixtures', 'bench', 'jetson-config.nix');

export interface ValidationFigures {
  lines: number;
  findings: number;
  /** checkOptions alone on the parsed tree. */
  validationMs: number[];
  /** The whole diagnostics (analysis + validation). */
  diagnoseMs: number[];
  /** The analysis without validation (syntax, scopes, duplicates). */
  analysisMs: number[];
}

export function measureValidation(parser: Parser, rounds = 300): ValidationFigures {
  const text = fs.readFileSync(VALIDATION_FIXTURE, 'utf8');
  const tree = parser.parse(text)!;
  const index = bundledIndex();
  const validationMs: number[] = [];
  const diagnoseMs: number[] = [];
  const analysisMs: number[] = [];
  let findings = 0;
  try {
    // Warm up the JIT and the schema index, so the figures are the steady state a user sees.
    for (let i = 0; i < 30; i++) diagnoseTree(tree, text);
    for (let i = 0; i < rounds; i++) {
      let t = performance.now();
      checkOptions(tree.rootNode, index, { isModuleFile: true });
      validationMs.push(performance.now() - t);
      t = performance.now();
      findings = diagnoseTree(tree, text, { isModuleFile: true }).findings.length;
      diagnoseMs.push(performance.now() - t);
      t = performance.now();
      analyzeTree(tree, text);
      analysisMs.push(performance.now() - t);
    }
  } finally {
    tree.delete();
  }
  return { lines: text.split('\n').length - 1, findings, validationMs, diagnoseMs, analysisMs };
}

export function summarize(f: ValidationFigures): { p50: number; p95: number; analysis: number; diagnose: number } {
  return { p50: median(f.validationMs), p95: percentile(f.validationMs, 95), analysis: median(f.analysisMs), diagnose: median(f.diagnoseMs) };
}
