import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Parser } from 'web-tree-sitter';
import { collectNixFiles, readNixFile } from './cli/files';
import { nixVisibleText } from './analysis/check';
import { mayContribute, scanFile } from './options/workspace';
import type { OptionDecl } from './schema/types';
import type { OptionCheckOptions } from './options/check';

/** Files larger than this are not scanned for declarations (generated package sets, not modules). */
const MAX_SCAN_BYTES = 1024 * 1024;
/** At most this many files per workspace: a huge monorepo gets a partial index, not a stall. */
const MAX_FILES = 5000;

interface Contribution {
  declarations: OptionDecl[];
  moduleFiles: string[];
}

/**
 * The workspace's option declarations and module references, by file, kept up to date as files
 * change. Built in the background, a few files per turn of the event loop, so requests are served
 * while it runs. It only reads files; nothing is evaluated.
 */
export class WorkspaceIndex {
  private readonly byFile = new Map<string, Contribution>();
  private declarations: OptionDecl[] = [];
  private moduleFiles = new Set<string>();

  constructor(
    private readonly parser: Parser,
    private readonly onChange: () => void,
  ) {}

  /** Indexes every `.nix` file under the folders, in the background. */
  async scan(folders: string[], log: (message: string) => void): Promise<void> {
    const started = Date.now();
    const { files } = collectNixFiles(folders.filter((f) => fs.existsSync(f)));
    const todo = files.slice(0, MAX_FILES);
    if (files.length > MAX_FILES) log(`Workspace has ${files.length} .nix files; indexing the first ${MAX_FILES} for option declarations.`);
    for (let i = 0; i < todo.length; i++) {
      this.scanFile(todo[i]!);
      if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    }
    this.rebuild();
    log(`Indexed ${todo.length} .nix files for option declarations and imports in ${Date.now() - started} ms.`);
  }

  /** Re-reads one file (changed, created or deleted on disk). */
  update(file: string): void {
    this.scanFile(file);
    this.rebuild();
  }

  /** What a document at `uri` should be checked with. */
  contextFor(uri: string): OptionCheckOptions {
    const file = uri.startsWith('file:') ? path.resolve(fileURLToPath(uri)) : undefined;
    return { declarations: this.declarations, isModuleFile: file !== undefined && this.moduleFiles.has(file) };
  }

  private scanFile(file: string): void {
    const abs = path.resolve(file);
    this.byFile.delete(abs);
    let text: string;
    try {
      if (fs.statSync(abs).size > MAX_SCAN_BYTES) return;
      text = readNixFile(abs);
    } catch {
      return; // deleted or unreadable: it contributes nothing
    }
    if (!mayContribute(text)) return;
    const tree = this.parser.parse(nixVisibleText(text).text);
    if (!tree) return;
    try {
      const found = scanFile(tree.rootNode, abs);
      if (found.declarations.length > 0 || found.moduleFiles.length > 0) this.byFile.set(abs, found);
    } finally {
      tree.delete();
    }
  }

  private rebuild(): void {
    this.declarations = [...this.byFile.values()].flatMap((c) => c.declarations);
    this.moduleFiles = new Set([...this.byFile.values()].flatMap((c) => c.moduleFiles));
    this.onChange();
  }
}

