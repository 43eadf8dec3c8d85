import type { Attr, AttrSet, Binding, Placed, ScopeModel, Site } from './model';
import { expandLiteral, isSetLiteral, pathElements, staticName, unparen } from './attrs';
import { referenceAt } from './query';

/**
 * The attribute sets a file defines statically, followed through names: `cfg.` after
 * `cfg = { … }`, the attribute `inherit (x) a;` takes, a flake's inputs. Computed on request;
 * nothing is evaluated, so anything computed (a call, an `if`, `//`) is simply unknown.
 */

/** Variables followed to their values at most this many times (`let a = b; b = a;` ends). */
const MAX_STEPS = 16;

const literals = new WeakMap<ScopeModel, Map<number, AttrSet>>();

function literal(model: ScopeModel, at: Placed): AttrSet {
  let cache = literals.get(model);
  if (!cache) literals.set(model, (cache = new Map()));
  let set = cache.get(at.start);
  if (!set) cache.set(at.start, (set = expandLiteral(at, model.text)));
  return set;
}

/** The attribute set an expression is, when the file says so. */
export function setOfExpression(model: ScopeModel, at: Placed | undefined, steps = 0): AttrSet | undefined {
  if (!at || steps > MAX_STEPS) return undefined;
  const e = unparen(at);
  if (isSetLiteral(e)) return literal(model, e);
  if (e.node.type === 'variable_expression') {
    const ref = referenceAt(model, e.start);
    return ref?.binding ? setOfBinding(model, ref.binding, steps + 1) : undefined;
  }
  if (e.node.type === 'select_expression' && e.node.children.length === 2) {
    const [base, path] = e.node.children;
    if (path?.type !== 'attrpath') return undefined;
    const names = pathElements({ node: path, start: e.start + path.offset }, model.text).map((p) => p.name);
    if (names.some((n) => n === undefined)) return undefined;
    const attr = followPath(model, setOfExpression(model, { node: base!, start: e.start + base!.offset }, steps + 1), names as string[], steps + 1);
    return attr ? setOfAttr(model, attr, steps + 1) : undefined;
  }
  return undefined;
}

/** The attribute set a binding's value is. */
export function setOfBinding(model: ScopeModel, b: Binding, steps = 0): AttrSet | undefined {
  if (b.attrs) return b.attrs;
  if (b.inherit?.from) {
    const attr = setOfExpression(model, b.inherit.from, steps + 1)?.attrs.get(b.name);
    return attr ? setOfAttr(model, attr, steps + 1) : undefined;
  }
  return setOfExpression(model, b.value, steps + 1);
}

export function setOfAttr(model: ScopeModel, attr: Attr, steps = 0): AttrSet | undefined {
  return attr.sub ?? setOfExpression(model, attr.value, steps + 1);
}

/** The attribute at `names` below a set. */
export function followPath(model: ScopeModel, set: AttrSet | undefined, names: string[], steps = 0): Attr | undefined {
  let cur = set;
  let attr: Attr | undefined;
  for (let i = 0; i < names.length; i++) {
    attr = cur?.attrs.get(names[i]!);
    if (!attr) return undefined;
    if (i < names.length - 1) cur = setOfAttr(model, attr, steps + 1);
  }
  return attr;
}

/** The set the whole file is (through parentheses), when it is a literal: a flake, a plain module. */
function topSet(model: ScopeModel): AttrSet | undefined {
  const expression = model.root.type === 'source_code' ? model.root.children[0] : undefined;
  if (!expression) return undefined;
  const at = unparen({ node: expression, start: model.root.offset + expression.offset });
  return isSetLiteral(at) ? literal(model, at) : undefined;
}

/** A flake's inputs as declared in `inputs = { … }` or `inputs.<name>.url = …`: name → where. */
export function flakeInputs(model: ScopeModel): Map<string, Site> {
  const out = new Map<string, Site>();
  const inputs = topSet(model)?.attrs.get('inputs');
  const set = inputs ? setOfAttr(model, inputs) : undefined;
  if (set) for (const [name, attr] of set.attrs) out.set(name, attr.sites[0]!);
  return out;
}

/** The static names of an attribute path node's elements (undefined where one is computed). */
export function staticNames(model: ScopeModel, path: Placed): (string | undefined)[] {
  return path.node.children.map((c) => staticName({ node: c, start: path.start + c.offset }, model.text));
}
