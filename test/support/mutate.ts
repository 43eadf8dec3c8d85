/**
 * Deterministic mutations of Nix source for differential testing: a token deleted, a token
 * inserted, a name changed, a line duplicated. Tokens are found with a rough lexer; precision does
 * not matter, since every mutant is judged by real Nix.
 */
const TOKEN =
  /\s+|#[^\n]*|\/\*[\s\S]*?\*\/|"(?:\\[\s\S]|[^"\\])*"|''|\$\{|\.\.\.|\/\/|->|\+\+|==|!=|<=|>=|&&|\|\||[A-Za-z_][A-Za-z0-9_'-]*|\d+(?:\.\d*)?|[\s\S]/g;

const INSERTS = [';', '{', '}', '(', ')', '[', ']', '=', ',', '.', ':', 'let', 'in', '"', "''", 'rec', 'inherit', 'x', '...', '?', '@', '/', '//', 'with', 'or', '${', '1', 'if', 'then', 'else', 'a.b', '#', '/*'];

export interface Mutant {
  kind: 'delete' | 'insert' | 'rename' | 'duplicate-line';
  description: string;
  text: string;
}

interface Token {
  text: string;
  start: number;
}

function tokens(src: string): Token[] {
  const out: Token[] = [];
  for (const m of src.matchAll(TOKEN)) {
    const t = m[0];
    if (/^\s/.test(t) || t.startsWith('#') || t.startsWith('/*')) continue;
    out.push({ text: t, start: m.index! });
  }
  return out;
}

/** A small seeded PRNG (mulberry32) so that failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mutants(src: string, seed: number, count: number): Mutant[] {
  const random = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  const toks = tokens(src);
  if (toks.length === 0) return [];
  const out: Mutant[] = [];
  const kinds: Mutant['kind'][] = ['delete', 'insert', 'rename', 'duplicate-line'];
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % kinds.length]!;
    const t = pick(toks);
    const line = src.slice(0, t.start).split('\n').length;
    if (kind === 'delete') {
      out.push({ kind, description: `deleted \`${t.text.slice(0, 20)}\` on line ${line}`, text: src.slice(0, t.start) + src.slice(t.start + t.text.length) });
    } else if (kind === 'insert') {
      const ins = pick(INSERTS);
      out.push({ kind, description: `inserted \`${ins}\` before line ${line}`, text: src.slice(0, t.start) + ins + ' ' + src.slice(t.start) });
    } else if (kind === 'rename') {
      const names = toks.filter((x) => /^[A-Za-z_]/.test(x.text) && !/^(let|in|rec|with|if|then|else|assert|inherit|or)$/.test(x.text));
      if (names.length === 0) continue;
      const n = pick(names);
      const l = src.slice(0, n.start).split('\n').length;
      out.push({ kind, description: `renamed \`${n.text}\` to \`${n.text}Q\` on line ${l}`, text: src.slice(0, n.start) + n.text + 'Q' + src.slice(n.start + n.text.length) });
    } else {
      const lines = src.split('\n');
      const candidates = lines.map((l, idx) => ({ l, idx })).filter(({ l }) => /=.*;\s*$/.test(l));
      if (candidates.length === 0) continue;
      const { idx } = pick(candidates);
      lines.splice(idx, 0, lines[idx]!);
      out.push({ kind, description: `duplicated line ${idx + 1}`, text: lines.join('\n') });
    }
  }
  return out;
}
