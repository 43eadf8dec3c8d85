import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Context } from '../context';
import { readSettings } from '../config';
import { FLAKE_OUTPUTS, type FlakeOutputs, type FlakeOutputsParams } from '../../../server/src/protocol';
import { DiscoveryCache, DiscoveryCancelled, discoverWithNix, downloadRisk, hostSystem, type NixDiscovery } from '../nix/discovery';
import { ToolMissingError } from '../nix/exec';
import type { FlakeState } from './flake-items';

/** Folders never searched for flakes: dependencies, VCS data, direnv caches, build results. */
const EXCLUDE = '**/{node_modules,.git,.direnv,result,result-*}/**';
const MAX_FLAKES = 50;
/** File events come in bursts (a `git checkout`, `nix flake update`): one refresh per burst. */
const DEBOUNCE_MS = 300;

/**
 * The workspace's flakes as the Jetson view shows them. A refresh reads every flake.nix
 * statically through the language server (instant), shows that, then, in a trusted workspace,
 * confirms each flake with Nix (cached until its flake.nix or flake.lock change).
 */
export class FlakeModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly cache = new DiscoveryCache<NixDiscovery>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private current: FlakeState[] = [];
  /** The refresh in progress: a newer one supersedes it (it stops asking Nix about more flakes). */
  private running: AbortController | undefined;
  /** Stops Nix processes when the extension is disposed. Discoveries are shared through the cache, so a refresh never cancels them. */
  private readonly lifetime = new AbortController();
  private firstStatic: Promise<void>;
  private resolveFirst: () => void = () => undefined;
  private timer: NodeJS.Timeout | undefined;
  /** A workspace-wide situation (untrusted, no Nix), shown as the views' message. */
  message: string | undefined;

  constructor(private readonly ctx: Context) {
    this.firstStatic = new Promise((resolve) => (this.resolveFirst = resolve));
    const watcher = vscode.workspace.createFileSystemWatcher('**/flake.{nix,lock}');
    const soon = () => this.refreshSoon();
    this.disposables.push(
      watcher,
      watcher.onDidChange(soon),
      watcher.onDidCreate(soon),
      watcher.onDidDelete(soon),
      // Module files carry the SoM shown next to a configuration.
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (doc.languageId === 'nix') soon();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(soon),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('jetsonNix.nix.executable')) void this.refresh(true);
      }),
      ctx.server.onDidChangeState((state) => {
        if (state === 'ready') soon();
      }),
    );
  }

  get flakes(): readonly FlakeState[] {
    return this.current;
  }

  /** Resolves once the first static reading is shown (the quick picks wait for it). */
  ready(): Promise<void> {
    return this.firstStatic;
  }

  refreshSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), DEBOUNCE_MS);
  }

  /** Reads every flake again; `force` also forgets what Nix said (the Refresh button). */
  async refresh(force = false): Promise<void> {
    this.running?.abort();
    const run = new AbortController();
    this.running = run;
    if (force) this.cache.invalidate();
    try {
      const flakes = await this.readStatically();
      if (run.signal.aborted) return;
      this.current = flakes;
      this.message = vscode.workspace.isTrusted ? undefined : 'Restricted Mode: these lists come from flake.nix alone. Trust this folder to have Nix confirm them.';
      this.changed.fire();
      this.resolveFirst();
      if (vscode.workspace.isTrusted && flakes.length > 0) await this.confirm(flakes, run.signal);
    } catch (err) {
      this.ctx.log.error(`Refreshing the Jetson view failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.resolveFirst();
      if (this.running === run) this.running = undefined;
    }
  }

  private async readStatically(): Promise<FlakeState[]> {
    const files = await vscode.workspace.findFiles('**/flake.nix', EXCLUDE, MAX_FLAKES);
    const system = hostSystem();
    const states = await Promise.all(
      files.map(async (uri): Promise<FlakeState | undefined> => {
        const outputs = await this.ctx.server.request<FlakeOutputsParams, FlakeOutputs | null>(FLAKE_OUTPUTS, { uri: uri.toString() });
        // null: the server read it and it is no flake (a template, a fixture without outputs).
        if (outputs === null) return undefined;
        const dir = path.dirname(uri.fsPath);
        const folder = vscode.workspace.getWorkspaceFolder(uri);
        const relative = folder ? path.relative(folder.uri.fsPath, dir) : dir;
        const label = relative === '' ? (folder?.name ?? path.basename(dir)) : relative;
        const state: FlakeState = { dir, label, system };
        if (outputs) state.outputs = outputs;
        return state;
      }),
    );
    return states.filter((s): s is FlakeState => s !== undefined).sort((a, b) => a.label.localeCompare(b.label));
  }

  /** Asks Nix about each flake in turn (a progress bar in the views while it runs). */
  private async confirm(flakes: FlakeState[], signal: AbortSignal): Promise<void> {
    const nix = readSettings(this.ctx.log)['nix.executable'];
    const work = (async () => {
      for (const flake of flakes) {
        if (signal.aborted) return;
        const stop = await this.confirmOne(flake, nix);
        this.changed.fire();
        if (stop) return;
      }
    })();
    for (const viewId of ['jetsonNix.configurations', 'jetsonNix.packages', 'jetsonNix.devShells']) {
      void vscode.window.withProgress({ location: { viewId } }, () => work);
    }
    await work;
  }

  /** Fills one flake's Nix listing or notice; true when no other flake should be tried (no Nix). */
  private async confirmOne(flake: FlakeState, nix: string): Promise<boolean> {
    if (!flake.outputs) {
      // Without flake.nix's inputs, Nix could be asked about a flake it would have to fetch inputs for.
      // A starting server answers soon (a refresh follows); a failed one is said once per flake.
      if (this.ctx.server.state === 'failed') flake.notice = { severity: 'info', message: 'flake.nix could not be read (the language server is not running), so Nix was not asked either' };
      return false;
    }
    const risk = downloadRisk(flake.dir, flake.outputs.inputs);
    if (risk) {
      flake.notice = { severity: 'info', message: risk };
      this.ctx.log.info(`Not asking Nix about ${flake.dir}: ${risk}`);
      return false;
    }
    try {
      const log = (line: string) => this.ctx.log.info(line);
      const signal = this.lifetime.signal;
      flake.nix = await this.cache.get(flake.dir, () => discoverWithNix({ nix, flakeDir: flake.dir, system: flake.system, signal, log }));
      return false;
    } catch (err) {
      if (err instanceof DiscoveryCancelled) return true;
      if (err instanceof ToolMissingError) {
        this.message = `${err.message} Until then, these lists come from flake.nix alone.`;
        this.ctx.log.warn(err.message);
        return true;
      }
      const message = err instanceof Error ? err.message : String(err);
      flake.notice = { severity: 'error', message };
      this.ctx.log.error(`Listing the outputs of ${flake.dir} with Nix failed: ${message}`);
      return false;
    }
  }

  dispose(): void {
    this.running?.abort();
    this.lifetime.abort();
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
