import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver/node';
import type { Tree, TreeCursor } from 'web-tree-sitter';
import type { LineIndex } from '../text/line-index';
import type { FlakeModel } from '../flake/inputs';

/**
 * The outline of a Nix file: bindings of attribute sets (named by their path as written,
 * `hardware.nvidia-jetpack`), `let` bindings, inherited names, nested as the sets they are in —
 * through calls (`lib.mkIf c { … }`, `nixosSystem { … }`), lists (`modules = [ { … } ]`) and
 * function bodies. In a flake.nix, inputs are listed by name with their URL, and outputs are named
 * for what they are: `nixosConfigurations.<name>` a module, `packages.<system>.<name>` a package.
 *
 * The walk uses one tree cursor and never creates a node object: on a 1 MB file most of the time
 * is spent crossing into WebAssembly, once per visited node.
 */
export interface SymbolOptions {
  /** The file is a flake.nix: name inputs and outputs for what they are. */
  flake?: FlakeModel;
}

/** Where a symbol is, in offsets, before conversion to LSP positions. */
interface RawSymbol {
  name: string;
  detail: string;
  kind: SymbolKind;
  start: number;
  end: number;
  selectionStart: number;
  selectionEnd: number;
  /** The attribute path from the top of the file (for naming flake outputs). */
  path: string[];
  children: RawSymbol[];
  /** For a binding: its syntax node's id and whether it is a `let` binding (for reuse). */
  node?: number;
  inLet?: boolean;
}

/**
 * What the next version of the same document can reuse: the symbols of every binding by the id
 * of its syntax node. After an edit tree-sitter keeps the nodes of unchanged subtrees, so their
 * symbols are taken over (shifted) instead of walked again. A node id alone is not trusted (the
 * memory of a freed node can be given to a new one): the binding's text must be the same too.
 */
export interface SymbolReuse {
  text: string;
  byNode: Map<number, RawSymbol>;
}

/** Node types whose inside holds no binding worth listing. */
const OPAQUE = new Set([
  'attrpath', 'string_expression', 'indented_string_expression', 'variable_expression', 'integer_expression',
  'float_expression', 'path_expression', 'hpath_expression', 'spath_expression', 'uri_expression', 'comment',
  'formals', 'select_expression', 'has_attr_expression', 'identifier',
]);

/** Deeper symbols are not listed: an outline 32 levels deep is no longer an outline. */
const MAX_DEPTH = 32;
const MAX_DETAIL = 48;

export function documentSymbols(tree: Tree, text: string, lines: LineIndex, options: SymbolOptions = {}): DocumentSymbol[] {
  return outline(tree, text, lines, options).symbols;
}

/**
 * The outline, reusing what an earlier version's outline found in unchanged subtrees; returns
 * what the next version may reuse. A flake's outline depends on where each binding is (outputs
 * are named by their path), so it is always computed afresh (flake.nix files are small).
 */
export function outline(tree: Tree, text: string, lines: LineIndex, options: SymbolOptions & { previous?: SymbolReuse } = {}): { symbols: DocumentSymbol[]; reuse: SymbolReuse | undefined } {
  const flake = options.flake !== undefined;
  const reuse: SymbolReuse | undefined = flake ? undefined : { text, byNode: new Map() };
  const raw = collect(tree, text, flake, flake ? undefined : options.previous, reuse);
  const top = options.flake ? flakeOutline(raw, options.flake) : raw;
  return { symbols: top.map((s) => toLsp(s, lines)), reuse };
}

interface Frame {
  symbol: RawSymbol | undefined;
  /** The depth of the binding's node: the frame closes when the walk leaves it. */
  depth: number;
  list: RawSymbol[];
  path: string[];
}

