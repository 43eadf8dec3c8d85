import type { Node } from 'web-tree-sitter';
import type { OptionDecl, OptionType } from './types';
import { unparen } from '../options/values';

/**
 * Reads a NixOS option type written in Nix (`types.nullOr (types.listOf types.str)`,
 * `lib.types.enum [ "a" "b" ]`) into an OptionType, statically. Names bound in a `let` to a list
 * literal (such as `jetpackVersions`) are resolved through `lists`. Anything else is `unknown`
 * with its source text, which validation never judges.
 */
export interface TypeContext {
  /** Let-bound lists of literals visible here, by name. */
  lists?: Map<string, (string | number | boolean)[]>;
  /** Reads the options of a `types.submodule { options = …; }` (supplied by the extractor). */
  submoduleOptions?: (node: Node) => Record<string, OptionDecl> | undefined;
  /**
   * The expression a name stands for (a let-bound `variantType = types.submodule …;`), so that a
   * type written through a local name is read like the expression itself. Supplied by the extractor.
   */
  resolve?: (name: Node) => Node | undefined;
}

/** How deep `resolve` may follow names: a guard against `t = t;` and mutual references. */
const MAX_RESOLVE_DEPTH = 16;
let resolveDepth = 0;

/** `types.<name>` leaves and what they are; also used for the reference data's type texts. */
export const SIMPLE_TYPES: Record<string, OptionType> = {
  bool: { kind: 'bool' },
  int: { kind: 'int' },
  'ints.positive': { kind: 'ints.positive' },
  'ints.unsigned': { kind: 'ints.unsigned' },
  float: { kind: 'float' },
  number: { kind: 'number' },
  str: { kind: 'str' },
  nonEmptyStr: { kind: 'str' },
  singleLineStr: { kind: 'str' },
  lines: { kind: 'lines' },
  path: { kind: 'path' },
  package: { kind: 'package' },
  anything: { kind: 'anything' },
  raw: { kind: 'anything' },
  unspecified: { kind: 'anything' },
  attrs: { kind: 'attrsOf', of: { kind: 'anything' } },
};

/** What `with X;` may bring type names from. */
const TYPE_SCOPES = new Set(['types', 'lib.types', 'lib']);

const WRAPPERS = new Set(['nullOr', 'listOf', 'attrsOf', 'lazyAttrsOf', 'functionTo', 'uniq', 'unique']);


/** `types.x.y` / `lib.types.x.y` / `x.y` (under `with types;`) → `x.y`. */
function typeName(n: Node): string | undefined {
  const u = unparen(n);
  if (u.type === 'variable_expression') return u.text;
  if (u.type !== 'select_expression' || u.childForFieldName('default')) return undefined;
  const base = u.childForFieldName('expression');
  const ids = u.childForFieldName('attrpath')?.namedChildren.filter((c) => c?.type === 'identifier').map((c) => c!.text) ?? [];
  const root = base?.type === 'variable_expression' ? base.text : undefined;
  if (root === 'types') return ids.join('.');
  if (root === 'lib' && ids[0] === 'types') return ids.slice(1).join('.');
  return undefined;
}

function literalList(n: Node, ctx: TypeContext): (string | number | boolean)[] | undefined {
  const u = unparen(n);
  if (u.type === 'variable_expression') return ctx.lists?.get(u.text);
  if (u.type !== 'list_expression') return undefined;
  const out: (string | number | boolean)[] = [];
  for (const el of u.namedChildren) {
    if (!el || el.type === 'comment') continue;
    if (el.type === 'string_expression' && !el.namedChildren.some((c) => c?.type === 'interpolation')) out.push(el.text.slice(1, -1));
    else if (el.type === 'integer_expression') out.push(Number(el.text));
    else return undefined;
  }
  return out;
}

/** The OptionType a type expression stands for. */
export function readType(node: Node, ctx: TypeContext = {}): OptionType {
  const n = unparen(node);
  const unknown: OptionType = { kind: 'unknown', text: n.text };
  // `with types; nullOr str` (or `with lib.types;`) names the same types as `types.nullOr types.str`.
  const body = n.type === 'with_expression' && TYPE_SCOPES.has(n.childForFieldName('environment')?.text ?? '') ? n.childForFieldName('body') : undefined;
  if (body) return readType(body, ctx);
  const simple = typeName(n);
  if (simple !== undefined) return SIMPLE_TYPES[simple] ?? resolved(n, ctx) ?? unknown;
  if (n.type !== 'apply_expression') return unknown;
  // Flatten `f a b` into the function name and its arguments.
  const args: Node[] = [];
  let fn: Node = n;
  while (fn.type === 'apply_expression') {
    args.unshift(fn.childForFieldName('argument')!);
    fn = fn.childForFieldName('function')!;
  }
  const name = typeName(fn);
  if (!name) return unknown;
  if (WRAPPERS.has(name) && args.length === 1) {
    const of = readType(args[0]!, ctx);
    if (name === 'nullOr') return { kind: 'nullOr', of };
    if (name === 'listOf') return { kind: 'listOf', of };
    if (name === 'functionTo') return { kind: 'functionTo', of };
    if (name === 'uniq' || name === 'unique') return of;
    return { kind: 'attrsOf', of };
  }
  if (name === 'ints.between' && args.length === 2 && args.every((a) => unparen(a).type === 'integer_expression')) {
    return { kind: 'ints.between', min: Number(unparen(args[0]!).text), max: Number(unparen(args[1]!).text) };
  }
  if (name === 'enum' && args.length === 1) {
    const values = literalList(args[0]!, ctx);
    return values ? { kind: 'enum', values } : unknown;
  }
  if (name === 'either' && args.length === 2) return { kind: 'oneOf', of: [readType(args[0]!, ctx), readType(args[1]!, ctx)] };
  if (name === 'oneOf' && args.length === 1) {
    const list = unparen(args[0]!);
    if (list.type !== 'list_expression') return unknown;
    return { kind: 'oneOf', of: list.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment').map((c) => readType(c, ctx)) };
  }
  if (name === 'submodule' && args.length === 1) {
    const options = ctx.submoduleOptions?.(args[0]!);
    return options ? { kind: 'submodule', options } : { kind: 'anything' };
  }
  if (name === 'submoduleWith' && args.length === 1) {
    // Only the `modules` list matters for which fields exist; specialArgs and the like do not.
    const modules = bindingValue(args[0]!, 'modules');
    const options = modules && ctx.submoduleOptions?.(modules);
    return options ? { kind: 'submodule', options } : { kind: 'anything' };
  }
  return unknown;
}

/** A local name read through `ctx.resolve`, or undefined when it is not one we can follow. */
function resolved(n: Node, ctx: TypeContext): OptionType | undefined {
  if (n.type !== 'variable_expression' || !ctx.resolve || resolveDepth >= MAX_RESOLVE_DEPTH) return undefined;
  const target = ctx.resolve(n);
  if (!target) return undefined;
  resolveDepth++;
  try {
    return readType(target, ctx);
  } finally {
    resolveDepth--;
  }
}

/** The value of `key = …;` in a set literal, if written there. */
function bindingValue(node: Node, key: string): Node | undefined {
  const set = unparen(node);
  if (set.type !== 'attrset_expression') return undefined;
  const bs = set.namedChildren.find((c) => c?.type === 'binding_set');
  for (const b of bs?.namedChildren ?? []) {
    if (b?.type === 'binding' && b.childForFieldName('attrpath')?.text === key) return b.childForFieldName('expression') ?? undefined;
  }
  return undefined;
}
