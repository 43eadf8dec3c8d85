/**
 * Nix's error messages, read into structured errors whose positions point at the user's files.
 *
 * Nix evaluates a flake from its copy in the store, so positions read
 * `/nix/store/<hash>-source/modules/robot.nix:12:5`; newer versions may print a source tree as
 * `«git+file:///home/me/robot»/modules/robot.nix:12:5`. Both are mapped back to the workspace
 * file. The layout of an error changed across Nix versions (2.8 prints the message first and
 * the "… while evaluating" frames after it; 2.13+ prints the frames first and the message last),
 * so the error's own position is told apart from the frames by where it stands, not by order.
 * No `vscode` import: tested with plain Node on errors recorded from real Nix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { explainNixFailure, stripAnsi } from './exec';
import { explainPlatformMismatch, parsePlatformMismatch, type PlatformMismatch } from '../../../server/src/shared/doctor';

/** A position as Nix prints it: 1-based line and column (the column counts bytes). */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export interface WorkspaceLocation extends SourcePosition {
  /** False when Nix gave no position for the error itself and this is the nearest enclosing one it did give. */
  exact: boolean;
  /** For an enclosing position: what Nix was doing there ("while evaluating the attribute 'throws'"). */
  context?: string;
}

export type NixErrorKind = 'evaluation' | 'assertion' | 'build' | 'dependency' | 'setup' | 'platform';

export interface NixError {
  kind: NixErrorKind;
  /** The error's own words, ANSI stripped, without the `error:` prefix (may span lines). */
  message: string;
  /** The whole error as Nix printed it, ANSI stripped. */
  text: string;
  /** Where Nix says the error is, when it says. */
  position?: SourcePosition;
  /** The positions of the enclosing frames, nearest to the error first. */
  frames: Array<SourcePosition & { context: string }>;
  /** Files the message names without a line (NixOS: "defined in `/nix/store/…/robot.nix'"). */
  mentions: string[];
  /** The position mapped to a workspace file, when one could be. */
  location?: WorkspaceLocation;
  /** The failing derivation (build) or the one whose dependencies failed (dependency). */
  derivation?: string;
  exitCode?: number;
  /** The last lines of the failing builder's log, when Nix included them. */
  logTail?: string[];
  /** One actionable sentence for set-up problems (flakes disabled, file not tracked by git…). */
  hint?: string;
  /** For `platform`: the system and features a derivation needs that this machine lacks (the build doctor explains it). */
  platform?: PlatformMismatch;
}

