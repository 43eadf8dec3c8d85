import type { SyntaxNode } from './syntax';
import type { Attr, AttrSet, Placed, Site } from './model';

/**
 * Attribute sets as Nix's parser assembles them, before any name is bound: `a.b = 1; a.c = 2;`
 * builds one nested set `a`; `a = { … }; a = { … };` merges the second literal into the first;
 * `a = rec { x = 1; }; a.y = x;` adds `y` to the `rec` set, whose scope then binds the `x` in
 * `y`'s value. Scopes follow this structure, not the text: that is what the builder binds.
 */

/** A set under construction, with what binding it needs besides its attributes. */
export interface SetDraft extends AttrSet {
  readonly attrs: Map<string, AttrDraft>;
  /** `${e} = v;` entries: the name expression and the value, bound in this set's scope. */
  readonly dynamic: { name: Placed; value: Placed | undefined; sub: SetDraft | undefined; checked: boolean }[];
  /** Expressions that belong to no attribute (a duplicate's value, a syntax error), still bound here. */
  readonly extra: { node: Placed; checked: boolean }[];
  /** Names of `inherit a;` already defined: still uses of `a` in the scope around the set. */
  readonly inheritedAgain: { name: string; site: Site; clause: Placed; names: number }[];
}

export interface AttrDraft extends Attr {
  sub: SetDraft | undefined;
  /** Added from elsewhere in the text (a merge or a dotted path into a literal written earlier). */
  moved: boolean;
}

/** What an attribute path element names: a static name, or an expression computed at run time. */
export type PathElement = { name: string; site: Site; node: Placed } | { name: undefined; site: Site; node: Placed };

export function emptySet(recursive: boolean, literal: Placed | undefined): SetDraft {
  return { recursive, attrs: new Map(), literal, dynamic: [], extra: [], inheritedAgain: [] };
}

/** `( … )` around a value changes nothing for Nix: the set inside is the value. */
export function unparen(p: Placed): Placed {
  let cur = p;
  for (let guard = 0; cur.node.type === 'parenthesized_expression' && guard < 10000; guard++) {
    const inner = cur.node.children[0];
    if (!inner) break;
    cur = { node: inner, start: cur.start + inner.offset };
  }
  return cur;
}

/** Whether a value is an attribute set literal Nix can merge (`let { … }` is not: it selects `body`). */
export function isSetLiteral(p: Placed): boolean {
  const t = unparen(p).node.type;
  return t === 'attrset_expression' || t === 'rec_attrset_expression';
}

/** The static value of a string without interpolation, as Nix reads it in an attribute name. */
export function staticString(p: Placed, text: string): string | undefined {
  let out = '';
  const indented = p.node.type === 'indented_string_expression';
  for (const c of p.node.children) {
    const s = text.slice(p.start + c.offset, p.start + c.offset + c.length);
    if (c.type === 'string_fragment') out += s;
    else if (c.type === 'escape_sequence') out += unescape(s, indented);
    else if (c.type === 'dollar_escape') out += '$';
    else return undefined;
  }
  return out;
}

function unescape(seq: string, indented: boolean): string {
  if (indented && seq === "'''") return "''";
  const c = indented ? seq.slice(3) : seq.slice(1);
  return c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c;
}

/**
 * The name an attribute path element stands for: an identifier, a string without interpolation,
 * or `${"…"}` (which Nix also reads as a static name). Undefined for a name computed at run time.
 */
export function staticName(el: Placed, text: string): string | undefined {
  const { node } = el;
  if (node.type === 'identifier') return text.slice(el.start, el.start + node.length);
  if (node.type === 'string_expression' || node.type === 'indented_string_expression') return staticString(el, text);
  if (node.type !== 'interpolation') return undefined;
  const inner = node.children[0];
  if (!inner || (inner.type !== 'string_expression' && inner.type !== 'indented_string_expression')) return undefined;
  return staticString({ node: inner, start: el.start + inner.offset }, text);
}

/** The elements of an `attrpath` or `inherited_attrs` node, static names resolved. */
export function pathElements(path: Placed, text: string): PathElement[] {
  const out: PathElement[] = [];
  for (const c of path.node.children) {
    if (c.type !== 'identifier' && c.type !== 'string_expression' && c.type !== 'indented_string_expression' && c.type !== 'interpolation') continue;
    const node: Placed = { node: c, start: path.start + c.offset };
    out.push({ name: staticName(node, text), site: { start: node.start, end: node.start + c.length }, node });
  }
  return out;
}

/**
 * Adds `path = value` to `set` the way Nix's parser does. A conflict Nix rejects (the diagnostics
 * report it as a duplicate) keeps the first definition; the value is still bound, in `extra`.
 * `expand` turns a literal written earlier into a draft when a later definition reaches into it.
 */
export function addPath(set: SetDraft, path: PathElement[], value: Placed | undefined, expand: (literal: Placed) => SetDraft): void {
  let cur = set;
  for (let i = 0; i < path.length - 1; i++) {
    const el = path[i]!;
    if (el.name === undefined) {
      const nested = emptySet(false, undefined);
      cur.dynamic.push({ name: el.node, value: undefined, sub: nested, checked: true });
      cur = nested;
      continue;
    }
    const existing = cur.attrs.get(el.name);
    if (!existing) {
      const nested = emptySet(false, undefined);
      cur.attrs.set(el.name, { name: el.name, sites: [el.site], value: undefined, sub: nested, inherit: undefined, moved: isOutside(cur, el.site) });
      cur = nested;
      continue;
    }
    existing.sites.push(el.site);
    const target = existing.inherit ? undefined : (existing.sub ?? expandValue(existing, expand));
    if (!target) {
      keepValue(cur, value);
      return;
    }
    cur = target;
  }
  const last = path[path.length - 1];
  if (!last) {
    keepValue(cur, value);
    return;
  }
  if (last.name === undefined) {
    cur.dynamic.push({ name: last.node, value, sub: undefined, checked: true });
    return;
  }
  const existing = cur.attrs.get(last.name);
  if (!existing) {
    cur.attrs.set(last.name, { name: last.name, sites: [last.site], value, sub: undefined, inherit: undefined, moved: isOutside(cur, last.site) });
    return;
  }
  existing.sites.push(last.site);
  const target = existing.inherit ? undefined : (existing.sub ?? expandValue(existing, expand));
  if (!target || !value || !isSetLiteral(value)) {
    keepValue(cur, value);
    return;
  }
  mergeInto(target, expand(unparen(value)));
}

