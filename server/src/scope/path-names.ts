import { CUR_POS } from '../analysis/builtins';
import type { Placed, Site } from './model';

const NAME = /^[A-Za-z_][A-Za-z0-9_'-]*/;
const DOTTED = /^([A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*)?$/;

/**
 * The variables hidden in what tree-sitter reads as a path: Nix's lexer reads `a//b` as the
 * update of two variables (`a // b`), and `a.b//c` as `a.b // c`. Only the first fragment can
 * hold them; past a part that is really a path, the diagnostics report the `//` instead.
 */
export function pathVariables(path: Placed, text: string): (Site & { name: string })[] {
  const first = path.node.children[0];
  if (!first || first.type !== 'path_fragment' || first.offset !== 0) return [];
  const start = path.start;
  const fragment = text.slice(start, start + first.length);
  const out: (Site & { name: string })[] = [];
  const add = (part: string, at: number) => {
    const name = NAME.exec(part)?.[0];
    if (name && name !== CUR_POS) out.push({ name, start: start + at, end: start + at + name.length });
  };
  let at = 0;
  let rest = fragment;
  for (let cut = rest.indexOf('//'); cut >= 0; cut = rest.indexOf('//')) {
    const before = rest.slice(0, cut);
    if (before.includes('/') || !DOTTED.test(before)) return out;
    add(before, at);
    at += cut + 2;
    rest = rest.slice(cut + 2);
  }
  if (at > 0 && !rest.includes('/')) add(rest, at);
  return out;
}
