import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ALL_CODES, CODES, isDiagnosticCode, type CodeInfo, type Severity } from '../analysis/codes';
import type { Report } from './check-files';
import type { Format } from './args';

/**
 * The output formats of `jetson-nix check`. File names and messages come from the repository
 * being checked, so each format escapes what could break out of it: a file named
 * `x\n::error file=README.md::INJECTED.nix` must not become a second line, let alone a GitHub
 * workflow command.
 */

/**
 * Control characters (C0, DEL, C1), line and paragraph separators and the bidirectional overrides
 * that can make a terminal or a log viewer show something else than the text holds.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Writes control characters as visible escapes (`\n`, `\x1b`, `\u202e`); `keep` leaves some as they are. */
export function escapeControls(text: string, keep = ''): string {
  return text.replace(CONTROL, (c) => {
    if (keep.includes(c)) return c;
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** The data of a workflow command (its message), encoded as GitHub's runner decodes it. */
export function githubData(text: string): string {
  return escapeControls(text, '\r\n').replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property of a workflow command (`file=…`): the data encoding, plus `:` and `,` that delimit properties. */
export function githubProperty(text: string): string {
  return githubData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const GITHUB_COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'notice', hint: 'notice' };

function text(reports: Report[]): string {
  return reports.map((r) => `${escapeControls(r.file)}:${r.range.start.line + 1}:${r.range.start.character + 1}: ${r.severity} ${r.code}: ${escapeControls(r.message)}\n`).join('');
}

/**
 * One workflow command per finding: `::error file=…,line=…,endLine=…,col=…,endColumn=…,title=…::message`.
 * Columns only on one-line ranges (GitHub ignores them otherwise); `endColumn` is the last
 * character's 1-based column.
 */
function github(reports: Report[]): string {
  return reports
    .map((r) => {
      const { start, end } = r.range;
      const props: [string, string | number][] = [
        ['file', r.file],
        ['line', start.line + 1],
        ['endLine', end.line + 1],
      ];
      if (start.line === end.line) props.push(['col', start.character + 1], ['endColumn', Math.max(start.character + 1, end.character)]);
      props.push(['title', `jetson-nix ${r.code}`]);
      const encoded = props.map(([k, v]) => `${k}=${githubProperty(String(v))}`).join(',');
      return `::${GITHUB_COMMAND[r.severity]} ${encoded}::${githubData(r.message)}\n`;
    })
    .join('');
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };
const PROBLEM_SEVERITY: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'recommendation', hint: 'recommendation' };

/** Markdown written as plain text (SARIF's `text` fields are shown as they are). */
function plain(markdown: string): string {
  return markdown.replace(/`/g, '');
}

/** One SARIF rule per code, from the table of codes. */
function sarifRule(id: string, info: CodeInfo) {
  const firstSentence = /^.*?[.!?](?=\s|$)/.exec(info.description)?.[0] ?? info.description;
  return {
    id,
    name: id.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase()),
    shortDescription: { text: plain(firstSentence) },
    fullDescription: { text: plain(info.description), markdown: info.description },
    help: { text: plain(info.description), markdown: info.description },
    defaultConfiguration: { level: SARIF_LEVEL[info.severity] },
    properties: { tags: [info.category, ...(info.tags ?? [])], precision: 'very-high', 'problem.severity': PROBLEM_SEVERITY[info.severity] },
  };
}

/** A file as a URI reference: relative to the run's `%SRCROOT%` (the working folder) when it is below it. */
function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  const relative = path.isAbsolute(file) ? path.relative(process.cwd(), file) : path.normalize(file);
  if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
    return { uri: relative.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
  }
  return { uri: pathToFileURL(path.resolve(file)).href };
}

/**
 * SARIF 2.1.0 (OASIS), in the subset GitHub code scanning reads: every code as a rule, every
 * finding as a result with a physical location. Columns are UTF-16 code units, 1-based; a
 * region's `endColumn` is the column after its last character.
 */
function sarif(reports: Report[], version: string): string {
  const index = new Map(ALL_CODES.map((c, i) => [c as string, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'jetson-nix', semanticVersion: version, version, rules: ALL_CODES.map((c) => sarifRule(c, CODES[c])) } },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(process.cwd() + path.sep).href } },
        columnKind: 'utf16CodeUnits',
        results: reports.map((r) => ({
          ruleId: r.code,
          ...(isDiagnosticCode(r.code) ? { ruleIndex: index.get(r.code) } : {}),
          level: SARIF_LEVEL[r.severity],
          message: { text: r.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: artifactLocation(r.file),
                region: { startLine: r.range.start.line + 1, startColumn: r.range.start.character + 1, endLine: r.range.end.line + 1, endColumn: r.range.end.character + 1 },
              },
            },
          ],
        })),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

/** The whole output of a run in one format. */
export function formatReports(reports: Report[], format: Format, version: string): string {
  switch (format) {
    case 'json':
      return JSON.stringify(reports, null, 2) + '\n';
    case 'github':
      return github(reports);
    case 'sarif':
      return sarif(reports, version);
    case 'text':
      return text(reports);
  }
}
