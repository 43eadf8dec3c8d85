import * as vscode from 'vscode';
import type { Context } from '../context';
import { readSettings } from '../config';
import { flakeModel } from '../views';
import { allShells, type ShellTarget } from '../views/flake-items';
import { captureDevShellEnvironment, diffEnvironment, shellStatusText, shellTerminalName, type EnvironmentChange } from '../nix/dev-env';
import { ShellEnvironmentStore } from '../nix/dev-env-store';
import { nixEnvironment, flakeFingerprint } from '../nix/discovery';
import { resolveExecutable, ToolMissingError } from '../nix/exec';

/**
 * What is applied, kept in the workspace state so the status item survives a reload. The
 * variables themselves are in secret storage (ShellEnvironmentStore), never in this state.
 */
interface AppliedShell {
  target: ShellTarget;
  statusText: string;
  variables: number;
  /** flake.lock (and flake.nix) as they were when captured: a change offers a new capture. */
  fingerprint: string;
}

const STATE_KEY = 'jetsonNix.devShellEnvironment';

/** A shell given by a view item (its `shellTarget`), else picked from every flake's shells. */
async function chooseShell(ctx: Context, arg: unknown, placeHolder: string): Promise<ShellTarget | undefined> {
  const fromItem = (arg as { shellTarget?: ShellTarget } | undefined)?.shellTarget;
  if (fromItem) return fromItem;
  const model = flakeModel(ctx);
  await model.ready();
  const shells = allShells([...model.flakes]);
  if (shells.length === 0) {
    void vscode.window.showInformationMessage('No dev shells were found in this workspace\'s flakes (devShells.<system>.<name> in flake.nix).');
    return undefined;
  }
  const several = model.flakes.length > 1;
  const picked = await vscode.window.showQuickPick(
    shells.map((s) => ({
      label: s.target.name,
      description: [s.input ? `${s.input} example` : undefined, several ? s.flake.label : undefined].filter(Boolean).join(' · '),
      detail: `nix develop ${[...s.target.extraArgs, s.target.ref].join(' ')}`,
      target: s.target,
    })),
    { placeHolder, matchOnDescription: true },
  );
  return picked?.target;
}

/**
 * Entering a dev shell evaluates the flake, which runs its code: only in a trusted workspace.
 * Says so, with a way to trust the folder, and returns false otherwise.
 */
function trusted(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(`${action} runs code from the flake, so it is off in Restricted Mode: trust this folder first.`, 'Manage Workspace Trust').then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}

/**
 * The `nix` to start in a terminal (an absolute path: a terminal is started with it directly, no
 * shell in between), or undefined after telling the user it is missing or refused.
 */
function nixForTerminal(ctx: Context): string | undefined {
  try {
    return resolveExecutable(readSettings(ctx.log)['nix.executable']);
  } catch (err) {
    if (!(err instanceof ToolMissingError)) throw err;
    ctx.log.warn(err.message);
    void vscode.window.showErrorMessage(err.message, 'Open Settings').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'jetsonNix.nix.executable');
    });
    return undefined;
  }
}

/** `jetsonNix.openDevShell`: a terminal running `nix develop <ref>` in the flake's folder (no shell string is built). */
export const openDevShell = (ctx: Context) => async (arg?: unknown): Promise<void> => {
  if (!trusted('Opening a dev shell')) return;
  const target = await chooseShell(ctx, arg, 'Dev shell to open in a terminal');
  if (!target) return;
  const nix = nixForTerminal(ctx);
  if (!nix) return;
  const shellArgs = ['develop', ...target.extraArgs, target.ref];
  ctx.log.info(`Opening a terminal: ${nix} ${shellArgs.join(' ')} (in ${target.flakeDir})`);
  const terminal = vscode.window.createTerminal({
    name: shellTerminalName(target.name),
    cwd: target.flakeDir,
    shellPath: nix,
    shellArgs,
    env: nixEnvironment(undefined),
    iconPath: new vscode.ThemeIcon('terminal'),
  });
  terminal.show();
};

/**
 * The dev shell environment applied to the workspace: the collection, the status item that
 * shows it, and the watcher of its flake.lock. One per extension context.
 */
class DevShellEnvironment implements vscode.Disposable {
  private readonly status = vscode.window.createStatusBarItem('jetsonNix.devShell', vscode.StatusBarAlignment.Left, 50);
  private lockWatcher: vscode.Disposable | undefined;
  private capturing: Promise<void> | undefined;
  private readonly store: ShellEnvironmentStore;
  /** Putting back the environment of before the reload; everything else waits for it. */
  private readonly restoring: Promise<void>;

