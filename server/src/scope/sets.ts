import type { SyntaxNode } from './syntax';
import type { BindingKind, Scope, ScopeKind } from './model';
import { expandLiteral, isSetLiteral, pathElements, staticName, unparen, type SetDraft } from './attrs';
import { CHECKED, IN_BINDING, MOVED, type Walk } from './walk';

/**
 * Binding attribute sets and `let`s. Most sets need no assembling: a plain set whose merges
 * involve no `rec` set binds its values where they are, and a `let` or `rec` set whose bindings
 * each name one attribute binds them as written. Others are assembled as Nix's parser does
 * (`attrs.ts`) and bound from that.
 */

/** Scratch sets for name checks (never used by two checks at once). */
const seen = new Set<string>();
const repeated = new Set<string>();

/**
 * A plain `{ … }` whose values are simply bound in the scope around it: no `rec` set is in it,
 * or its names are distinct, or they repeat (`a.b = 1; a.c = 2;`) but no `rec` set takes part in
 * the merges. Returns false when one does, and the set must be assembled as Nix's parser does.
 */
export function plainSet(w: Walk, node: SyntaxNode, start: number, env: Scope | undefined, flags: number): boolean {
  const bindingSet = node.children.find((c) => c.type === 'binding_set');
  const setStart = bindingSet ? start + bindingSet.offset : 0;
  if (bindingSet?.holdsRec && !distinctNames(w, bindingSet, setStart) && mergesIntoRec(w, bindingSet, setStart)) return false;
  const checked = flags & CHECKED;
  for (const c of node.children) if (c.type === 'ERROR') w.push(c, start + c.offset, env, 0);
  if (!bindingSet) return true;
  for (const b of bindingSet.children) {
    const bStart = setStart + b.offset;
    if (b.type !== 'binding') {
      inheritInPlainSet(w, b, bStart, env, checked);
      continue;
    }
    let value: SyntaxNode | undefined;
    for (const c of b.children) {
      if (c.type === 'attrpath') attrpathKeys(w, c, bStart + c.offset, env, checked);
      else if (c.type === 'ERROR') w.push(c, bStart + c.offset, env, 0);
      else value = c;
    }
    if (!value) continue;
    const vStart = bStart + value.offset;
    const path = b.children[0];
    if (value.type === 'function_expression' && path?.type === 'attrpath' && path.children.length === 1 && w.text.startsWith('outputs', bStart + path.offset) && path.length === 7) {
      w.outputFunctions.add(vStart);
    }
    w.push(value, vStart, env, checked | IN_BINDING);
  }
  return true;
}

/** Whether all first names are distinct; if not, `repeated` holds the ones that repeat. */
function distinctNames(w: Walk, bindingSet: SyntaxNode, setStart: number): boolean {
  seen.clear();
  repeated.clear();
  for (const b of bindingSet.children) {
    const bStart = setStart + b.offset;
    if (b.type === 'binding') {
      const path = b.children[0];
      const first = path?.type === 'attrpath' ? path.children[0] : undefined;
      if (!first) continue;
      const name = staticName({ node: first, start: bStart + path!.offset + first.offset }, w.text);
      if (name === undefined) continue;
      if (seen.has(name)) repeated.add(name);
      seen.add(name);
    } else if (b.type === 'inherit' || b.type === 'inherit_from') {
      const attrs = b.children.find((c) => c.type === 'inherited_attrs');
      if (!attrs) continue;
      for (const el of pathElements({ node: attrs, start: bStart + attrs.offset }, w.text)) {
        if (el.name === undefined) continue;
        if (seen.has(el.name)) repeated.add(el.name);
        seen.add(el.name);
      }
    }
  }
  return repeated.size === 0;
}

/**
 * Whether a set whose names repeat merges anything into, or from, a `rec` set: a binding of a
 * repeated name has a value that is, or holds as a value at any depth, a `rec { … }`.
 */
function mergesIntoRec(w: Walk, bindingSet: SyntaxNode, setStart: number): boolean {
  for (const b of bindingSet.children) {
    if (b.type !== 'binding') continue;
    const path = b.children[0];
    const first = path?.type === 'attrpath' ? path.children[0] : undefined;
    const name = first ? staticName({ node: first, start: setStart + b.offset + path!.offset + first.offset }, w.text) : undefined;
    if (name === undefined || !repeated.has(name)) continue;
    const value = b.children.find((c) => c !== path && c.type !== 'ERROR');
    if (value && holdsRec(value)) return true;
  }
  return false;
}

/**
 * A `let` or `rec` set whose bindings each name one attribute (`a = …;`, no dotted paths):
 * nothing merges, so its names are bound as written, without assembling the set first (a name
 * bound twice, which Nix rejects, keeps its first binding, as assembling would). Returns its
 * scope, or undefined when the set needs the full treatment.
 */
