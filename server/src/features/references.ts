import { DocumentHighlightKind, type DocumentHighlight, type Location } from 'vscode-languageserver/node';
import type { LineIndex } from '../text/line-index';
import type { ScopeModel, Site } from '../scope/model';
import { bindingAt, referenceAt } from '../scope/query';

interface Occurrences {
  /** Where the name is defined (written to). */
  writes: Site[];
  /** Where it is used (read). */
  reads: Site[];
}

/**
 * Every occurrence of what the name at `offset` stands for: a binding's definitions and uses; for
 * a builtin, its uses in the file; for a name that comes from a `with`, the uses of that name the
 * same `with` provides.
 */
function occurrences(model: ScopeModel, offset: number): Occurrences | undefined {
  const target = bindingAt(model, offset);
  if (target) return { writes: target.binding.sites, reads: target.binding.references };
  const ref = referenceAt(model, offset);
  if (!ref) return undefined;
  if (ref.builtin) return { writes: [], reads: model.references.filter((r) => r.builtin && !r.binding && r.name === ref.name) };
  if (ref.withScope) return { writes: [], reads: model.references.filter((r) => r.withScope === ref.withScope && r.name === ref.name) };
  return undefined;
}

/** textDocument/references. */
export function findReferences(model: ScopeModel, lines: LineIndex, offset: number, uri: string, includeDeclaration: boolean): Location[] {
  const found = occurrences(model, offset);
  if (!found) return [];
  const sites = includeDeclaration ? [...found.writes, ...found.reads] : found.reads;
  return sorted(sites).map((s) => ({ uri, range: lines.range(s.start, s.end) }));
}

/** textDocument/documentHighlight: definitions as writes, uses as reads. */
export function documentHighlights(model: ScopeModel, lines: LineIndex, offset: number): DocumentHighlight[] {
  const found = occurrences(model, offset);
  if (!found) return [];
  const out: (DocumentHighlight & { at: number })[] = [
    ...found.writes.map((s) => ({ at: s.start, range: lines.range(s.start, s.end), kind: DocumentHighlightKind.Write })),
    ...found.reads.map((s) => ({ at: s.start, range: lines.range(s.start, s.end), kind: DocumentHighlightKind.Read })),
  ];
  return out.sort((a, b) => a.at - b.at).map(({ range, kind }) => ({ range, kind }));
}

function sorted(sites: Site[]): Site[] {
  return [...sites].sort((a, b) => a.start - b.start);
}
