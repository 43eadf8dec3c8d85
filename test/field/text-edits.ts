/**
 * Applying the edits of an LSP code action to a text, written independently of the server's own
 * position code (server/src/text/line-index.ts) so that a bug there shows up here as a bad fix
 * instead of being reproduced. Follows the LSP specification: `\n`, `\r\n` and `\r` end lines;
 * characters are UTF-16 code units; a character past the end of its line means the line end.
 */

export interface Position {
  line: number;
  character: number;
}

export interface TextEdit {
  range: { start: Position; end: Position };
  newText: string;
}

/** An edit as offsets into the text it applies to. */
export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

/** The subset of an LSP WorkspaceEdit the field check understands. */
export interface WorkspaceEdit {
  changes?: Record<string, TextEdit[]>;
  documentChanges?: ({ textDocument: { uri: string; version?: number | null }; edits: TextEdit[] } | { kind: string; uri?: string; oldUri?: string; newUri?: string })[];
}

/** What a workspace edit does to one document, and whatever else it touches. */
export interface EditsFor {
  edits: TextEdit[];
  /** Other documents it edits, and files it creates, renames or deletes. */
  elsewhere: string[];
}

/** Offsets where each line starts. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** The offset of an LSP position, or undefined when the line does not exist. */
export function offsetAt(text: string, position: Position, starts = lineStarts(text)): number | undefined {
  if (position.line < 0 || position.character < 0) return undefined;
  if (position.line >= starts.length) return undefined;
  const start = starts[position.line]!;
  let end = position.line + 1 < starts.length ? starts[position.line + 1]! : text.length;
  // The line's content ends before its line break.
  if (end > start && text[end - 1] === '\n') end--;
  if (end > start && text[end - 1] === '\r') end--;
  return Math.min(start + position.character, end);
}

/** The LSP position of an offset. */
export function positionAt(text: string, offset: number, starts = lineStarts(text)): Position {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo]! };
}

/** Converts LSP edits to offsets, sorted; throws when one is out of range or two overlap (the LSP forbids both). */
export function toOffsetEdits(text: string, edits: TextEdit[]): OffsetEdit[] {
  const starts = lineStarts(text);
  const out = edits.map((e) => {
    const start = offsetAt(text, e.range.start, starts);
    const end = offsetAt(text, e.range.end, starts);
    if (start === undefined || end === undefined || end < start) throw new Error(`edit range ${JSON.stringify(e.range)} is outside the document or reversed`);
    return { start, end, newText: e.newText };
  });
  // Stable: edits at the same offset keep their order, as the LSP asks.
  out.sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.start < out[i - 1]!.end) throw new Error('two edits of the fix overlap');
  }
  return out;
}

/** The text after the edits (sorted offset edits that do not overlap). */
export function applyOffsetEdits(text: string, edits: OffsetEdit[]): string {
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += text.slice(at, e.start) + e.newText;
    at = e.end;
  }
  return out + text.slice(at);
}

/** The edits a workspace edit makes to `uri`, and what else it touches. */
export function editsFor(edit: WorkspaceEdit, uri: string): EditsFor {
  const edits: TextEdit[] = [];
  const elsewhere = new Set<string>();
  if (edit.documentChanges) {
    for (const change of edit.documentChanges) {
      if ('textDocument' in change) {
        if (change.textDocument.uri === uri) edits.push(...change.edits);
        else elsewhere.add(change.textDocument.uri);
      } else {
        elsewhere.add(`${change.kind} ${change.uri ?? `${change.oldUri} → ${change.newUri}`}`);
      }
    }
  } else if (edit.changes) {
    for (const [target, list] of Object.entries(edit.changes)) {
      if (target === uri) edits.push(...list);
      else elsewhere.add(target);
    }
  }
  return { edits, elsewhere: [...elsewhere] };
}
