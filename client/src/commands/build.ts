/**
 * `jetsonNix.build` and the build machinery other commands use (flashing builds its script through
 * `buildWithProgress`): a cancellable progress notification, the full log in the "Jetson Nix
 * Build" output channel, Nix's errors as diagnostics on the workspace files (until the next
 * successful build of that flake), and a notification with the result. Without a target, the
 * user picks one from the language server's static reading of flake.nix (picking evaluates
 * nothing). The work itself is nix/build.ts; this is the VS Code face of it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Context } from '../context';
import { readSettings } from '../config';
import { buildArgs, configurationInstallable, installableLabel, isFlashInstallable, nixBuild, normalizeInstallable, packageInstallable, type BuildOutcome } from '../nix/build';
import { describeProgress, type BuildProgress } from '../nix/progress';
import { diagnosticMessage, primaryError, rangeAt, type NixError } from '../nix/errors';
import type { BuildTarget } from '../views/flake-items';
import { BuiltResults } from '../flash/built';
import { FLAKE_OUTPUTS, type FlakeOutputs, type FlakeOutputsParams } from '../../../server/src/protocol';
import { readTextSync, type ReadLimitKind } from '../../../server/src/shared/safe-read';
import { explainRefusedBuild, preflight } from '../doctor/preflight';

export type { BuildTarget } from '../views/flake-items';

/** The output channel, the diagnostics and the builds under way, shared by every build. */
class BuildSupport implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Jetson Nix Build');
  /** Named for this extension: a collection named `nix` could collide with another Nix extension's. Its diagnostics say `nix`. */
  readonly diagnostics = vscode.languages.createDiagnosticCollection('jetson-nix-build');
  /** Files that hold diagnostics, per flake folder, so a successful build clears only its own. */
  readonly filesByFlake = new Map<string, vscode.Uri[]>();
  readonly running = new Map<string, Promise<BuildOutcome | undefined>>();
  /** What the builds of this window produced: the only results `jetsonNix.flash` takes ready-made. */
  readonly built = new BuiltResults();

  dispose(): void {
    this.output.dispose();
    this.diagnostics.dispose();
  }
}

let support: BuildSupport | undefined;

/** Creates the build output channel and diagnostics; extension.ts tracks the result. */
export function registerBuildSupport(): vscode.Disposable {
  support?.dispose();
  const created = new BuildSupport();
  support = created;
  return new vscode.Disposable(() => {
    created.dispose();
    if (support === created) support = undefined;
  });
}

function buildSupport(ctx: Context): BuildSupport {
  if (!support) ctx.track(registerBuildSupport());
  return support!;
}

/** The results this window's builds produced (see flash/built.ts). */
export function builtResults(ctx: Context): BuiltResults {
  return buildSupport(ctx).built;
}

