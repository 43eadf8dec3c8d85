import type { Node } from 'web-tree-sitter';
import type { OptionDecl } from '../schema/types';
import { readType, type TypeContext } from '../schema/type-expr';
import { type ModuleBody, staticPath } from './modules';
import { calleeName, flattenCall, unparen } from './values';

/**
 * Options a module of the workspace declares itself (`options.x = mkOption { … };`), so that
 * defining them is never reported as unknown, and so that a re-declared enum (a custom carrier
 * board adding `types.enum [ "my-board" ]`) extends the valid values, as NixOS merges them.
 */
export function moduleDeclarations(module: ModuleBody): OptionDecl[] {
  const out: OptionDecl[] = [];
  const ctx: TypeContext = { lists: letLists(module.node) };
  const bs = module.node.namedChildren.find((c) => c?.type === 'binding_set');
  for (const b of bs?.namedChildren ?? []) {
    if (b?.type !== 'binding') continue;
    const path = b.childForFieldName('attrpath');
    const segs = path ? staticPath(path) : undefined;
    const value = b.childForFieldName('expression');
    if (!segs || !value || segs[0]?.name !== 'options') continue;
    collect(value, segs.slice(1).map((s) => s.name), out, ctx);
  }
  return out;
}

/** Lists of literals bound by the `let`s around a module (`boards = [ "a" "b" ];`), by name. */
function letLists(node: Node): Map<string, (string | number | boolean)[]> {
  const out = new Map<string, (string | number | boolean)[]>();
  for (let n: Node | null = node.parent; n; n = n.parent) {
    if (n.type !== 'let_expression') continue;
    const bs = n.namedChildren.find((c) => c?.type === 'binding_set');
    for (const b of bs?.namedChildren ?? []) {
      if (b?.type !== 'binding') continue;
      const name = b.childForFieldName('attrpath')?.text;
      const value = b.childForFieldName('expression');
      if (!name || !value || out.has(name) || unparen(value).type !== 'list_expression') continue;
      const items = unparen(value).namedChildren.filter((c) => c && c.type !== 'comment');
      const values = items.map((c) => (c!.type === 'string_expression' && !c!.namedChildren.some((x) => x?.type === 'interpolation') ? c!.text.slice(1, -1) : undefined));
      if (values.every((v) => v !== undefined)) out.set(name, values as string[]);
    }
  }
  return out;
}

function collect(node: Node, prefix: string[], out: OptionDecl[], ctx: TypeContext): void {
  const n = unparen(node);
  if (n.type === 'attrset_expression') {
    const bs = n.namedChildren.find((c) => c?.type === 'binding_set');
    for (const b of bs?.namedChildren ?? []) {
      if (b?.type !== 'binding') continue;
      const path = b.childForFieldName('attrpath');
      const segs = path ? staticPath(path) : undefined;
      const value = b.childForFieldName('expression');
      if (segs && value) collect(value, [...prefix, ...segs.map((s) => s.name)], out, ctx);
    }
    return;
  }
  const call = flattenCall(n);
  const fn = call && calleeName(call.fn);
  const name = prefix.join('.');
  if (!call || prefix.length === 0) return;
  if (fn === 'mkEnableOption' || fn === 'mkPackageOption') {
    out.push({ name, type: fn === 'mkEnableOption' ? { kind: 'bool' } : { kind: 'package' }, typeText: fn, description: 'Declared in this workspace.' });
    return;
  }
  if (fn !== 'mkOption' || call.args.length !== 1) return;
  const attrs = unparen(call.args[0]!);
  let typeNode: Node | undefined;
  if (attrs.type === 'attrset_expression') {
    const bs = attrs.namedChildren.find((c) => c?.type === 'binding_set');
    for (const b of bs?.namedChildren ?? []) {
      if (b?.type === 'binding' && b.childForFieldName('attrpath')?.text === 'type') typeNode = b.childForFieldName('expression') ?? undefined;
    }
  }
  out.push({
    name,
    type: typeNode ? readType(typeNode, ctx) : { kind: 'anything' },
    typeText: typeNode?.text ?? 'unspecified',
    description: 'Declared in this workspace.',
  });
}