function collect(tree: Tree, text: string, withPaths: boolean, previous: SymbolReuse | undefined, reuse: SymbolReuse | undefined): RawSymbol[] {
  const roots: RawSymbol[] = [];
  const frames: Frame[] = [{ symbol: undefined, depth: -1, list: roots, path: [] }];
  /** The types of the cursor's ancestors, nearest last; its length is the cursor's depth. */
  const ancestors: string[] = [];
  const types = tree.language.types;
  const cursor = tree.walk();
  let inheritFrom: string | undefined;
  /** Moves to the next node in document order, closing the symbols of the nodes left behind. */
  const next = (): boolean => {
    for (;;) {
      if (frames[frames.length - 1]!.depth === ancestors.length) frames.pop();
      if (cursor.gotoNextSibling()) return true;
      if (!cursor.gotoParent()) return false;
      ancestors.pop();
    }
  };
  try {
    for (;;) {
      const type = types[cursor.nodeTypeId] ?? '';
      const frame = frames[frames.length - 1]!;
      const parentType = ancestors[ancestors.length - 1];
      if (type === 'binding') {
        // The binding's children are read once: its path, then the walk goes on from its value.
        const inLet = ancestors[ancestors.length - 2] === 'let_expression';
        const depth = ancestors.length;
        const at = { start: cursor.startIndex, end: cursor.endIndex };
        const node = reuse ? cursor.nodeId : undefined;
        const kept = node !== undefined && previous ? reusable(previous, node, at, inLet, text) : undefined;
        if (kept && frames.length <= MAX_DEPTH) {
          frame.list.push(shifted(kept, at.start - kept.start, reuse!, MAX_DEPTH - frames.length + 1));
          if (next()) continue;
          return roots;
        }
        if (!cursor.gotoFirstChild()) {
          if (next()) continue;
          return roots;
        }
        ancestors.push(type);
        const found = readBinding(cursor, types);
        const symbol = frames.length <= MAX_DEPTH ? bindingSymbol(text, at, found, frame, inLet, withPaths) : undefined;
        if (symbol && node !== undefined) {
          symbol.node = node;
          symbol.inLet = inLet;
          reuse!.byNode.set(node, symbol);
        }
        if (symbol) {
          frame.list.push(symbol);
          frames.push({ symbol, depth, list: symbol.children, path: symbol.path });
        }
        if (found.value) continue;
        if (next()) continue;
        return roots;
      }
      if (type === 'inherit' || type === 'inherit_from') {
        inheritFrom = undefined;
      } else if (parentType === 'inherit_from' && cursor.currentFieldName === 'expression') {
        inheritFrom = compact(text.slice(cursor.startIndex, cursor.endIndex));
      } else if (type === 'identifier' && parentType === 'inherited_attrs' && frames.length <= MAX_DEPTH) {
        frame.list.push(inheritedSymbol(cursor, text, frame, inheritFrom, ancestors[ancestors.length - 4] === 'let_expression', withPaths));
      }
      if (!OPAQUE.has(type) && cursor.gotoFirstChild()) {
        ancestors.push(type);
        continue;
      }
      if (!next()) return roots;
    }
  } finally {
    cursor.delete();
  }
}

interface Span {
  start: number;
  end: number;
}

/** The earlier symbol of a binding node, when the binding is still the same text in the same place kind. */
function reusable(previous: SymbolReuse, node: number, at: Span, inLet: boolean, text: string): RawSymbol | undefined {
  const old = previous.byNode.get(node);
  if (!old || old.inLet !== inLet || old.end - old.start !== at.end - at.start) return undefined;
  return previous.text.slice(old.start, old.end) === text.slice(at.start, at.end) ? old : undefined;
}

/**
 * A copy of an earlier symbol tree moved by `delta`, its bindings recorded for the next reuse,
 * cut at `levels` levels as the walk would cut it here.
 */
function shifted(symbol: RawSymbol, delta: number, reuse: SymbolReuse, levels: number): RawSymbol {
  const copy: RawSymbol = {
    name: symbol.name,
    detail: symbol.detail,
    kind: symbol.kind,
    start: symbol.start + delta,
    end: symbol.end + delta,
    selectionStart: symbol.selectionStart + delta,
    selectionEnd: symbol.selectionEnd + delta,
    path: symbol.path,
    children: levels > 1 ? symbol.children.map((c) => shifted(c, delta, reuse, levels - 1)) : [],
    node: symbol.node,
    inLet: symbol.inLet,
  };
  if (copy.node !== undefined) reuse.byNode.set(copy.node, copy);
  return copy;
}

/**
 * With the cursor on a binding's first child: the binding's path, and its value, where the cursor
 * stops (on the last child when there is no value).
 */
function readBinding(cursor: TreeCursor, types: readonly string[]): { path?: Span; value?: Span & { type: string } } {
  const found: { path?: Span; value?: Span & { type: string } } = {};
  do {
    const field = cursor.currentFieldName;
    if (field === 'attrpath') found.path = { start: cursor.startIndex, end: cursor.endIndex };
    else if (field === 'expression') {
      found.value = { type: types[cursor.nodeTypeId] ?? '', start: cursor.startIndex, end: cursor.endIndex };
      return found;
    }
  } while (cursor.gotoNextSibling());
  return found;
}

