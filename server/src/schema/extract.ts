import type { Node, Parser } from 'web-tree-sitter';
import type { OptionDecl, OptionDefault, OptionType } from './types';
import { type TypeContext, readType } from './type-expr';
import {
  bindingsOf,
  callOf,
  compactText,
  elements,
  isAttrset,
  letLists,
  lineOf,
  literalValue,
  pathNames,
  resolveName,
  stringValue,
  unparen,
} from './nix-static';

/**
 * Reads the option declarations of a tree of NixOS modules (jetpack-nixos) statically, with our
 * own parser: no Nix evaluation, so what needs evaluating is skipped with a problem line. Pure:
 * the caller supplies the files and the parser, so the server can run it on a checkout later.
 *
 * Recognised: `options.<path> = mkOption { … }` (also `lib.mkOption`, nested `options = { … }`
 * sets, `with lib;` and `inherit (lib) mkOption types;`), `mkEnableOption`, `mkPackageOption`,
 * `mkX … // { default = …; }`, the renaming helpers (`mkRenamedOptionModule`,
 * `mkRenamedOptionModuleWith`, `mkAliasOptionModule`, `mkRemovedOptionModule`) wherever they
 * appear, submodules (`types.submodule`, `submoduleWith`, under `listOf`/`attrsOf`/`nullOr`), and
 * let-bound lists and types used by name.
 */

/** A source file: its path relative to the tree root, and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

/** An option `mkRemovedOptionModule` declares gone, with the message NixOS shows. */
export interface RemovedOption {
  name: string;
  message: string;
  declaredIn: { file: string; line: number };
}

export interface Extraction {
  /** Every option declared, sorted by name; descriptions are empty (ours live elsewhere). */
  options: OptionDecl[];
  /** Options declared removed: not options any more, but worth telling users about. */
  removed: RemovedOption[];
  /** `file:line: what could not be read statically`, one per skipped declaration. */
  problems: string[];
}

/**
 * The typeText of an option declared without a `type`: NixOS gives it `types.unspecified`, or the
 * type of another declaration of the same option (a partial re-declaration such as
 * `hardware.nvidia.enabled = mkOption { readOnly = false; }`). The merge keeps a known type then.
 */
export const UNTYPED = 'unspecified';

/** Keys a module may have; an attribute set with only these (and `options`) is a module. */
const MODULE_KEYS = new Set(['imports', 'options', 'config', 'disabledModules', 'meta', '_file', 'key', '_class', 'freeformType']);

/** Calls that declare one option. */
const OPTION_MAKERS = new Set(['mkOption', 'mkEnableOption', 'mkPackageOption']);

/** Calls whose arguments are modules of a submodule, not modules of the configuration. */
const SUBMODULE_MAKERS = new Set(['submodule', 'submoduleWith']);

/** Extracts the option declarations of every `.nix` file given. */
export function extractSchema(files: SourceFile[], parser: Parser): Extraction {
  const state: State = { options: new Map(), aliases: [], removed: [], problems: [] };
  for (const file of [...files].sort((a, b) => compare(a.path, b.path))) {
    if (!file.path.endsWith('.nix')) continue;
    const tree = parser.parse(file.text);
    if (!tree) {
      state.problems.push(`${file.path}: could not be parsed`);
      continue;
    }
    try {
      new FileReader(file.path, state).read(tree.rootNode);
    } finally {
      tree.delete();
    }
  }
  resolveAliases(state);
  return {
    options: [...state.options.values()].sort((a, b) => compare(a.name, b.name)),
    removed: state.removed.sort((a, b) => compare(a.name, b.name)),
    problems: state.problems,
  };
}

interface State {
  options: Map<string, OptionDecl>;
  /** Renamed options, whose type is their target's, filled in once every file is read. */
  aliases: OptionDecl[];
  removed: RemovedOption[];
  problems: string[];
}

