import type { Binding, Reference, Scope, ScopeModel, Site } from '../scope/model';
import { bindingAt, isWithin, keyAt, nodesAt, referenceAt } from '../scope/query';
import { unparen } from '../scope/attrs';

/** A text edit in offsets (the LSP layer turns it into ranges). */
export interface Edit {
  start: number;
  end: number;
  newText: string;
}

/** Either what to do, or one sentence saying why not. */
export type Outcome<T> = { ok: T } | { refused: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_'-]*$/;
/** Keywords, and names the parser treats specially: never a new binding's name. */
const NOT_NAMES = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or', '__curPos']);

/** Why the user must confirm a rename: it changes a name that code outside the rename uses. */
export interface Confirmation {
  label: string;
  description: string;
}

/**
 * textDocument/prepareRename: the name under the cursor and whether it can be renamed at all.
 * Bindings whose name is also an attribute name somewhere a rename cannot follow are refused:
 * the arguments of modules and of a flake's `outputs` (the module system and Nix pass them by
 * name) and `rec` attributes (the set's key). Other named arguments can be renamed, with the
 * user's confirmation (see `renameConfirmation`): their callers are the user's own code.
 */
export function prepareRename(model: ScopeModel, offset: number): Outcome<{ site: Site; name: string }> {
  const target = bindingAt(model, offset);
  if (!target) return { refused: nothingToRename(model, offset) };
  const refusal = refusalFor(model, target.binding);
  return refusal ? { refused: refusal } : { ok: { site: target.site, name: target.binding.name } };
}

/** textDocument/rename: every edit, or why renaming would change what the code means. */
export function renameEdits(model: ScopeModel, offset: number, newName: string): Outcome<Edit[]> {
  const target = bindingAt(model, offset);
  if (!target) return { refused: nothingToRename(model, offset) };
  const b = target.binding;
  const refusal = refusalFor(model, b) ?? invalidName(newName) ?? conflict(model, b, newName);
  if (refusal) return { refused: refusal };
  if (newName === b.name) return { ok: [] };
  const edits: Edit[] = [];
  if (b.inherit) edits.push(...renameInheritedDefinition(model, b, newName));
  else for (const s of b.sites) edits.push({ start: s.start, end: s.end, newText: newName });
  for (const r of b.references) {
    if (r.kind === 'inherit') edits.push(...rewriteInherit(model, r, newName));
    else edits.push({ start: r.start, end: r.end, newText: newName });
  }
  return { ok: edits.sort((x, y) => x.start - y.start) };
}

/**
 * A named argument's rename needs confirmation: calls that pass it (`f { name = …; }`) are not
 * found by a rename (a call cannot be tied to the function statically), so they keep the old name.
 */
export function renameConfirmation(model: ScopeModel, offset: number): Confirmation | undefined {
  const b = bindingAt(model, offset)?.binding;
  if (b?.kind !== 'formal') return undefined;
  return {
    label: 'Callers pass it by this name',
    description: `\`${b.name}\` is a named argument: calls that pass \`${b.name} = …\` keep the old name. Rename it there too.`,
  };
}

function nothingToRename(model: ScopeModel, offset: number): string {
  const ref = referenceAt(model, offset);
  if (ref?.builtin) return `\`${ref.name}\` is a builtin of Nix, not a binding of this file: it cannot be renamed.`;
  if (ref?.withScope) return `\`${ref.name}\` comes from the \`with\` on line ${lineOf(model, ref.withScope.node.start)}: it is an attribute of that set, not a binding of this file.`;
  if (ref) return `\`${ref.name}\` is not defined in this file.`;
  if (keyAt(model, offset)) return 'This is an attribute name, not a variable: renaming it would change the set that code elsewhere reads.';
  return 'There is no variable here to rename.';
}

function refusalFor(model: ScopeModel, b: Binding): string | undefined {
  if (b.kind === 'formal') return moduleArgument(model, b);
  if (b.kind === 'rec') return `\`${b.name}\` is an attribute of a \`rec\` set: its name is also the set's key, which code elsewhere may select.`;
  if (b.name === 'body' && model.notes.legacyLets.some((l) => l.start === b.scope.node.start)) {
    return '`body` is the value of this `let { … }`: Nix selects it by that name.';
  }
  return undefined;
}

/** Names only NixOS modules take; `lib` and `pkgs` are also what `callPackage` passes to a package. */
const MODULE_ONLY_ARGUMENTS = ['config', 'options', 'modulesPath'];
const SHARED_ARGUMENTS = ['lib', 'pkgs'];

/**
 * Why a named argument must keep its name: it belongs to a flake's `outputs` (Nix passes the
 * inputs by name) or to a module (the module system passes every argument by name, also
 * `specialArgs`). A module is what the scope model takes for one (module arguments, or a module as
 * result, as the unused-argument lint does) or a function in a `modules`/`imports` list.
 */
function moduleArgument(model: ScopeModel, b: Binding): string | undefined {
  const fn = b.scope.function;
  if (!fn) return undefined;
  if (fn.flakeOutputs) return `\`${b.name}\` is an input of this flake: Nix passes the inputs to \`outputs\` by their names, so renaming it here would break the flake.`;
  const takes = (names: string[]) => names.find((n) => b.scope.bindings.get(n)?.kind === 'formal');
  const shared = takes(SHARED_ARGUMENTS);
  if (fn.module && !takes(MODULE_ONLY_ARGUMENTS) && shared && !inModuleList(model, b.scope)) {
    return `\`${b.name}\` is an argument of a function that takes \`${shared}\`, as NixOS modules and packages do: the module system or \`callPackage\` passes it by this name, so renaming it would break them.`;
  }
  if (fn.module || inModuleList(model, b.scope)) {
    return `\`${b.name}\` is an argument of a NixOS module: the module system passes it by this name, so renaming it would break the module.`;
  }
  return undefined;
}

/** Whether a function is an element of a `modules = [ … ]` or `imports = [ … ]` list (through parentheses and `++`). */
function inModuleList(model: ScopeModel, fn: Scope): boolean {
  const chain = nodesAt(model, fn.node.start);
  let i = chain.findIndex((p) => p.node.type === 'function_expression' && p.start === fn.node.start && p.start + p.node.length === fn.node.end);
  if (i < 0) return false;
  let list = false;
  for (i--; i >= 0; i--) {
    const { node, start } = chain[i]!;
    if (node.type === 'parenthesized_expression' || node.type === 'binary_expression') continue;
    if (node.type === 'list_expression' && !list) {
      list = true;
      continue;
    }
    if (node.type !== 'binding' || !list) return false;
    const path = node.children[0];
    if (path?.type !== 'attrpath') return false;
    const key = model.text.slice(start + path.offset, start + path.offset + path.length);
    return /(^|\.)\s*(modules|imports)$/.test(key);
  }
  return false;
}

function invalidName(name: string): string | undefined {
  if (!NAME.test(name)) return `\`${name}\` is not a valid Nix name: use letters, digits, \`_\`, \`'\` and \`-\`, starting with a letter or \`_\`.`;
  if (NOT_NAMES.has(name)) return `\`${name}\` is a keyword of Nix and cannot be a variable name.`;
  return undefined;
}

/**
 * Why the new name would change meaning: it is already bound next to the binding; a use of the
 * binding would find another binding of the new name first; or a use of the new name inside the
 * binding's scope (of an outer binding, a builtin, a `with`) would now find this binding.
 */
function conflict(model: ScopeModel, b: Binding, newName: string): string | undefined {
  if (newName === b.name) return undefined;
  const sibling = b.scope.bindings.get(newName);
  if (sibling) return `\`${newName}\` is already bound in the same scope (line ${lineOf(model, sibling.sites[0]!.start)}).`;
  for (const r of b.references) {
    // A rewritten `inherit a;` becomes `a = newName;`, read inside the set's own scope.
    const from = r.kind === 'inherit' && r.clause?.inner ? r.clause.inner : r.env;
    const inner = binderBetween(from, b.scope, newName);
    if (inner) return `A use of \`${b.name}\` on line ${lineOf(model, r.start)} would then find the \`${newName}\` bound on line ${lineOf(model, inner.sites[0]!.start)} instead.`;
  }
  for (const r of model.references) {
    if (r.name !== newName || r.binding === b || !isWithin(r.env, b.scope)) continue;
    if (r.binding && r.binding.scope !== b.scope && isWithin(r.binding.scope, b.scope)) continue;
    return `\`${newName}\` on line ${lineOf(model, r.start)} ${currentMeaning(model, r)}; renaming to it would make it refer to \`${b.name}\`'s value instead.`;
  }
  return undefined;
}

/** A binding of `name` in a scope from `from` up to (not including) `stop`. */
function binderBetween(from: Scope | undefined, stop: Scope, name: string): Binding | undefined {
  for (let s = from; s && s !== stop; s = s.parent) {
    const found = s.kind === 'with' ? undefined : s.bindings.get(name);
    if (found) return found;
  }
  return undefined;
}

function currentMeaning(model: ScopeModel, r: Reference): string {
  if (r.binding) return `refers to the binding on line ${lineOf(model, r.binding.sites[0]!.start)}`;
  if (r.builtin) return 'is the builtin';
  if (r.withScope) return `comes from the \`with\` on line ${lineOf(model, r.withScope.node.start)}`;
  return 'is undefined';
}

/**
 * `inherit a;` using the renamed binding keeps its attribute name: it becomes `a = newName;`
 * (taken out of a clause that inherits other names too).
 */
function rewriteInherit(model: ScopeModel, r: Reference, newName: string): Edit[] {
  const clause = r.clause;
  if (!clause) return [{ start: r.start, end: r.end, newText: newName }];
  const binding = `${r.name} = ${newName};`;
  if (clause.names === 1) return [{ start: clause.site.start, end: clause.site.end, newText: binding }];
  return [removeName(model, r), { start: clause.site.end, end: clause.site.end, newText: ` ${binding}` }];
}

/**
 * A binding defined by `inherit a;` or `inherit (x) a;` gets the new name as a binding of its
 * own: `newName = a;` / `newName = x.a;`.
 */
function renameInheritedDefinition(model: ScopeModel, b: Binding, newName: string): Edit[] {
  const clause = b.inherit!;
  const site = b.sites[0]!;
  let value = b.name;
  if (clause.from) {
    const from = unparen(clause.from);
    const text = model.text.slice(from.start, from.start + from.node.length);
    value = from.node.type === 'variable_expression' || from.node.type === 'select_expression' ? `${text}.${b.name}` : `(${text}).${b.name}`;
  }
  const binding = `${newName} = ${value};`;
  if (clause.names === 1) return [{ start: clause.clause.start, end: clause.clause.end, newText: binding }];
  return [removeName(model, site), { start: clause.clause.end, end: clause.clause.end, newText: ` ${binding}` }];
}

/** Deletes one name of an `inherit` clause with the space before it. */
function removeName(model: ScopeModel, site: Site): Edit {
  let start = site.start;
  while (start > 0 && /[ \t]/.test(model.text[start - 1]!)) start--;
  return { start, end: site.end, newText: '' };
}

function lineOf(model: ScopeModel, offset: number): number {
  let line = 1;
  for (let i = model.text.indexOf('\n'); i >= 0 && i < offset; i = model.text.indexOf('\n', i + 1)) line++;
  return line;
}