function inheritedSymbol(cursor: TreeCursor, text: string, frame: Frame, from: string | undefined, inLet: boolean, withPaths: boolean): RawSymbol {
  const start = cursor.startIndex;
  const end = cursor.endIndex;
  const name = text.slice(start, end);
  return {
    name,
    detail: from ? `inherit (${truncate(from)})` : 'inherit',
    kind: inLet ? SymbolKind.Variable : SymbolKind.Property,
    start,
    end,
    selectionStart: start,
    selectionEnd: end,
    path: withPaths ? [...frame.path, name] : NO_PATH,
    children: [],
  };
}

const NO_PATH: string[] = [];

/** A binding's symbol: named by its path, its kind and description from its value. */
function bindingSymbol(text: string, at: Span, found: ReturnType<typeof readBinding>, frame: Frame, inLet: boolean, withPaths: boolean): RawSymbol | undefined {
  const { path, value } = found;
  if (!path || path.end === path.start) return undefined;
  const name = compact(text.slice(path.start, path.end));
  const present = value && value.end > value.start ? value : undefined;
  const kind = present ? kindOf(present.type, text, present, inLet) : inLet ? SymbolKind.Variable : SymbolKind.Property;
  return {
    name,
    detail: present && !isSet(present.type) ? describe(text, present) : '',
    kind,
    start: at.start,
    end: at.end,
    selectionStart: path.start,
    selectionEnd: path.end,
    path: withPaths ? [...frame.path, ...splitPath(name)] : NO_PATH,
    children: [],
  };
}

function isSet(type: string): boolean {
  return type === 'attrset_expression' || type === 'rec_attrset_expression' || type === 'let_attrset_expression';
}

function kindOf(type: string, text: string, at: Span, inLet: boolean): SymbolKind {
  switch (type) {
    case 'function_expression':
      return SymbolKind.Function;
    case 'attrset_expression':
    case 'rec_attrset_expression':
    case 'let_attrset_expression':
      return inLet ? SymbolKind.Variable : SymbolKind.Object;
    case 'string_expression':
    case 'indented_string_expression':
      return SymbolKind.String;
    case 'integer_expression':
    case 'float_expression':
      return SymbolKind.Number;
    case 'list_expression':
      return SymbolKind.Array;
    case 'path_expression':
    case 'hpath_expression':
    case 'spath_expression':
      return SymbolKind.File;
    case 'variable_expression': {
      const value = text.slice(at.start, at.end);
      if (value === 'true' || value === 'false') return SymbolKind.Boolean;
      if (value === 'null') return SymbolKind.Null;
      break;
    }
  }
  return inLet ? SymbolKind.Variable : SymbolKind.Property;
}

/** A value in a few words: its first line, shortened. */
function describe(text: string, at: Span): string {
  const newline = text.indexOf('\n', at.start);
  const multiline = newline >= 0 && newline < at.end;
  const first = compact(text.slice(at.start, Math.min(multiline ? newline : at.end, at.start + 4 * MAX_DETAIL)));
  return truncate(multiline ? `${first} …` : first);
}