  constructor(private readonly ctx: Context) {
    this.status.name = 'Jetson Nix: Dev Shell Environment';
    this.status.command = 'jetsonNix.resetDevShellEnv';
    this.store = new ShellEnvironmentStore(ctx.extension.secrets, ctx.extension.workspaceState);
    this.restoring = this.restore().catch((err: unknown) => ctx.log.error(`Restoring the dev shell environment failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  /**
   * VS Code would write a persistent collection's values in plaintext to the workspace storage:
   * the collection is never persistent, and the variables come back from secret storage instead.
   * What an earlier version persisted in plaintext is moved there once (and so removed).
   */
  private async restore(): Promise<void> {
    const collection = this.collection();
    const plaintext = collectionChanges(collection);
    collection.persistent = false;
    const applied = this.applied();
    let changes = applied ? await this.store.load() : undefined;
    if (applied && !changes && plaintext.length > 0) {
      changes = plaintext;
      const why = await this.store.save(plaintext);
      this.ctx.log.info(`Moved the ${applied.statusText} environment out of plaintext workspace storage${why ? `; ${why}, so it is kept in memory only` : ' into secret storage'}.`);
    }
    collection.clear();
    if (!applied) return;
    if (!changes) {
      await this.ctx.extension.workspaceState.update(STATE_KEY, undefined);
      this.ctx.log.info(`The ${applied.statusText} environment was not restored (it is kept only in secret storage, which has none): apply it again.`);
      return;
    }
    this.fill(applied.target, applied.statusText, changes);
    this.show(applied);
  }

  /** Puts `changes` into the (non-persistent) collection. */
  private fill(target: ShellTarget, statusText: string, changes: readonly EnvironmentChange[]): void {
    const collection = this.collection();
    collection.clear();
    collection.persistent = false;
    collection.description = `${statusText}: the environment of \`nix develop ${[...target.extraArgs, target.ref].join(' ')}\` (Jetson Nix)`;
    for (const change of changes) collection[change.kind](change.name, change.value);
  }

  private collection(): vscode.EnvironmentVariableCollection {
    return this.ctx.extension.environmentVariableCollection;
  }

  private applied(): AppliedShell | undefined {
    return this.ctx.extension.workspaceState.get<AppliedShell>(STATE_KEY);
  }

  /** Captures the shell's environment (cancellable, with progress) and applies what it changes. */
  async apply(target: ShellTarget): Promise<void> {
    await this.restoring;
    if (this.capturing) {
      void vscode.window.showInformationMessage('A dev shell environment is already being captured.');
      return;
    }
    const work = this.capture(target);
    this.capturing = work;
    try {
      await work;
    } catch (err) {
      if (err instanceof ToolMissingError) {
        this.ctx.log.warn(err.message);
        void vscode.window.showErrorMessage(err.message);
        return;
      }
      this.ctx.log.error(`Capturing ${target.ref} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      const choice = await vscode.window.showErrorMessage(`Could not capture the environment of ${target.name}.`, 'Open Logs');
      if (choice) this.ctx.log.show(true);
    } finally {
      this.capturing = undefined;
    }
  }

  private async capture(target: ShellTarget): Promise<void> {
    const nix = readSettings(this.ctx.log)['nix.executable'];
    const title = `Capturing the environment of ${target.name} (nix develop)`;
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_progress, token) => {
      const abort = new AbortController();
      const subscription = token.onCancellationRequested(() => abort.abort());
      try {
        const log = (line: string) => this.ctx.log.info(line);
        return await captureDevShellEnvironment({ nix, flakeDir: target.flakeDir, ref: target.ref, extraArgs: target.extraArgs, signal: abort.signal, log });
      } finally {
        subscription.dispose();
      }
    });
    if (!result.ok) {
      if (result.cancelled) return;
      this.ctx.log.error(`Capturing ${target.ref} in ${target.flakeDir} failed: ${result.message}`);
      const choice = await vscode.window.showErrorMessage(`Could not capture the environment of ${target.name}: ${result.message}`, 'Open Logs');
      if (choice) this.ctx.log.show(true);
      return;
    }
    const changes = diffEnvironment(result.base, result.environment);
    if (changes.length === 0) {
      void vscode.window.showInformationMessage(`${target.name} changes no environment variable: nothing to apply.`);
      return;
    }
    const statusText = shellStatusText(target.name, result.environment);
    this.fill(target, statusText, changes);
    const applied: AppliedShell = { target, statusText, variables: changes.length, fingerprint: flakeFingerprint(target.flakeDir) };
    await this.ctx.extension.workspaceState.update(STATE_KEY, applied);
    const notKept = await this.store.save(changes);
    if (notKept) this.ctx.log.warn(`The ${statusText} environment is kept in memory only (${notKept}): after a window reload, apply it again.`);
    this.ctx.log.info(`Applied ${changes.length} variables of ${target.ref} to new terminals and tasks: ${changes.map((c) => c.name).join(', ')}`);
    this.show(applied);
    void vscode.window.showInformationMessage(`New terminals, tasks and debug sessions now use the ${statusText} (${changes.length} variables). Open terminals keep theirs until relaunched.`);
  }

  private show(applied: AppliedShell): void {
    this.status.text = `$(terminal) ${applied.statusText}`;
    this.status.tooltip = new vscode.MarkdownString(
      `${applied.variables} variables of \`nix develop ${[...applied.target.extraArgs, applied.target.ref].join(' ')}\` apply to new terminals, tasks and debug sessions.\n\nClick to stop using them.`,
    );
    this.status.show();
    this.watchLock(applied);
  }

  /** When flake.lock changes, the shell may have changed too: offer to capture it again (never on our own). */
  private watchLock(applied: AppliedShell): void {
    this.lockWatcher?.dispose();
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(applied.target.flakeDir), 'flake.lock'));
    const changed = async () => {
      const current = this.applied();
      if (!current || flakeFingerprint(current.target.flakeDir) === current.fingerprint) return;
      // Asked once per change: the new fingerprint is remembered whatever the answer.
      await this.ctx.extension.workspaceState.update(STATE_KEY, { ...current, fingerprint: flakeFingerprint(current.target.flakeDir) });
      const choice = await vscode.window.showInformationMessage(`flake.lock changed: the ${current.statusText} environment in use may be out of date.`, 'Re-capture', 'Reset');
      if (choice === 'Re-capture') await this.apply(current.target);
      else if (choice === 'Reset') await this.reset();
    };
    this.lockWatcher = vscode.Disposable.from(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed));
  }

