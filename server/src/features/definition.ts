import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Location } from 'vscode-languageserver/node';
import type { LineIndex } from '../text/line-index';
import type { Binding, Placed, ScopeModel, Site } from '../scope/model';
import { definitionAt, keyAt, nodesAt, referenceAt } from '../scope/query';
import { flakeInputs, followPath, setOfExpression, staticNames } from '../scope/attr-sets';
import { staticName } from '../scope/attrs';
import { regularFileSize } from '../shared/safe-read';

/** Where the document is, for relative paths and flake-only navigation. */
export interface DocumentPlace {
  uri: string;
  /** The file-system path, for a `file:` document. */
  file: string | undefined;
}

/**
 * Go to definition: from a name to the binding it uses; from the name in `inherit (x) a;` or in
 * `x.a` to the attribute in `x` when the file defines `x` statically; from a relative path to
 * the file (a folder to its default.nix); in flake.nix, from `inputs.<name>` and from the
 * outputs function's argument `<name>` to the input's declaration.
 */
export function findDefinition(model: ScopeModel, lines: LineIndex, offset: number, place: DocumentPlace): Location[] {
  const here = (sites: Site[]) => sites.map((s) => ({ uri: place.uri, range: lines.range(s.start, s.end) }));
  const target = pathTarget(model, offset, place.file);
  if (target) return target.file ? [{ uri: pathToFileURL(target.file).href, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }] : [];
  const def = definitionAt(model, offset);
  const ref = referenceAt(model, offset);
  if (ref && (!def || ref.kind === 'inherit')) return ref.binding ? here(ref.binding.sites) : [];
  if (def) return here(definitionOf(model, def.binding, isFlake(place)) ?? [def.site]);
  if (keyAt(model, offset)) return here(attributeDefinition(model, offset, isFlake(place)));
  return [];
}

function isFlake(place: DocumentPlace): boolean {
  return /(^|[\\/])flake\.nix$/.test(place.file ?? place.uri);
}

/** Where a binding really comes from, beyond its own name: an input, an inherited attribute. */
function definitionOf(model: ScopeModel, b: Binding, flake: boolean): Site[] | undefined {
  if (flake && b.kind === 'formal' && b.scope.function?.flakeOutputs) {
    const input = flakeInputs(model).get(b.name);
    return input ? [input] : undefined;
  }
  if (b.inherit?.from) {
    const attr = setOfExpression(model, b.inherit.from)?.attrs.get(b.name);
    return attr ? attr.sites.slice(0, 1) : undefined;
  }
  return undefined;
}

/** An attribute name under the cursor: in `inherit (x) a;` or a selection `x.a.b`. */
function attributeDefinition(model: ScopeModel, offset: number, flake: boolean): Site[] {
  const chain = nodesAt(model, offset);
  for (let i = chain.length - 1; i > 0; i--) {
    const { node } = chain[i]!;
    const parent = chain[i - 1]!;
    if (node.type === 'inherited_attrs' && parent.node.type === 'inherit_from') {
      const from = parent.node.children.find((c) => c.type !== 'inherited_attrs' && c.type !== 'ERROR');
      const element = chain[i + 1];
      const name = element ? staticName(element, model.text) : undefined;
      const set = from ? setOfExpression(model, { node: from, start: parent.start + from.offset }) : undefined;
      return (name !== undefined && set?.attrs.get(name)?.sites.slice(0, 1)) || [];
    }
    if (node.type === 'attrpath' && (parent.node.type === 'select_expression' || parent.node.type === 'has_attr_expression')) {
      return selectedAttribute(model, parent, chain[i]!, offset, flake);
    }
  }
  return [];
}

/** `base.a.b` with the cursor on `b`: the definition of `b` in the set `base.a`. */
function selectedAttribute(model: ScopeModel, select: Placed, path: Placed, offset: number, flake: boolean): Site[] {
  const base = select.node.children[0];
  if (!base || base === path.node) return [];
  const names: string[] = [];
  const all = staticNames(model, path);
  for (let j = 0; j < path.node.children.length; j++) {
    const el = path.node.children[j]!;
    const name = all[j];
    if (name === undefined) return [];
    names.push(name);
    if (path.start + el.offset + el.length >= offset) break;
  }
  const baseAt = { node: base, start: select.start + base.offset };
  if (flake && base.type === 'variable_expression' && names.length === 1) {
    const b = referenceAt(model, baseAt.start)?.binding;
    if (b?.scope.function?.flakeOutputs && (b.kind === 'pattern' || b.kind === 'parameter')) {
      const input = flakeInputs(model).get(names[0]!);
      return input ? [input] : [];
    }
  }
  const attr = followPath(model, setOfExpression(model, baseAt), names);
  return attr ? attr.sites.slice(0, 1) : [];
}

/** A path literal under the cursor and the file it names (undefined `file` when it does not exist). */
export interface PathTarget {
  literal: Site;
  /** The path as written, resolved. */
  resolved: string;
  /** What opening it opens: the file, a folder's default.nix; undefined when there is none. */
  file: string | undefined;
  /** `special`: a FIFO, a device or a socket, never offered to the editor to open (it would block or never end). */
  kind: 'file' | 'folder' | 'missing' | 'special';
}

/** The path literal at `offset`, resolved against the document's folder. */
export function pathTarget(model: ScopeModel, offset: number, documentFile: string | undefined): PathTarget | undefined {
  const chain = nodesAt(model, offset);
  const literal = [...chain].reverse().find((p) => p.node.type === 'path_expression' || p.node.type === 'hpath_expression');
  if (!literal || literal.node.children.some((c) => c.type === 'interpolation')) return undefined;
  const written = model.text.slice(literal.start, literal.start + literal.node.length);
  const resolved = resolveNixPath(written, documentFile);
  if (!resolved) return undefined;
  return { literal: { start: literal.start, end: literal.start + literal.node.length }, resolved, ...openable(resolved) };
}

/** A Nix path literal as a file-system path: `~/` is the home folder, relative ones start at the document's folder. */
function resolveNixPath(written: string, documentFile: string | undefined): string | undefined {
  if (written.startsWith('~/')) return path.join(os.homedir(), written.slice(2));
  if (written.startsWith('/')) return path.normalize(written);
  return documentFile ? path.resolve(path.dirname(documentFile), written) : undefined;
}

function openable(resolved: string): { file: string | undefined; kind: PathTarget['kind'] } {
  // A stat, never an open: it cannot block on a FIFO. Only regular files are offered to open.
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    return { file: undefined, kind: 'missing' };
  }
  if (stat.isFile()) return { file: resolved, kind: 'file' };
  if (!stat.isDirectory()) return { file: undefined, kind: 'special' };
  const main = path.join(resolved, 'default.nix');
  return { file: regularFileSize(main) !== undefined ? main : undefined, kind: 'folder' };
}
