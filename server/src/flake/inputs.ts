import type { Node } from 'web-tree-sitter';
import { bindingsOf, elements, isAttrset, pathNames, stringValue, unparen } from '../schema/nix-static';

/**
 * The static shape of a flake.nix: its inputs as written (every way Nix accepts: `inputs = { … }`,
 * `inputs.x.url = …`, `x = { url = …; inputs.nixpkgs.follows = …; }`), the overrides of their own
 * inputs, and the arguments of `outputs`. Read from the syntax tree only; nothing is evaluated, and
 * whatever is computed (a variable, an interpolated string) is marked as not known.
 */
export interface FlakeModel {
  inputs: Map<string, FlakeInput>;
  /** Where `inputs` is written at the top level. */
  inputsKeys: Span[];
  /**
   * Whether every input declaration could be read: false when `inputs` (or one input) is computed
   * or the part of the file declaring them does not parse. Lock checks then stay silent.
   */
  complete: boolean;
  /** The arguments of `outputs = { self, nixpkgs, ... }: …`, in order. */
  outputArguments: { name: string; span: Span }[];
}

export interface Span {
  start: number;
  end: number;
}

/** An attribute written on an input or an override: its name and where its value is. */
export interface InputAttribute {
  name: string;
  key: Span;
  value: Span;
  /** The value when it is a string without interpolation. */
  text?: string;
  /** The value when it is `true` or `false`. */
  bool?: boolean;
  /** The binding that writes it, from its first name to its `;`. */
  binding: Span;
}

/** `inputs.<input>.inputs.nixpkgs.follows = "nixpkgs";`: how an input's own input is overridden. */
export interface InputOverride {
  /** The overridden input's path below its owner (`["nixpkgs"]`, deeper for nested overrides). */
  path: string[];
  /** Where the overridden input's (last) name is written. */
  key: Span;
  follows?: InputAttribute;
  /** Other attributes of the override (`url`, …). */
  attributes: InputAttribute[];
}

export interface FlakeInput {
  name: string;
  /** Every place the input's name is written (dotted bindings repeat it). */
  keys: Span[];
  /** From the first binding that defines the input to the end of the last one. */
  span: Span;
  /** The attributes written on the input itself (`url`, `flake`, `follows`, `type`, …). */
  attributes: InputAttribute[];
  overrides: InputOverride[];
  /** Declared only as an argument of `outputs`: Nix looks it up in the flake registry. */
  implicit: boolean;
  /** Its value is computed (`inputs.x = someSet;`): its attributes are not known. */
  opaque: boolean;
  /** Where another attribute of this input is best written (for quick fixes). */
  insertion?: Insertion;
}

/**
 * Where a new attribute of an input goes: `text` inserted at `offset` is `before` + `prefix` + the
 * attribute (`inputs.nixpkgs.follows = "nixpkgs";`). `prefix` repeats the dotted path of
 * neighbouring bindings (`jetpack-nixos.`) when the input is written with dotted names.
 */
export interface Insertion {
  offset: number;
  before: string;
  prefix: string;
}

