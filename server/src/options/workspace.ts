import * as path from 'node:path';
import * as fs from 'node:fs';
import type { Node } from 'web-tree-sitter';
import type { OptionDecl } from '../schema/types';
import { moduleDeclarations } from './declarations';
import { findModules } from './modules';
import { unparen } from './values';

/**
 * What a workspace's files say about each other: the options its modules declare (a custom
 * carrier-board module in one file extends `carrierBoard` for every file) and which files are
 * listed as modules (in `imports` or `nixosSystem { modules }`), so a bare attribute set file is
 * checked as a module when something imports it.
 */
export interface WorkspaceFacts {
  declarations: OptionDecl[];
  moduleFiles: Set<string>;
}

export function emptyWorkspaceFacts(): WorkspaceFacts {
  return { declarations: [], moduleFiles: new Set() };
}

/** Only files mentioning these can declare options or list modules: the rest need no parsing. */
export function mayContribute(text: string): boolean {
  return /mkOption|mkEnableOption|mkPackageOption|imports|modules/.test(text);
}

/** The declarations and module references of one parsed file (`file` is its absolute path). */
export function scanFile(root: Node, file: string): { declarations: OptionDecl[]; moduleFiles: string[] } {
  const modules = findModules(root);
  const declarations = modules.flatMap(moduleDeclarations);
  const moduleFiles: string[] = [];
  const dir = path.dirname(file);
  // Found from where `imports` and `modules` occur in the text, not by visiting every node.
  const seen = new Set<number>();
  for (const m of root.text.matchAll(/\b(imports|modules)\b/g)) {
    let binding: Node | null = root.descendantForIndex(m.index!, m.index! + 1);
    while (binding && binding.type !== 'binding') binding = binding.parent;
    const key = binding?.childForFieldName('attrpath');
    const value = binding?.childForFieldName('expression');
    if (!binding || !value || key?.text !== m[1] || seen.has(binding.id)) continue;
    seen.add(binding.id);
    for (const el of listItems(value)) {
      const p = unparen(el);
      if (p.type === 'path_expression' && p.namedChildren.every((c) => c?.type === 'path_fragment')) {
        moduleFiles.push(resolveModulePath(dir, p.text));
      }
    }
  }
  return { declarations, moduleFiles };
}

/** Elements of a list literal, through `++`. */
function listItems(node: Node): Node[] {
  const n = unparen(node);
  if (n.type === 'list_expression') return n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  if (n.type === 'binary_expression' && n.childForFieldName('operator')?.type === '++') {
    return [...listItems(n.childForFieldName('left')!), ...listItems(n.childForFieldName('right')!)];
  }
  return [];
}

/** `./hosts/robot` → `…/hosts/robot/default.nix` when it is a folder, as Nix's `import` does. */
export function resolveModulePath(dir: string, literal: string): string {
  const resolved = path.resolve(dir, literal.replace(/^~(?=\/)/, process.env.HOME ?? '~'));
  try {
    if (fs.statSync(resolved).isDirectory()) return path.join(resolved, 'default.nix');
  } catch {
    // A path that does not exist yet: keep it as written.
  }
  return resolved;
}

/** Adds one file's contribution to the workspace's facts. */
export function addToFacts(facts: WorkspaceFacts, scanned: { declarations: OptionDecl[]; moduleFiles: string[] }): void {
  facts.declarations.push(...scanned.declarations);
  for (const f of scanned.moduleFiles) facts.moduleFiles.add(f);
}