export function simpleRecursiveSet(w: Walk, kind: 'let' | 'rec', node: SyntaxNode, start: number, bindingSet: SyntaxNode | undefined, env: Scope | undefined, flags: number): Scope | undefined {
  const setStart = bindingSet ? start + bindingSet.offset : 0;
  if (bindingSet && !singleNames(w, bindingSet, setStart)) return undefined;
  const site = { start, end: start + node.length };
  const scope = w.scope(kind, site, env);
  w.places.push({ start, end: site.end, scope });
  if (node.type === 'rec_attrset_expression') w.notes.recSets.push({ node: site, scope });
  const checked = flags & CHECKED;
  const bindingKind: BindingKind = kind;
  for (const c of node.children) if (c.type === 'ERROR') w.push(c, start + c.offset, scope, 0);
  if (!bindingSet) return scope;
  const clauses: { b: SyntaxNode; bStart: number; names: ReturnType<typeof pathElements> }[] = [];
  for (const b of bindingSet.children) {
    const bStart = setStart + b.offset;
    if (b.type === 'binding') {
      const path = b.children[0]!;
      const el = path.children[0]!;
      const elStart = bStart + path.offset + el.offset;
      const value = b.children.find((c) => c !== path && c.type !== 'ERROR');
      const valueAt = value ? { node: value, start: bStart + value.offset } : undefined;
      const name = staticName({ node: el, start: elStart }, w.text)!;
      w.bind(scope, name, bindingKind, [{ start: elStart, end: elStart + el.length }], valueAt);
      if (name === 'outputs' && valueAt && unparen(valueAt).node.type === 'function_expression') w.outputFunctions.add(unparen(valueAt).start);
    } else if (b.type === 'inherit' || b.type === 'inherit_from') {
      const attrs = b.children.find((c) => c.type === 'inherited_attrs');
      const from = b.type === 'inherit_from' ? b.children.find((c) => c !== attrs && c.type !== 'ERROR') : undefined;
      const names = attrs ? pathElements({ node: attrs, start: bStart + attrs.offset }, w.text) : [];
      const clause = { start: bStart, end: bStart + b.length };
      const fromAt = from ? { node: from, start: bStart + from.offset } : undefined;
      for (const el of names) if (el.name !== undefined) w.bind(scope, el.name, bindingKind, [el.site], undefined, { clause, from: fromAt, names: names.length });
      clauses.push({ b, bStart, names });
    }
  }
  for (const b of bindingSet.children) {
    const bStart = setStart + b.offset;
    if (b.type === 'binding') {
      for (const c of b.children) {
        if (c.type === 'ERROR') w.push(c, bStart + c.offset, scope, 0);
        else if (c.type !== 'attrpath') w.push(c, bStart + c.offset, scope, checked | IN_BINDING);
      }
    } else if (b.type !== 'inherit' && b.type !== 'inherit_from') {
      w.push(b, bStart, scope, 0);
    }
  }
  for (const { b, bStart, names } of clauses) {
    const clause = { site: { start: bStart, end: bStart + b.length }, inner: scope, names: names.length };
    for (const el of names) {
      if (el.name === undefined) w.push(el.node.node, el.node.start, scope, 0);
      else if (b.type === 'inherit') w.reference(el.name, el.site.start, el.site.end, 'inherit', env, checked, clause);
    }
    for (const c of b.children) {
      if (c.type === 'inherited_attrs') continue;
      // The source of `inherit (x)` is evaluated inside the set, and only when something is inherited from it.
      w.push(c, bStart + c.offset, scope, c.type === 'ERROR' || names.length === 0 ? 0 : checked);
    }
  }
  return scope;
}

/** Whether every binding names one static attribute (distinct ones, when a `rec` set could merge). */
function singleNames(w: Walk, bindingSet: SyntaxNode, setStart: number): boolean {
  for (const b of bindingSet.children) {
    if (b.type !== 'binding') continue;
    const path = b.children[0];
    const el = path?.type === 'attrpath' && path.children.length === 1 ? path.children[0]! : undefined;
    if (!el) return false;
    if (el.type !== 'identifier' && staticName({ node: el, start: setStart + b.offset + path!.offset + el.offset }, w.text) === undefined) return false;
  }
  return !bindingSet.holdsRec || distinctNames(w, bindingSet, setStart);
}

/** The names of a binding in a plain set: attribute names; interpolated ones are expressions. */
function attrpathKeys(w: Walk, path: SyntaxNode, start: number, env: Scope | undefined, checked: number): void {
  for (const el of path.children) {
    const s = start + el.offset;
    if (el.type === 'identifier' || (el.type === 'string_expression' && el.children.every((c) => c.type !== 'interpolation'))) w.keys.push(s, s + el.length);
    else w.push(el, s, env, checked);
  }
}

function inheritInPlainSet(w: Walk, b: SyntaxNode, start: number, env: Scope | undefined, checked: number): void {
  if (b.type !== 'inherit' && b.type !== 'inherit_from') {
    w.push(b, start, env, 0);
    return;
  }
  const attrs = b.children.find((c) => c.type === 'inherited_attrs');
  const names = attrs ? pathElements({ node: attrs, start: start + attrs.offset }, w.text) : [];
  const clause = { site: { start, end: start + b.length }, inner: undefined, names: names.length };
  for (const el of names) {
    if (el.name === undefined) w.push(el.node.node, el.node.start, env, 0);
    else if (b.type === 'inherit') w.reference(el.name, el.site.start, el.site.end, 'inherit', env, checked, clause);
    else w.keys.push(el.site.start, el.site.end);
  }
  for (const c of b.children) {
    if (c === attrs) continue;
    // Nix binds the source of `inherit (x)` only when something is inherited from it.
    w.push(c, start + c.offset, env, c.type === 'ERROR' || names.length === 0 ? 0 : checked);
  }
}