/** Every attribute Nix accepts on a flake input: its own four, then the fetchers' attributes. */
export const INPUT_ATTRIBUTES: ReadonlyMap<string, string> = new Map([
  ['url', 'Where the input comes from, as a flake reference: `github:owner/repo/ref`, `gitlab:…`, `git+https://…`, `path:./dir`, `https://…/archive.tar.gz`.'],
  ['flake', '`false` when the input is a plain source tree without a flake.nix: `outputs` then receives its files, not its outputs.'],
  ['follows', 'Makes this input the same as another input of this flake (`"nixpkgs"`) or an input of one of them (`"nix-ros-overlay/nixpkgs"`) instead of fetching its own.'],
  ['inputs', "Overrides of this input's own inputs, e.g. `inputs.nixpkgs.follows = \"nixpkgs\";` so it uses this flake's nixpkgs."],
  ['type', 'The fetcher, when the input is written without `url`: `github`, `gitlab`, `sourcehut`, `git`, `mercurial`, `path`, `tarball`, `file` or `indirect`.'],
  ['owner', 'For `github`, `gitlab` and `sourcehut` inputs: the account that owns the repository.'],
  ['repo', 'For `github`, `gitlab` and `sourcehut` inputs: the repository name.'],
  ['ref', 'The branch or tag to fetch (for git-based inputs).'],
  ['rev', 'The exact commit to fetch: pins the input even when flake.lock is updated.'],
  ['dir', 'The subdirectory of the source that holds the flake.nix.'],
  ['narHash', 'The expected hash of the fetched files (SRI form, `sha256-…`); Nix refuses anything else.'],
  ['submodules', 'For `git` inputs: whether git submodules are fetched too.'],
  ['host', 'For `github`, `gitlab` and `sourcehut` inputs: the server of a self-hosted instance.'],
  ['path', 'For `path` inputs: the directory.'],
  ['id', 'For `indirect` inputs: the flake registry entry.'],
  ['shallow', 'For `git` inputs: fetch without history (no `revCount`).'],
  ['allRefs', 'For `git` inputs: fetch every branch, so that `rev` may be on any of them.'],
  ['lfs', 'For `git` inputs: also fetch Git LFS files.'],
  ['lastModified', 'The expected commit time of the locked revision (set by Nix in flake.lock).'],
  ['revCount', 'The expected number of commits up to the locked revision (set by Nix in flake.lock).'],
  ['unpack', 'For `file`/`tarball` inputs: whether the download is an archive to unpack.'],
  ['name', 'The name of the fetched source in the Nix store.'],
  ['exportIgnore', 'For `git` inputs: apply `export-ignore` from .gitattributes.'],
  ['keytype', 'For `git` inputs with verified commits: the type of the public key.'],
  ['publicKey', 'For `git` inputs with verified commits: the key commits must be signed with.'],
  ['publicKeys', 'For `git` inputs with verified commits: the keys commits may be signed with.'],
  ['verifyCommit', 'For `git` inputs: require the fetched commit to be signed.'],
]);

/** The attributes worth offering while typing an input; the rest are rarely written by hand. */
export const COMMON_INPUT_ATTRIBUTES = ['url', 'flake', 'follows', 'inputs', 'type', 'owner', 'repo', 'ref', 'rev', 'dir', 'narHash', 'submodules', 'host'];

type Segment = { name: string; span: Span };

/**
 * The flake model of a parsed flake.nix; undefined when the file is not an attribute set. When
 * the file does not parse as a set (a half-typed input can break the whole file), the bindings
 * tree-sitter still recognised are read, and the model is marked incomplete.
 */
export function readFlake(root: Node, text: string): FlakeModel | undefined {
  const model: FlakeModel = { inputs: new Map(), inputsKeys: [], complete: true, outputArguments: [] };
  const reading: Reading = { model, text };
  const top = topLevelSet(root);
  if (top) {
    const bindingSet = top.namedChildren.find((c) => c?.type === 'binding_set');
    if (top.hasError && (!bindingSet || bindingSet.namedChildren.some((c) => c?.type === 'ERROR') || top.lastChild?.isMissing)) model.complete = false;
    for (const binding of bindingsOf(top)) topBinding(reading, binding);
  } else if (root.hasError) {
    model.complete = false;
    recover(reading, root, 0);
  } else {
    return undefined;
  }
  for (const arg of model.outputArguments) {
    if (arg.name === 'self' || model.inputs.has(arg.name)) continue;
    model.inputs.set(arg.name, { name: arg.name, keys: [arg.span], span: arg.span, attributes: [], overrides: [], implicit: true, opaque: false });
  }
  return model;
}

/** A binding at the top of flake.nix: `inputs…` or `outputs`. */
function topBinding(reading: Reading, binding: Node): void {
  if (binding.type !== 'binding') return;
  const segments = segmentsOf(binding);
  const value = binding.childForFieldName('expression');
  if (!segments || !value) return;
  if (segments[0]!.name === 'inputs') {
    reading.model.inputsKeys.push(segments[0]!.span);
    if (binding.hasError) reading.model.complete = false;
    visitInputs(reading, segments, binding, value);
  } else if (segments.length === 1 && segments[0]!.name === 'outputs') {
    reading.model.outputArguments = outputArguments(value);
  }
}

