import assert from 'node:assert/strict';

/**
 * The documented shapes of the CI formats, written from their specifications, to hold
 * `jetson-nix check --format github|sarif` to them:
 *
 * - GitHub's "Workflow commands for GitHub Actions": `::error|warning|notice` with the properties
 *   `file`, `line`, `endLine`, `col`, `endColumn`, `title`; data escapes `%` `\r` `\n` as `%25`
 *   `%0D` `%0A`, properties also `:` and `,` as `%3A` `%2C`; columns only on one-line annotations.
 * - OASIS SARIF 2.1.0 (sarifLog → runs → tool.driver.rules, results → locations → physicalLocation
 *   → artifactLocation, region), with what GitHub's "SARIF support for code scanning" requires:
 *   `shortDescription`, `fullDescription` and `help` on rules, `message.text` and one location on
 *   results, 1-based regions, a URI-reference for every artifact.
 */

export interface GithubCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

const PROPERTIES = new Set(['file', 'line', 'endLine', 'col', 'endColumn', 'title']);
const DATA_ESCAPES: Record<string, string> = { '%25': '%', '%0D': '\r', '%0A': '\n' };
const PROPERTY_ESCAPES: Record<string, string> = { ...DATA_ESCAPES, '%3A': ':', '%2C': ',' };

function decode(text: string, escapes: Record<string, string>, what: string): string {
  for (const m of text.matchAll(/%/g)) assert.ok(text.slice(m.index, m.index + 3) in escapes, `${what}: a bare % at ${m.index} in ${JSON.stringify(text)}`);
  return text.replace(/%(25|0D|0A|3A|2C)/g, (e) => escapes[e] ?? e);
}

function positive(value: string | undefined, what: string): number {
  assert.ok(value !== undefined && /^[1-9]\d*$/.test(value), `${what} must be a positive integer, not ${value}`);
  return Number(value);
}

/** Parses the output as the runner would, line by line, asserting the documented shape. */
export function checkGithubCommands(output: string): GithubCommand[] {
  assert.ok(output === '' || output.endsWith('\n'), 'the output ends with a line break');
  const out: GithubCommand[] = [];
  for (const line of output.split('\n').slice(0, -1)) {
    assert.ok(!line.includes('\r'), `a raw CR in ${JSON.stringify(line)}`);
    const m = /^::([a-z]+) ([^:]*)::(.*)$/.exec(line);
    assert.ok(m, `not a workflow command with properties: ${JSON.stringify(line)}`);
    const [, command, props, data] = m;
    assert.ok(['error', 'warning', 'notice'].includes(command!), `command ${command}`);
    const properties: Record<string, string> = {};
    for (const pair of props!.split(',')) {
      const eq = pair.indexOf('=');
      assert.ok(eq > 0, `property without a value: ${pair}`);
      const key = pair.slice(0, eq);
      assert.ok(PROPERTIES.has(key) && !(key in properties), `unknown or repeated property ${key}`);
      properties[key] = decode(pair.slice(eq + 1), PROPERTY_ESCAPES, key);
    }
    assert.ok(properties.file && properties.title, 'file and title are set');
    const start = positive(properties.line, 'line');
    assert.ok(positive(properties.endLine, 'endLine') >= start);
    if ('col' in properties || 'endColumn' in properties) {
      assert.equal(properties.endLine, properties.line, 'columns only on one-line annotations');
      assert.ok(positive(properties.endColumn, 'endColumn') >= positive(properties.col, 'col'));
    }
    out.push({ command: command!, properties, message: decode(data!, DATA_ESCAPES, 'message') });
  }
  return out;
}

