import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Parser } from 'web-tree-sitter';
import { collectNixFiles, readNixFile } from './cli/files';
import { listedModules, WorkspaceScan } from './options/workspace';
import type { CheckOptions } from './analysis/check';
import { OptionIndex } from './options/schema-index';
import { BUNDLED_SCHEMA, bundledIndex } from './schema/bundled';
import { isBundledRevision, loadLiveSchema, readLockedJetpack, unverifiedNote } from './schema/live';
import type { SchemaInfo } from './protocol';

/**
 * When the pinned source cannot be read (untrusted workspace, read error), a pinned revision other
 * than the bundled one leaves the bundled schema unverified; `why` says what happened.
 */
function pinnedNote(dir: string, why: string): string | undefined {
  const lookup = readLockedJetpack(dir);
  if (!('found' in lookup) || isBundledRevision(lookup.found, BUNDLED_SCHEMA)) return undefined;
  return unverifiedNote(lookup.found, why, BUNDLED_SCHEMA);
}

/** Files larger than this are not scanned for declarations (generated package sets, not modules). */
const MAX_SCAN_BYTES = 1024 * 1024;
/** At most this many files per workspace: a huge monorepo gets a partial index, not a stall. */
const MAX_FILES = 5000;

/** A file's text for the index, or undefined when it is gone, unreadable or too large to be a module. */
function readForScan(file: string): string | undefined {
  try {
    // Generated package sets, not modules: not worth parsing.
    if (fs.statSync(file).size > MAX_SCAN_BYTES) return undefined;
    return readNixFile(file);
  } catch {
    return undefined; // deleted or unreadable: it contributes nothing
  }
}

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


/**
 * The workspace's option declarations and module references, by file, kept up to date as files
 * change. Built in the background, a few files per turn of the event loop, so requests are served
 * while it runs. It only reads files; nothing is evaluated.
 */
export class WorkspaceIndex {
  /** Declarations, module references and configurations, by file (only reads files; nothing is evaluated). */
  private readonly scanned: WorkspaceScan;
  /** Folders holding a flake.lock, with the schema their files are checked against. */
  private readonly schemas = new Map<string, FlakeSchema>();
  private policy: LiveSchemaPolicy = { enabled: true, trusted: true };
  private folders: string[] = [];
  /** Loads in flight, so a flake.lock saved twice quickly is read once after the other. */
  private loading: Promise<void> = Promise.resolve();

  constructor(
    private readonly parser: Parser,
    private readonly onChange: () => void,
    private readonly log: (message: string) => void = () => {},
  ) {
    this.scanned = new WorkspaceScan(parser, readForScan);
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
    const bundled = (reason: string, unverified?: string): FlakeSchema => ({
      index: unverified ? new OptionIndex(BUNDLED_SCHEMA, [], unverified) : bundledIndex(),
      info: { source: 'bundled', revision: BUNDLED_SCHEMA.source.revision, reason },
    });
    let next: FlakeSchema | undefined;
    if (!fs.existsSync(path.join(dir, 'flake.lock'))) next = undefined;
    // The user chose the bundled schema: it is judged by, whatever the lock pins.
    else if (!this.policy.enabled) next = bundled('jetsonNix.schema.useLockedJetpackNixos is off');
    else if (!this.policy.trusted) next = bundled('the workspace is not trusted', pinnedNote(dir, 'is not read in an untrusted workspace'));
    else {
      try {
        const live = await loadLiveSchema(dir, this.parser, BUNDLED_SCHEMA);
        if ('reason' in live) next = bundled(live.reason, live.unverified && unverifiedNote(live.unverified.locked, live.unverified.why, BUNDLED_SCHEMA));
        else {
          next = { index: new OptionIndex(live.schema), info: { source: 'locked', revision: live.locked.label, storePath: live.storePath } };
          const delta = [
            live.added.length > 0 ? `${live.added.length} options the bundled schema lacks (${live.added.slice(0, 5).join(', ')}${live.added.length > 5 ? ', …' : ''})` : '',
            live.removed.length > 0 ? `${live.removed.length} bundled options it no longer has` : '',
          ].filter(Boolean);
          this.log(`Validating ${dir} against jetpack-nixos ${live.locked.label} from flake.lock (${live.storePath})${delta.length ? `: ${delta.join('; ')}` : ''}.`);
        }
      } catch (err) {
        next = bundled(`the locked jetpack-nixos could not be read: ${err instanceof Error ? err.message : String(err)}`, pinnedNote(dir, 'could not be read'));
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
    const { files } = collectNixFiles(folders.filter((f) => fs.existsSync(f)));
    const flakeDirs = new Set(files.filter((f) => path.basename(f) === 'flake.nix').map((f) => path.dirname(path.resolve(f))));
    void this.reloadSchemas([...flakeDirs]);
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
    if (path.basename(file) === 'flake.lock') {
      void this.reloadSchemas([path.dirname(path.resolve(file))]);
      return;
    }
    this.scanFile(file);
    this.rebuild();
  }

  /** What a document at `uri` should be checked with. */
  contextFor(uri: string): CheckOptions {
    const file = uri.startsWith('file:') ? path.resolve(fileURLToPath(uri)) : undefined;
    const facts = this.scanned.facts();
    return {
      declarations: facts.declarations,
      isModuleFile: file !== undefined && listedModules(facts)(file),
      schema: this.schemaFor(uri),
      ...(file !== undefined ? { file, workspace: this.scanned.modules() } : {}),
    };
  }

  private scanFile(file: string): void {
    this.scanned.update(path.resolve(file));
  }

  private rebuild(): void {
    this.onChange();
  }
}

