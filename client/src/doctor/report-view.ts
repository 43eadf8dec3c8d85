import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Context } from '../context';
import { buildReport, renderMarkdown, type ReportInput } from '../../../server/src/shared/doctor';
import { flakeOutputsOf, hostDoctor } from './index';

/**
 * **Jetson Nix: Check Build Setup**: the doctor's whole report as a read-only Markdown document
 * (`jetson-nix-doctor:` documents are provided, not files, so they cannot be edited or saved by
 * mistake): platforms, emulation, builders and whether they answer, caches, every output of the
 * flake and how it builds here, and each problem's fixes. Reading it asks Nix again.
 */
export const DOCTOR_SCHEME = 'jetson-nix-doctor';

class ReportProvider implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly reports = new Map<string, string>();

  set(uri: vscode.Uri, text: string): void {
    this.reports.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.reports.get(uri.toString()) ?? '# Jetson Nix: Build Setup\n\nRun **Jetson Nix: Check Build Setup** to read it again.\n';
  }

  dispose(): void {
    this.changed.dispose();
  }
}

const providers = new WeakMap<Context, ReportProvider>();

export function registerReportView(ctx: Context): vscode.Disposable[] {
  const provider = new ReportProvider();
  providers.set(ctx, provider);
  return [provider, vscode.workspace.registerTextDocumentContentProvider(DOCTOR_SCHEME, provider)];
}

/** `jetsonNix.checkBuildSetup` (optionally with `{ flakeDir }`): reads the setup again and shows the report. */
export const checkBuildSetupCommand =
  (ctx: Context) =>
  async (arg?: unknown): Promise<void> => {
    if (!vscode.workspace.isTrusted) {
      const manage = 'Manage Workspace Trust';
      const choice = await vscode.window.showWarningMessage('Checking the build setup runs Nix (jetsonNix.nix.executable): trust this workspace first.', manage);
      if (choice === manage) await vscode.commands.executeCommand('workbench.trust.manage');
      return;
    }
    const provider = providers.get(ctx);
    if (!provider) return;
    try {
      const picked = flakeDirOf(arg) ?? (await pickFlakeDir());
      if (picked === null) return;
      const flakeDir = picked;
      const markdown = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Checking the build setup (asking Nix and the builders)…' }, () => report(ctx, flakeDir));
      const uri = vscode.Uri.from({ scheme: DOCTOR_SCHEME, path: '/Build Setup.md', query: flakeDir ? `flake=${encodeURIComponent(flakeDir)}` : '' });
      provider.set(uri, markdown);
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.languages.setTextDocumentLanguage(document, 'markdown');
      await vscode.window.showTextDocument(document, { preview: false });
    } catch (err) {
      ctx.log.error(`Check Build Setup failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if ((await vscode.window.showErrorMessage('The build setup could not be checked; the log has the details.', 'Open Logs')) === 'Open Logs') ctx.log.show(true);
    }
  };

async function report(ctx: Context, flakeDir: string | undefined): Promise<string> {
  const facts = await hostDoctor(ctx).refresh();
  const input: ReportInput = { facts };
  const outputs = flakeDir ? await flakeOutputsOf(ctx, flakeDir) : undefined;
  if (flakeDir && outputs) input.flake = { dir: flakeDir, targets: outputs, ...(outputs.caches ? { caches: outputs.caches } : {}) };
  const title = flakeDir ? `Jetson Nix: Build Setup for ${vscode.workspace.asRelativePath(flakeDir) || path.basename(flakeDir)}` : 'Jetson Nix: Build Setup';
  const preview = '_Read-only. Open the preview with **Markdown: Open Preview** (Ctrl+Shift+V); run **Jetson Nix: Check Build Setup** again after a change._\n\n';
  return renderMarkdown(buildReport(input), title).replace(/\n\n/, `\n\n${preview}`);
}

function flakeDirOf(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const dir = (arg as { flakeDir?: unknown }).flakeDir ?? (arg as { buildTarget?: { flakeDir?: unknown } }).buildTarget?.flakeDir;
  return typeof dir === 'string' ? dir : undefined;
}

/** The workspace's only flake, the one the user picks among several, undefined for none (the machine alone), null when the user backs out. */
async function pickFlakeDir(): Promise<string | undefined | null> {
  const flakes = (await vscode.workspace.findFiles('**/flake.nix', '**/{node_modules,.git,result*}/**', 50)).map((u) => path.dirname(u.fsPath)).sort();
  if (flakes.length <= 1) return flakes[0];
  const none = { label: '$(device-desktop) This machine only', dir: undefined as string | undefined };
  const picked = await vscode.window.showQuickPick([...flakes.map((dir) => ({ label: vscode.workspace.asRelativePath(dir) || '.', description: dir, dir })), none], {
    placeHolder: 'Check the build setup for which flake?',
  });
  return picked ? picked.dir : null;
}