export interface SarifLog {
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string }[] } };
    originalUriBaseIds?: Record<string, { uri: string }>;
    results: {
      ruleId: string;
      ruleIndex?: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: Record<string, number> } }[];
    }[];
  }[];
}

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${what} is an object`);
  return value as Json;
}

function text(value: unknown, what: string): string {
  assert.ok(typeof value === 'string' && value.length > 0, `${what} is a non-empty string`);
  return value;
}

function message(value: unknown, what: string): void {
  text(object(value, what).text, `${what}.text`);
}

/** RFC 3986 URI-reference characters, with well-formed percent escapes. */
function uriReference(uri: string, what: string): void {
  assert.match(uri, /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/, `${what} is a URI reference: ${JSON.stringify(uri)}`);
}

const LEVELS = ['none', 'note', 'warning', 'error'];

function checkRule(rule: unknown, i: number, ids: Set<string>): void {
  const r = object(rule, `rules[${i}]`);
  const id = text(r.id, `rules[${i}].id`);
  assert.ok(!ids.has(id), `rule ${id} is unique`);
  ids.add(id);
  for (const key of ['shortDescription', 'fullDescription', 'help']) message(r[key], `rule ${id}.${key}`);
  assert.ok(LEVELS.includes(object(r.defaultConfiguration, `rule ${id}.defaultConfiguration`).level as string), `rule ${id} has a level`);
  const tags = object(r.properties, `rule ${id}.properties`).tags;
  assert.ok(Array.isArray(tags) && tags.every((t) => typeof t === 'string'), `rule ${id} tags`);
}

function checkRegion(value: unknown, what: string): void {
  const region = object(value, what);
  const n = (key: string) => region[key] as number;
  assert.ok(Number.isInteger(n('startLine')) && n('startLine') >= 1, `${what}.startLine`);
  for (const key of ['startColumn', 'endLine', 'endColumn']) assert.ok(region[key] === undefined || (Number.isInteger(n(key)) && n(key) >= 1), `${what}.${key}`);
  if (region.endLine !== undefined) assert.ok(n('endLine') >= n('startLine'), `${what} ends after it starts`);
  if (n('endLine') === n('startLine') && region.endColumn !== undefined) assert.ok(n('endColumn') >= n('startColumn'), `${what}: endColumn >= startColumn`);
}

function checkResult(result: unknown, i: number, rules: { id: string }[], bases: Json): void {
  const what = `results[${i}]`;
  const r = object(result, what);
  const ruleId = text(r.ruleId, `${what}.ruleId`);
  if (r.ruleIndex !== undefined) assert.equal(rules[r.ruleIndex as number]?.id, ruleId, `${what}.ruleIndex points at its rule`);
  assert.ok(rules.some((rule) => rule.id === ruleId), `${what}: rule ${ruleId} is declared`);
  assert.ok(LEVELS.includes(r.level as string), `${what}.level`);
  message(r.message, `${what}.message`);
  assert.ok(Array.isArray(r.locations) && r.locations.length >= 1 && r.locations.length <= 10, `${what} has 1 to 10 locations`);
  for (const [j, location] of (r.locations as unknown[]).entries()) {
    const physical = object(object(location, `${what}.locations[${j}]`).physicalLocation, `${what}.physicalLocation`);
    const artifact = object(physical.artifactLocation, `${what}.artifactLocation`);
    uriReference(text(artifact.uri, `${what}.artifactLocation.uri`), `${what}.artifactLocation.uri`);
    if (artifact.uriBaseId !== undefined) assert.ok((artifact.uriBaseId as string) in bases, `${what}: uriBaseId ${String(artifact.uriBaseId)} is declared`);
    else assert.match(artifact.uri as string, /^file:\/\//, `${what}: a URI without a base is absolute`);
    checkRegion(physical.region, `${what}.region`);
  }
}

/** Asserts the shape of a SARIF 2.1.0 log and returns it typed. */
export function checkSarif(value: unknown): SarifLog {
  const log = object(value, 'the log');
  assert.equal(log.version, '2.1.0');
  text(log.$schema, '$schema');
  assert.ok(Array.isArray(log.runs) && log.runs.length === 1, 'one run');
  const run = object(log.runs[0], 'runs[0]');
  const driver = object(object(run.tool, 'tool').driver, 'tool.driver');
  text(driver.name, 'driver.name');
  assert.ok(Array.isArray(driver.rules), 'driver.rules');
  const ids = new Set<string>();
  for (const [i, rule] of (driver.rules as unknown[]).entries()) checkRule(rule, i, ids);
  const bases = run.originalUriBaseIds === undefined ? {} : object(run.originalUriBaseIds, 'originalUriBaseIds');
  for (const [id, base] of Object.entries(bases)) assert.match(text(object(base, id).uri, `${id}.uri`), /^file:\/\/.*\/$/, `${id} is an absolute folder URI`);
  assert.ok(['utf16CodeUnits', 'unicodeCodePoints'].includes(run.columnKind as string), 'columnKind');
  assert.ok(Array.isArray(run.results), 'results');
  for (const [i, result] of (run.results as unknown[]).entries()) checkResult(result, i, driver.rules as { id: string }[], bases);
  return value as SarifLog;
}
