import type { Finding, Fix } from './diagnostic';
import type { Binding, Placed, ScopeModel, Site } from '../scope/model';

/**
 * Lints: code Nix accepts that is probably not what was meant, or can be simpler. Each has a
 * stable code (switchable with `jetsonNix.lints.*`) and, where the change is obvious, a quick fix.
 * Every rule is chosen so that it is never wrong: no warning where the code is needed, and no fix
 * that changes what the code means. They are judged only on files that parse; while a line is
 * half-typed, its bindings would look unused.
 */
/** The codes of the lints (from the table of codes), which `jetson-nix check --no-lints` leaves out. */
export { LINT_CODES } from './codes';

export function lintFindings(model: ScopeModel): Finding[] {
  if (model.hasErrors) return [];
  const out: Finding[] = [];
  unusedBindings(model, out);
  unusedWiths(model, out);
  emptyLets(model, out);
  redundantRecs(model, out);
  deprecatedSyntax(model, out);
  uselessParens(model, out);
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

function finding(f: Omit<Finding, 'fixes'>, fix?: Fix): Finding {
  return fix ? { ...f, fixes: [fix] } : f;
}

/**
 * `let` bindings nothing uses (a use inside its own value does not count: `f = x: f x;` alone is
 * dead), and named arguments of a function nothing uses. Never for a module's arguments (the
 * module system passes them by name), nor with `...` or `@args` (the argument list documents
 * what callers pass), nor for a flake's outputs function (called with every input), nor for
 * names starting with `_`, the usual way to say "unused on purpose".
 */
function unusedBindings(model: ScopeModel, out: Finding[]): void {
  const legacy = new Set(model.notes.legacyLets.map((l) => l.start));
  for (const b of model.bindings) {
    if (b.name.startsWith('_') || b.references.some((r) => !inside(r, b.value))) continue;
    const site = b.sites[0]!;
    if (b.kind === 'let' && !legacy.has(b.scope.node.start)) {
      out.push(finding({ ...site, severity: 'warning', code: 'unused-binding', message: `\`${b.name}\` is bound but never used` }, removeBinding(model.text, b)));
    } else if (b.kind === 'formal') {
      const fn = b.scope.function;
      if (!fn || fn.ellipsis || fn.pattern || fn.module || fn.flakeOutputs || b.references.length > 0) continue;
      out.push({ ...site, severity: 'warning', code: 'unused-binding', message: `the argument \`${b.name}\` is never used` });
    }
  }
}

function inside(s: Site, value: Placed | undefined): boolean {
  return value !== undefined && s.start >= value.start && s.end <= value.start + value.node.length;
}

/** Removes a binding (its whole line when it is alone there), or its name from an `inherit` clause. */
function removeBinding(text: string, b: Binding): Fix | undefined {
  if (b.sites.length !== 1) return undefined;
  const title = `Remove the unused binding \`${b.name}\``;
  if (b.inherit) {
    if (b.inherit.names === 1) return { title, edits: [lineRemoval(text, b.inherit.clause.start, b.inherit.clause.end)] };
    const site = b.sites[0]!;
    let start = site.start;
    while (start > 0 && /[ \t]/.test(text[start - 1]!)) start--;
    return { title, edits: [{ start, end: site.end, newText: '' }] };
  }
  if (!b.value) return undefined;
  const semicolon = nextSignificant(text, b.value.start + b.value.node.length);
  if (text[semicolon] !== ';') return undefined;
  return { title, edits: [lineRemoval(text, b.sites[0]!.start, semicolon + 1)] };
}

/** The edit that deletes [start, end): with its line when nothing else is on it, else with one following space. */
function lineRemoval(text: string, start: number, end: number): { start: number; end: number; newText: string } {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const newline = text.indexOf('\n', end);
  const lineEnd = newline < 0 ? text.length : newline;
  if (/^[ \t]*$/.test(text.slice(lineStart, start)) && /^[ \t\r]*$/.test(text.slice(end, lineEnd))) {
    return { start: lineStart, end: newline < 0 ? lineEnd : newline + 1, newText: '' };
  }
  return { start, end: text[end] === ' ' ? end + 1 : end, newText: '' };
}

/** The offset of the next character that is neither space nor comment. */
function nextSignificant(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else break;
  }
  return i;
}

/**
 * A `with` no name in its body can come from: every name is bound by a `let`, an argument or a
 * builtin, which Nix always prefers. Removing it changes nothing (Nix evaluates the set only
 * when a name is looked up in it).
 */
function unusedWiths(model: ScopeModel, out: Finding[]): void {
  for (const s of model.scopes) {
    if (s.kind !== 'with' || s.used || !s.environment) continue;
    const semicolon = nextSignificant(model.text, s.environment.end);
    const fix: Fix | undefined =
      model.text[semicolon] === ';'
        ? { title: 'Remove this `with`', edits: [{ start: s.node.start, end: nextSignificant(model.text, semicolon + 1), newText: '' }] }
        : undefined;
    out.push(finding({ start: s.node.start, end: s.node.start + 4, severity: 'warning', code: 'unused-with', message: 'this `with` is not used: every name in its body is bound elsewhere' }, fix));
  }
}

function emptyLets(model: ScopeModel, out: Finding[]): void {
  for (const e of model.notes.emptyLets) {
    const fix: Fix | undefined = e.body ? { title: 'Remove the empty `let … in`', edits: [{ start: e.node.start, end: e.body.start, newText: '' }] } : undefined;
    out.push(finding({ start: e.node.start, end: e.node.start + 3, severity: 'hint', code: 'empty-let', message: 'this `let` binds nothing' }, fix));
  }
}

