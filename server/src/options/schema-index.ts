import type { OptionDecl, OptionType, Schema, SomFacts } from '../schema/types';

/** Edit distance, for "did you mean". Small inputs only (option names). */
export function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest of `candidates` to `word`, best first, only those close enough to be a typo. */
export function closest(word: string, candidates: Iterable<string>, max = 3, limit = Math.max(2, Math.floor(word.length / 3))): string[] {
  const scored: [string, number][] = [];
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    const prefixBonus = c.startsWith(word) || word.startsWith(c) ? -1 : 0;
    if (d <= limit) scored.push([c, d + prefixBonus]);
  }
  scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  // Only the best matches: a clear typo fix is worth more than a list of look-alikes.
  const best = scored[0]?.[1];
  return scored.filter(([, d]) => d === best).slice(0, max).map(([c]) => c);
}

let generations = 0;

/** Options by name with their prefixes, for lookups while walking definitions. */
export class OptionIndex {
  /** Distinguishes indexes, so results judged against one are not reused for another (a live schema swapped in). */
  readonly generation = ++generations;
  readonly byName = new Map<string, OptionDecl>();
  private readonly prefixes = new Set<string>();
  readonly soms = new Map<string, SomFacts>();

  constructor(
    readonly schema: Schema,
    extra: OptionDecl[] = [],
    /**
     * Set when this schema stands in for a jetpack-nixos revision it may not describe (flake.lock
     * pins another one we cannot read): why, in words. Verdicts against it are then only notes.
     */
    readonly unverified?: string,
  ) {
    for (const o of [...schema.options, ...extra]) this.add(o);
    for (const s of schema.soms) this.soms.set(s.som, s);
  }

  /** Adds a declaration; a second enum declaration of the same option extends its values, as NixOS merges them. */
  add(o: OptionDecl): void {
    const existing = this.byName.get(o.name);
    if (existing && existing.type.kind === 'enum' && o.type.kind === 'enum') {
      const values = [...existing.type.values, ...o.type.values.filter((v) => !(existing.type as { values: unknown[] }).values.includes(v))];
      this.byName.set(o.name, { ...existing, type: { kind: 'enum', values } });
      return;
    }
    // A re-declaration whose type we cannot read may extend the values: judge no value then.
    if (existing && existing.type.kind === 'enum' && o.type.kind === 'unknown') {
      this.byName.set(o.name, { ...existing, type: o.type });
      return;
    }
    if (existing) return;
    this.byName.set(o.name, o);
    const parts = o.name.split('.');
    for (let i = 1; i < parts.length; i++) this.prefixes.add(parts.slice(0, i).join('.'));
  }

  /** The option that `path` names or lies below, with the names below it. */
  lookup(path: string[]): { decl: OptionDecl; rest: string[] } | undefined {
    for (let i = path.length; i > 0; i--) {
      const decl = this.byName.get(path.slice(0, i).join('.'));
      if (decl) return { decl, rest: path.slice(i) };
    }
    return undefined;
  }

  isPrefix(path: string[]): boolean {
    return this.prefixes.has(path.join('.'));
  }

  /** The owned namespace `path` falls in (every name below it is known), if any. */
  ownedBy(path: string[]): string | undefined {
    const joined = path.join('.');
    return this.schema.ownedNamespaces.find((ns) => joined.startsWith(ns + '.'));
  }

  /** Options directly below `prefix` (names of the next level), for completion and did-you-mean. */
  childrenOf(prefix: string[]): string[] {
    const p = prefix.join('.') + (prefix.length ? '.' : '');
    const out = new Set<string>();
    for (const name of this.byName.keys()) {
      if (!name.startsWith(p)) continue;
      out.add(name.slice(p.length).split('.')[0]!);
    }
    return [...out];
  }

  /** Full option names near `path` (did you mean), for an unknown name. */
  suggest(path: string[], namespace: string): string[] {
    const names = [...this.byName.values()].filter((o) => o.name.startsWith(namespace + '.') && !o.renamedTo && !o.internal).map((o) => o.name);
    // The right name at the wrong depth: `…jetpack.uefi.logo` for `…jetpack.firmware.uefi.logo`.
    const rest = path.slice(namespace.split('.').length).join('.');
    const deeper = names.filter((n) => n.endsWith('.' + rest));
    if (rest && deeper.length > 0) return deeper.slice(0, 3);
    // A name cut short: `profile` for `profileNumber`.
    const parent = path.slice(0, -1).join('.');
    const last = path[path.length - 1]!;
    const longer = names.filter((n) => n.startsWith(parent + '.' + last) && last.length >= 3 && n.split('.').length === path.length);
    if (longer.length > 0) return longer.slice(0, 3);
    // Compare what follows the namespace, and only names of about the same length: a typo fix
    // changes a few characters, and the edit distance of everything else need not be computed.
    const typed = path.join('.');
    const limit = Math.max(2, Math.floor(typed.length / 3));
    const near = names.filter((n) => Math.abs(n.length - typed.length) <= limit);
    return closest(typed.slice(namespace.length + 1), near.map((n) => n.slice(namespace.length + 1)), 3, Math.max(2, Math.floor(rest.length / 3))).map((n) => `${namespace}.${n}`);
  }
}

/** The type below `nullOr`, which literals other than `null` must match. */
export function nonNull(t: OptionType): OptionType {
  return t.kind === 'nullOr' ? nonNull(t.of) : t;
}

/** A type in words, for messages: "a boolean", "one of \"5\", \"6\", \"7\"", "a list of strings". */
export function describeType(t: OptionType): string {
  switch (t.kind) {
    case 'bool':
      return 'a boolean (`true` or `false`)';
    case 'int':
      return 'an integer';
    case 'ints.positive':
      return 'a positive integer';
    case 'ints.unsigned':
      return 'an integer ≥ 0';
    case 'ints.between':
      return `an integer from ${t.min} to ${t.max}`;
    case 'float':
      return 'a floating-point number';
    case 'number':
      return 'a number';
    case 'str':
      return 'a string';
    case 'lines':
      return 'a string (lines)';
    case 'path':
      return 'a path';
    case 'package':
      return 'a package';
    case 'enum':
      return 'one of ' + t.values.map((v) => JSON.stringify(v)).join(', ');
    case 'nullOr':
      return `null or ${describeType(t.of)}`;
    case 'listOf':
      return `a list of ${describeType(t.of).replace(/^an? /, '')}${t.of.kind === 'enum' ? '' : 's'}`.replace(/ss$/, 's');
    case 'attrsOf':
      return `an attribute set of ${describeType(t.of).replace(/^an? /, '')}`;
    case 'oneOf':
      return t.of.map(describeType).join(' or ');
    case 'submodule':
      return 'an attribute set of options';
    case 'functionTo':
      return 'a function';
    case 'anything':
      return 'any value';
    default:
      return t.text;
  }
}
