import { CUR_POS, GLOBAL_NAMES } from '../analysis/builtins';
import type { SyntaxNode } from './syntax';
import type { Binding, BindingKind, FunctionInfo, ParenContext, Placed, Reference, ReferenceKind, Scope, ScopeKind, ScopeModel, Site, SyntaxNotes } from './model';
import { emptySet, expandLiteral, fillSet, unparen, type SetDraft } from './attrs';
import { CHECKED, CONTEXT, IN_BINDING, IN_LIST, type Walk } from './walk';
import { bindSet, plainSet, simpleRecursiveSet } from './sets';
import { visitError } from './recovery';
import { pathVariables } from './path-names';

/** Words Nix's lexer reads as keywords: never variables (the diagnostics report them). */
const RESERVED = new Set(['in', 'let', 'if', 'then', 'else', 'assert', 'with', 'rec', 'inherit']);
/** Arguments only the NixOS module system passes: a function taking one is a module. */
const MODULE_ARGUMENTS = new Set(['config', 'lib', 'pkgs', 'options', 'modulesPath']);
/** Keys only a module's result has. */
const MODULE_KEYS = new Set(['imports', 'options', 'config']);

/** Nodes are visited by recursion this deep, and queued below (see `push`). */
const MAX_DEPTH = 400;

/**
 * Builds the scope model of a document from its syntax copy, with Nix's rules:
 *
 * - a name resolves to the innermost `let`, `rec` attribute or function argument that binds it;
 *   failing that, to a builtin (builtins are bound outside everything, so a `with` never hides
 *   `map` or `true`); failing that, to the innermost `with` around it, at run time;
 * - a `let`'s and a `rec` set's values see all of its names; a plain set's values see only the
 *   scope around it; `inherit a;` reads `a` from the scope around the set, while the source of
 *   `inherit (x) a;` is evaluated inside it; a function's defaults see all of its arguments;
 * - attributes merged into a set (`a = rec { x = 1; }; a.y = x;`) are bound in that set's scope,
 *   and a set merged into a plain one loses its `rec` (as Nix 2.8 does).
 *
 * One pass, by recursion that turns to a work list when deep (so nesting cannot overflow the
 * stack), kept to a few allocations per node: it runs after every edit, for the diagnostics.
 */
export function buildScopeModel(root: SyntaxNode, text: string, hasErrors: boolean): ScopeModel {
  return new Builder(text).run(root, hasErrors);
}

class Builder implements Walk {
  private readonly bindings: Binding[] = [];
  private readonly references: Reference[] = [];
  private readonly scopes: Scope[] = [];
  readonly places: { start: number; end: number; scope: Scope | undefined }[] = [];
  readonly keys: number[] = [];
  readonly notes: SyntaxNotes = { emptyLets: [], legacyLets: [], urls: [], parens: [], recSets: [] };
  private readonly members: number[] = [];
  readonly outputFunctions = new Set<number>();
  readonly boundClauses = new Set<number>();
  // The work list, as parallel arrays: a set task has `set` and no node.
  private readonly taskNode: (SyntaxNode | undefined)[] = [];
  private readonly taskStart: number[] = [];
  private readonly taskEnv: (Scope | undefined)[] = [];
  private readonly taskFlags: number[] = [];
  private readonly taskSet: (SetDraft | undefined)[] = [];
  private depth = 0;

  constructor(readonly text: string) {}

  run(root: SyntaxNode, hasErrors: boolean): ScopeModel {
    this.push(root, root.offset, undefined, CHECKED);
    while (this.taskFlags.length > 0) {
      const node = this.taskNode.pop();
      const start = this.taskStart.pop()!;
      const env = this.taskEnv.pop();
      const flags = this.taskFlags.pop()!;
      const set = this.taskSet.pop();
      if (set) bindSet(this, set, env, flags);
      else if (node) this.visit(node, start, env, flags);
    }
    this.references.sort((a, b) => a.start - b.start);
    return {
      text: this.text,
      root,
      bindings: this.bindings,
      references: this.references,
      scopes: this.scopes,
      places: this.places,
      keys: this.keys,
      builtinMembers: this.builtinMembers(),
      notes: this.notes,
      hasErrors,
    };
  }