/** How deep error recovery looks for top-level bindings. */
const MAX_RECOVERY_DEPTH = 4;

/**
 * Reads what survived in a file that does not parse as a set: top-level bindings inside ERROR
 * nodes, and `inputs` whose own binding broke (`inputs = {` followed by its bindings, which
 * tree-sitter leaves as an attribute path next to a set of bindings).
 */
function recover(reading: Reading, node: Node, depth: number): void {
  if (depth > MAX_RECOVERY_DEPTH) return;
  let pending: Segment[] | undefined;
  for (const child of node.namedChildren) {
    if (!child || child.type === 'comment') continue;
    if (child.type === 'binding') {
      topBinding(reading, child);
      pending = undefined;
    } else if (child.type === 'attrpath') {
      pending = segmentsFromPath(child);
    } else if (child.type === 'binding_set' && pending?.[0]?.name === 'inputs') {
      reading.model.inputsKeys.push(pending[0].span);
      for (const b of elements(child)) visitNested(reading, pending, b);
      pending = undefined;
    } else if (child.type === 'ERROR' || child.type === 'binding_set') {
      recover(reading, child, depth + 1);
      pending = undefined;
    }
  }
}

/** The attribute set a flake.nix consists of (comments and parentheses around it allowed). */
export function topLevelSet(root: Node): Node | undefined {
  const expression = elements(root)[0];
  if (!expression) return undefined;
  const set = unparen(expression);
  return isAttrset(set) ? set : undefined;
}

function segmentsOf(binding: Node): Segment[] | undefined {
  const attrpath = binding.childForFieldName('attrpath');
  return attrpath ? segmentsFromPath(attrpath) : undefined;
}

function segmentsFromPath(attrpath: Node): Segment[] | undefined {
  const names = pathNames(attrpath);
  if (!names || names.length === 0) return undefined;
  return names.map((n) => ({ name: n.name, span: { start: n.node.startIndex, end: n.node.endIndex } }));
}

interface Reading {
  model: FlakeModel;
  text: string;
}

/** One binding under `inputs`, at the full path `path` (`inputs.x.url`), nested sets followed. */
function visitInputs(reading: Reading, path: Segment[], binding: Node, value: Node): void {
  const { model, text } = reading;
  const inner = unparen(value);
  if (path.length === 1) {
    if (!isAttrset(inner)) {
      model.complete = false; // `inputs = import ./inputs.nix;`: nothing can be said
      return;
    }
    for (const b of bindingsOf(inner)) visitNested(reading, path, b);
    return;
  }
  const input = inputFor(model, path[1]!, binding);
  const rest = path.slice(2);
  if (rest.length === 0) {
    if (!isAttrset(inner)) {
      input.opaque = true;
      return;
    }
    input.insertion = insertionInSet(inner, text);
    for (const b of bindingsOf(inner)) visitNested(reading, path, b);
    return;
  }
  if (isAttrset(inner) && (rest[0]!.name === 'inputs' ? rest.length <= 2 : false)) {
    for (const b of bindingsOf(inner)) visitNested(reading, path, b);
    return;
  }
  if (!input.insertion || input.insertion.prefix !== '') input.insertion = insertionAfter(binding, path, text);
  const attribute = attributeOf(binding, inner);
  if (rest[0]!.name !== 'inputs') {
    input.attributes.push({ ...attribute, name: rest[0]!.name, key: rest[0]!.span });
    return;
  }
  // `inputs.<input>.inputs.<name>[.inputs.<deeper>…].<attribute>`
  const overridePath: Segment[] = [];
  let i = 1;
  while (i < rest.length) {
    overridePath.push(rest[i]!);
    if (rest[i + 1]?.name === 'inputs' && i + 2 < rest.length) i += 2;
    else break;
  }
  const attributeName = rest[i + 1];
  if (overridePath.length === 0 || !attributeName) return;
  const override = overrideFor(input, overridePath);
  if (attributeName.name === 'follows') override.follows = { ...attribute, name: 'follows', key: attributeName.span };
  else override.attributes.push({ ...attribute, name: attributeName.name, key: attributeName.span });
}

