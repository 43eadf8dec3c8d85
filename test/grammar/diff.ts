// A small line diff (longest common subsequence) for readable snapshot failures:
// '-' lines are expected (the snapshot), '+' lines are actual.

/** Returns a unified-style diff of two texts, with `context` unchanged lines around each change. */
export function lineDiff(expected: string, actual: string, context = 3): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = length of the longest common subsequence of a[i..] and b[j..]
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i]!;
    const next = lcs[i + 1]!;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = a[i] === b[j] ? next[j + 1]! + 1 : Math.max(next[j]!, row[j + 1]!);
    }
  }
  type Op = { kind: ' ' | '-' | '+'; text: string; lineA: number; lineB: number };
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i]!, lineA: i, lineB: j });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ kind: '-', text: a[i]!, lineA: i, lineB: j });
      i++;
    } else {
      ops.push({ kind: '+', text: b[j]!, lineA: i, lineB: j });
      j++;
    }
  }
  const out: string[] = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.kind === ' ') {
      k++;
      continue;
    }
    // a hunk: from `context` lines before this change to `context` lines after the last nearby change
    let start = Math.max(0, k - context);
    let end = k;
    while (end < ops.length) {
      if (ops[end]!.kind !== ' ') {
        end++;
        continue;
      }
      let run = 0;
      while (end + run < ops.length && ops[end + run]!.kind === ' ') run++;
      if (end + run >= ops.length || run > 2 * context) {
        end = Math.min(ops.length, end + context);
        break;
      }
      end += run;
    }
    const first = ops[start]!;
    // In snapshots, name the source line ("> …") the hunk belongs to.
    let source = '';
    for (let s = k; s >= 0; s--) {
      if (ops[s]!.kind !== '+' && ops[s]!.text.startsWith('> ')) {
        source = ` in: ${ops[s]!.text}`;
        break;
      }
    }
    out.push(`@@ expected line ${first.lineA + 1}, actual line ${first.lineB + 1}${source} @@`);
    for (; start < end; start++) out.push(`${ops[start]!.kind} ${ops[start]!.text}`);
    k = end;
  }
  return out.join('\n');
}
