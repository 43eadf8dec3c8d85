import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { Context } from '../context';
import type { Fix, FixId } from '../../../server/src/shared/doctor';

/**
 * The doctor's fixes in VS Code: one button per fix on a problem, and what each button does. Fixes
 * that need root are typed into a terminal for the user to read and run (as Install udev Rules
 * does), never run behind their back; lines for a configuration file are copied to the clipboard
 * with the file opened; the remote builder has its wizard.
 */

const BUTTONS: Record<FixId, string> = {
  'nixos-emulation': 'Set Up Emulation…',
  'debian-emulation': 'Set Up Emulation…',
  'linux-emulation': 'Set Up Emulation…',
  'darwin-linux-builder': 'Set Up a Linux Builder…',
  'remote-builder': 'Use a Remote Builder…',
  'cross-compile': 'Cross-Compile Instead…',
  'trust-user': 'Trust This User…',
  'add-cache': 'Add the Cache…',
};

export const SHOW_BUILD_SETUP = 'Show Build Setup';

export interface FixOffer {
  /** One sentence. */
  message: string;
  details: readonly string[];
  fixes: readonly Fix[];
  /** Modal (before anything runs) or a notification (after a build failed). */
  modal: boolean;
  severity: 'error' | 'warning';
  /** Buttons the caller handles itself ("Build Anyway", "Show Full Log"), returned when chosen. */
  extra?: readonly string[];
  /** The flake the build setup report is shown for. */
  flakeDir?: string;
}

/** Shows the problem with a button per fix; applies the chosen fix; returns an `extra` button when that was chosen. */
export async function offerFixes(ctx: Context, offer: FixOffer): Promise<string | undefined> {
  const byButton = new Map<string, Fix>();
  for (const fix of offer.fixes) if (!byButton.has(BUTTONS[fix.id])) byButton.set(BUTTONS[fix.id], fix);
  const buttons = [...byButton.keys(), SHOW_BUILD_SETUP, ...(offer.extra ?? [])];
  const detail = [...offer.details, ...offer.fixes.map((f) => `• ${f.title}: ${f.detail}`)].join('\n');
  const show = offer.severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
  const choice = offer.modal ? await show(offer.message, { modal: true, detail }, ...buttons) : await show(offer.message, ...buttons);
  if (choice === undefined) return undefined;
  if (offer.extra?.includes(choice)) return choice;
  if (choice === SHOW_BUILD_SETUP) {
    await vscode.commands.executeCommand('jetsonNix.checkBuildSetup', offer.flakeDir ? { flakeDir: offer.flakeDir } : undefined);
    return undefined;
  }
  const fix = byButton.get(choice);
  if (fix) await applyFix(ctx, fix);
  return undefined;
}

/** Carries out one fix as far as the extension may: a wizard, an opened file and the clipboard, or commands typed into a terminal. */
export async function applyFix(ctx: Context, fix: Fix): Promise<void> {
  ctx.log.info(`Build setup: the user chose "${fix.title}"`);
  if (fix.command) {
    await vscode.commands.executeCommand(fix.command);
    return;
  }
  if (fix.snippet && fix.snippet.language === 'nix') {
    await offerSnippet(fix);
    return;
  }
  if (fix.commands && fix.commands.length > 0) {
    await typeCommands(fix.title, fix.detail, fix.commands);
    return;
  }
  if (fix.snippet) await offerSnippet(fix);
}

/** A line for a configuration: the file opened when it is known, the text on the clipboard, the next command offered. */
async function offerSnippet(fix: Fix): Promise<void> {
  const snippet = fix.snippet!;
  await vscode.env.clipboard.writeText(snippet.text);
  const file = snippet.file && fs.existsSync(snippet.file) ? snippet.file : undefined;
  if (file) await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  const where = file ? `paste it into ${file}` : snippet.language === 'nix' ? 'paste it into the configuration' : `add it to ${snippet.file ?? 'nix.conf'}`;
  const terminal = 'Open Terminal with Commands';
  const choice = await vscode.window.showInformationMessage(
    `Copied to the clipboard: ${snippet.text.split('\n')[0]}${snippet.text.includes('\n') ? ' …' : ''} — ${where}.`,
    { modal: true, detail: `${fix.detail}\n\n${snippet.text}${fix.commands ? `\n\nThen run:\n${fix.commands.join('\n')}` : ''}` },
    ...(fix.commands ? [terminal] : []),
  );
  if (choice === terminal) await openTerminal(fix.title, fix.commands!);
}

/** Asks, then opens a terminal with the commands typed in but not run: they need root, the user presses Enter. */
export async function typeCommands(title: string, detail: string, commands: readonly string[]): Promise<boolean> {
  const open = 'Open Terminal with Commands';
  const choice = await vscode.window.showInformationMessage(
    `${title}?`,
    { modal: true, detail: `${detail}\n\nThese commands need root. The terminal will hold them; read them and press Enter there to run them:\n\n${commands.join('\n')}` },
    open,
  );
  if (choice !== open) return false;
  await openTerminal(title, commands);
  return true;
}

async function openTerminal(title: string, commands: readonly string[]): Promise<void> {
  const terminal = vscode.window.createTerminal({ name: title, shellPath: '/bin/sh', iconPath: new vscode.ThemeIcon('shield') });
  terminal.show(false);
  // Typed in, not run: the user presses Enter after reading them.
  terminal.sendText(commands.join(' && '), false);
}