  /**
   * Visits a node now, or queues it once the walk is deep: recursion is faster, the queue keeps
   * deeply nested input from overflowing the stack.
   */
  push(node: SyntaxNode, start: number, env: Scope | undefined, flags: number): void {
    if (this.depth < MAX_DEPTH) {
      this.depth++;
      this.visit(node, start, env, flags);
      this.depth--;
      return;
    }
    this.taskNode.push(node);
    this.taskStart.push(start);
    this.taskEnv.push(env);
    this.taskFlags.push(flags);
    this.taskSet.push(undefined);
  }

  pushSet(set: SetDraft, env: Scope | undefined, flags: number): void {
    if (this.depth < MAX_DEPTH) {
      this.depth++;
      bindSet(this, set, env, flags);
      this.depth--;
      return;
    }
    this.taskNode.push(undefined);
    this.taskStart.push(0);
    this.taskEnv.push(env);
    this.taskFlags.push(flags);
    this.taskSet.push(set);
  }

  private visit(node: SyntaxNode, start: number, env: Scope | undefined, flags: number): void {
    switch (node.type) {
      case 'variable_expression': {
        const name = this.text.slice(start, start + node.length);
        if (!RESERVED.has(name) && name !== CUR_POS) this.reference(name, start, start + node.length, 'variable', env, flags);
        return;
      }
      case 'function_expression':
        return this.func(node, start, env, flags);
      case 'let_expression':
        return this.letExpression(node, start, env, flags);
      case 'attrset_expression':
        if (!plainSet(this, node, start, env, flags)) bindSet(this, expandLiteral({ node, start }, this.text), env, flags & CHECKED);
        return;
      case 'rec_attrset_expression':
      case 'let_attrset_expression':
        if (node.type === 'let_attrset_expression') this.notes.legacyLets.push({ node, start });
        if (!simpleRecursiveSet(this, node.type === 'rec_attrset_expression' ? 'rec' : 'let', node, start, node.children.find((c) => c.type === 'binding_set'), env, flags)) {
          bindSet(this, expandLiteral({ node, start }, this.text), env, flags & CHECKED);
        }
        return;
      case 'with_expression':
        return this.withExpression(node, start, env, flags);
      case 'select_expression':
      case 'has_attr_expression':
        return this.selection(node, start, env, flags);
      case 'path_expression':
        for (const v of pathVariables({ node, start }, this.text)) this.reference(v.name, v.start, v.end, 'variable', env, flags);
        break;
      case 'uri_expression':
        this.notes.urls.push({ start, end: start + node.length });
        return;
      case 'parenthesized_expression':
        this.noteParens({ node, start }, flags & IN_BINDING ? 'binding-value' : flags & IN_LIST ? 'list-element' : 'other', false);
        break;
      case 'list_expression':
        this.children(node, start, env, (flags & ~CONTEXT) | IN_LIST);
        return;
      case 'ERROR':
        return visitError(this, node, start, env);
    }
    this.children(node, start, env, flags & ~CONTEXT);
  }

  /**
   * Notes parentheses for the lints: the pair at `at`, and with `all` the pairs nested right
   * inside it (a set literal value is bound without visiting them).
   */
  noteParens(at: Placed, context: ParenContext, all = true): void {
    let cur = at;
    while (cur.node.type === 'parenthesized_expression') {
      const inner = cur.node.children[0];
      if (!inner || cur.node.incomplete) return;
      const innerAt = { node: inner, start: cur.start + inner.offset };
      this.notes.parens.push({ node: cur, inner: innerAt, context });
      if (!all) return;
      cur = innerAt;
      context = 'other';
    }
  }

  private children(node: SyntaxNode, start: number, env: Scope | undefined, flags: number): void {
    for (const c of node.children) this.push(c, start + c.offset, env, flags);
  }

  reference(name: string, start: number, end: number, kind: ReferenceKind, env: Scope | undefined, flags: number, clause?: Reference['clause']): void {
    let firstWith: Scope | undefined;
    let binding: Binding | undefined;
    for (let scope = env; scope; scope = scope.parent) {
      if (scope.kind === 'with') {
        firstWith ??= scope;
        continue;
      }
      binding = scope.bindings.get(name);
      if (binding) break;
    }
    const builtin = !binding && GLOBAL_NAMES.has(name);
    const withScope = binding || builtin ? undefined : firstWith;
    // At run time the name is looked up in every `with` around it, innermost first.
    if (withScope) for (let scope: Scope | undefined = withScope; scope; scope = scope.parent) if (scope.kind === 'with') scope.used = true;
    const ref: Reference = { name, start, end, kind, binding, builtin, withScope, env, checked: (flags & CHECKED) !== 0, clause };
    this.references.push(ref);
    binding?.references.push(ref);
  }

