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
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'binding') {
      const key = n.childForFieldName('attrpath')?.text;
      const value = n.childForFieldName('expression');
      if ((key === 'imports' || key === 'modules') && value) {
        for (const el of listItems(value)) {
          const p = unparen(el);
          if (p.type === 'path_expression' && p.namedChildren.every((c) => c?.type === 'path_fragment')) {
            moduleFiles.push(resolveModulePath(dir, p.text));
          }
        }
      }
    }
    for (let i = n.namedChildCount - 1; i >= 0; i--) {
      const c = n.namedChild(i);
      if (c && c.namedChildCount > 0) stack.push(c);
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