const POSITION = /(«[^»\n]*»[^\s:'"`]*|\/[^\s:'"`«»]+):(\d+):(\d+)/g;
const MENTION = /[`'‘](\/nix\/store\/[0-9a-z]{32}-[^`'’\s]+)['’]/g;
const ERROR_LINE = /^\s*error:\s?(.*)$/;
const FRAME_LINE = /^\s*…\s*(.*)$/;
/** Lines after which an error's own words are over: a hint, or the parts of a build failure Nix lists. */
const MESSAGE_END = /^(\(use '--show-trace'|Output paths:|Last \d+ log lines:|For full logs)/i;

/** Splits plain-text stderr holding several errors into one text per error. Lines before the first error are dropped. */
export function splitErrors(stderr: string): string[] {
  const out: string[] = [];
  let current: string[] | undefined;
  for (const line of stripAnsi(stderr).split('\n')) {
    // A top-level error starts at column 0; nested ones (`       error: …`) belong to the current error.
    if (/^error:/.test(line)) {
      if (current) out.push(current.join('\n'));
      current = [line];
    } else if (current) {
      current.push(line);
    }
  }
  if (current) out.push(current.join('\n'));
  return out.map((text) => text.replace(/\s+$/, ''));
}

/** Reads one error as Nix prints it in text. */
export function parseErrorText(errorText: string): NixError {
  const text = stripAnsi(errorText).replace(/\s+$/, '');
  const lines = text.split('\n');
  // The innermost `error:` line carries the error's own words (newer Nix nests it under the frames).
  let anchor = 0;
  lines.forEach((line, i) => {
    if (ERROR_LINE.test(line)) anchor = i;
  });
  const message = messageAt(lines, anchor);
  let position: SourcePosition | undefined;
  const frames: Array<SourcePosition & { context: string; distance: number }> = [];
  let context: { kind: 'error' | 'frame'; text: string } = { kind: 'error', text: '' };
  lines.forEach((line, i) => {
    if (ERROR_LINE.test(line)) context = { kind: 'error', text: '' };
    const frame = FRAME_LINE.exec(line);
    if (frame) context = { kind: 'frame', text: frame[1]!.trim() };
    for (const match of line.matchAll(POSITION)) {
      const found = { file: match[1]!, line: Number(match[2]), column: Number(match[3]) };
      if (context.kind === 'error' && i >= anchor && !position) position = found;
      else if (context.kind === 'frame') frames.push({ ...found, context: context.text, distance: Math.abs(i - anchor) });
    }
  });
  frames.sort((a, b) => a.distance - b.distance);
  const error: NixError = {
    kind: 'evaluation',
    message,
    text,
    ...(position ? { position } : {}),
    frames: frames.map(({ distance: _distance, ...f }) => f),
    mentions: [...new Set([...text.matchAll(MENTION)].map((m) => m[1]!))],
  };
  classify(error);
  return error;
}

/** Reads an error from an internal-json `msg` (level 0): Nix 2.4+ adds the position as fields. */
export function parseErrorJson(json: Record<string, unknown>): NixError {
  const error = parseErrorText(typeof json.msg === 'string' ? json.msg : '');
  if (typeof json.raw_msg === 'string' && json.raw_msg.trim() !== '') {
    error.message = stripAnsi(json.raw_msg).trim();
    classify(error);
  }
  if (typeof json.file === 'string' && typeof json.line === 'number' && json.line > 0) {
    error.position = { file: json.file, line: json.line, column: typeof json.column === 'number' && json.column > 0 ? json.column : 1 };
  }
  return error;
}

function messageAt(lines: string[], anchor: number): string {
  const first = ERROR_LINE.exec(lines[anchor] ?? '')?.[1] ?? lines[anchor] ?? '';
  const out = [first.trim()];
  for (let i = anchor + 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || /^at\s/.test(line) || FRAME_LINE.test(line) || MESSAGE_END.test(line)) break;
    out.push(line);
  }
  return out.filter((l) => l !== '').join('\n');
}

function classify(error: NixError): void {
  // Nix up to 2.2x: "builder for '…drv' failed with exit code 2"; later: "Cannot build '…drv'. Reason: builder failed with exit code 2."
  const builder =
    /builder for '([^']+\.drv)' failed(?: with exit code (\d+))?/.exec(error.text) ??
    /Cannot build '([^']+\.drv)'\.?\s*Reason: builder failed(?: with exit code (\d+))?/.exec(error.text);
  const dependency =
    /\d+ dependenc(?:y|ies) of derivation '([^']+\.drv)' failed to build/.exec(error.text) ??
    /Cannot build '([^']+\.drv)'\.?\s*Reason: \d+ dependenc(?:y|ies) failed/.exec(error.text);
  const hint = explainNixFailure(error.text);
  const platform = parsePlatformMismatch(error.text);
  if (platform) {
    // "a 'aarch64-linux' … is required to build": the machine, not the code, is what needs fixing.
    error.kind = 'platform';
    error.platform = platform;
    error.derivation = platform.derivation;
    error.hint = explainPlatformMismatch(platform, undefined).message;
    return;
  }
  if (builder) {
    error.kind = 'build';
    error.derivation = builder[1];
    if (builder[2]) error.exitCode = Number(builder[2]);
    const tail = logTailOf(error.text);
    if (tail.length > 0) error.logTail = tail;
  } else if (dependency) {
    error.kind = 'dependency';
    error.derivation = dependency[1];
  } else if (hint) {
    error.kind = 'setup';
  } else if (/^assertion\b[\s\S]*\bfailed\b/.test(error.message) || /Failed assertions:/.test(error.text)) {
    error.kind = 'assertion';
  } else {
    error.kind = 'evaluation';
  }
  if (hint) error.hint = hint;
}

/** The `> …` lines Nix quotes after "last N log lines:". */
function logTailOf(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /last \d+ log lines:/i.test(l));
  if (start < 0) return [];
  const tail: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const quoted = /^\s*>\s?(.*)$/.exec(line);
    if (!quoted) break;
    tail.push(quoted[1]!);
  }
  return tail;
}

/** Where the flake's source was copied from, and the store copies of it seen in this run. */
export interface SourceMapping {
  /** Store copies of the flake's source tree (`/nix/store/<hash>-source`). */
  storeRoots: readonly string[];
  /** The folder those copies were made from: the git work tree that holds the flake, or else the flake's folder. */
  sourceRoot: string;
}

