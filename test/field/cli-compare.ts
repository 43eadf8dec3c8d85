import { execFile } from 'node:child_process';
import type { ReportFinding, Severity } from './report';
import { minus } from './report-views';

/**
 * `jetson-nix check` over the same folder: CI should report what the editor shows. The field
 * check lists the differences (by file, position and code; wording may differ between fronts).
 */

interface CliReport {
  file: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity: Severity;
  code: string;
  message: string;
}

/** The findings of `jetson-nix check --format json <root>`, as report entries. */
export function cliFindings(cli: string, root: string, env: NodeJS.ProcessEnv, jobs: number, display: (file: string) => string): Promise<ReportFinding[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, 'check', '--format', 'json', '--jobs', String(jobs), root], { env, maxBuffer: 1024 * 1024 * 1024 }, (err, stdout, stderr) => {
      let parsed: CliReport[];
      try {
        parsed = JSON.parse(stdout) as CliReport[];
      } catch {
        reject(new Error(`jetson-nix check ${root} gave no JSON (${err ? err.message : 'exit 0'}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      resolve(
        parsed.map((r) => ({
          file: display(r.file),
          line: r.range.start.line + 1,
          column: r.range.start.character + 1,
          endLine: r.range.end.line + 1,
          endColumn: r.range.end.character + 1,
          severity: r.severity,
          code: r.code,
          message: r.message,
        })),
      );
    });
  });
}

const where = (f: ReportFinding) => `${f.file}:${f.line}:${f.column} ${f.code}`;

/** Findings only one of the two fronts reports. */
export function compareFronts(editor: ReportFinding[], cli: ReportFinding[]): { editorOnly: ReportFinding[]; cliOnly: ReportFinding[] } {
  return { editorOnly: minus(cli, editor, where), cliOnly: minus(editor, cli, where) };
}
