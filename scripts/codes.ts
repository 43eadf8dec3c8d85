/**
 * Writes what is derived from the table of codes (`server/src/analysis/codes.ts`) into the files
 * that users read, so that no list of codes is kept by hand:
 *
 * - the README's table of codes, between `<!-- codes:begin -->` and `<!-- codes:end -->`;
 * - the `jetsonNix.lints.*` settings in package.json's `contributes.configuration`;
 * - `schemas/jetson-nix.schema.json`, the JSON schema VS Code validates `.jetson-nix.json` with.
 *
 * Usage: `npm run codes` writes them; `npm run codes -- --check` exits 1 when one is stale.
 * `test/unit/codes.test.ts` fails while they are out of step with the table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_CODES, CODES, switchableCodes, type CodeInfo, type DiagnosticCode } from '../server/src/analysis/codes';

const ROOT = path.join(__dirname, '..');
export const README = path.join(ROOT, 'README.md');
export const PACKAGE_JSON = path.join(ROOT, 'package.json');
export const CONFIG_SCHEMA = path.join(ROOT, 'schemas', 'jetson-nix.schema.json');

const BEGIN = '<!-- codes:begin (generated from server/src/analysis/codes.ts by `npm run codes`) -->';
const END = '<!-- codes:end -->';

function info(code: DiagnosticCode): CodeInfo {
  return CODES[code];
}

/** The description with its first letter lowercased, to follow "Report `code`: ". */
function continuing(description: string): string {
  return /^[A-Z][a-z ]/.test(description) ? description[0]!.toLowerCase() + description.slice(1) : description;
}

/** The README's table of codes, indented to sit in its list item. */
export function readmeTable(indent = '  '): string {
  const rows = ALL_CODES.map((code) => {
    const i = info(code);
    const notes = [i.fixable && !/quick fix/i.test(i.description) ? 'Quick fix.' : '', i.setting ? `Off with \`jetsonNix.${i.setting}\`.` : ''].filter(Boolean).join(' ');
    return `| \`${code}\` | ${i.severity} | ${i.description.replace(/\|/g, '\\|')}${notes ? ` *${notes}*` : ''} |`;
  });
  return ['| code | level | what it means |', '|---|---|---|', ...rows].map((l) => indent + l).join('\n');
}

/** The README with its table of codes regenerated. */
export function withReadmeTable(readme: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${BEGIN} … ${END} section`);
  const lineStart = readme.lastIndexOf('\n', begin) + 1;
  const indent = readme.slice(lineStart, begin);
  return `${readme.slice(0, begin)}${BEGIN}\n${readmeTable(indent)}\n${indent}${readme.slice(end)}`;
}

/** package.json with the lint switches regenerated, where the first of them stood. */
export function withLintSettings(packageJson: string): string {
  const pkg = JSON.parse(packageJson) as { contributes: { configuration: { properties: Record<string, unknown> } } };
  const generated = Object.fromEntries(
    switchableCodes().map(({ code, setting }) => [
      `jetsonNix.${setting}`,
      { type: 'boolean', default: true, markdownDescription: `Report \`${code}\`: ${continuing(info(code).description)}` },
    ]),
  );
  const properties: Record<string, unknown> = {};
  let placed = false;
  for (const [key, value] of Object.entries(pkg.contributes.configuration.properties)) {
    if (!key.startsWith('jetsonNix.lints.')) properties[key] = value;
    else if (!placed) {
      Object.assign(properties, generated);
      placed = true;
    }
  }
  if (!placed) Object.assign(properties, generated);
  pkg.contributes.configuration.properties = properties;
  return JSON.stringify(pkg, null, 2) + '\n';
}

/** The JSON schema of `.jetson-nix.json`, with every code and what it means. */
export function configSchema(): string {
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Jetson Nix repository configuration (.jetson-nix.json)',
    description: 'Read by `jetson-nix check` and the Jetson Nix language server for the files in this folder and below.',
    type: 'object',
    properties: {
      $schema: { type: 'string' },
      disable: {
        type: 'array',
        uniqueItems: true,
        markdownDescription: 'Codes never to report here, e.g. `["useless-parens"]`. For one line, use a `# jetson-nix: ignore[code]` comment instead.',
        items: { type: 'string', enum: ALL_CODES, markdownEnumDescriptions: ALL_CODES.map((c) => `(${info(c).severity}) ${info(c).description}`) },
      },
      exclude: {
        type: 'array',
        uniqueItems: true,
        markdownDescription:
          'Paths not to check, as globs relative to this file\'s folder, the way `.gitignore` reads them: `vendor/` (a folder), `hardware-configuration.nix` (at any depth), `hosts/*/generated.nix`, `**/tests/**`.',
        items: { type: 'string', minLength: 1 },
      },
    },
    additionalProperties: false,
  };
  return JSON.stringify(schema, null, 2) + '\n';
}

/** Every derived file with the text it should have. */
export function expectedFiles(): { file: string; text: string }[] {
  return [
    { file: README, text: withReadmeTable(fs.readFileSync(README, 'utf8')) },
    { file: PACKAGE_JSON, text: withLintSettings(fs.readFileSync(PACKAGE_JSON, 'utf8')) },
    { file: CONFIG_SCHEMA, text: configSchema() },
  ];
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  let stale = 0;
  for (const { file, text } of expectedFiles()) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (current === text) continue;
    stale++;
    if (check) console.error(`${path.relative(ROOT, file)} is out of step with the table of codes: run npm run codes`);
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      console.log(`wrote ${path.relative(ROOT, file)}`);
    }
  }
  return check && stale > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