/** `jetsonNix.build`: a target from the view item or argument, else picked; never throws. */
export const buildCommand =
  (ctx: Context) =>
  async (arg?: unknown): Promise<void> => {
    try {
      if (!trusted()) return;
      const target = targetFromArgument(arg) ?? (await pickBuildTarget(ctx));
      if (target) await buildWithProgress(ctx, target, { offerFlash: true });
    } catch (error) {
      ctx.log.error(`Build command failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      void showWithLogs(ctx, 'The build could not be started; the log has the details.');
    }
  };

/**
 * Runs the build with the progress notification, log, diagnostics and result notification;
 * resolves undefined when cancelled, or the outcome. A second request for a target already
 * building joins the build under way. First the build doctor checks that this machine can build
 * the target's system (doctor/preflight.ts); declining its offer counts as cancelling.
 */
export function buildWithProgress(ctx: Context, target: BuildTarget, options: { offerFlash?: boolean; quietSuccess?: boolean } = {}): Promise<BuildOutcome | undefined> {
  if (!trusted()) return Promise.resolve(refused('Building runs code from the flake, so it is off in Restricted Mode.'));
  const resources = buildSupport(ctx);
  const key = `${path.resolve(target.flakeDir)}\0${target.installable}`;
  const underWay = resources.running.get(key);
  if (underWay) {
    resources.output.show(true);
    return underWay;
  }
  const pending = preflight(ctx, target)
    .then((go) => (go ? runBuild(ctx, resources, target, options) : undefined))
    .finally(() => resources.running.delete(key));
  resources.running.set(key, pending);
  return pending;
}

async function runBuild(ctx: Context, resources: BuildSupport, target: BuildTarget, options: { offerFlash?: boolean; quietSuccess?: boolean }): Promise<BuildOutcome | undefined> {
  const nix = readSettings(ctx.log)['nix.executable'];
  const { output } = resources;
  const started = Date.now();
  output.appendLine('');
  output.appendLine(`▶ ${new Date(started).toLocaleTimeString()}  ${nix} ${buildArgs(target.installable).join(' ')}  (in ${target.flakeDir})`);
  ctx.log.info(`Build of ${target.installable} started in ${target.flakeDir}`);
  const lockBefore = readIfExists(path.join(target.flakeDir, 'flake.lock'), 'lock');

  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Building ${target.label}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const cancellation = token.onCancellationRequested(() => controller.abort());
      const bar = new ProgressReporter(progress, started);
      const timer = setInterval(() => bar.render(), 1000);
      try {
        return await nixBuild({
          nix,
          cwd: target.flakeDir,
          installable: target.installable,
          signal: controller.signal,
          onProgress: (p) => bar.update(p),
          onLogLine: (line) => output.appendLine(line),
        });
      } finally {
        clearInterval(timer);
        cancellation.dispose();
      }
    },
  );

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  output.appendLine(`■ ${outcome.ok ? 'built' : outcome.cancelled ? 'cancelled' : 'failed'} after ${seconds} s: ${outcome.message}`);
  if (outcome.cancelled) {
    ctx.log.info(`Build of ${target.installable} cancelled after ${seconds} s`);
    vscode.window.setStatusBarMessage(`Build of ${target.label} cancelled`, 5000);
    return undefined;
  }
  if (outcome.ok) {
    ctx.log.info(`Built ${target.installable} in ${seconds} s: ${outcome.outPaths.join(' ')}`);
    resources.built.record(target, outcome.outPaths);
    clearDiagnostics(resources, target.flakeDir);
    const lockChanged = lockBefore !== readIfExists(path.join(target.flakeDir, 'flake.lock'), 'lock');
    if (!options.quietSuccess) void announceSuccess(target, outcome, { offerFlash: options.offerFlash !== false, lockChanged });
    return outcome;
  }
  ctx.log.error(`Build of ${target.installable} failed (exit code ${outcome.exitCode ?? 'none'}): ${outcome.message}`);
  for (const error of outcome.errors) ctx.log.error(error.text);
  showDiagnostics(resources, target.flakeDir, outcome.errors);
  void announceFailure(ctx, resources, outcome, target);
  return outcome;
}

/** Turns progress snapshots into the notification's message and a bar that never moves backwards. */
class ProgressReporter {
  private latest: BuildProgress | undefined;
  private shown = 0;
  private lastRender = 0;

  constructor(
    private readonly progress: vscode.Progress<{ message?: string; increment?: number }>,
    private readonly started: number,
  ) {}

  update(p: BuildProgress): void {
    this.latest = p;
    if (Date.now() - this.lastRender >= 250) this.render();
  }

  render(): void {
    this.lastRender = Date.now();
    const elapsedMs = this.lastRender - this.started;
    const p = this.latest;
    const message = p ? describeProgress({ ...p, elapsedMs }) : describeProgress(emptyProgress(elapsedMs));
    // Nix's totals can drop (a build found in a cache instead): the bar holds its position rather than go back.
    const percent = Math.round((p?.fraction ?? 0) * 100);
    const increment = percent > this.shown ? percent - this.shown : 0;
    this.shown += increment;
    this.progress.report(increment > 0 ? { message, increment } : { message });
  }
}

function emptyProgress(elapsedMs: number): BuildProgress {
  const zero = { done: 0, total: 0, running: 0, failed: 0 };
  return { builds: zero, substitutions: zero, download: { done: 0, total: 0 }, unpack: { done: 0, total: 0 }, running: [], fraction: undefined, elapsedMs };
}

async function announceSuccess(target: BuildTarget, outcome: BuildOutcome, options: { offerFlash: boolean; lockChanged: boolean }): Promise<void> {
  const outPath = outcome.outPaths[0];
  const lockNote = options.lockChanged ? ' flake.lock was updated.' : '';
  if (!outPath) {
    void vscode.window.showInformationMessage(`Built ${target.label}.${lockNote}`);
    return;
  }
  const flash = 'Flash…';
  const reveal = 'Reveal Result';
  const copy = 'Copy Path';
  const actions = options.offerFlash && isFlashInstallable(target.installable) ? [flash, reveal, copy] : [reveal, copy];
  const choice = await vscode.window.showInformationMessage(`Built ${target.label}: ${outPath}${lockNote}`, ...actions);
  if (choice === flash) await vscode.commands.executeCommand('jetsonNix.flash', { outPath, installable: target.installable, flakeDir: target.flakeDir });
  if (choice === copy) await vscode.env.clipboard.writeText(outPath);
  if (choice === reveal) await revealResult(target.flakeDir, outPath);
}

/** Shows the `result` link in the Explorer when the flake is in the workspace, else the store path in the OS. */
async function revealResult(flakeDir: string, outPath: string): Promise<void> {
  const link = vscode.Uri.file(path.join(flakeDir, 'result'));
  if (fs.existsSync(link.fsPath) && vscode.workspace.getWorkspaceFolder(link)) await vscode.commands.executeCommand('revealInExplorer', link);
  else await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(outPath));
}

async function announceFailure(ctx: Context, resources: BuildSupport, outcome: BuildOutcome, target: BuildTarget): Promise<void> {
  const error = primaryError(outcome.errors);
  if (error?.kind === 'platform' && error.platform) {
    // Not a failure of the code: the machine lacks the platform. The doctor's explanation and fixes.
    if ((await explainRefusedBuild(ctx, error.platform, target, ['Show Full Log'])) === 'Show Full Log') resources.output.show(true);
    return;
  }
  const goTo = 'Go to Error';
  const fullLog = 'Show Full Log';
  const settings = 'Open Settings';
  const actions = [...(error?.location ? [goTo] : []), fullLog, ...(/jetsonNix\.nix\.executable/.test(outcome.message) ? [settings] : [])];
  if (error?.kind === 'build' && error.logTail) {
    resources.output.appendLine(`Last lines of ${error.derivation ?? 'the failing builder'}'s log:`);
    for (const line of error.logTail.slice(-10)) resources.output.appendLine(`  > ${line}`);
  }
  const choice = await vscode.window.showErrorMessage(outcome.message, ...actions);
  if (choice === fullLog) resources.output.show(true);
  if (choice === settings) await vscode.commands.executeCommand('workbench.action.openSettings', 'jetsonNix.nix.executable');
  if (choice === goTo && error?.location) {
    const document = await vscode.workspace.openTextDocument(error.location.file);
    const range = toRange(rangeAt(document.getText(), error.location.line, error.location.column));
    await vscode.window.showTextDocument(document, { selection: range });
  }
}

/** Replaces this flake's build diagnostics with the located errors. */
function showDiagnostics(resources: BuildSupport, flakeDir: string, errors: NixError[]): void {
  clearDiagnostics(resources, flakeDir);
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const error of errors) {
    if (!error.location) continue;
    const text = documentText(error.location.file);
    if (text === undefined) continue;
    const diagnostic = new vscode.Diagnostic(toRange(rangeAt(text, error.location.line, error.location.column)), diagnosticMessage(error), vscode.DiagnosticSeverity.Error);
    diagnostic.source = 'nix';
    diagnostic.code = `nix-${error.kind}`;
    byFile.set(error.location.file, [...(byFile.get(error.location.file) ?? []), diagnostic]);
  }
  const uris: vscode.Uri[] = [];
  for (const [file, diagnostics] of byFile) {
    const uri = vscode.Uri.file(file);
    resources.diagnostics.set(uri, diagnostics);
    uris.push(uri);
  }
  resources.filesByFlake.set(path.resolve(flakeDir), uris);
}