  private func(node: SyntaxNode, start: number, env: Scope | undefined, flags: number): void {
    const kids = node.children;
    let formals: SyntaxNode | undefined;
    let name: SyntaxNode | undefined;
    for (const c of kids) {
      if (c.type === 'formals') formals = c;
      else if (c.type === 'identifier') name = c;
    }
    const last = kids[kids.length - 1];
    const body = last && last !== formals && last !== name ? last : undefined;
    const formalsStart = formals ? start + formals.offset : 0;
    const entries = formals ? this.formals(formals, formalsStart) : [];
    const info: FunctionInfo = {
      hasFormals: formals !== undefined,
      ellipsis: formals?.children.some((c) => c.type === 'ellipses') ?? false,
      pattern: formals !== undefined && name !== undefined,
      module: entries.some((e) => MODULE_ARGUMENTS.has(e.name)) || (body !== undefined && returnsModule({ node: body, start: start + body.offset }, this.text)),
      flakeOutputs: this.outputFunctions.has(start),
    };
    const scope = this.scope('function', { start, end: start + node.length }, env, info);
    this.places.push({ start, end: start + node.length, scope });
    for (const e of entries) this.bind(scope, e.name, 'formal', [e.site], e.value);
    if (name) {
      const s = start + name.offset;
      this.bind(scope, this.text.slice(s, s + name.length), formals ? 'pattern' : 'parameter', [{ start: s, end: s + name.length }], undefined);
    }
    const checked = flags & CHECKED;
    if (body) this.push(body, start + body.offset, scope, checked);
    for (const e of entries) if (e.value) this.push(e.value.node, e.value.start, scope, checked);
    if (formals) for (const c of formals.children) if (c.type === 'ERROR') this.push(c, formalsStart + c.offset, scope, 0);
    for (const c of kids) if (c.type === 'ERROR' && c !== last) this.push(c, start + c.offset, scope, 0);
  }

  formals(formals: SyntaxNode, start: number): { name: string; site: Site; value: Placed | undefined }[] {
    const out: { name: string; site: Site; value: Placed | undefined }[] = [];
    for (const f of formals.children) {
      const ident = f.children[0];
      if (f.type !== 'formal' || !ident || ident.type !== 'identifier') continue;
      const s = start + f.offset + ident.offset;
      const value = f.children[1];
      out.push({
        name: this.text.slice(s, s + ident.length),
        site: { start: s, end: s + ident.length },
        value: value ? { node: value, start: start + f.offset + value.offset } : undefined,
      });
    }
    return out;
  }

  private letExpression(node: SyntaxNode, start: number, env: Scope | undefined, flags: number): void {
    let bindingSet: SyntaxNode | undefined;
    let body: SyntaxNode | undefined;
    for (const c of node.children) {
      if (c.type === 'binding_set') bindingSet = c;
      else if (c.type !== 'ERROR') body = c;
    }
    if (!bindingSet) this.notes.emptyLets.push({ node: { start, end: start + node.length }, body: body ? { start: start + body.offset, end: start + body.offset + body.length } : undefined });
    let scope = bindingSet ? simpleRecursiveSet(this, 'let', node, start, bindingSet, env, flags) : undefined;
    if (!scope) {
      const draft = emptySet(true, { node, start });
      if (bindingSet) fillSet(draft, { node: bindingSet, start: start + bindingSet.offset }, this.text);
      scope = bindSet(this, draft, env, flags & CHECKED);
    }
    if (body) this.push(body, start + body.offset, scope, flags & CHECKED);
    for (const c of node.children) if (c.type === 'ERROR') this.push(c, start + c.offset, scope, 0);
  }

  private withExpression(node: SyntaxNode, start: number, env: Scope | undefined, flags: number): void {
    const kids = node.children.filter((c) => c.type !== 'ERROR');
    const environment = kids[0];
    const body = kids.length > 1 ? kids[kids.length - 1] : undefined;
    const envSite = environment ? { start: start + environment.offset, end: start + environment.offset + environment.length } : undefined;
    const scope = this.scope('with', { start, end: start + node.length }, env, undefined, envSite);
    const checked = flags & CHECKED;
    if (body) {
      const b = start + body.offset;
      this.places.push({ start: b, end: b + body.length, scope });
      this.push(body, b, scope, checked);
    }
    if (environment) this.push(environment, start + environment.offset, env, checked);
    for (const c of node.children) if (c.type === 'ERROR') this.push(c, start + c.offset, env, 0);
  }

