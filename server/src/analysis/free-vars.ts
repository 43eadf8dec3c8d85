/**
 * Free variable references of a subtree, grouped by name, with offsets relative to the subtree's
 * start. Lists are ropes: a parent refers to its children's lists with an offset instead of copying
 * them, so that summarising a node costs O(distinct names) rather than O(references), and cached
 * summaries of unchanged subtrees can be shared after an edit.
 */
export interface RefList {
  /** Pairs of [start, end) offsets relative to the owner of this list. */
  readonly spans: number[];
  readonly parts: { off: number; list: RefList }[];
}

/** Free variables by name. Treated as immutable once built: summaries share them. */
export type FreeMap = ReadonlyMap<string, RefList>;

export const EMPTY_FREE: FreeMap = new Map();

/** Builds a FreeMap by adding children's maps (at their offsets) and single references. */
export class FreeMapBuilder {
  private map: Map<string, RefList> | undefined;
  private single: { map: FreeMap; off: number } | undefined;
  private count = 0;

  add(child: FreeMap, off: number): void {
    if (child.size === 0) return;
    this.count++;
    if (this.count === 1 && !this.map) {
      this.single = { map: child, off };
      return;
    }
    this.materializeSingle();
    for (const [name, list] of child) this.push(name, { off, list });
  }

  addRef(name: string, start: number, end: number): void {
    this.count++;
    this.materializeSingle();
    const map = (this.map ??= new Map());
    const existing = map.get(name);
    if (existing) existing.spans.push(start, end);
    else map.set(name, { spans: [start, end], parts: [] });
  }

  build(): FreeMap {
    if (this.map) return this.map;
    if (this.single) {
      if (this.single.off === 0) return this.single.map;
      this.materializeSingle();
      return this.map!;
    }
    return EMPTY_FREE;
  }

  private materializeSingle(): void {
    if (!this.single) return;
    const { map: child, off } = this.single;
    this.single = undefined;
    for (const [name, list] of child) this.push(name, { off, list });
  }

  private push(name: string, part: { off: number; list: RefList }): void {
    const map = (this.map ??= new Map());
    const existing = map.get(name);
    if (existing) existing.parts.push(part);
    else map.set(name, { spans: [], parts: [part] });
  }
}

/** A copy of `map` without the names in `bound`; the same object when nothing is removed. */
export function withoutNames(map: FreeMap, bound: (name: string) => boolean): FreeMap {
  let out: Map<string, RefList> | undefined;
  for (const name of map.keys()) {
    if (bound(name)) {
      out ??= new Map(map);
      out.delete(name);
    }
  }
  return out ?? map;
}

/** Calls `visit` with the absolute [start, end) of every reference in `list`. */
export function forEachSpan(list: RefList, base: number, visit: (start: number, end: number) => void): void {
  const stack: { list: RefList; base: number }[] = [{ list, base }];
  while (stack.length > 0) {
    const { list: l, base: b } = stack.pop()!;
    for (let i = 0; i < l.spans.length; i += 2) visit(b + l.spans[i]!, b + l.spans[i + 1]!);
    for (const part of l.parts) stack.push({ list: part.list, base: b + part.off });
  }
}