function visitNested(reading: Reading, prefix: Segment[], binding: Node): void {
  if (binding.type !== 'binding') return;
  const segments = segmentsOf(binding);
  const value = binding.childForFieldName('expression');
  if (!segments || !value) {
    if (binding.hasError) reading.model.complete = false;
    return;
  }
  visitInputs(reading, [...prefix, ...segments], binding, value);
}

function inputFor(model: FlakeModel, name: Segment, binding: Node): FlakeInput {
  let input = model.inputs.get(name.name);
  if (!input) {
    input = { name: name.name, keys: [], span: { start: binding.startIndex, end: binding.endIndex }, attributes: [], overrides: [], implicit: false, opaque: false };
    model.inputs.set(name.name, input);
  }
  if (!input.keys.some((k) => k.start === name.span.start)) input.keys.push(name.span);
  input.span = { start: Math.min(input.span.start, binding.startIndex), end: Math.max(input.span.end, binding.endIndex) };
  return input;
}

function overrideFor(input: FlakeInput, path: Segment[]): InputOverride {
  const names = path.map((p) => p.name);
  let override = input.overrides.find((o) => o.path.join('/') === names.join('/'));
  if (!override) {
    override = { path: names, key: path[path.length - 1]!.span, attributes: [] };
    input.overrides.push(override);
  }
  return override;
}

function attributeOf(binding: Node, value: Node): Omit<InputAttribute, 'name' | 'key'> {
  const attribute: Omit<InputAttribute, 'name' | 'key'> = {
    value: { start: value.startIndex, end: value.endIndex },
    binding: { start: binding.startIndex, end: binding.endIndex },
  };
  const text = stringValue(value);
  if (text !== undefined) attribute.text = text;
  else if (value.type === 'variable_expression' && (value.text === 'true' || value.text === 'false')) attribute.bool = value.text === 'true';
  return attribute;
}

/** After the last binding of a set: on a new line with its indentation, or inline for a one-line set. */
function insertionInSet(set: Node, text: string): Insertion | undefined {
  const bindings = bindingsOf(set);
  const last = bindings[bindings.length - 1];
  if (!last) {
    const open = set.children.find((c) => c?.type === '{');
    return open ? { offset: open.endIndex, before: ' ', prefix: '' } : undefined;
  }
  const oneLine = set.startPosition.row === set.endPosition.row;
  return { offset: last.endIndex, before: oneLine ? ' ' : `\n${indentOf(last, text)}`, prefix: '' };
}

/** After a dotted binding (`x.url = …;`), repeating its path up to the input's name. */
function insertionAfter(binding: Node, path: Segment[], text: string): Insertion {
  const attrpath = binding.childForFieldName('attrpath')!;
  const inputName = path[1]!;
  // The part of the binding's own path up to and including the input's name.
  const upTo = inputName.span.start >= attrpath.startIndex ? text.slice(attrpath.startIndex, inputName.span.end) + '.' : '';
  return { offset: binding.endIndex, before: `\n${indentOf(binding, text)}`, prefix: upTo };
}

/** The indentation of the line a node starts on, as written (tabs stay tabs). */
function indentOf(node: Node, text: string): string {
  const lineStart = text.lastIndexOf('\n', node.startIndex - 1) + 1;
  return text.slice(lineStart, node.startIndex).replace(/\S/g, ' ');
}

function outputArguments(value: Node): { name: string; span: Span }[] {
  const fn = unparen(value);
  if (fn.type !== 'function_expression') return [];
  const formals = fn.childForFieldName('formals');
  if (!formals) return [];
  const out: { name: string; span: Span }[] = [];
  for (const formal of formals.namedChildren) {
    if (formal?.type !== 'formal') continue;
    const name = formal.childForFieldName('name');
    if (name && !name.isMissing && name.text) out.push({ name: name.text, span: { start: name.startIndex, end: name.endIndex } });
  }
  return out;
}
