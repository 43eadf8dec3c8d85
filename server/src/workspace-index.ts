import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Parser } from 'web-tree-sitter';
import { collectNixFiles } from './cli/files';
import type { ReadResult } from './shared/safe-read';
import { STALE, WorkspaceReads } from './workspace-reads';
import { describeFailure } from './util/errors';
import { nixVisibleText } from './analysis/check';
import { mayContribute, scanFile } from './options/workspace';
import type { OptionDecl } from './schema/types';
import { policyFor, type CheckOptions } from './analysis/check';
import type { CodeSwitches } from './analysis/codes';
import { LockFiles } from './flake/lock';
import { CONFIG_FILE, RepoConfigs, type RepoConfig } from './repo-config';
import { OptionIndex } from './options/schema-index';
import { BUNDLED_SCHEMA, bundledIndex } from './schema/bundled';
import { loadLiveSchema } from './schema/live';
import type { SchemaInfo } from './protocol';

/** Files larger than this are not scanned for declarations (generated package sets, not modules). */
const MAX_SCAN_BYTES = 1024 * 1024;
/** At most this many files per workspace: a huge monorepo gets a partial index, not a stall. */
const MAX_FILES = 5000;

/** The schema a flake's files are validated against, and why. */
interface FlakeSchema {
  index: OptionIndex;
  info: SchemaInfo;
}

