import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Context } from '../context';
import { readSettings } from '../config';
import { run } from '../nix/exec';
import { JETPACK_NIXOS_FLAKE } from '../flash/candidates';
import { lsblkArgs, parseLsblk, describeDrive, formatSize, type DriveChoice, type RefusedDrive } from '../installer/drives';
import { writeInstaller, type WriteDeps, type WriteUi } from '../installer/flow';
import { which, whichAll } from '../system/which';
import { locateElevation } from '../flash/script';
import { storeDir } from '../../../server/src/schema/live';
import { privateStatusFile, runTerminalForStatus } from '../system/terminal-status';
import { capabilityFor } from '../../../server/src/shared/doctor';
import { hostDoctor } from '../doctor/index';
import { buildWithProgress } from './build';

/**
 * After flashing firmware, install NixOS: **Build the NixOS Installer for a Jetson…** builds
 * jetpack-nixos's installer ISO (`iso_minimal`, `iso_minimal_jp5` for Xavier, `iso_minimal_jp7`),
 * natively for aarch64-linux when this machine can build that (most of it then comes from the
 * binary cache), else jetpack-nixos's cross-compiled x86_64-linux variant (everything compiles
 * here); **Write Installer to USB Drive…** writes it (installer/flow.ts).
 */

const JETPACKS = [
  { major: '6', attr: 'iso_minimal', label: 'JetPack 6', description: 'Orin (the default)' },
  { major: '5', attr: 'iso_minimal_jp5', label: 'JetPack 5', description: 'Xavier, or Orin on JetPack 5' },
  { major: '7', attr: 'iso_minimal_jp7', label: 'JetPack 7', description: 'Thor, or Orin on JetPack 7' },
];