/** What an option call says, before it has a name. */
interface OptionSpec {
  type: OptionType;
  typeText: string;
  default?: OptionDefault;
  readOnly: boolean;
  internal: boolean;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Builds a declaration with a fixed key order (the schema file's order). */
function decl(name: string, spec: OptionSpec, declaredIn: { file: string; line: number }, renamedTo?: string): OptionDecl {
  // Filled in key order; the description is ours and is added by the merge.
  const out = { name, type: spec.type, typeText: spec.typeText } as OptionDecl;
  if (spec.default) out.default = spec.default;
  out.description = '';
  out.readOnly = spec.readOnly;
  out.internal = spec.internal;
  if (renamedTo !== undefined) out.renamedTo = renamedTo;
  out.declaredIn = declaredIn;
  return out;
}

/**
 * Gives each alias its target's type, following chains of renames. An alias whose target is not
 * declared in the tree keeps type `anything` and typeText UNTYPED.
 */
function resolveAliases(state: State): void {
  for (const alias of state.aliases) {
    let target = state.options.get(alias.renamedTo!);
    for (let guard = 0; target?.renamedTo && guard < 16; guard++) target = state.options.get(target.renamedTo);
    // A target declared elsewhere (a NixOS option) leaves the alias untyped: not a problem of
    // reading, so the caller, who may know the target, decides.
    if (target && !target.renamedTo) {
      alias.type = structuredClone(target.type);
      alias.typeText = target.typeText;
    }
  }
}

/** Reads one file's modules and renaming calls into the shared state. */
class FileReader {
  constructor(
    private readonly file: string,
    private readonly state: State,
  ) {}

  read(root: Node): void {
    const stack: Node[] = [root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (isAttrset(n) && isModuleBody(n)) {
        this.module(n);
        // Its `options` are read; its imports and config may hold renamings and inline modules.
        for (const b of bindingsOf(n)) if (firstKey(b) !== 'options') stack.push(b);
        continue;
      }
      const call = n.type === 'apply_expression' && !isCallee(n) ? callOf(n) : undefined;
      if (call) this.renaming(n, call);
      // Submodule bodies are read through their option's type, and option calls by `module`;
      // walking into them would take their fields for top-level options.
      if (call && (SUBMODULE_MAKERS.has(call.name) || OPTION_MAKERS.has(call.name))) continue;
      for (let i = n.namedChildCount - 1; i >= 0; i--) {
        const c = n.namedChild(i);
        if (c) stack.push(c);
      }
    }
  }

  private problem(node: Node, message: string): void {
    this.state.problems.push(`${this.file}:${lineOf(node)}: ${message}`);
  }

  /** The `options` of a module body, as top-level options. */
  private module(body: Node): void {
    for (const option of this.moduleOptions(body, [])) {
      if (this.state.options.has(option.name)) {
        // NixOS would merge the two (an enum's values, say); the schema keeps one declaration.
        const first = this.state.options.get(option.name)!.declaredIn!;
        this.state.problems.push(`${this.file}:${option.declaredIn!.line}: ${option.name} is declared again (first at ${first.file}:${first.line}); the first declaration is kept`);
        continue;
      }
      this.state.options.set(option.name, option);
    }
  }

  /** The options declared by the `options` bindings of a module body, below `prefix`. */
  private moduleOptions(body: Node, prefix: string[]): OptionDecl[] {
    const out: OptionDecl[] = [];
    for (const b of bindingsOf(body)) {
      if (firstKey(b) !== 'options') continue;
      const attrpath = b.childForFieldName('attrpath');
      const names = attrpath && pathNames(attrpath);
      const value = b.childForFieldName('expression');
      if (!names || !value) {
        this.problem(b, `options with a dynamic name are skipped: ${shorten(compactText(b))}`);
        continue;
      }
      const rest = names.slice(1);
      this.options(value, [...prefix, ...rest.map((s) => s.name)], rest.at(-1)?.node ?? b, out);
    }
    return out;
  }

  /**
   * Options under `prefix` declared by `node`: an option call, or a set of further names.
   * `nameNode` is where the last name is written (its line is the option's `declaredIn`).
   */
  private options(node: Node, prefix: string[], nameNode: Node, out: OptionDecl[]): void {
    const n = this.through(node);
    if (isAttrset(n)) {
      for (const b of bindingsOf(n)) this.optionBinding(b, prefix, out);
      return;
    }
    const spec = this.spec(n);
    if (spec === 'not-an-option' && n.type === 'binary_expression' && operator(n) === '//') {
      // `commonOptions // { extra = mkOption …; }`: both sides declare options.
      this.options(n.childForFieldName('left')!, prefix, nameNode, out);
      this.options(n.childForFieldName('right')!, prefix, nameNode, out);
      return;
    }
    const name = prefix.join('.');
    if (spec === 'not-an-option') this.problem(n, `${name || 'options'}: cannot read statically: ${shorten(compactText(n))}`);
    else if (spec && prefix.length === 0) this.problem(n, `an option without a name is skipped`);
    else if (spec) out.push(decl(name, spec, { file: this.file, line: lineOf(nameNode) }));
  }

  private optionBinding(b: Node, prefix: string[], out: OptionDecl[]): void {
    if (b.type !== 'binding') {
      this.problem(b, `${prefix.join('.')}: \`${compactText(b)}\` in an options set is skipped`);
      return;
    }
    const attrpath = b.childForFieldName('attrpath');
    const names = attrpath && pathNames(attrpath);
    const value = b.childForFieldName('expression');
    if (!names || names.length === 0 || !value) {
      this.problem(b, `${prefix.join('.')}: an option with a dynamic name is skipped: ${shorten(compactText(b))}`);
      return;
    }
    this.options(value, [...prefix, ...names.map((s) => s.name)], names.at(-1)!.node, out);
  }

  /** Looks through parentheses, `with …;`, `let … in` and local names to the expression meant. */
  private through(node: Node): Node {
    let cur = unparen(node);
    for (let guard = 0; guard < 16; guard++) {
      if (cur.type === 'with_expression' || cur.type === 'let_expression') cur = unparen(cur.childForFieldName('body') ?? cur);
      else if (cur.type === 'variable_expression' && !isKeyword(cur.text)) {
        const bound = resolveName(cur);
        if (!bound) return cur;
        cur = unparen(bound);
      } else return cur;
    }
    return cur;
  }

  /**
   * What an option call declares; `not-an-option` when the expression is no option call;
   * undefined when it is one that cannot be read (a problem is recorded).
   */
  private spec(node: Node): OptionSpec | 'not-an-option' | undefined {
    const n = unparen(node);
    if (n.type === 'binary_expression' && operator(n) === '//') {
      const base = this.spec(n.childForFieldName('left')!);
      if (base === 'not-an-option' || !base) return base;
      const right = this.through(n.childForFieldName('right')!);
      if (!isAttrset(right)) {
        this.problem(right, `cannot read the attributes merged into an option: ${shorten(compactText(right))}`);
        return base;
      }
      return this.applyAttrs(base, right);
    }
    const call = callOf(n);
    if (!call || !OPTION_MAKERS.has(call.name)) return 'not-an-option';
    if (call.name === 'mkEnableOption') return { type: { kind: 'bool' }, typeText: 'types.bool', default: { text: 'false', literal: false }, readOnly: false, internal: false };
    if (call.name === 'mkPackageOption') return this.packageOption(n, call.args);
    const attrs = call.args.length === 1 ? this.through(call.args[0]!) : undefined;
    if (!attrs || !isAttrset(attrs)) {
      this.problem(n, `mkOption with an argument that is not a set literal is skipped: ${shorten(compactText(n))}`);
      return undefined;
    }
    return this.applyAttrs({ type: { kind: 'anything' }, typeText: UNTYPED, readOnly: false, internal: false }, attrs);
  }

  /** `type`, `default`, `readOnly` and `internal` of an option set, over `base`. */
  private applyAttrs(base: OptionSpec, attrs: Node): OptionSpec {
    const spec: OptionSpec = { ...base };
    for (const b of bindingsOf(attrs)) {
      const key = b.type === 'binding' ? b.childForFieldName('attrpath')?.text : undefined;
      const value = b.childForFieldName('expression');
      if (!key || !value) continue;
      if (key === 'type') {
        spec.type = readType(value, this.typeContext(value));
        spec.typeText = typeText(value);
      } else if (key === 'default') {
        spec.default = defaultOf(value);
      } else if (key === 'readOnly' || key === 'internal') {
        const v = literalValue(value);
        if (typeof v?.value === 'boolean') spec[key] = v.value;
        else this.problem(value, `${key} is not a literal boolean: ${shorten(compactText(value))}; read as false`);
      }
    }
    return spec;
  }

  /** `mkPackageOption pkgs "name" { default = [ "a" "b" ]; nullable = true; }`. */
  private packageOption(node: Node, args: Node[]): OptionSpec | undefined {
    const nameArg = args[1] && unparen(args[1]);
    const attrs = args[2] ? this.through(args[2]) : undefined;
    const path = nameArg && attrPathOf(nameArg);
    if (!path || args.length < 2 || args.length > 3 || (attrs && !isAttrset(attrs))) {
      this.problem(node, `mkPackageOption that cannot be read statically is skipped: ${shorten(compactText(node))}`);
      return undefined;
    }
    let nullable = false;
    let defaultPath: string[] | null = path;
    for (const b of attrs ? bindingsOf(attrs) : []) {
      const key = b.type === 'binding' ? b.childForFieldName('attrpath')?.text : undefined;
      const value = b.childForFieldName('expression');
      if (!value) continue;
      if (key === 'nullable') nullable = literalValue(value)?.value === true;
      if (key === 'default') defaultPath = literalValue(value)?.value === null ? null : (attrPathOf(unparen(value)) ?? path);
    }
    const type: OptionType = nullable ? { kind: 'nullOr', of: { kind: 'package' } } : { kind: 'package' };
    const spec: OptionSpec = { type, typeText: nullable ? 'types.nullOr types.package' : 'types.package', readOnly: false, internal: false };
    // NixOS's own rule: a null default means no default, unless the option is nullable.
    if (defaultPath) spec.default = { text: `pkgs.${defaultPath.join('.')}` };
    else if (nullable) spec.default = { text: 'null', literal: null };
    return spec;
  }

  /** What readType needs: let-bound lists, local names, and the fields of submodules. */
  private typeContext(at: Node): TypeContext {
    return {
      lists: letLists(at),
      resolve: (name) => resolveName(name),
      submoduleOptions: (module) => this.submodule(module),
    };
  }

  /** The fields of a submodule: the `options` of its module (a set, a function, or a list of them). */
  private submodule(node: Node): Record<string, OptionDecl> | undefined {
    const n = this.through(node);
    const modules = n.type === 'list_expression' ? elements(n) : [n];
    const fields: Record<string, OptionDecl> = {};
    for (const m of modules) {
      const body = this.moduleBodyOf(m);
      if (!body) {
        this.problem(m, `submodule fields cannot be read statically: ${shorten(compactText(m))}`);
        return undefined;
      }
      for (const f of this.moduleOptions(body, [])) fields[f.name] = f;
    }
    const sorted: Record<string, OptionDecl> = {};
    for (const key of Object.keys(fields).sort(compare)) sorted[key] = fields[key]!;
    return sorted;
  }

  /** The attribute set a module is: the set itself, or what a module function returns. */
  private moduleBodyOf(node: Node): Node | undefined {
    let cur = this.through(node);
    for (let guard = 0; guard < 16 && !isAttrset(cur); guard++) {
      if (cur.type === 'function_expression' || cur.type === 'assert_expression') cur = this.through(cur.childForFieldName('body') ?? cur);
      else return undefined;
    }
    return isAttrset(cur) ? cur : undefined;
  }

  /** `mkRenamedOptionModule [ "a" "b" ] [ "c" "d" ]` and its relatives. */
  private renaming(node: Node, call: { name: string; args: Node[] }): void {
    const { name, args } = call;
    let from: Node | undefined;
    let to: Node | undefined;
    if ((name === 'mkRenamedOptionModule' || name === 'mkAliasOptionModule') && args.length === 2) [from, to] = args;
    else if (name === 'mkRenamedOptionModuleWith' && args.length === 1) {
      const attrs = this.through(args[0]!);
      from = isAttrset(attrs) ? bindingNamed(attrs, 'from') : undefined;
      to = isAttrset(attrs) ? bindingNamed(attrs, 'to') : undefined;
    } else if (name === 'mkRemovedOptionModule' && args.length === 2) {
      this.removal(node, args[0]!, args[1]!);
      return;
    } else if (name === 'mkChangedOptionModule' || name === 'mkMergedOptionModule') {
      this.problem(node, `${name} maps old options through a function; the old options are not extracted`);
      return;
    } else return;
    const fromPath = from && stringList(this.through(from));
    const toPath = to && stringList(this.through(to));
    if (!fromPath || !toPath) {
      this.problem(node, `${name} with option paths that are not string lists is skipped`);
      return;
    }
    const alias = decl(
      fromPath.join('.'),
      { type: { kind: 'anything' }, typeText: UNTYPED, readOnly: false, internal: false },
      { file: this.file, line: lineOf(from!) },
      toPath.join('.'),
    );
    if (this.state.options.has(alias.name)) {
      this.problem(node, `${alias.name} is declared and renamed; the first is kept`);
      return;
    }
    this.state.options.set(alias.name, alias);
    this.state.aliases.push(alias);
  }

  private removal(node: Node, path: Node, message: Node): void {
    const names = stringList(this.through(path));
    if (!names) {
      this.problem(node, 'mkRemovedOptionModule with an option path that is not a string list is skipped');
      return;
    }
    const text = literalValue(message);
    this.state.removed.push({
      name: names.join('.'),
      message: typeof text?.value === 'string' ? text.value : compactText(message),
      declaredIn: { file: this.file, line: lineOf(path) },
    });
  }
}

/** Whether an application is the function part of a larger one (`f a` in `f a b`). */
function isCallee(n: Node): boolean {
  const parent = n.parent;
  return parent?.type === 'apply_expression' && parent.childForFieldName('function')?.id === n.id;
}

/** A set whose keys are all module keys, one of them `options` or `imports`: a module. */
function isModuleBody(set: Node): boolean {
  const keys = bindingsOf(set).map(firstKey);
  return keys.length > 0 && keys.every((k) => k !== undefined && MODULE_KEYS.has(k)) && keys.some((k) => k === 'options');
}

function firstKey(b: Node): string | undefined {
  if (b.type !== 'binding') return undefined;
  const first = b.childForFieldName('attrpath')?.namedChildren.find((c) => c && c.type !== 'comment');
  return first?.type === 'identifier' ? first.text : undefined;
}

function operator(n: Node): string | undefined {
  return n.childForFieldName('operator')?.type;
}

function isKeyword(name: string): boolean {
  return name === 'true' || name === 'false' || name === 'null';
}

function bindingNamed(set: Node, key: string): Node | undefined {
  for (const b of bindingsOf(set)) {
    if (b.type === 'binding' && b.childForFieldName('attrpath')?.text === key) return b.childForFieldName('expression') ?? undefined;
  }
  return undefined;
}

/** `[ "a" "b" ]` as its strings. */
function stringList(node: Node): string[] | undefined {
  if (node.type !== 'list_expression') return undefined;
  const out: string[] = [];
  for (const el of elements(node)) {
    const s = stringValue(unparen(el));
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

/** A package attribute path: `"hello"` or `[ "python3Packages" "numpy" ]`. */
function attrPathOf(node: Node): string[] | undefined {
  const s = stringValue(node);
  return s !== undefined ? [s] : stringList(node);
}

/** A default as text (one line) and, when it is one, as a literal value. */
function defaultOf(value: Node): OptionDefault {
  const d: OptionDefault = { text: compactText(value) };
  const literal = literalValue(value);
  if (literal) d.literal = literal.value;
  return d;
}

/** A type's text on one line, with submodule bodies shown as `{ ... }` (they are in the type tree). */
function typeText(node: Node): string {
  return compactText(node, (n) => {
    const parent = n.parent;
    if (parent?.type !== 'apply_expression' || parent.childForFieldName('argument')?.id !== n.id) return undefined;
    const call = callOf(parent);
    return call && SUBMODULE_MAKERS.has(call.name) && call.args.length === 1 ? '{ ... }' : undefined;
  });
}

function shorten(text: string): string {
  return text.length > 80 ? text.slice(0, 77) + '...' : text;
}
