import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Formatting through an external formatter: nixfmt, alejandra or nixpkgs-fmt, each run with an
 * argument array, the document on stdin and the result on stdout. None of them can format a
 * range, and formatting a sub-expression on its own would lay it out as if it were at the top of
 * a file (other indentation, other line breaks) — a later whole-file format would change it again.
 * So a range is formatted by formatting the whole document and keeping only the changes that
 * touch the range: what "Format Selection" then does is exactly what "Format Document" would do
 * to those lines. The changes are cut into self-contained groups (the same tokens before and
 * after, whitespace aside) so that applying some of them never splits a token move in two.
 */

export type FormatterName = 'nixfmt' | 'alejandra' | 'nixpkgs-fmt';

/** The formatters, in the order `auto` tries them, with the arguments that make each read stdin. */
export const FORMATTERS: readonly { name: FormatterName; args: string[] }[] = [
  { name: 'nixfmt', args: [] },
  // Without paths alejandra formats stdin; `--quiet` keeps its banner off stderr.
  { name: 'alejandra', args: ['--quiet'] },
  { name: 'nixpkgs-fmt', args: [] },
];

export type FormatterChoice =
  | { kind: 'off' }
  | { kind: 'missing'; wanted: FormatterName[] }
  | { kind: 'found'; name: FormatterName; executable: string; args: string[] };

/** The formatter a setting selects (`auto`, `none` or a name), looked up on PATH. */
export function chooseFormatter(setting: string, searchPath: string | undefined): FormatterChoice {
  if (setting === 'none') return { kind: 'off' };
  const wanted = setting === 'auto' ? FORMATTERS : FORMATTERS.filter((f) => f.name === setting);
  for (const formatter of wanted) {
    const executable = onPath(formatter.name, searchPath);
    if (executable) return { kind: 'found', name: formatter.name, executable, args: formatter.args };
  }
  return { kind: 'missing', wanted: wanted.map((f) => f.name) };
}

function onPath(name: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

export type FormatResult = { ok: true; text: string } | { ok: false; reason: string; stderr: string };

/** Longest a formatter may take; a stuck one is killed and the document left as it is. */
export const FORMAT_TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Runs a formatter on `text` (stdin → stdout), never throwing: failures are results. */
export function runFormatter(executable: string, args: string[], text: string, options: { cwd?: string; timeoutMs?: number } = {}): Promise<FormatResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: FormatResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const child = spawn(executable, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, reason: `did not finish within ${(options.timeoutMs ?? FORMAT_TIMEOUT_MS) / 1000} s`, stderr });
    }, options.timeoutMs ?? FORMAT_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_OUTPUT_BYTES) {
        child.kill('SIGKILL');
        finish({ ok: false, reason: 'wrote more output than any formatted file could be', stderr });
      } else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-8000)));
    child.on('error', (err) => finish({ ok: false, reason: `could not be started (${err.message})`, stderr }));
    child.on('close', (code, signal) => {
      const output = Buffer.concat(out).toString('utf8');
      if (code !== 0) finish({ ok: false, reason: signal ? `was stopped by ${signal}` : `exited with code ${code}`, stderr });
      // An empty answer for a non-empty file is a broken formatter, not an empty file.
      else if (output.trim() === '' && text.trim() !== '') finish({ ok: false, reason: 'printed nothing', stderr });
      else finish({ ok: true, text: output });
    });
    // A formatter that exits early (bad arguments) closes stdin: that is reported by `close`.
    child.stdin.on('error', () => undefined);
    child.stdin.end(text);
  });
}

/** A replacement of the original text between two offsets. */
export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

/** Changed lines: old lines [oldStart, oldEnd) become new lines [newStart, newEnd). */
interface Hunk {
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
}

/** A group of changed lines and its replacement text. */
interface Group {
  oldStart: number;
  oldEnd: number;
  newText: string;
}

/**
 * The edits that turn `original` into `formatted`, line by line, in self-contained groups. With
 * `lineRange` (0-based, inclusive), only the groups that touch those lines.
 */
export function formattingEdits(original: string, formatted: string, lineRange?: { start: number; end: number }): OffsetEdit[] {
  const target = original.includes('\r\n') && !formatted.includes('\r\n') ? formatted.replace(/\n/g, '\r\n') : formatted;
  if (target === original) return [];
  const oldLines = splitLines(original);
  const newLines = splitLines(target);
  const offsets = [0];
  for (const line of oldLines) offsets.push(offsets[offsets.length - 1]! + line.length);
  const hunks = diffLines(oldLines, newLines).flatMap((h) => pieces(h, oldLines, newLines));
  const groups = selfContained(hunks, oldLines, newLines);
  const touches = (g: Group) => !lineRange || (g.oldStart <= lineRange.end && (g.oldEnd > lineRange.start || (g.oldEnd === g.oldStart && g.oldStart >= lineRange.start)));
  const edits: OffsetEdit[] = [];
  for (const g of groups.filter(touches)) {
    const edit = { start: offsets[g.oldStart]!, end: offsets[g.oldEnd]!, newText: g.newText };
    const last = edits[edits.length - 1];
    // Edits that meet become one: two insertions at one place would depend on the client's order.
    if (last && last.end === edit.start) {
      last.end = edit.end;
      last.newText += edit.newText;
    } else edits.push(edit);
  }
  return edits;
}