/**
 * Binds a set's names (in a new scope if it is recursive) and schedules its values, each in the
 * scope Nix evaluates it in. Returns that scope.
 */
export function bindSet(w: Walk, draft: SetDraft, env: Scope | undefined, flags: number, kindInError?: ScopeKind): Scope | undefined {
  const literal = draft.literal;
  const checked = flags & CHECKED;
  let scope: Scope | undefined;
  if (draft.recursive && literal) {
    const kind: ScopeKind = kindInError ?? (literal.node.type === 'rec_attrset_expression' ? 'rec' : 'let');
    scope = w.scope(kind, { start: literal.start, end: literal.start + literal.node.length }, env);
    w.places.push({ start: literal.start, end: literal.start + literal.node.length, scope });
  }
  if (literal?.node.type === 'rec_attrset_expression') w.notes.recSets.push({ node: { start: literal.start, end: literal.start + literal.node.length }, scope });
  const valueEnv = scope ?? env;
  for (const attr of draft.attrs.values()) {
    if (!attr.sub && !attr.inherit && attr.value && isSetLiteral(attr.value)) attr.sub = expandLiteral(unparen(attr.value), w.text);
    if (attr.name === 'outputs' && attr.value) {
      const fn = unparen(attr.value);
      if (fn.node.type === 'function_expression') w.outputFunctions.add(fn.start);
    }
  }
  if (scope) {
    const kind: BindingKind = scope.kind === 'rec' ? 'rec' : 'let';
    for (const attr of draft.attrs.values()) {
      const inherit = attr.inherit ? { clause: { start: attr.inherit.clause.start, end: attr.inherit.clause.start + attr.inherit.clause.node.length }, from: attr.inherit.from, names: attr.inherit.names } : undefined;
      w.bind(scope, attr.name, kind, attr.sites, attr.value, inherit, attr.sub);
    }
  }
  for (const attr of draft.attrs.values()) {
    const moved = flags & MOVED || attr.moved ? MOVED : 0;
    if (attr.inherit && !attr.inherit.from) {
      const c = attr.inherit.clause;
      const clause = { site: { start: c.start, end: c.start + c.node.length }, inner: scope, names: attr.inherit.names };
      w.reference(attr.name, attr.sites[0]!.start, attr.sites[0]!.end, 'inherit', env, checked, clause);
      continue;
    }
    if (!scope) for (const s of attr.sites) w.keys.push(s.start, s.end);
    if (attr.inherit?.from) {
      if (!w.boundClauses.has(attr.inherit.clause.start)) {
        w.boundClauses.add(attr.inherit.clause.start);
        w.push(attr.inherit.from.node, attr.inherit.from.start, valueEnv, checked);
      }
      continue;
    }
    if (attr.value && moved) w.places.push({ start: attr.value.start, end: attr.value.start + attr.value.node.length, scope: valueEnv });
    if (attr.sub) {
      if (attr.value) w.noteParens(attr.value, 'binding-value');
      w.pushSet(attr.sub, valueEnv, checked | moved);
    }
    else if (attr.value) w.push(attr.value.node, attr.value.start, valueEnv, checked | IN_BINDING);
  }
  for (const d of draft.dynamic) {
    const dChecked = d.checked ? checked : 0;
    w.push(d.name.node, d.name.start, valueEnv, dChecked);
    if (d.sub) w.pushSet(d.sub, valueEnv, dChecked | (flags & MOVED));
    else if (d.value) w.push(d.value.node, d.value.start, valueEnv, dChecked | IN_BINDING);
  }
  for (const e of draft.extra) w.push(e.node.node, e.node.start, valueEnv, e.checked ? checked : 0);
  for (const again of draft.inheritedAgain) {
    const clause = { site: { start: again.clause.start, end: again.clause.start + again.clause.node.length }, inner: scope, names: again.names };
    w.reference(again.name, again.site.start, again.site.end, 'inherit', env, checked, clause);
  }
  return valueEnv;
}

/** Whether a value is a `rec` set, or a plain set literal holding one as a value at any depth. */
function holdsRec(value: SyntaxNode): boolean {
  const stack = [value];
  while (stack.length > 0) {
    let node = stack.pop()!;
    while (node.type === 'parenthesized_expression' && node.children[0]) node = node.children[0];
    if (node.type === 'rec_attrset_expression') return true;
    if (node.type !== 'attrset_expression') continue;
    for (const set of node.children) {
      if (set.type !== 'binding_set') continue;
      for (const b of set.children) if (b.type === 'binding') for (const c of b.children) if (c.type !== 'attrpath') stack.push(c);
    }
  }
  return false;
}