function truncate(s: string): string {
  return s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL - 1)}…` : s;
}

/** Layout whitespace folded to single spaces (checked first: most names have none). */
function compact(s: string): string {
  return /\s\s|[\t\n\r]|^\s|\s$/.test(s) ? s.replace(/\s+/g, ' ').trim() : s;
}

/** `a."b.c".d` → `a`, `"b.c"`, `d` (quoted names keep their dots). */
function splitPath(name: string): string[] {
  return name.match(/"(?:[^"\\]|\\.)*"|[^.]+/g)?.map((s) => s.trim()) ?? [name];
}

// ---------------------------------------------------------------------------------------------
// flake.nix

/** A system name (`x86_64-linux`), or a name computed from one (`${system}`). */
const SYSTEM = /^"?(x86_64|aarch64|i686|armv[5-7]l|riscv64|powerpc64le)-(linux|darwin)"?$|^\$\{[^}]*\}$/;

/** What an output's entries are, by the output's name. */
const OUTPUT_KINDS: Record<string, { kind: SymbolKind; what: string; perSystem: boolean }> = {
  nixosConfigurations: { kind: SymbolKind.Module, what: 'NixOS configuration', perSystem: false },
  darwinConfigurations: { kind: SymbolKind.Module, what: 'nix-darwin configuration', perSystem: false },
  homeConfigurations: { kind: SymbolKind.Module, what: 'Home Manager configuration', perSystem: false },
  nixosModules: { kind: SymbolKind.Module, what: 'NixOS module', perSystem: false },
  overlays: { kind: SymbolKind.Function, what: 'overlay', perSystem: false },
  templates: { kind: SymbolKind.File, what: 'template', perSystem: false },
  packages: { kind: SymbolKind.Package, what: 'package', perSystem: true },
  legacyPackages: { kind: SymbolKind.Package, what: 'package set', perSystem: true },
  devShells: { kind: SymbolKind.Class, what: 'dev shell', perSystem: true },
  checks: { kind: SymbolKind.Event, what: 'check', perSystem: true },
  apps: { kind: SymbolKind.Function, what: 'app', perSystem: true },
};

/**
 * A flake.nix's outline: one `inputs` symbol listing each input by name (however the inputs are
 * written), `outputs` as a function, and output entries named for what they are.
 */
function flakeOutline(symbols: RawSymbol[], model: FlakeModel): RawSymbol[] {
  const inputs = symbols.filter((s) => s.path[0] === 'inputs');
  const rest = symbols.filter((s) => s.path[0] !== 'inputs');
  for (const s of rest) nameOutputs(s);
  const declared = [...model.inputs.values()].filter((i) => !i.implicit);
  if (inputs.length === 0 || declared.length === 0) return [...inputs, ...rest];
  const first = inputs[0]!;
  const key = model.inputsKeys[0] ?? { start: first.selectionStart, end: first.selectionStart + 'inputs'.length };
  const group: RawSymbol = {
    name: 'inputs',
    detail: `${declared.length} input${declared.length === 1 ? '' : 's'}`,
    kind: SymbolKind.Namespace,
    start: Math.min(...inputs.map((s) => s.start)),
    end: Math.max(...inputs.map((s) => s.end)),
    selectionStart: key.start,
    selectionEnd: key.end,
    path: ['inputs'],
    children: declared.map((input) => {
      const url = input.attributes.find((a) => a.name === 'url')?.text;
      const follows = input.attributes.find((a) => a.name === 'follows')?.text;
      const plain = input.attributes.find((a) => a.name === 'flake')?.bool === false;
      const detail = follows !== undefined ? `follows ${follows}` : (url ?? '') + (plain ? ' (not a flake)' : '');
      return {
        name: input.name,
        detail,
        kind: SymbolKind.Package,
        start: input.span.start,
        end: input.span.end,
        selectionStart: input.keys[0]!.start,
        selectionEnd: input.keys[0]!.end,
        path: ['inputs', input.name],
        children: [],
      };
    }),
  };
  return [group, ...rest].sort((a, b) => a.start - b.start);
}

/** Gives flake outputs their kinds and descriptions, below `outputs` (or at any depth of flake.nix). */
function nameOutputs(symbol: RawSymbol): void {
  if (symbol.path.length === 1 && symbol.path[0] === 'outputs' && symbol.kind === SymbolKind.Function) symbol.detail = 'flake outputs';
  const path = symbol.path;
  for (let i = path.length - 2; i >= 0; i--) {
    const output = OUTPUT_KINDS[path[i]!];
    if (!output) continue;
    const below = path.slice(i + 1);
    const system = output.perSystem && SYSTEM.test(below[0]!) ? below[0]!.replace(/"/g, '') : undefined;
    const entry = system ? below.slice(1) : below;
    if (entry.length === 1) {
      symbol.kind = output.kind;
      symbol.detail = system ? `${output.what} · ${system}` : output.what;
    } else if (entry.length === 0 && system) {
      symbol.kind = SymbolKind.Namespace;
      symbol.detail = `${path[i]} for ${system}`;
    }
    break;
  }
  for (const child of symbol.children) nameOutputs(child);
}

/** The LSP form; empty `children` and `detail` are left out (a 1 MB file has tens of thousands of leaves). */
function toLsp(s: RawSymbol, lines: LineIndex): DocumentSymbol {
  const symbol: DocumentSymbol = {
    name: s.name || '(unnamed)',
    kind: s.kind,
    range: lines.range(s.start, s.end),
    selectionRange: lines.range(s.selectionStart, s.selectionEnd),
  };
  if (s.detail) symbol.detail = s.detail;
  if (s.children.length > 0) symbol.children = s.children.map((c) => toLsp(c, lines));
  return symbol;
}