/**
 * Adds the names of an `inherit` clause (plain when `from` is absent). Returns the elements that
 * were already defined (Nix rejects them; a plain one is still a use of the name outside).
 */
export function addInherited(set: SetDraft, clause: Placed, from: Placed | undefined, names: PathElement[]): PathElement[] {
  const clashes: PathElement[] = [];
  for (const el of names) {
    if (el.name === undefined) continue;
    if (set.attrs.has(el.name)) clashes.push(el);
    else set.attrs.set(el.name, { name: el.name, sites: [el.site], value: undefined, sub: undefined, inherit: { clause, from, names: names.length }, moved: false });
  }
  return clashes;
}

/**
 * `a = { … }; a = { … };`: the second literal's attributes join the first set, which keeps its
 * own `rec` (or lack of it). Nix 2.8 drops the second literal's `${…}` entries: they are still
 * bound here, for navigation, but never reported.
 */
function mergeInto(target: SetDraft, incoming: SetDraft): void {
  for (const [name, attr] of incoming.attrs) {
    const clash = target.attrs.get(name);
    if (clash) {
      clash.sites.push(...attr.sites);
      keepValue(target, attr.value);
      continue;
    }
    attr.moved = true;
    target.attrs.set(name, attr);
  }
  for (const d of incoming.dynamic) target.dynamic.push({ ...d, checked: false });
  target.extra.push(...incoming.extra);
  target.inheritedAgain.push(...incoming.inheritedAgain);
}

function expandValue(attr: AttrDraft, expand: (literal: Placed) => SetDraft): SetDraft | undefined {
  if (!attr.value || !isSetLiteral(attr.value)) return undefined;
  attr.sub = expand(unparen(attr.value));
  return attr.sub;
}

function keepValue(set: SetDraft, value: Placed | undefined): void {
  if (value) set.extra.push({ node: value, checked: true });
}

/** Whether a definition is written outside the literal it lands in (so its scope is not the text's). */
function isOutside(set: SetDraft, site: Site): boolean {
  const lit = set.literal;
  return lit !== undefined && (site.start < lit.start || site.start >= lit.start + lit.node.length);
}

/** A set literal's attributes (`{ … }`, `rec { … }`, `let { … }`), as Nix's parser assembles them. */
export function expandLiteral(at: Placed, text: string): SetDraft {
  const draft = emptySet(at.node.type !== 'attrset_expression', at);
  for (const c of at.node.children) {
    if (c.type === 'binding_set') fillSet(draft, { node: c, start: at.start + c.offset }, text);
    else if (c.type === 'ERROR') draft.extra.push({ node: { node: c, start: at.start + c.offset }, checked: false });
  }
  return draft;
}

/** Adds the bindings of a `binding_set` node to a draft; what binds no attribute goes to `extra`. */
export function fillSet(draft: SetDraft, bindingSet: Placed, text: string): void {
  const expand = (literal: Placed) => expandLiteral(literal, text);
  for (const b of bindingSet.node.children) {
    const bAt: Placed = { node: b, start: bindingSet.start + b.offset };
    if (b.type === 'binding') {
      let path: SyntaxNode | undefined;
      let value: Placed | undefined;
      for (const c of b.children) {
        const cAt = { node: c, start: bAt.start + c.offset };
        if (c.type === 'attrpath') path = c;
        else if (c.type === 'ERROR') draft.extra.push({ node: cAt, checked: false });
        else value = cAt;
      }
      const elements = path ? pathElements({ node: path, start: bAt.start + path.offset }, text) : [];
      if (elements.length > 0) addPath(draft, elements, value, expand);
      else if (value) draft.extra.push({ node: value, checked: true });
    } else if (b.type === 'inherit' || b.type === 'inherit_from') {
      const attrs = b.children.find((c) => c.type === 'inherited_attrs');
      const from = b.type === 'inherit_from' ? b.children.find((c) => c !== attrs && c.type !== 'ERROR') : undefined;
      const names = attrs ? pathElements({ node: attrs, start: bAt.start + attrs.offset }, text) : [];
      const fromAt = from ? { node: from, start: bAt.start + from.offset } : undefined;
      const clashes = addInherited(draft, bAt, fromAt, names);
      for (const c of clashes) if (!fromAt) draft.inheritedAgain.push({ name: c.name!, site: c.site, clause: bAt, names: names.length });
      // Nix binds the source only when something is inherited from it; names it cannot inherit are errors.
      if (fromAt && (names.length === 0 || clashes.length === names.length)) draft.extra.push({ node: fromAt, checked: names.length > 0 });
      for (const n of names) if (n.name === undefined) draft.extra.push({ node: n.node, checked: false });
      for (const c of b.children) if (c.type === 'ERROR') draft.extra.push({ node: { node: c, start: bAt.start + c.offset }, checked: false });
    } else {
      draft.extra.push({ node: bAt, checked: false });
    }
  }
}
