import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node, Parser, Tree } from 'web-tree-sitter';
import { nixVisibleText } from '../analysis/check';
import type { ModuleFiles } from '../flake/configuration';
import { readFlakeOutputs } from '../flake/outputs';
import type { FlakeOutputs } from '../protocol';
import { bundledIndex } from '../schema/bundled';
import { readTextSync, regularFileSize } from '../shared/safe-read';

/**
 * A flake folder read statically from disk, as the language server reads an open one: its
 * flake.nix and the module files its configurations list, parsed with the real parser, nothing
 * evaluated. Files are read with the safe reader, each within the flake's folder.
 */
export type FlakeReading = { ok: true; flakeFile: string; outputs: FlakeOutputs } | { ok: false; error: string };

export function readFlakeFolder(parser: Parser, dir: string): FlakeReading {
  const flakeFile = path.join(path.resolve(dir), 'flake.nix');
  const text = readTextSync(flakeFile, { kind: 'nix' });
  if (!text.ok) return { ok: false, error: text.reason === 'missing' ? `${dir} has no flake.nix` : text.message };
  // Module paths may leave the flake's folder, but not the repository Nix copies with it.
  const within = repositoryRoot(path.dirname(flakeFile));
  const trees: Tree[] = [];
  const parse = (source: string): Node | undefined => {
    const tree = parser.parse(nixVisibleText(source).text);
    if (tree) trees.push(tree);
    return tree?.rootNode;
  };
  const files: ModuleFiles = {
    parse(file) {
      const target = regularFileSize(file) === undefined ? path.join(file, 'default.nix') : file;
      const module = readTextSync(target, { kind: 'nix', within });
      return module.ok ? parse(module.value) : undefined;
    },
  };
  try {
    const root = parse(text.value);
    const outputs = root && readFlakeOutputs(root, nixVisibleText(text.value).text, { file: flakeFile, files, index: bundledIndex() });
    return outputs ? { ok: true, flakeFile, outputs } : { ok: false, error: `${flakeFile} has no outputs Jetson Nix can read` };
  } finally {
    for (const tree of trees) tree.delete();
  }
}

/** The git work tree holding `dir` (Nix copies all of it for a flake inside), or `dir` itself. */
function repositoryRoot(dir: string): string {
  for (let current = dir; ; current = path.dirname(current)) {
    if (fs.existsSync(path.join(current, '.git'))) return current;
    if (path.dirname(current) === current) return dir;
  }
}
