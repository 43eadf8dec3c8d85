import type { Finding } from './diagnostic';

/**
 * The static attributes an attribute set defines, shaped as Nix's parser builds them: `a.b = 1;`
 * creates a nested set `a` that later `a.c = 2;` or `a = { d = 3; };` may extend. Offsets are
 * relative to the owner (the binding set being checked, or the literal a summary describes).
 */
export interface AttrEntry {
  start: number;
  end: number;
  /** `inherit a;` and `inherit (x) a;` entries can never be extended. */
  inherited: boolean;
  /** Present when the value is an attribute set literal (or a set created by a dotted path). */
  sub?: AttrTree;
}

export type AttrTree = Map<string, AttrEntry>;

/** One element of an attribute path: a static name, or a dynamic `${…}` / interpolated string. */
export interface PathElement {
  name: string | undefined;
  start: number;
  end: number;
}

/**
 * How deep nested set literals are followed for duplicate checks. Copying a value's tree into
 * each enclosing set costs its size, so following every level of 3,000 nested sets would cost
 * millions of copies; duplicates deeper than this in merged literals are not looked for.
 */
const MAX_TREE_DEPTH = 32;

export function cloneTree(tree: AttrTree, off: number, depth = MAX_TREE_DEPTH): AttrTree {
  const out: AttrTree = new Map();
  for (const [name, e] of tree) {
    const copy: AttrEntry = { start: e.start + off, end: e.end + off, inherited: e.inherited };
    // Below the depth limit an entry keeps no sub-tree: it can no longer be extended or merged.
    if (e.sub && depth > 1) copy.sub = cloneTree(e.sub, off, depth - 1);
    else if (e.sub) copy.sub = new Map();
    out.set(name, copy);
  }
  return out;
}

function duplicate(name: string, at: PathElement | AttrEntry, first: AttrEntry): Finding {
  return {
    start: at.start,
    end: at.end,
    severity: 'error',
    code: 'duplicate-attribute',
    message: `attribute \`${name}\` is already defined on line {line}`,
    related: { start: first.start, end: first.end, message: `\`${name}\` is first defined here` },
  };
}

/**
 * Adds `path = value` to `tree` exactly as Nix's `addAttr` does, reporting what Nix rejects:
 * a prefix of the path that is already a non-set value or inherited, or a final name already
 * defined unless both definitions are attribute set literals (whose keys are then merged, one
 * level deep).
 */
export function addPath(
  tree: AttrTree,
  path: PathElement[],
  value: AttrTree | undefined,
  findings: Finding[],
): void {
  let cur = tree;
  const names: string[] = [];
  for (let i = 0; i < path.length - 1; i++) {
    const el = path[i]!;
    if (el.name === undefined) {
      cur = new Map();
      names.push('${…}');
      continue;
    }
    names.push(el.name);
    const existing = cur.get(el.name);
    if (existing) {
      if (existing.inherited || !existing.sub) {
        const last = path[path.length - 1]!;
        findings.push(duplicate(pathText(path), { ...el, end: last.end }, existing));
        return;
      }
      cur = existing.sub;
    } else {
      const nested: AttrTree = new Map();
      cur.set(el.name, { start: el.start, end: el.end, inherited: false, sub: nested });
      cur = nested;
    }
  }
  const last = path[path.length - 1]!;
  if (last.name === undefined) return;
  names.push(last.name);
  const existing = cur.get(last.name);
  if (!existing) {
    const entry: AttrEntry = { start: last.start, end: last.end, inherited: false };
    if (value) entry.sub = value;
    cur.set(last.name, entry);
    return;
  }
  if (existing.sub && !existing.inherited && value) {
    for (const [key, entry] of value) {
      const clash = existing.sub.get(key);
      if (clash) findings.push(duplicate([...names, key].join('.'), entry, clash));
      else existing.sub.set(key, entry);
    }
    return;
  }
  findings.push(duplicate(names.join('.'), last, existing));
}

/** Adds the names of an `inherit` clause; each must be new at the top level of the set. */
export function addInherited(tree: AttrTree, names: PathElement[], findings: Finding[]): void {
  for (const el of names) {
    if (el.name === undefined) continue;
    const existing = tree.get(el.name);
    if (existing) findings.push(duplicate(el.name, el, existing));
    else tree.set(el.name, { start: el.start, end: el.end, inherited: true });
  }
}

function pathText(path: PathElement[]): string {
  return path.map((p) => p.name ?? '${…}').join('.');
}
