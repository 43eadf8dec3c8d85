/**
 * A typing-like edit script for a document, as LSP incremental changes: at places spread over the
 * whole file, a letter typed into a string and deleted again, a value changed (a digit of a number
 * or a letter of a string), a letter typed at the end of a variable name (usually an undefined
 * variable for a moment) and deleted again. Every edit keeps the length of the text or is undone by
 * the next one, so the offsets found in the original text stay valid throughout.
 */
import type { Node, Parser } from 'web-tree-sitter';
import { GLOBAL_NAMES } from '../../server/src/analysis/builtins';
import { Random } from './random';

export interface Position {
  line: number;
  character: number;
}

export interface PlannedEdit {
  kind: 'type-in-string' | 'delete-in-string' | 'change-value' | 'type-in-name' | 'delete-in-name';
  /** Offsets in the text the edit applies to (UTF-16 code units, as LSP counts by default). */
  start: number;
  end: number;
  text: string;
}

interface Spot {
  at: number;
}

const EDITS_PER_GROUP = 5;

export function planEdits(parser: Parser, text: string, count: number, seed: number): PlannedEdit[] {
  const tree = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  const strings: Spot[] = [];
  const integers: Spot[] = [];
  const names: Spot[] = [];
  try {
    const visit = (node: Node): void => {
      if (node.type === 'string_fragment' && node.parent?.type === 'string_expression') {
        // A point between two letters, so that typing there cannot form an escape or `${`.
        const from = node.startIndex + Math.floor((node.endIndex - node.startIndex) / 2);
        for (let p = from; p < node.endIndex; p++) {
          if (/[A-Za-z]/.test(text[p - 1] ?? '') && /[A-Za-z]/.test(text[p] ?? '')) {
            strings.push({ at: p });
            break;
          }
        }
      } else if (node.type === 'integer_expression') {
        integers.push({ at: node.endIndex - 1 });
      } else if (node.type === 'variable_expression' && !GLOBAL_NAMES.has(node.text)) {
        names.push({ at: node.endIndex });
      }
      for (const c of node.children) if (c) visit(c);
    };
    visit(tree.rootNode);
  } finally {
    tree.delete();
  }
  if (strings.length === 0 || names.length === 0) throw new Error('the document has no strings or no variables to edit');

  const groups = Math.ceil(count / EDITS_PER_GROUP);
  const rnd = new Random(seed);
  const used = new Set<Spot>();
  // Nearest unused spot to an offset (each spot is edited once, so value changes never pile up).
  const near = (spots: Spot[], target: number): Spot | undefined => {
    let best: Spot | undefined;
    for (const s of spots) {
      if (used.has(s)) continue;
      if (!best || Math.abs(s.at - target) < Math.abs(best.at - target)) best = s;
    }
    if (best) used.add(best);
    return best;
  };
  // Visit the bands in a scattered order (stride coprime with the count), as a person jumping around the file.
  let stride = Math.max(1, Math.floor(groups * 0.4));
  while (gcd(stride, groups) !== 1) stride++;
  const edits: PlannedEdit[] = [];
  for (let g = 0; g < groups; g++) {
    const band = (g * stride) % groups;
    const target = Math.floor(((band + rnd.next()) / groups) * text.length);
    const s = near(strings, target) ?? strings[g % strings.length]!;
    const v = near(names, target) ?? names[g % names.length]!;
    const n = near(integers, target);
    const letter = rnd.pick(['e', 'n', 's', 't', 'x']);
    edits.push({ kind: 'type-in-string', start: s.at, end: s.at, text: letter });
    edits.push({ kind: 'delete-in-string', start: s.at, end: s.at + 1, text: '' });
    if (n) {
      const digit = Number(text[n.at]);
      edits.push({ kind: 'change-value', start: n.at, end: n.at + 1, text: String((digit + 1) % 10) });
    } else {
      edits.push({ kind: 'change-value', start: s.at, end: s.at + 1, text: text[s.at] === 'q' ? 'r' : 'q' });
    }
    edits.push({ kind: 'type-in-name', start: v.at, end: v.at, text: letter });
    edits.push({ kind: 'delete-in-name', start: v.at, end: v.at + 1, text: '' });
  }
  return edits.slice(0, count);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Line and UTF-16 character of an offset. */
export function positionOf(text: string, offset: number): Position {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, character: offset - lineStart };
}

export function applyEdit(text: string, e: PlannedEdit): string {
  return text.slice(0, e.start) + e.text + text.slice(e.end);
}