/** The folder holding the installer's `result` link (a garbage-collector root, so the ISO stays until replaced). */
function installerDir(ctx: Context, major: string): string {
  const dir = path.join(ctx.extension.globalStorageUri.fsPath, `installer-jp${major}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** `jetsonNix.buildInstaller` (optionally `{ majorVersion }` from the flash flow). */
export const buildInstallerCommand =
  (ctx: Context) =>
  async (arg?: unknown): Promise<void> => {
    const given = typeof arg === 'object' && arg !== null ? (arg as { majorVersion?: unknown }).majorVersion : undefined;
    const jetpack = JETPACKS.find((j) => j.major === given) ?? (await vscode.window.showQuickPick(JETPACKS, { placeHolder: 'The installer for which JetPack generation?' }));
    if (!jetpack) return;
    const facts = await hostDoctor(ctx).facts();
    const native = capabilityFor({ system: 'aarch64-linux', features: [] }, facts);
    const system = native.verdict === 'yes' || native.local === 'emulated' || !facts.nix.ok || facts.nix.settings.system !== 'x86_64-linux' ? 'aarch64-linux' : 'x86_64-linux';
    const how =
      system === 'aarch64-linux'
        ? `It is built for aarch64-linux (${native.summary.replace(/\.$/, '')}); most of it comes from the binary cache.`
        : `This machine cannot build aarch64-linux, so jetpack-nixos's cross-compiled variant is built here on x86_64: nothing comes from the aarch64 binary cache, and it takes hours. With an aarch64 builder it would mostly download.`;
    const go = 'Build';
    const builder = 'Use a Remote Builder…';
    const choice = await vscode.window.showInformationMessage(
      `Build the NixOS installer for ${jetpack.label}?`,
      { modal: true, detail: `${how}\n\nNix downloads jetpack-nixos, nixpkgs and NVIDIA's software from the internet: ${JETPACK_NIXOS_FLAKE}#packages.${system}.${jetpack.attr}.` },
      go,
      ...(system === 'x86_64-linux' ? [builder] : []),
    );
    if (choice === builder) await vscode.commands.executeCommand('jetsonNix.useRemoteBuilder');
    if (choice !== go) return;
    const target = { flakeDir: installerDir(ctx, jetpack.major), installable: `${JETPACK_NIXOS_FLAKE}#packages.${system}.${jetpack.attr}`, label: `NixOS installer (${jetpack.label})` };
    const outcome = await buildWithProgress(ctx, target, { quietSuccess: true });
    if (!outcome?.ok || !outcome.outPaths[0]) return;
    const write = 'Write to USB Drive…';
    const image = isoIn(outcome.outPaths[0]);
    const next = await vscode.window.showInformationMessage(`Built the installer: ${image ?? outcome.outPaths[0]}. Next: write it to a USB drive and boot the Jetson from it.`, write);
    if (next === write) await vscode.commands.executeCommand('jetsonNix.writeInstallerToUsb', { image });
  };

/** The `.iso` in a build result's `iso/` folder (nixpkgs' isoImage layout). */
function isoIn(outPath: string): string | undefined {
  try {
    const name = fs.readdirSync(path.join(outPath, 'iso')).find((f) => f.endsWith('.iso'));
    return name ? path.join(outPath, 'iso', name) : undefined;
  } catch {
    return undefined;
  }
}

/** `jetsonNix.writeInstallerToUsb` (optionally `{ image }`): picks the image when not given, then runs the writer. */
export const writeInstallerCommand =
  (ctx: Context) =>
  async (arg?: unknown): Promise<void> => {
    const given = typeof arg === 'object' && arg !== null ? (arg as { image?: unknown }).image : undefined;
    const image = typeof given === 'string' ? given : await pickImage(ctx);
    if (!image) return;
    const outcome = await writeInstaller(image, vscodeWriteDeps(ctx), new AbortController().signal);
    ctx.log.info(`Installer: ${outcome.status}: ${outcome.message}`);
    if (outcome.status === 'written') void vscode.window.showInformationMessage(outcome.message);
    else if (outcome.status === 'failed') void vscode.window.showErrorMessage(outcome.message);
    else if (outcome.status === 'refused') void vscode.window.showWarningMessage(outcome.message);
  };

async function pickImage(ctx: Context): Promise<string | undefined> {
  const built = JETPACKS.map((j) => path.join(ctx.extension.globalStorageUri.fsPath, `installer-jp${j.major}`, 'result')).flatMap((link) => {
    const iso = fs.existsSync(link) ? isoIn(fs.realpathSync(link)) : undefined;
    return iso ? [{ label: path.basename(iso), description: 'built by Jetson Nix', image: iso }] : [];
  });
  const browse = { label: '$(folder-opened) Choose an image file…', image: undefined as string | undefined };
  const picked = built.length > 0 ? await vscode.window.showQuickPick([...built, browse], { placeHolder: 'Which installer image?' }) : browse;
  if (!picked) return undefined;
  if (picked.image) return picked.image;
  const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Installer images': ['iso', 'img'] }, title: 'Installer image to write' });
  return chosen?.[0]?.fsPath;
}

function vscodeWriteDeps(ctx: Context): WriteDeps {
  // What runs as root comes from neither a workspace folder nor the Nix store (a dev shell's bin/).
  const exclude = [...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath), storeDir()];
  return {
    platform: process.platform,
    lsblk: async () => {
      const lsblk = which('lsblk', { exclude });
      if (!lsblk) return { ok: false, error: 'lsblk is not installed (util-linux)' };
      const r = await run(lsblk, lsblkArgs(), { cwd: '/' });
      return r.exitCode === 0 ? parseLsblk(r.stdout) : { ok: false, error: r.stderr.trim() || `lsblk exited with ${r.exitCode}` };
    },
    tools: () => {
      const name = readSettings(ctx.log)['flash.elevation'] === 'pkexec' ? 'pkexec' : 'sudo';
      const elevation = locateElevation(name);
      const found = whichAll({ shell: 'sh', dd: 'dd', sha256sum: 'sha256sum', head: 'head', sync: 'sync', umount: 'umount' }, { exclude });
      const blockdev = which('blockdev', { exclude });
      if (!elevation) return { ok: false, missing: [name, ...(found.ok ? [] : found.missing)] };
      return found.ok ? { ok: true, tools: { elevation, ...found.paths, ...(blockdev ? { blockdev } : {}) } } : found;
    },
    image: async (file) => {
      try {
        const realPath = fs.realpathSync(file);
        const stat = fs.statSync(realPath);
        if (!stat.isFile()) return { ok: false, error: `${file} is not an image file.` };
        return { ok: true, realPath, size: stat.size };
      } catch {
        return { ok: false, error: `${file} does not exist.` };
      }
    },
    ui: writeUi,
    runTerminal: (launch, signal) => runTerminalForStatus({ name: 'Write installer', icon: 'save', ...launch }, signal),
    statusFile: () => privateStatusFile('jetson-nix-write-'),
    log: (message) => ctx.log.info(message),
  };
}

const writeUi: WriteUi = {
  async pickDrive(eligible: readonly DriveChoice[], refused: readonly RefusedDrive[]) {
    type Item = vscode.QuickPickItem & { choice?: DriveChoice; refusal?: RefusedDrive };
    const items: Item[] = eligible.map((choice) => ({
      label: `$(database) ${choice.drive.path}`,
      description: `${choice.drive.model ?? 'unknown model'} · ${formatSize(choice.drive.size)}${choice.drive.transport ? ` · ${choice.drive.transport.toUpperCase()}` : ''}`,
      ...(choice.unmount.length > 0 ? { detail: `Mounted at ${choice.unmount.map((m) => m.mountpoint).join(', ')}: unmounted before writing` } : {}),
      choice,
    }));
    if (refused.length > 0) items.push({ label: 'Not offered', kind: vscode.QuickPickItemKind.Separator });
    for (const refusal of refused) items.push({ label: `$(circle-slash) ${refusal.drive.path}`, description: refusal.reason, refusal });
    const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Write the installer to which drive? Everything on it is erased.', ignoreFocusOut: true });
    if (picked?.refusal) void vscode.window.showInformationMessage(`${describeDrive(picked.refusal.drive)} is not offered: ${picked.refusal.reason}.`);
    return picked?.choice;
  },
  async confirm(summary) {
    return (await vscode.window.showWarningMessage(summary.message, { modal: true, detail: summary.detail }, summary.action)) === summary.action;
  },
};