/** Lines with their terminators, so that joining them gives the text back. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

const squash = (s: string) => s.replace(/\s+/g, '');

/**
 * Cuts a hunk where both sides hold the same tokens so far: `c = 2; };` → `c = 2;` + `};` and the
 * next line's re-indentation become two pieces, so that a range can take one without the other.
 */
function pieces(hunk: Hunk, oldLines: string[], newLines: string[]): Hunk[] {
  const out: Hunk[] = [];
  let p = hunk.oldStart;
  let q = hunk.newStart;
  let from = { p, q };
  let a = '';
  let b = '';
  while (p < hunk.oldEnd || q < hunk.newEnd) {
    if (q >= hunk.newEnd || (p < hunk.oldEnd && a.length <= b.length)) a += squash(oldLines[p++]!);
    else b += squash(newLines[q++]!);
    if (a === b && (p > from.p || q > from.q)) {
      out.push({ oldStart: from.p, oldEnd: p, newStart: from.q, newEnd: q });
      from = { p, q };
      a = '';
      b = '';
    }
  }
  if (p > from.p || q > from.q) out.push({ oldStart: from.p, oldEnd: p, newStart: from.q, newEnd: q });
  return out;
}

/** Merges neighbouring changes until each group holds the same tokens before and after. */
function selfContained(hunks: Hunk[], oldLines: string[], newLines: string[]): Group[] {
  const out: Group[] = [];
  let current: (Group & { oldText: string }) | undefined;
  for (const hunk of hunks) {
    const oldText = oldLines.slice(hunk.oldStart, hunk.oldEnd).join('');
    const newText = newLines.slice(hunk.newStart, hunk.newEnd).join('');
    if (current) {
      // Unchanged lines between two parts of one group belong to both sides.
      const between = oldLines.slice(current.oldEnd, hunk.oldStart).join('');
      current = { oldStart: current.oldStart, oldEnd: hunk.oldEnd, oldText: current.oldText + between + oldText, newText: current.newText + between + newText };
    } else {
      current = { oldStart: hunk.oldStart, oldEnd: hunk.oldEnd, oldText, newText };
    }
    if (squash(current.oldText) === squash(current.newText)) {
      out.push({ oldStart: current.oldStart, oldEnd: current.oldEnd, newText: current.newText });
      current = undefined;
    }
  }
  if (current) out.push({ oldStart: current.oldStart, oldEnd: current.oldEnd, newText: current.newText });
  return out;
}

/** Past this many differing lines a diff is not worth its cost: one edit replaces the middle. */
const MAX_DIFF_DISTANCE = 2000;

/** Changed line ranges between two line lists (Myers' O(ND) difference), in order. */
function diffLines(a: string[], b: string[]): Hunk[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const x = a.slice(prefix, a.length - suffix);
  const y = b.slice(prefix, b.length - suffix);
  const whole = (): Hunk[] => (x.length || y.length ? [{ oldStart: prefix, oldEnd: prefix + x.length, newStart: prefix, newEnd: prefix + y.length }] : []);
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return whole();
  const max = Math.min(n + m, MAX_DIFF_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let i = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let j = i - k;
      while (i < n && j < m && x[i] === y[j]) {
        i++;
        j++;
      }
      v[offset + k] = i;
      if (i >= n && j >= m) return backtrack(trace, n, m, prefix);
    }
  }
  return whole();
}

/** Walks the saved frontier back from the end, collecting the changed ranges. */
function backtrack(trace: Int32Array[], n: number, m: number, prefix: number): Hunk[] {
  const hunks: Hunk[] = [];
  let i = n;
  let j = m;
  const at = (d: number, k: number) => trace[d]![k + d + 1]!;
  for (let d = trace.length - 1; d > 0; d--) {
    const k = i - j;
    const down = k === -d || (k !== d && at(d, k - 1) < at(d, k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevI = at(d, prevK);
    const prevJ = prevI - prevK;
    // Diagonal moves (equal lines) after the edit of step d.
    while (i > prevI + (down ? 0 : 1) && j > prevJ + (down ? 1 : 0)) {
      i--;
      j--;
    }
    // One inserted new line (down) or one deleted old line (right).
    addChange(hunks, { oldStart: prefix + (down ? i : i - 1), oldEnd: prefix + i, newStart: prefix + (down ? j - 1 : j), newEnd: prefix + j });
    i = prevI;
    j = prevJ;
  }
  // What is left is the first diagonal from (0, 0): equal lines.
  return hunks.reverse();
}

/** Records one change, merging it with the previously recorded (following) one when adjacent. */
function addChange(hunks: Hunk[], change: Hunk): void {
  const last = hunks[hunks.length - 1];
  if (last && last.oldStart === change.oldEnd && last.newStart === change.newEnd) {
    last.oldStart = change.oldStart;
    last.newStart = change.newStart;
  } else {
    hunks.push(change);
  }
}
