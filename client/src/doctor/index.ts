import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Context } from '../context';
import { readSettings } from '../config';
import { FLAKE_OUTPUTS, type FlakeOutputs, type FlakeOutputsParams } from '../../../server/src/protocol';
import { HostDoctor } from './host-doctor';

/**
 * The build doctor in the extension: one HostDoctor per window (created on first use), whose
 * facts are read in the background when the extension starts in a trusted workspace, read again
 * when the Nix settings change, and on demand.
 */
const doctors = new WeakMap<Context, HostDoctor>();

export function hostDoctor(ctx: Context): HostDoctor {
  let doctor = doctors.get(ctx);
  if (!doctor) {
    doctor = new HostDoctor({
      nix: () => readSettings(ctx.log)['nix.executable'],
      pingTimeoutSeconds: () => readSettings(ctx.log)['build.builderTimeoutSeconds'],
      cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd(),
      log: (message) => ctx.log.info(message),
    });
    doctors.set(ctx, doctor);
  }
  return doctor;
}

/**
 * Reads the build setup once the workspace is trusted (asking Nix runs `jetsonNix.nix.executable`,
 * which a workspace could set), and again when the Nix settings change.
 */
export function registerDoctor(ctx: Context): vscode.Disposable[] {
  const read = () => void hostDoctor(ctx).refresh().catch((err: unknown) => ctx.log.warn(`Reading the build setup failed: ${String(err)}`));
  if (vscode.workspace.isTrusted) read();
  return [
    vscode.workspace.onDidGrantWorkspaceTrust(read),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (vscode.workspace.isTrusted && (e.affectsConfiguration('jetsonNix.nix.executable') || e.affectsConfiguration('jetsonNix.build.builderTimeoutSeconds'))) read();
    }),
  ];
}

/** The static reading of a flake folder's flake.nix from the language server (nothing evaluated), or undefined. */
export async function flakeOutputsOf(ctx: Context, flakeDir: string): Promise<FlakeOutputs | undefined> {
  const uri = vscode.Uri.file(path.join(flakeDir, 'flake.nix')).toString();
  return (await ctx.server.request<FlakeOutputsParams, FlakeOutputs | null>(FLAKE_OUTPUTS, { uri })) ?? undefined;
}
