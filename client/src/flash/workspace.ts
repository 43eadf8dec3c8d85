import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Context } from '../context';
import { FLAKE_OUTPUTS, type FlakeConfiguration, type FlakeOutputs, type FlakeOutputsParams } from '../../../server/src/protocol';
import type { JetsonDevice } from '../usb/ids';
import { flakeModel } from '../views/index';
import { configurationCandidate, packageCandidate, referenceCandidates, type FlashCandidate } from './candidates';

/** The workspace's flakes as the Jetson view knows them (read statically by the language server). */
async function workspaceFlakes(ctx: Context): Promise<{ dir: string; outputs: FlakeOutputs }[]> {
  const model = flakeModel(ctx);
  // The views start the first reading; without them (or before it), start it here.
  if (model.flakes.length === 0) await model.refresh();
  else await model.ready();
  return model.flakes.flatMap((flake) => (flake.outputs ? [{ dir: flake.dir, outputs: flake.outputs }] : []));
}

/** The configurations a flake declares, for finding the SoM of one handed over from a view or a build. */
export async function configurationsOf(ctx: Context, flakeDir: string): Promise<FlakeConfiguration[]> {
  const known = flakeModel(ctx).flakes.find((flake) => flake.dir === flakeDir)?.outputs;
  if (known) return known.configurations;
  const uri = vscode.Uri.file(path.join(flakeDir, 'flake.nix'));
  const outputs = await ctx.server.request<FlakeOutputsParams, FlakeOutputs | null>(FLAKE_OUTPUTS, { uri: uri.toString() });
  return outputs?.configurations ?? [];
}

/**
 * What could be flashed onto `device`: each workspace configuration's flash script, each
 * workspace `flash-*` package for x86_64-linux, then jetpack-nixos's own flash packages that fit
 * the module.
 */
export async function flashCandidates(ctx: Context, device: JetsonDevice): Promise<FlashCandidate[]> {
  const candidates: FlashCandidate[] = [];
  for (const flake of await workspaceFlakes(ctx)) {
    for (const configuration of flake.outputs.configurations) candidates.push(configurationCandidate(flake.dir, configuration));
    for (const output of flake.outputs.packages) {
      if (output.system !== undefined && output.system !== 'x86_64-linux') continue;
      const candidate = packageCandidate(flake.dir, output);
      if (candidate) candidates.push(candidate);
    }
  }
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir();
  return [...candidates, ...referenceCandidates(device, cwd)];
}