/** `rec { … }` whose attributes never refer to each other: a plain set means the same. */
function redundantRecs(model: ScopeModel, out: Finding[]): void {
  for (const r of model.notes.recSets) {
    if (!r.scope || [...r.scope.bindings.values()].some((b) => b.references.length > 0)) continue;
    const after = nextSignificant(model.text, r.node.start + 3);
    out.push(
      finding(
        { start: r.node.start, end: r.node.start + 3, severity: 'hint', code: 'redundant-rec', message: '`rec` is not needed: no attribute of this set refers to another' },
        { title: 'Remove `rec`', edits: [{ start: r.node.start, end: after, newText: '' }] },
      ),
    );
  }
}

function deprecatedSyntax(model: ScopeModel, out: Finding[]): void {
  for (const at of model.notes.legacyLets) {
    out.push(
      finding(
        { start: at.start, end: at.start + 3, severity: 'warning', code: 'deprecated-syntax', message: '`let { … }` is deprecated: write `let … in` and the value of `body` after `in`' },
        legacyLetFix(model, at),
      ),
    );
  }
  for (const u of model.notes.urls) {
    const url = model.text.slice(u.start, u.end);
    if (!looksLikeUrl(url)) continue;
    out.push(
      finding(
        { ...u, severity: 'warning', code: 'deprecated-syntax', message: 'URL literals are deprecated: write the URL as a string' },
        { title: `Quote the URL: "${url}"`, edits: [{ start: u.start, end: u.end, newText: `"${url}"` }] },
      ),
    );
  }
}

/**
 * Nix reads any `scheme:rest` as a URL literal, so `x:x` is the string "x:x", not a function.
 * That is a different mistake from an unquoted URL: only real URLs (`https://…`, `git+ssh://…`)
 * and flake references (`github:owner/repo`) are reported as deprecated syntax.
 */
function looksLikeUrl(text: string): boolean {
  return text.includes('://') || /^(?:github|gitlab|sourcehut|mirror|path|flake|tarball|file|git(?:\+\w+)?):/.test(text);
}

/**
 * `let { a = 1; body = f a; }` → `let a = 1; in f a`: the `{` goes, the `body` binding goes, the
 * `}` becomes `in` and the value of `body`. Only when nothing refers to `body` (which would no
 * longer be bound).
 */
function legacyLetFix(model: ScopeModel, at: Placed): Fix | undefined {
  const body = model.bindings.find((b) => b.scope.node.start === at.start && b.name === 'body');
  if (!body || body.references.length > 0 || body.sites.length !== 1 || !body.value || body.inherit) return undefined;
  const text = model.text;
  const open = nextSignificant(text, at.start + 3);
  const close = at.start + at.node.length - 1;
  const semicolon = nextSignificant(text, body.value.start + body.value.node.length);
  if (text[open] !== '{' || text[close] !== '}' || text[semicolon] !== ';') return undefined;
  const value = text.slice(body.value.start, body.value.start + body.value.node.length);
  return {
    title: 'Rewrite as `let … in`',
    edits: [
      { start: at.start, end: open + 1, newText: 'let' },
      lineRemoval(text, body.sites[0]!.start, semicolon + 1),
      { start: close, end: close + 1, newText: `in ${value}` },
    ],
  };
}

/** Expressions that need no parentheses anywhere: names, literals, lists, sets. */
const ATOMS = new Set([
  'variable_expression', 'integer_expression', 'float_expression', 'string_expression', 'indented_string_expression',
  'path_expression', 'hpath_expression', 'spath_expression', 'list_expression', 'attrset_expression', 'rec_attrset_expression',
]);
const SAFE_BEFORE = /[\s([{;=]/;
const SAFE_AFTER = /[\s)\]};]/;

/**
 * Parentheses whose removal can never change the meaning: around parentheses, around a name or a
 * literal, or around a whole binding value. A list element keeps them unless it is a single
 * atom (`[ (f x) ]` is one element, `[ f x ]` two). Only where the characters around stay
 * separate tokens without them (`f(x)` is left alone: `fx` is one name). Nested parentheses are
 * one finding, whose fix removes every pair that is not needed.
 */
function uselessParens(model: ScopeModel, out: Finding[]): void {
  const text = model.text;
  const byStart = new Map(model.notes.parens.map((p) => [p.node.start, p]));
  const nested = new Set<number>();
  for (const p of model.notes.parens) if (p.inner.node.type === 'parenthesized_expression') nested.add(p.inner.start);
  for (const head of model.notes.parens) {
    if (nested.has(head.node.start)) continue; // part of the run its outermost pair reports
    const run = [head];
    for (let next = byStart.get(head.inner.start); next; next = byStart.get(next.inner.start)) run.push(next);
    const innermost = run[run.length - 1]!;
    const open = head.node.start;
    const close = open + head.node.node.length - 1;
    const before = open > 0 ? text[open - 1]! : ' ';
    const after = close + 1 < text.length ? text[close + 1]! : ' ';
    const separate = SAFE_BEFORE.test(before) && SAFE_AFTER.test(after);
    const allGo = separate && (ATOMS.has(innermost.inner.node.type) || head.context === 'binding-value');
    const removed = allGo ? run : run.slice(0, -1);
    if (removed.length === 0) continue;
    const edits: Fix['edits'] = [];
    for (const p of removed) {
      const end = p.node.start + p.node.node.length - 1;
      edits.push({ start: p.node.start, end: p.node.start + 1, newText: '' }, { start: end, end: end + 1, newText: '' });
    }
    const message = allGo ? 'these parentheses are not needed' : 'these parentheses are doubled';
    out.push(finding({ start: open, end: close + 1, severity: 'hint', code: 'useless-parens', message }, { title: 'Remove the parentheses that are not needed', edits }));
  }
}
