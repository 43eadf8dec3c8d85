import type { SyntaxNode } from './syntax';
import type { Scope } from './model';
import { emptySet, fillSet } from './attrs';
import { bindSet } from './sets';
import type { Walk } from './walk';

/**
 * A syntax error: its names are never checked, but what parsed still scopes them. After
 * `let` or `rec` and bindings, or after a function's argument list, the rest of the error is
 * taken to be in their scope (the body, or the half-typed rest of the set).
 */
export function visitError(w: Walk, node: SyntaxNode, start: number, env: Scope | undefined): void {
  let scope = env;
  const kids = node.children;
  for (let i = 0; i < kids.length; i++) {
    const c = kids[i]!;
    const cStart = start + c.offset;
    const bindings = c.type === 'let' || c.type === 'rec' ? bindingsAfter(kids, i + 1) : undefined;
    if (bindings) {
      const bindingsAt = { node: bindings.node, start: start + bindings.node.offset };
      const draft = emptySet(true, c.type === 'let' ? { node, start } : bindingsAt);
      fillSet(draft, bindingsAt, w.text);
      // What follows is the body, or the rest of the `rec` set being typed: both see these names.
      scope = bindSet(w, draft, scope, 0, c.type === 'let' ? 'let' : 'rec');
      i = bindings.last;
    } else if (c.type === 'formals') {
      const entries = w.formals(c, cStart);
      const fn = w.scope('function', { start: cStart, end: start + node.length }, scope, { hasFormals: true, ellipsis: false, pattern: false, module: false, flakeOutputs: false });
      for (const e of entries) w.bind(fn, e.name, 'formal', [e.site], e.value);
      for (const e of entries) if (e.value) w.push(e.value.node, e.value.start, fn, 0);
      w.places.push({ start: cStart, end: start + node.length, scope: fn });
      scope = fn;
    } else {
      w.push(c, cStart, scope, 0);
    }
  }
}

/**
 * The bindings after `let` or `rec` in a syntax error: a `binding_set`, or bindings recovered one
 * by one (then gathered into a stand-in `binding_set`). Undefined when none follows.
 */
function bindingsAfter(kids: readonly SyntaxNode[], from: number): { node: SyntaxNode; last: number } | undefined {
  const first = kids[from];
  if (first?.type === 'binding_set') return { node: first, last: from };
  let last = from;
  while (kids[last]?.type === 'binding' || kids[last]?.type === 'inherit' || kids[last]?.type === 'inherit_from') last++;
  if (last === from) return undefined;
  const base = first!.offset;
  const end = kids[last - 1]!;
  const children = kids.slice(from, last).map((k) => ({ ...k, offset: k.offset - base }));
  return { node: { type: 'binding_set', offset: base, length: end.offset + end.length - base, children, incomplete: true, holdsRec: children.some((c) => c.holdsRec) }, last: last - 1 };
}
