import type { SyntaxNode } from './syntax';
import type { Binding, Placed, Reference, Scope, ScopeModel, Site } from './model';

/** Lookups on a model, built on first use and kept with it (a model never changes). */
interface Index {
  /** Definition sites sorted by start. */
  sites: { start: number; end: number; binding: Binding }[];
  /** Attribute-name sites sorted by start. */
  keys: Site[];
}

const indexes = new WeakMap<ScopeModel, Index>();

function indexOf(model: ScopeModel): Index {
  let index = indexes.get(model);
  if (!index) {
    const sites: Index['sites'] = [];
    for (const b of model.bindings) for (const s of b.sites) sites.push({ start: s.start, end: s.end, binding: b });
    sites.sort((a, b) => a.start - b.start);
    const keys: Site[] = [];
    for (let i = 0; i < model.keys.length; i += 2) keys.push({ start: model.keys[i]!, end: model.keys[i + 1]! });
    keys.sort((a, b) => a.start - b.start);
    index = { sites, keys };
    indexes.set(model, index);
  }
  return index;
}

/** The last element of a start-sorted list that starts at or before `offset` and ends at or after it. */
function around<T extends Site>(list: readonly T[], offset: number): T | undefined {
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.start <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const hit = found >= 0 ? list[found] : undefined;
  return hit && hit.end >= offset ? hit : undefined;
}

/** The reference whose name contains `offset` (or ends right at it: the cursor after a name). */
export function referenceAt(model: ScopeModel, offset: number): Reference | undefined {
  return around(model.references, offset);
}

/** The binding defined by the name at `offset`. */
export function definitionAt(model: ScopeModel, offset: number): { binding: Binding; site: Site } | undefined {
  const hit = around(indexOf(model).sites, offset);
  return hit ? { binding: hit.binding, site: { start: hit.start, end: hit.end } } : undefined;
}

/** The attribute name (not a variable) at `offset`. */
export function keyAt(model: ScopeModel, offset: number): Site | undefined {
  return around(indexOf(model).keys, offset);
}

/**
 * The binding a name at `offset` stands for: the one it defines, else the one it uses. A name in
 * `inherit a;` inside a `let` or `rec` set does both; it stands for the binding it defines.
 */
export function bindingAt(model: ScopeModel, offset: number): { binding: Binding; site: Site; defining: boolean } | undefined {
  const def = definitionAt(model, offset);
  if (def) return { ...def, defining: true };
  const ref = referenceAt(model, offset);
  return ref?.binding ? { binding: ref.binding, site: ref, defining: false } : undefined;
}

/** The scope in force at `offset` (undefined: only the builtins). */
export function scopeAt(model: ScopeModel, offset: number): Scope | undefined {
  let best: { start: number; end: number; scope: Scope | undefined } | undefined;
  for (const p of model.places) {
    if (p.start > offset || p.end < offset) continue;
    if (!best || p.end - p.start < best.end - best.start) best = p;
  }
  return best?.scope;
}

/** Every binding visible from a scope, innermost first, a shadowed name only once. */
export function visibleBindings(scope: Scope | undefined): { bindings: Binding[]; withs: Scope[] } {
  const bindings: Binding[] = [];
  const withs: Scope[] = [];
  const seen = new Set<string>();
  for (let s = scope; s; s = s.parent) {
    if (s.kind === 'with') {
      withs.push(s);
      continue;
    }
    for (const b of s.bindings.values()) {
      if (seen.has(b.name)) continue;
      seen.add(b.name);
      bindings.push(b);
    }
  }
  return { bindings, withs };
}

/** Whether `inner` is `outer` or inside it. */
export function isWithin(inner: Scope | undefined, outer: Scope): boolean {
  for (let s = inner; s; s = s.parent) if (s === outer) return true;
  return false;
}

/** The syntax nodes containing `offset`, from the root down to the innermost. */
export function nodesAt(model: ScopeModel, offset: number): Placed[] {
  const out: Placed[] = [];
  let cur: Placed | undefined = { node: model.root, start: model.root.offset };
  while (cur) {
    out.push(cur);
    const node: SyntaxNode = cur.node;
    const start: number = cur.start;
    cur = undefined;
    // Children are in order; the last one starting at or before the offset is the candidate.
    for (let i = node.children.length - 1; i >= 0; i--) {
      const c: SyntaxNode = node.children[i]!;
      const s: number = start + c.offset;
      if (s > offset) continue;
      if (s + c.length >= offset) cur = { node: c, start: s };
      break;
    }
  }
  return out;
}
