import type { Tree } from 'web-tree-sitter';
import type { NixDocument } from '../parse/document';
import type { UndefinedName } from '../analysis/analyze';
import { copySubtree, type SyntaxNode } from './syntax';
import { buildScopeModel } from './build';
import type { ScopeModel } from './model';

export type { ScopeModel } from './model';

/** Scope models by the tree they were built from: a tree is replaced on every new version. */
const models = new WeakMap<Tree, ScopeModel>();

/**
 * Builds the scope model of a parsed text from its syntax copy (made by the diagnostics' walk,
 * which keeps the copies of unchanged subtrees) and remembers it for the requests that come
 * until the next version.
 */
export function scopesFor(tree: Tree, syntax: SyntaxNode, text: string): ScopeModel {
  const model = buildScopeModel(syntax, text, tree.rootNode.hasError);
  models.set(tree, model);
  return model;
}

/**
 * The scope model of a document's current version: built along with its diagnostics, so a
 * request on an unchanged document never builds it again.
 */
export function scopeModelOf(doc: NixDocument): ScopeModel {
  const tree = doc.syntaxTree();
  const known = models.get(tree);
  if (known) return known;
  // The tree was parsed from the text Nix reads, which stops at a NUL byte.
  const nul = doc.text.indexOf('\0');
  return scopesFor(tree, copySubtree(tree.rootNode), nul < 0 ? doc.text : doc.text.slice(0, nul));
}

/**
 * The names Nix would report as undefined when it parses the file: checked uses that no binding,
 * builtin or `with` provides. (Names inside a syntax error are not checked: Nix stops before.)
 */
export function undefinedNames(model: ScopeModel): UndefinedName[] {
  const out: UndefinedName[] = [];
  for (const r of model.references) {
    if (r.checked && !r.binding && !r.builtin && !r.withScope) out.push({ name: r.name, start: r.start, end: r.end });
  }
  return out;
}
