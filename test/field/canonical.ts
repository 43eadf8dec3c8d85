/**
 * A canonical form of `nix-instantiate --parse` output. Nix 2.8 prints the attributes of a set,
 * the bindings of a `let` and the formals of a function in the order of its symbol table (by
 * address), not of the source: the same file parsed after different files prints them in a
 * different order. Sorting them makes two outputs equal exactly when they mean the same.
 *
 * What Nix 2.8 prints, as far as it matters here: strings are `"…"` with `\` escapes (an
 * interpolation in a string is printed as `(a + b)`, so a string never holds `${`); a dynamic
 * attribute name is `"${expr}"`; every expression is parenthesized except `assert c; e`, which is
 * the only `;` inside an attribute value.
 */

type Token = { kind: 'text'; text: string } | { kind: 'group'; open: string; close: string; children: Token[] };

const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}', '"${': '}"' };

/** Splits the output into text (string literals included) and bracketed groups. */
function tokenize(output: string): Token[] {
  const root: Token[] = [];
  const stack: { open: string; children: Token[] }[] = [{ open: '', children: root }];
  let text = '';
  const top = () => stack[stack.length - 1]!;
  const flush = () => {
    if (text) top().children.push({ kind: 'text', text });
    text = '';
  };
  for (let i = 0; i < output.length; i++) {
    const c = output[i]!;
    if (c === '"' && output.startsWith('"${', i)) {
      flush();
      stack.push({ open: '"${', children: [] });
      i += 2;
    } else if (c === '"') {
      // A string literal: opaque text up to the closing quote.
      let j = i + 1;
      while (j < output.length && output[j] !== '"') j += output[j] === '\\' ? 2 : 1;
      text += output.slice(i, j + 1);
      i = j;
    } else if (c === '(' || c === '[' || c === '{') {
      flush();
      stack.push({ open: c, children: [] });
    } else if (stack.length > 1 && output.startsWith(CLOSE[top().open]!, i)) {
      flush();
      const group = stack.pop()!;
      top().children.push({ kind: 'group', open: group.open, close: CLOSE[group.open]!, children: group.children });
      i += CLOSE[group.open]!.length - 1;
    } else {
      text += c;
    }
  }
  flush();
  // Unbalanced output (not expected from Nix) stays as it was.
  while (stack.length > 1) {
    const group = stack.pop()!;
    top().children.push({ kind: 'text', text: group.open }, ...group.children);
  }
  return root;
}

/**
 * Splits rendered pieces at `sep` outside groups and string literals. With `;`, each top-level
 * `assert` owns the next `;` (`a = assert c; e;` is one attribute).
 */
function split(pieces: { text: string; opaque: boolean }[], sep: ';' | ','): string[] {
  const items: string[] = [];
  let current = '';
  let asserts = 0;
  for (const p of pieces) {
    if (p.opaque) {
      current += p.text;
      continue;
    }
    for (let i = 0; i < p.text.length; i++) {
      const c = p.text[i]!;
      if (c === '"') {
        // A string literal inside a text piece: copy it whole.
        let j = i + 1;
        while (j < p.text.length && p.text[j] !== '"') j += p.text[j] === '\\' ? 2 : 1;
        current += p.text.slice(i, j + 1);
        i = j;
        continue;
      }
      if (sep === ';' && p.text.startsWith('assert ', i) && !/[A-Za-z0-9_'-]$/.test(current)) asserts++;
      if (c === sep && asserts > 0 && sep === ';') {
        asserts--;
        current += c;
      } else if (c === sep) {
        items.push(current.trim());
        current = '';
      } else {
        current += c;
      }
    }
  }
  items.push(current.trim());
  return items;
}

function render(tokens: Token[]): { text: string; opaque: boolean }[] {
  return tokens.map((t) => (t.kind === 'text' ? { text: t.text, opaque: false } : { text: renderGroup(t), opaque: true }));
}

function renderGroup(group: Extract<Token, { kind: 'group' }>): string {
  const pieces = render(group.children);
  const flat = pieces.map((p) => p.text).join('');
  if (group.open === '{') {
    const attrs = pieces.some((p) => !p.opaque && p.text.includes(';'));
    const items = split(pieces, attrs ? ';' : ',').filter((s) => s !== '');
    items.sort();
    return attrs ? `{ ${items.map((s) => `${s};`).join(' ')} }` : `{ ${items.join(', ')} }`;
  }
  if (group.open === '(' && flat.startsWith('let ')) {
    const items = split(pieces, ';');
    if (items.length < 2) return `(${flat})`;
    items[0] = items[0]!.slice('let '.length).trim();
    const body = items.pop()!;
    items.sort();
    return `(let ${items.map((s) => `${s};`).join(' ')} ${body})`;
  }
  return `${group.open}${flat}${group.close}`;
}

/** The output with every set, `let` and formals list in sorted order. */
export function canonicalParse(output: string): string {
  return render(tokenize(output))
    .map((p) => p.text)
    .join('');
}