/** Whether the live schema may be used: the setting, and the workspace's trust. */
export interface LiveSchemaPolicy {
  enabled: boolean;
  trusted: boolean;
}

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
  /** Folders holding a flake.lock, with the schema their files are checked against. */
  private readonly schemas = new Map<string, FlakeSchema>();
  private policy: LiveSchemaPolicy = { enabled: true, trusted: true };
  private folders: string[] = [];
  private readonly reads = new WorkspaceReads(() => this.folders, MAX_SCAN_BYTES);
  /** Loads in flight, so a flake.lock saved twice quickly is read once after the other. */
  private loading: Promise<void> = Promise.resolve();
  /** flake.lock files beside flake.nix files, for the flake checks, completion and hover. */
  readonly locks = new LockFiles();
  /** The repositories' `.jetson-nix.json` files. */
  readonly configs: RepoConfigs;

  constructor(
    private readonly parser: Parser,
    private readonly onChange: () => void,
    private readonly log: (message: string) => void = () => {},
    /** Called when a `.jetson-nix.json` is (re)read, so its problems can be shown. */
    onConfig: (config: RepoConfig) => void = () => {},
  ) {
    this.configs = new RepoConfigs(onConfig);
  }

  /** Changes whether the live schema may be used; re-reads the locks when it changes. */
  setLiveSchemaPolicy(policy: LiveSchemaPolicy): void {
    if (policy.enabled === this.policy.enabled && policy.trusted === this.policy.trusted) return;
    this.policy = policy;
    void this.reloadSchemas([...this.schemas.keys()]);
  }

  /** The option index for a document: the live schema of its flake, or the bundled one. */
  schemaFor(uri: string): OptionIndex {
    return this.flakeSchemaFor(uri)?.index ?? bundledIndex();
  }

  /** Which schema validates a document, for hover and `jetsonNix/schemaInfo`. */
  schemaInfoFor(uri: string): SchemaInfo {
    return this.flakeSchemaFor(uri)?.info ?? { source: 'bundled', revision: BUNDLED_SCHEMA.source.revision, reason: 'no flake.lock above this file' };
  }

  /** Waits for schema loads in flight (tests and the first request after a lock change). */
  settled(): Promise<void> {
    return this.loading;
  }

  private flakeSchemaFor(uri: string): FlakeSchema | undefined {
    if (!uri.startsWith('file:')) return undefined;
    let dir = path.dirname(path.resolve(fileURLToPath(uri)));
    for (;;) {
      const found = this.schemas.get(dir);
      if (found) return found;
      const parent = path.dirname(dir);
      if (parent === dir || !this.folders.some((f) => parent.startsWith(f))) return undefined;
      dir = parent;
    }
  }

  /** Reads the flake.lock of each folder (missing ones drop their entry) and swaps in the schemas. */
  private reloadSchemas(dirs: string[]): Promise<void> {
    this.loading = this.loading.then(async () => {
      let changed = false;
      for (const dir of dirs) changed = (await this.loadSchema(dir)) || changed;
      if (changed) this.onChange();
    });
    return this.loading;
  }

  private async loadSchema(dir: string): Promise<boolean> {
    const before = this.schemas.get(dir);
    const bundled = (reason: string): FlakeSchema => ({ index: bundledIndex(), info: { source: 'bundled', revision: BUNDLED_SCHEMA.source.revision, reason } });
    let next: FlakeSchema | undefined;
    if (!fs.existsSync(path.join(dir, 'flake.lock'))) next = undefined;
    else if (!this.policy.enabled) next = bundled('jetsonNix.schema.useLockedJetpackNixos is off');
    else if (!this.policy.trusted) next = bundled('the workspace is not trusted');
    else {
      try {
        const live = await loadLiveSchema(dir, this.parser, BUNDLED_SCHEMA);
        if ('reason' in live) next = bundled(live.reason);
        else {
          next = { index: new OptionIndex(live.schema), info: { source: 'locked', revision: live.locked.label, storePath: live.storePath } };
          const delta = [
            live.added.length > 0 ? `${live.added.length} options the bundled schema lacks (${live.added.slice(0, 5).join(', ')}${live.added.length > 5 ? ', …' : ''})` : '',
            live.removed.length > 0 ? `${live.removed.length} bundled options it no longer has` : '',
          ].filter(Boolean);
          this.log(`Validating ${dir} against jetpack-nixos ${live.locked.label} from flake.lock (${live.storePath})${delta.length ? `: ${delta.join('; ')}` : ''}.`);
        }
      } catch (err) {
        next = bundled(`the locked jetpack-nixos could not be read: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (next?.info.source === 'bundled' && next.info.reason && before?.info.reason !== next.info.reason && fs.existsSync(path.join(dir, 'flake.lock'))) {
      this.log(`Validating ${dir} against the bundled jetpack-nixos schema (${BUNDLED_SCHEMA.source.revision}): ${next.info.reason}.`);
    }
    if (next) this.schemas.set(dir, next);
    else this.schemas.delete(dir);
    return JSON.stringify(before?.info) !== JSON.stringify(next?.info);
  }

  /** Indexes every `.nix` file under the folders, in the background. */
  async scan(folders: string[], log: (message: string) => void): Promise<void> {
    const started = Date.now();
    this.folders = folders.map((f) => path.resolve(f));
    for (const folder of this.folders) this.configs.forFile(path.join(folder, CONFIG_FILE));
    const { files } = collectNixFiles(folders.filter((f) => fs.existsSync(f)));
    const flakeDirs = new Set(files.filter((f) => path.basename(f) === 'flake.nix').map((f) => path.dirname(path.resolve(f))));
    void this.reloadSchemas([...flakeDirs]);
    const todo = files.slice(0, MAX_FILES);
    if (files.length > MAX_FILES) log(`Workspace has ${files.length} .nix files; indexing the first ${MAX_FILES} for option declarations.`);
    // Reads are asynchronous, so requests are served between them; parsing a file is one turn.
    await this.reads.each(todo.map((f) => path.resolve(f)), (file, read) => this.scanText(file, read));
    this.rebuild();
    log(`Indexed ${todo.length} .nix files for option declarations and imports in ${Date.now() - started} ms.`);
  }

  /** Re-reads one file (changed, created or deleted on disk), in the background. */
  update(file: string): void {
    if (path.basename(file) === 'flake.lock') {
      // The flake checks read the lock: every flake.nix is diagnosed again (the schema too may change).
      this.locks.forget(path.resolve(file));
      void this.reloadSchemas([path.dirname(path.resolve(file))]);
      this.onChange();
      return;
    }
    if (path.basename(file) === CONFIG_FILE) {
      this.configs.clear();
      // Read it at once, so that its problems are shown even when no file under it is open.
      if (fs.existsSync(file)) this.configs.forFile(path.resolve(file));
      this.onChange();
      return;
    }
    const abs = path.resolve(file);
    void this.reads
      .read(abs)
      .then((read) => {
        if (read === STALE) return;
        this.scanText(abs, read);
        this.rebuild();
      })
      .catch((err: unknown) => this.log(`Indexing ${abs} failed: ${describeFailure(err)}`));
  }

  /** What a document at `uri` should be checked with, under the editor's code switches. */
  contextFor(uri: string, switches: Omit<CodeSwitches, 'disable'> = {}): CheckOptions {
    const file = uri.startsWith('file:') ? path.resolve(fileURLToPath(uri)) : undefined;
    return {
      ...(file !== undefined ? { file } : {}),
      declarations: this.declarations,
      isModuleFile: file !== undefined && this.moduleFiles.has(file),
      schema: this.schemaFor(uri),
      lockFile: (flakeNix) => this.locks.besideFlake(flakeNix),
      policy: policyFor(file, switches, file !== undefined ? this.configs.forFile(file) : undefined),
    };
  }

  /** Scans one file's text; a file that could not be read (deleted, too large, a FIFO…) contributes nothing. */
  private scanText(abs: string, read: ReadResult<string>): void {
    this.byFile.delete(abs);
    if (!read.ok || !mayContribute(read.value)) return;
    const tree = this.parser.parse(nixVisibleText(read.value).text);
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
