/**
 * Edit distance for did-you-mean: insertions, deletions, substitutions and swaps of two
 * neighbouring characters each cost one (the "optimal string alignment" distance), so
 * `nav2-bringpu` is one step from `nav2-bringup`.
 */

/** The distance between `a` and `b`, or `max + 1` as soon as it is certain to exceed `max`. */
export function editDistance(a: string, b: string, max = Number.MAX_SAFE_INTEGER): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a === b) return 0;
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = current[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current[j] = d;
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length]!;
}

/** How many edits a name of this length may be from a suggestion: 1 up to 4 characters, 2 up to 10, then 3. */
export function typoBudget(length: number): number {
  return length <= 4 ? 1 : length <= 10 ? 2 : 3;
}

/**
 * The candidates within the typo budget of `name`, closest first (then the longest common
 * start, then alphabetical), at most `limit` of them. Case differences cost nothing extra:
 * both sides are compared in lower case, and an exact match in another case ranks first.
 */
export function closest(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const budget = typoBudget(name.length);
  const lower = name.toLowerCase();
  const found: { c: string; d: number; prefix: number }[] = [];
  for (const c of candidates) {
    if (c === name) continue;
    const d = editDistance(lower, c.toLowerCase(), budget);
    if (d <= budget) found.push({ c, d, prefix: commonPrefix(lower, c.toLowerCase()) });
  }
  found.sort((x, y) => x.d - y.d || y.prefix - x.prefix || (x.c < y.c ? -1 : x.c > y.c ? 1 : 0));
  return found.slice(0, limit).map((f) => f.c);
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
