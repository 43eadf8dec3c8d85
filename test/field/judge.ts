import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver/node';
import { canonicalParse } from './canonical';
import { BAD_FIX_VERDICTS, classifyFix, firstDifference, judgeFix, type FixKind, type FixShape, type FixVerdict } from './fix-judge';
import type { FileAnalysis, FileFix } from './lsp-pass';
import { nixParseFiles, type NixParse, type ParseOptions } from './nix-parse';
import { applyOffsetEdits, editsFor, toOffsetEdits } from './text-edits';

/**
 * The two oracles applied to what the server said: Nix's verdict on each file against our
 * parse-level errors, and Nix's parse of each fixed copy against the original.
 */

/** The codes of the errors `nix-instantiate --parse` also reports: whether a file has one must agree with Nix. */
export const PARSE_CODES: ReadonlySet<string> = new Set(['syntax-error', 'undefined-variable', 'duplicate-attribute']);
/** Diagnostics saying the file was not analysed: no verdict to compare. */
const NOT_ANALYSED = new Set(['file-too-large', 'unreadable-file', 'analysis-failed']);

export interface Disagreement {
  file: string;
  /** Nix's error, or null when Nix accepts the file. */
  nix: string | null;
  /** Our parse-level errors, as `line:col code: message` (1-based). */
  ours: string[];
}

/** Whether the server reports a parse-level error; undefined when it did not analyse the file. */
export function ourVerdict(diagnostics: Diagnostic[]): { rejects: boolean; errors: string[] } | undefined {
  if (diagnostics.some((d) => NOT_ANALYSED.has(String(d.code)))) return undefined;
  const errors = diagnostics.filter((d) => d.severity === 1 && PARSE_CODES.has(String(d.code)));
  return { rejects: errors.length > 0, errors: errors.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.code}: ${d.message}`) };
}

/** Compares every analysed file's verdict with Nix's. */
export function compareVerdicts(results: FileAnalysis[], nix: Map<string, NixParse>): { compared: number; notAnalysed: string[]; disagreements: Disagreement[] } {
  const disagreements: Disagreement[] = [];
  const notAnalysed: string[] = [];
  let compared = 0;
  for (const r of results) {
    const ours = r.problem ? undefined : ourVerdict(r.diagnostics);
    const theirs = nix.get(r.file);
    if (!ours || !theirs) {
      notAnalysed.push(r.file);
      continue;
    }
    compared++;
    if (ours.rejects === !theirs.ok) continue;
    disagreements.push({ file: r.file, nix: theirs.ok ? null : theirs.output, ours: ours.errors });
  }
  return { compared, notAnalysed, disagreements };
}

export interface JudgedFix {
  file: string;
  /** 1-based position of the diagnostic the fix is for. */
  line: number;
  column: number;
  code: string;
  title: string;
  kind: FixKind | 'unknown';
  verdict: FixVerdict | 'no-edit';
  /** What went wrong, for bad fixes. */
  detail?: string;
}

export const BAD_VERDICTS: ReadonlySet<JudgedFix['verdict']> = new Set([...BAD_FIX_VERDICTS, 'no-edit']);

interface Pending {
  judged: JudgedFix;
  shape: FixShape;
  original: string;
  copy: string;
  /** A copy of the unchanged text, when writing it back does not give the same bytes (invalid UTF-8). */
  baseline?: string;
}

/** The fixed text of one fix, or the verdict that settles it without Nix. */
function applyFix(r: FileAnalysis, fix: FileFix, base: JudgedFix): { fixed: string; shape: FixShape; elsewhere: string[] } | JudgedFix {
  if (!fix.edit || r.text === undefined) return { ...base, verdict: 'no-edit', detail: fix.error ?? 'no edit' };
  const { edits, elsewhere } = editsFor(fix.edit, r.uri);
  let fixed: string;
  let shape: FixShape;
  try {
    if (edits.length === 0) throw new Error(`it edits only ${elsewhere.join(', ') || 'nothing'}`);
    const offsets = toOffsetEdits(r.text, edits);
    fixed = applyOffsetEdits(r.text, offsets);
    shape = classifyFix(r.text, offsets);
  } catch (err) {
    return { ...base, verdict: 'invalid-edit', detail: err instanceof Error ? err.message : String(err) };
  }
  if (fixed === r.text) return { ...base, kind: shape.kind, verdict: 'no-op', detail: 'the text is unchanged' };
  return { fixed, shape, elsewhere };
}

/** Fixed copies beside their originals, made and removed together. */
class Copies {
  readonly made: string[] = [];
  constructor(private readonly live: Set<string>) {}

  write(original: string, text: string): string {
    const copy = path.join(path.dirname(original), `.${path.basename(original, '.nix')}.field-${process.pid}-${this.made.length}.nix`);
    this.made.push(copy);
    this.live.add(copy);
    fs.writeFileSync(copy, text);
    return copy;
  }

  removeAll(): void {
    for (const c of this.made) {
      fs.rmSync(c, { force: true });
      this.live.delete(c);
    }
  }
}

/**
 * Applies each fix to its own copy beside the original (so `./x` means the same), judges it with
 * Nix, and removes the copies. `live` holds the copies that exist, for a signal handler to remove.
 */
export async function judgeFixes(results: FileAnalysis[], original: Map<string, NixParse>, options: ParseOptions, live: Set<string>): Promise<JudgedFix[]> {
  const judged: JudgedFix[] = [];
  const pending: Pending[] = [];
  const copies = new Copies(live);
  try {
    for (const r of results) {
      for (const fix of r.fixes) {
        const d = r.diagnostics[fix.diagnostic]!;
        const base: JudgedFix = { file: r.file, line: d.range.start.line + 1, column: d.range.start.character + 1, code: String(d.code), title: fix.title, kind: 'unknown', verdict: 'ok' };
        const applied = applyFix(r, fix, base);
        if ('verdict' in applied) {
          judged.push(applied);
          continue;
        }
        const detail = applied.elsewhere.length ? { detail: `also edits ${applied.elsewhere.join(', ')} (not judged)` } : {};
        const p: Pending = { judged: { ...base, kind: applied.shape.kind, ...detail }, shape: applied.shape, original: r.file, copy: copies.write(r.file, applied.fixed) };
        // Invalid UTF-8 does not survive the round trip through a string: compare with the text as written back.
        if (!Buffer.from(r.text!, 'utf8').equals(fs.readFileSync(r.file))) p.baseline = copies.write(r.file, r.text!);
        pending.push(p);
      }
    }
    const parsed = await nixParseFiles(copies.made, { ...options, keepOutput: () => true });
    for (const p of pending) judged.push(settle(p, p.baseline ? parsed.get(p.baseline) : original.get(p.original), parsed.get(p.copy)));
  } finally {
    copies.removeAll();
  }
  return judged;
}

function settle(p: Pending, before: NixParse | undefined, after: NixParse | undefined): JudgedFix {
  if (!before || !after) return { ...p.judged, verdict: 'invalid-edit', detail: 'Nix gave no verdict on the file' };
  const verdict = judgeFix(p.shape, before, after);
  const detail =
    verdict === 'breaks-parse'
      ? `after the fix Nix says: ${after.output.split(p.copy).join(p.original)}`
      : verdict === 'changes-meaning'
        ? `nix-instantiate --parse differs (sets in sorted order):\n${firstDifference(canonicalParse(before.output), canonicalParse(after.output))}`
        : p.judged.detail;
  return { ...p.judged, verdict, ...(detail ? { detail } : {}) };
}
