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

/**
 * Free variables by name, seen at offset `off` within their owner: wrapping a child's map at a
 * new offset costs one small object instead of a copy. Immutable once built: summaries share them.
 */
export class FreeMap {
  constructor(
    readonly map: ReadonlyMap<string, RefList>,
    readonly off: number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  /** The same references seen from a parent in which this subtree starts at `off`. */
  at(off: number): FreeMap {
    return off === 0 || this.map.size === 0 ? this : new FreeMap(this.map, this.off + off);
  }
}

export const EMPTY_FREE = new FreeMap(new Map(), 0);

/** Builds a FreeMap from children's maps (at their offsets) and single references. */
export class FreeMapBuilder {
  private map: Map<string, RefList> | undefined;
  private single: FreeMap | undefined;

  add(child: FreeMap, off: number): void {
    if (child.size === 0) return;
    if (!this.map && !this.single) {
      this.single = child.at(off);
      return;
    }
    this.materializeSingle();
    this.merge(child.map, child.off + off);
  }

  addRef(name: string, start: number, end: number): void {
    this.materializeSingle();
    const map = (this.map ??= new Map());
    const existing = map.get(name);
    if (existing) existing.spans.push(start, end);
    else map.set(name, { spans: [start, end], parts: [] });
  }

  build(): FreeMap {
    if (this.map) return new FreeMap(this.map, 0);
    return this.single ?? EMPTY_FREE;
  }

  private materializeSingle(): void {
    if (!this.single) return;
    const { map, off } = this.single;
    this.single = undefined;
    this.merge(map, off);
  }

  private merge(child: ReadonlyMap<string, RefList>, off: number): void {
    const map = (this.map ??= new Map());
    for (const [name, list] of child) {
      const existing = map.get(name);
      if (existing) existing.parts.push({ off, list });
      else map.set(name, { spans: [], parts: [{ off, list }] });
    }
  }
}

/** A copy of `free` without the names in `bound`; the same object when nothing is removed. */
export function withoutNames(free: FreeMap, bound: (name: string) => boolean): FreeMap {
  let out: Map<string, RefList> | undefined;
  for (const name of free.map.keys()) {
    if (bound(name)) {
      out ??= new Map(free.map);
      out.delete(name);
    }
  }
  return out ? new FreeMap(out, free.off) : free;
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