function clearDiagnostics(resources: BuildSupport, flakeDir: string): void {
  const key = path.resolve(flakeDir);
  for (const uri of resources.filesByFlake.get(key) ?? []) resources.diagnostics.delete(uri);
  resources.filesByFlake.delete(key);
}

/** The text the user sees: the open editor's (possibly unsaved) text, else the file on disk. */
function documentText(file: string): string | undefined {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  return open ? open.getText() : readIfExists(file);
}

function toRange(range: ReturnType<typeof rangeAt>): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

/** A file's text, through the safe reader (the extension host must never block on a FIFO or read /dev/zero). */
function readIfExists(file: string, kind: ReadLimitKind = 'nix'): string | undefined {
  const read = readTextSync(file, { kind });
  return read.ok ? read.value : undefined;
}

/** Building evaluates the flake, which runs its code: only in a trusted workspace. */
function trusted(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage('Building runs code from the flake, so it is off in Restricted Mode: trust this folder first.', 'Manage Workspace Trust')
    .then((choice) => choice && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}

function refused(message: string): BuildOutcome {
  return { ok: false, cancelled: false, outPaths: [], exitCode: undefined, errors: [], message };
}

async function showWithLogs(ctx: Context, message: string): Promise<void> {
  if ((await vscode.window.showErrorMessage(message, 'Open Logs')) === 'Open Logs') ctx.log.show(true);
}

// Choosing what to build.

/** A view item (`{ buildTarget }`) or a BuildTarget itself; anything else (the palette passes nothing) means "ask". */
function targetFromArgument(arg: unknown): BuildTarget | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const candidate = 'buildTarget' in arg ? (arg as { buildTarget?: unknown }).buildTarget : arg;
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const { flakeDir, installable, label } = candidate as Record<string, unknown>;
  if (typeof flakeDir !== 'string' || typeof installable !== 'string' || installable.trim() === '') return undefined;
  return { flakeDir, installable, label: typeof label === 'string' && label !== '' ? label : installableLabel(installable) };
}

