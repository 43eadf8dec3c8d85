import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALL_CODES, isDiagnosticCode, type DiagnosticCode } from './analysis/codes';
import { closest } from './options/schema-index';
import { readTextSync } from './shared/safe-read';
import { compileGlob, type Glob } from './util/glob';

/**
 * `.jetson-nix.json`: a repository's own settings for Jetson Nix, read alike by `jetson-nix
 * check` and by the language server, so that CI and the editor agree.
 *
 * ```json
 * { "disable": ["useless-parens"], "exclude": ["vendor/**", "hardware-configuration.nix"] }
 * ```
 *
 * It applies to the files in its folder and below. The nearest one above a file wins; the search
 * stops at the repository's root (a folder holding `.git`). A broken file is reported as
 * `invalid-config` at the place it is wrong, and what is valid in it still applies.
 */
export const CONFIG_FILE = '.jetson-nix.json';

/** Real configuration files are a few lines; this cap only guards against a hostile one. */
const MAX_CONFIG_BYTES = 1024 * 1024;

const KEYS = ['$schema', 'disable', 'exclude'] as const;

export interface ConfigProblem {
  /** UTF-16 offsets into `text`. */
  start: number;
  end: number;
  message: string;
}

export interface RepoConfig {
  /** The file's path; `exclude` globs are relative to its folder. */
  file: string;
  /** The file's text, for turning problem offsets into positions. */
  text: string;
  disable: DiagnosticCode[];
  exclude: Glob[];
  problems: ConfigProblem[];
}

/** Reads a configuration's text; never throws. */
export function parseRepoConfig(file: string, text: string): RepoConfig {
  const config: RepoConfig = { file, text, disable: [], exclude: [], problems: [] };
  const problem = (message: string, token?: string) => {
    const at = token === undefined ? -1 : text.indexOf(token);
    config.problems.push(at < 0 ? { start: 0, end: Math.min(1, text.length), message } : { start: at, end: at + token!.length, message });
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = /position (\d+)/.exec(message);
    const at = position ? Math.min(Number(position[1]), text.length) : 0;
    config.problems.push({ start: at, end: Math.min(at + 1, text.length), message: `${CONFIG_FILE} is not valid JSON (${message}); it is ignored` });
    return config;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problem(`${CONFIG_FILE} must hold a JSON object, like { "disable": ["useless-parens"], "exclude": ["vendor/**"] }`);
    return config;
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === '$schema') continue;
    if (key === 'disable') config.disable = readCodes(value, problem);
    else if (key === 'exclude') config.exclude = readGlobs(value, problem);
    else {
      const near = closest(key, KEYS, 1)[0];
      problem(`\`${key}\` is not a setting of ${CONFIG_FILE}` + (near ? `: did you mean \`${near}\`?` : `; it has \`disable\` (codes) and \`exclude\` (globs)`), JSON.stringify(key));
    }
  }
  return config;
}

type Problem = (message: string, token?: string) => void;

function stringList(key: string, value: unknown, problem: Problem): string[] {
  if (Array.isArray(value)) {
    const strings = value.filter((v): v is string => typeof v === 'string');
    if (strings.length !== value.length) problem(`\`${key}\` must be a list of strings`, JSON.stringify(key));
    return strings;
  }
  problem(`\`${key}\` must be a list of strings`, JSON.stringify(key));
  return [];
}

function readCodes(value: unknown, problem: Problem): DiagnosticCode[] {
  const codes: DiagnosticCode[] = [];
  for (const code of stringList('disable', value, problem)) {
    if (isDiagnosticCode(code)) codes.push(code);
    else {
      const near = closest(code, ALL_CODES, 1)[0];
      problem(`\`${code}\` is not a Jetson Nix code` + (near ? `: did you mean \`${near}\`?` : ''), JSON.stringify(code));
    }
  }
  return codes;
}

function readGlobs(value: unknown, problem: Problem): Glob[] {
  const globs: Glob[] = [];
  for (const pattern of stringList('exclude', value, problem)) {
    const glob = compileGlob(pattern);
    if (typeof glob === 'string') problem(`\`${pattern}\` is not a usable glob: ${glob}`, JSON.stringify(pattern));
    else globs.push(glob);
  }
  return globs;
}

/** Whether a configuration excludes a file (an absolute or cwd-relative path). */
export function isExcluded(config: RepoConfig, file: string): boolean {
  const relative = path.relative(path.dirname(config.file), path.resolve(file));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return false;
  const slashed = relative.split(path.sep).join('/');
  return config.exclude.some((g) => g.matches(slashed));
}

interface Cached {
  mtimeMs: number;
  size: number;
  config: RepoConfig;
}

/**
 * The configuration files of a run or a workspace: found by walking up from a file's folder, read
 * with the safe reader, and read again when their modification time or size changes.
 */
export class RepoConfigs {
  /** Folder → the configuration file that applies there (`null`: none). */
  private readonly lookups = new Map<string, string | null>();
  private readonly cache = new Map<string, Cached>();

  /** @param loaded called whenever a file is (re)read, so its problems can be shown once. */
  constructor(private readonly loaded: (config: RepoConfig) => void = () => {}) {}

  /** The configuration that applies to a file, if any. */
  forFile(file: string): RepoConfig | undefined {
    const found = this.locate(path.dirname(path.resolve(file)));
    return found ? this.read(found) : undefined;
  }

  /** Forgets what was found and read (a configuration file was created, changed or deleted). */
  clear(): void {
    this.lookups.clear();
    this.cache.clear();
  }

  private locate(dir: string): string | null {
    const seen: string[] = [];
    let found: string | null = null;
    for (let current = dir; ; ) {
      const known = this.lookups.get(current);
      if (known !== undefined) {
        found = known;
        break;
      }
      seen.push(current);
      const candidate = path.join(current, CONFIG_FILE);
      if (exists(candidate)) {
        found = candidate;
        break;
      }
      const parent = path.dirname(current);
      if (parent === current || exists(path.join(current, '.git'))) break;
      current = parent;
    }
    for (const d of seen) this.lookups.set(d, found);
    return found;
  }

  private read(file: string): RepoConfig | undefined {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return undefined;
    }
    const cached = this.cache.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.config;
    const read = readTextSync(file, { maxBytes: MAX_CONFIG_BYTES });
    const config = read.ok ? parseRepoConfig(file, read.value) : { file, text: '', disable: [], exclude: [], problems: [{ start: 0, end: 0, message: `${read.message}; it is ignored` }] };
    this.cache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, config });
    this.loaded(config);
    return config;
  }
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