  async reset(): Promise<void> {
    await this.restoring;
    const applied = this.applied();
    this.collection().clear();
    await this.ctx.extension.workspaceState.update(STATE_KEY, undefined);
    await this.store.forget();
    this.lockWatcher?.dispose();
    this.lockWatcher = undefined;
    this.status.hide();
    if (applied) void vscode.window.showInformationMessage(`New terminals and tasks no longer use the ${applied.statusText} environment.`);
    else void vscode.window.showInformationMessage('No dev shell environment is in use.');
  }

  dispose(): void {
    this.lockWatcher?.dispose();
    this.status.dispose();
  }
}

/** What a collection holds (an earlier version persisted it in plaintext), as changes. */
function collectionChanges(collection: vscode.EnvironmentVariableCollection): EnvironmentChange[] {
  const kinds: Record<number, EnvironmentChange['kind']> = {
    [vscode.EnvironmentVariableMutatorType.Replace]: 'replace',
    [vscode.EnvironmentVariableMutatorType.Prepend]: 'prepend',
    [vscode.EnvironmentVariableMutatorType.Append]: 'append',
  };
  const out: EnvironmentChange[] = [];
  collection.forEach((name, mutator) => {
    const kind = kinds[mutator.type];
    if (kind) out.push({ name, kind, value: mutator.value });
  });
  return out;
}

const environments = new WeakMap<Context, DevShellEnvironment>();

function environmentOf(ctx: Context): DevShellEnvironment {
  let env = environments.get(ctx);
  if (!env) {
    env = new DevShellEnvironment(ctx);
    environments.set(ctx, env);
    ctx.track(env);
  }
  return env;
}

/** `jetsonNix.applyDevShellEnv`: the chosen shell's environment for new terminals, tasks and debug sessions. */
export const applyDevShellEnv = (ctx: Context) => {
  // Created at activation, so a persisted environment shows in the status bar after a reload.
  const env = environmentOf(ctx);
  return async (arg?: unknown): Promise<void> => {
    if (!trusted('Capturing a dev shell environment')) return;
    const target = await chooseShell(ctx, arg, 'Dev shell whose environment new terminals and tasks should use');
    if (target) await env.apply(target);
  };
};

/** `jetsonNix.resetDevShellEnv`: back to the normal environment. */
export const resetDevShellEnv = (ctx: Context) => () => environmentOf(ctx).reset();