/** What a NixOS configuration can build, in the order people reach for them. */
const SYSTEM_BUILDS: Array<{ attr: string; description: string }> = [
  { attr: 'toplevel', description: 'the whole system, as installed on the Jetson' },
  { attr: 'sdImage', description: 'an SD card image' },
  { attr: 'isoImage', description: 'an installer ISO' },
  { attr: 'flashScript', description: 'the script that flashes the firmware (jetpack-nixos)' },
  { attr: 'initrdFlashScript', description: 'the firmware flash script that boots an initrd on the Jetson (jetpack-nixos)' },
  { attr: 'legacyFlashScript', description: "NVIDIA's older flash script (jetpack-nixos)" },
  { attr: 'fuseScript', description: 'the script that burns fuses: irreversible (jetpack-nixos)' },
  { attr: 'uefiCapsuleUpdate', description: 'a UEFI capsule for a firmware update (jetpack-nixos)' },
];

type TargetItem = vscode.QuickPickItem & { pick?: () => Promise<string | undefined> };

/** Asks for a flake, then a target in it; undefined when the user backs out. */
async function pickBuildTarget(ctx: Context): Promise<BuildTarget | undefined> {
  const flake = await pickFlake();
  if (!flake) return undefined;
  const flakeDir = path.dirname(flake.fsPath);
  const outputs = await ctx.server.request<FlakeOutputsParams, FlakeOutputs | null>(FLAKE_OUTPUTS, { uri: flake.toString() });
  if (!outputs) {
    ctx.log.info(`Build: the language server gave no outputs for ${flake.fsPath}; asking for an attribute`);
    const installable = await askForAttribute('The outputs of this flake.nix could not be read; type what to build.');
    return installable ? { flakeDir, installable, label: installableLabel(installable) } : undefined;
  }
  const items: TargetItem[] = [];
  if (outputs.configurations.length > 0) items.push({ label: 'Configurations', kind: vscode.QuickPickItemKind.Separator });
  for (const configuration of outputs.configurations) {
    const facts = [configuration.som, configuration.carrierBoard, configuration.majorVersion && `JetPack ${configuration.majorVersion}`].filter(Boolean);
    items.push({
      label: `$(server) ${configuration.name}`,
      description: facts.join(' · '),
      pick: () => pickSystemBuild(configuration.name),
    });
  }
  if (outputs.packages.length > 0) items.push({ label: 'Packages', kind: vscode.QuickPickItemKind.Separator });
  for (const output of outputs.packages) {
    const installable = packageInstallable(output.name, output.system);
    items.push({ label: `$(package) ${output.name}`, description: output.system ?? 'for this machine', pick: () => Promise.resolve(installable) });
  }
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  items.push({ label: '$(edit) Enter an attribute…', description: 'any installable, e.g. packages.x86_64-linux.default', pick: () => askForAttribute() });
  const chosen = await vscode.window.showQuickPick(items, { placeHolder: `What to build from ${vscode.workspace.asRelativePath(flake)}`, matchOnDescription: true });
  const installable = await chosen?.pick?.();
  return installable ? { flakeDir, installable, label: installableLabel(installable) } : undefined;
}