  /** `e.a.b or d` and `e ? a.b`: the names after the dots are attribute names, not variables. */
  private selection(node: SyntaxNode, start: number, env: Scope | undefined, flags: number): void {
    const kids = node.children;
    const base = kids[0];
    const checked = flags & CHECKED;
    for (let i = kids.length - 1; i >= 0; i--) {
      const c = kids[i]!;
      const cStart = start + c.offset;
      if (c.type !== 'attrpath' || i === 0) {
        this.push(c, cStart, env, c.type === 'ERROR' ? 0 : checked);
        continue;
      }
      for (let j = 0; j < c.children.length; j++) {
        const el = c.children[j]!;
        const s = cStart + el.offset;
        if (el.type !== 'identifier') {
          this.push(el, s, env, checked);
          continue;
        }
        this.keys.push(s, s + el.length);
        if (j === 0 && base?.type === 'variable_expression') this.members.push(start + base.offset, s, s + el.length);
      }
    }
  }

  bind(scope: Scope, name: string, kind: BindingKind, sites: Site[], value: Placed | undefined, inherit?: Binding['inherit'], attrs?: Binding['attrs']): void {
    if (scope.bindings.has(name)) return; // a duplicate Nix rejects: the first one stands
    const binding: Binding = { name, kind, sites, scope, value, inherit, attrs, references: [] };
    scope.bindings.set(name, binding);
    this.bindings.push(binding);
  }

  scope(kind: ScopeKind, node: Site, parent: Scope | undefined, fn?: FunctionInfo, environment?: Site): Scope {
    const scope: Scope = { kind, node, parent, bindings: new Map(), used: false, function: fn, environment };
    this.scopes.push(scope);
    return scope;
  }

  /** `builtins.map`: the names selected from the builtins set itself. */
  private builtinMembers(): Site[] {
    const out: Site[] = [];
    for (let i = 0; i < this.members.length; i += 3) {
      const ref = findReference(this.references, this.members[i]!);
      if (ref?.builtin && ref.name === 'builtins') out.push({ start: this.members[i + 1]!, end: this.members[i + 2]! });
    }
    return out;
  }
}

/** The reference starting at `offset` in a list sorted by start. */
function findReference(refs: readonly Reference[], offset: number): Reference | undefined {
  let lo = 0;
  let hi = refs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = refs[mid]!.start;
    if (s === offset) return refs[mid];
    if (s < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** Whether a function's body is a module: a set of `imports`/`options`/`config`, or a module function. */
function returnsModule(body: Placed, text: string): boolean {
  let cur = body;
  for (let guard = 0; guard < 64; guard++) {
    cur = unparen(cur);
    const { node } = cur;
    if (node.type === 'let_expression' || node.type === 'with_expression' || node.type === 'assert_expression') {
      const last = node.children[node.children.length - 1];
      if (!last) return false;
      cur = { node: last, start: cur.start + last.offset };
      continue;
    }
    if (node.type === 'function_expression') {
      const formals = node.children.find((c) => c.type === 'formals');
      if (!formals) return false;
      const at = cur.start + formals.offset;
      return formals.children.some((f) => f.type === 'formal' && f.children[0] !== undefined && MODULE_ARGUMENTS.has(slice(text, at + f.offset, f.children[0])));
    }
    if (node.type !== 'attrset_expression' && node.type !== 'rec_attrset_expression') return false;
    const set = node.children.find((c) => c.type === 'binding_set');
    if (!set) return false;
    const at = cur.start + set.offset;
    return set.children.some((b) => {
      const path = b.type === 'binding' ? b.children[0] : undefined;
      const first = path?.type === 'attrpath' ? path.children[0] : undefined;
      return first?.type === 'identifier' && MODULE_KEYS.has(slice(text, at + b.offset + path!.offset, first));
    });
  }
  return false;
}

function slice(text: string, parentStart: number, node: SyntaxNode): string {
  const s = parentStart + node.offset;
  return text.slice(s, s + node.length);
}