/** Maps one file name as Nix prints it to the workspace file it was copied from, or undefined. */
export function mapFile(file: string, mapping: SourceMapping): string | undefined {
  const root = path.resolve(mapping.sourceRoot);
  for (const storeRoot of mapping.storeRoots) {
    if (file.startsWith(`${storeRoot}/`)) return inside(root, path.join(root, file.slice(storeRoot.length + 1)));
  }
  const bracketed = /^«([^»]*)»\/?(.*)$/.exec(file);
  if (bracketed) {
    const local = localPathOfFlakeUrl(bracketed[1]!);
    return local ? inside(root, path.join(local, bracketed[2]!)) : undefined;
  }
  if (path.isAbsolute(file) && !file.startsWith('/nix/store/')) return inside(root, path.resolve(file));
  return undefined;
}

/** `git+file:///home/me/robot?dir=x` → `/home/me/robot`; `path:/a/b` → `/a/b`; others → undefined. */
function localPathOfFlakeUrl(url: string): string | undefined {
  const match = /^(?:git\+file:\/\/|file:\/\/|path:)([^?#]*)/.exec(url);
  if (!match || !match[1]!.startsWith('/')) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1]!;
  }
}

function inside(root: string, file: string): string | undefined {
  const relative = path.relative(root, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? file : undefined;
}

/**
 * Sets `location` on each error: its own position when that is in the workspace; else the nearest
 * enclosing frame that is; else the first workspace file the message names (line 1).
 */
export function locateErrors(errors: NixError[], mapping: SourceMapping, exists: (file: string) => boolean = fs.existsSync): NixError[] {
  for (const error of errors) {
    const own = error.position && mapFile(error.position.file, mapping);
    if (own && exists(own)) {
      error.location = { file: own, line: error.position!.line, column: error.position!.column, exact: true };
      continue;
    }
    for (const frame of error.frames) {
      const file = mapFile(frame.file, mapping);
      if (file && exists(file)) {
        error.location = { file, line: frame.line, column: frame.column, exact: false, context: frame.context };
        break;
      }
    }
    if (error.location) continue;
    for (const mention of error.mentions) {
      const file = mapFile(mention, mapping);
      if (file && exists(file)) {
        error.location = { file, line: 1, column: 1, exact: false };
        break;
      }
    }
  }
  return errors;
}

/** Store source roots (`/nix/store/<hash>-source`, or another store path name) that errors mention. */
export function storeRootsIn(errors: NixError[]): string[] {
  const roots = new Set<string>();
  const add = (file: string) => {
    const match = /^(\/nix\/store\/[0-9a-z]{32}-[^/]+)\//.exec(file);
    if (match) roots.add(match[1]!);
  };
  for (const e of errors) {
    if (e.position) add(e.position.file);
    for (const f of e.frames) add(f.file);
    for (const m of e.mentions) add(m);
  }
  return [...roots];
}

/** The error to tell the user about first: a builder's failure over the "dependencies failed" echo of it. */
export function primaryError(errors: NixError[]): NixError | undefined {
  const rank: Record<NixErrorKind, number> = { setup: 0, platform: 0, build: 1, assertion: 2, evaluation: 2, dependency: 3 };
  return [...errors].sort((a, b) => rank[a.kind] - rank[b.kind])[0];
}

/** What a diagnostic at the error's location says: the message, and the frame it was found in when not exact. */
export function diagnosticMessage(error: NixError): string {
  const base = error.hint ?? error.message;
  return error.location && !error.location.exact && error.location.context ? `${base}\n(${error.location.context})` : base;
}

export interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/**
 * The 0-based range to underline for a Nix position in a file's text: the identifier or
 * attribute path starting there (Nix gives a point), else one character. Nix's column counts
 * bytes; the result counts UTF-16 code units, as editors do.
 */
export function rangeAt(text: string, line: number, column: number): Range {
  const lines = text.split('\n');
  const lineIndex = Math.min(Math.max(line - 1, 0), Math.max(lines.length - 1, 0));
  const lineText = (lines[lineIndex] ?? '').replace(/\r$/, '');
  const bytes = Buffer.from(lineText, 'utf8');
  const start = Math.min(bytes.subarray(0, Math.max(column - 1, 0)).toString('utf8').length, lineText.length);
  const word = /^[A-Za-z_][A-Za-z0-9_'\-.]*/.exec(lineText.slice(start));
  const end = word ? start + word[0].length : Math.min(start + 1, lineText.length);
  return { start: { line: lineIndex, character: start }, end: { line: lineIndex, character: Math.max(end, start) } };
}