/** The workspace's only flake.nix, or the one the user picks among several. */
async function pickFlake(): Promise<vscode.Uri | undefined> {
  const flakes = (await vscode.workspace.findFiles('**/flake.nix', '**/node_modules/**')).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  if (flakes.length === 0) {
    const create = 'New Jetson Robot Project…';
    if ((await vscode.window.showInformationMessage('There is no flake.nix in this workspace to build.', create)) === create)
      await vscode.commands.executeCommand('jetsonNix.newProject');
    return undefined;
  }
  if (flakes.length === 1) return flakes[0];
  const picked = await vscode.window.showQuickPick(
    flakes.map((uri) => ({ label: vscode.workspace.asRelativePath(path.dirname(uri.fsPath)) || '.', description: vscode.workspace.asRelativePath(uri), uri })),
    { placeHolder: 'Which flake?' },
  );
  return picked?.uri;
}

async function pickSystemBuild(name: string): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(
    SYSTEM_BUILDS.map((b) => ({ label: b.attr, description: b.description, attr: b.attr })),
    { placeHolder: `What to build of ${name} (config.system.build.…)` },
  );
  return picked && configurationInstallable(name, picked.attr);
}

async function askForAttribute(prompt = 'An attribute of this flake, or any flake reference'): Promise<string | undefined> {
  const typed = await vscode.window.showInputBox({
    prompt,
    placeHolder: 'packages.x86_64-linux.default · nixosConfigurations.robot.config.system.build.sdImage · github:owner/repo#name',
    validateInput: (value) => {
      if (value.trim() === '') return 'Type what to build.';
      if (/\s/.test(value.trim())) return 'An installable has no spaces; give one at a time.';
      return undefined;
    },
  });
  return typed === undefined ? undefined : normalizeInstallable(typed) || undefined;
}
