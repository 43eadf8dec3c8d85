import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Context } from '../context';
import { readSettings } from '../config';
import { describeSituation, recoveryStatusText } from '../usb/ids';
import { deviceMonitor } from '../usb/index';
import { commandLine, udevInstallCommands, udevRules, UDEV_RULES_PATH } from '../usb/udev';
import { parseFlashArgument } from '../flash/argument';
import { candidateFromInstallable, type FlashTarget } from '../flash/candidates';
import type { BuildResult, FlashOutcome, FlashRequest } from '../flash/dependencies';
import { FlashFlow } from '../flash/flow';
import { installerCommand } from '../flash/outcome';
import { locateElevation } from '../flash/script';
import { runInTerminal } from '../flash/terminal';
import { VscodeFlashUi } from '../flash/vscode-ui';
import { configurationsOf, flashCandidates } from '../flash/workspace';
import { buildWithProgress, builtResults } from './build';

/** One flash at a time per window: two scripts fighting over one USB port help no one. */
const flashing = new WeakSet<Context>();

/**
 * `jetsonNix.flash`: flashes a Jetson in recovery mode. Invoked from the palette or the status
 * item it asks for everything; from a device, a configuration or a finished build it starts there.
 */
export function flashCommand(ctx: Context): (arg?: unknown) => Promise<void> {
  return async (arg?: unknown) => {
    if (flashing.has(ctx)) {
      void vscode.window.showInformationMessage('A flash is already under way in this window; wait for it to finish.');
      return;
    }
    if (!vscode.workspace.isTrusted) {
      const manage = 'Manage Workspace Trust';
      const choice = await vscode.window.showWarningMessage('Flashing builds the flash script with Nix, which runs code from the workspace: trust this workspace first.', manage);
      if (choice === manage) void vscode.commands.executeCommand('workbench.trust.manage');
      return;
    }
    flashing.add(ctx);
    try {
      await flash(ctx, arg);
    } catch (err) {
      ctx.log.error(`Flash failed: ${err instanceof Error && err.stack ? err.stack : String(err)}`);
      void showWithLogs(ctx, 'error', 'Flashing stopped at an unexpected error; the log has the details.');
    } finally {
      flashing.delete(ctx);
    }
  };
}

async function flash(ctx: Context, arg: unknown): Promise<void> {
  const request = await requestFrom(ctx, arg);
  const controller = new AbortController();
  const ui = new VscodeFlashUi(() => controller.abort());
  const settings = readSettings(ctx.log);
  const elevation = settings['flash.elevation'] === 'pkexec' ? 'pkexec' : 'sudo';
  const flow = new FlashFlow(
    {
      devices: deviceMonitor(ctx),
      candidates: (device) => flashCandidates(ctx, device),
      host: { platform: process.platform, arch: process.arch },
      elevation,
      locateElevation: () => locateElevation(elevation),
      build: (target) => buildFlashScript(ctx, target),
      listDirectory: (dir) => fs.readdir(dir),
      runScript: (launch, signal) => runInTerminal(launch, signal, ctx.log),
      ui,
      log: (message) => ctx.log.info(message),
    },
    controller.signal,
  );
  let outcome: FlashOutcome;
  try {
    outcome = await flow.run(request);
  } finally {
    // The progress notification goes before the outcome shows (which waits for the user).
    ui.dispose();
  }
  await report(ctx, outcome);
}

/**
 * Builds with the build machinery (progress, cancellation, the log, errors mapped to the
 * workspace files, failures reported there). It resolves undefined when the user cancels the
 * build; its success notification is left out, the flow goes on to the confirmation.
 */
async function buildFlashScript(ctx: Context, target: FlashTarget): Promise<BuildResult> {
  return (await buildWithProgress(ctx, target, { quietSuccess: true })) ?? { ok: false, cancelled: true, outPaths: [] };
}

/** The device or configuration the command was invoked on, with the configuration's SoM. */
async function requestFrom(ctx: Context, arg: unknown): Promise<FlashRequest> {
  const parsed = parseFlashArgument(arg);
  const request: FlashRequest = {};
  if (parsed.devicePort !== undefined) request.devicePort = parsed.devicePort;
  if (parsed.target) {
    const candidate = candidateFromInstallable(parsed.target, await configurationsOf(ctx, parsed.target.flakeDir));
    if (candidate) {
      request.candidate = candidate;
      // Run as root later, so only what this window's last build of that target produced is taken.
      const problem = parsed.outPath === undefined ? undefined : builtResults(ctx).problem(parsed.outPath, parsed.target);
      if (parsed.outPath !== undefined && problem === undefined) request.candidate = { ...candidate, outPath: parsed.outPath };
      if (problem) ctx.log.warn(`Flash: not using the result handed over (${problem}); building ${candidate.target.installable} instead`);
    } else {
      ctx.log.info(`Flash: ${parsed.target.installable} is not a flash script; asking which configuration to flash`);
    }
  }
  return request;
}

/** Tells the user how it ended, once: the build machinery reports its own failures. */
async function report(ctx: Context, outcome: FlashOutcome): Promise<void> {
  ctx.log.info(`Flash ${outcome.status} at ${outcome.step}: ${outcome.message}`);
  for (const detail of outcome.details) ctx.log.info(`  - ${detail}`);
  if (outcome.reported) return;
  switch (outcome.status) {
    case 'flashed': {
      const build = 'Build the Installer…';
      const copy = 'Copy Installer Command';
      const steps = 'Next Steps';
      const choice = await vscode.window.showInformationMessage(`${outcome.message} Next: build the installer, write it to a USB drive and install NixOS.`, build, copy, steps);
      if (choice === build) await vscode.commands.executeCommand('jetsonNix.buildInstaller', { majorVersion: outcome.candidate?.majorVersion });
      if (choice === copy) await vscode.env.clipboard.writeText(installerCommand(outcome.candidate?.majorVersion));
      if (choice === steps) await vscode.window.showInformationMessage(outcome.message, { modal: true, detail: bullets(outcome.details) });
      return;
    }
    case 'failed': {
      const causes = 'Likely Causes';
      const choice = await vscode.window.showErrorMessage(outcome.message, ...(outcome.details.length > 0 ? [causes] : []), 'Open Logs');
      if (choice === causes) await vscode.window.showErrorMessage(outcome.message, { modal: true, detail: bullets(outcome.details) });
      if (choice === 'Open Logs') ctx.log.show(true);
      return;
    }
    case 'refused':
      await showWithLogs(ctx, 'warning', outcome.message);
      return;
    case 'cancelled':
      // Stopped mid-flash, the module may be without firmware: that must be said, not whispered.
      if (outcome.step === 'flash') await vscode.window.showWarningMessage(outcome.message, { modal: true, detail: bullets(outcome.details) });
      else vscode.window.setStatusBarMessage(outcome.message, 5000);
      return;
  }
}

function bullets(lines: readonly string[]): string {
  return lines.map((l) => `• ${l}`).join('\n');
}

async function showWithLogs(ctx: Context, level: 'error' | 'warning', message: string): Promise<void> {
  const show = level === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
  if ((await show(message, 'Open Logs')) === 'Open Logs') ctx.log.show(true);
}

/** `jetsonNix.scanDevices`: scans USB now and says what it found in the status bar (the view updates too). */
export function scanDevicesCommand(ctx: Context): () => Promise<void> {
  return async () => {
    const devices = await deviceMonitor(ctx).refresh();
    vscode.window.setStatusBarMessage(`$(search) ${recoveryStatusText(devices) ?? describeSituation(devices)}`, 6000);
  };
}

/**
 * `jetsonNix.installUdevRules`: shows the rules in an editor, then, only if asked, opens a
 * terminal with the install commands typed in but not run: the user reads them and presses Enter
 * (they need root; nothing is installed silently).
 */
export function installUdevRulesCommand(ctx: Context): () => Promise<void> {
  return async () => {
    try {
      const rules = udevRules();
      const document = await vscode.workspace.openTextDocument({ content: rules, language: 'plaintext' });
      await vscode.window.showTextDocument(document, { preview: false });
      const storage = ctx.extension.globalStorageUri.fsPath;
      await fs.mkdir(storage, { recursive: true });
      const source = path.join(storage, path.basename(UDEV_RULES_PATH));
      const commands = udevInstallCommands(source).map(commandLine);
      const open = 'Open Terminal with Commands';
      const choice = await vscode.window.showInformationMessage(
        `Install these rules as ${UDEV_RULES_PATH}? Members of plugdev and the user at the seat can then use a Jetson in recovery mode without root (the flash script itself still runs as root).`,
        { modal: true, detail: `Installing needs root. The terminal will hold these commands; press Enter there to run them:\n\n${commands.join('\n')}` },
        open,
      );
      if (choice !== open) return;
      await fs.writeFile(source, rules, { mode: 0o644 });
      const terminal = vscode.window.createTerminal({ name: 'Install udev rules', shellPath: '/bin/sh', iconPath: new vscode.ThemeIcon('shield') });
      terminal.show(false);
      // Typed in, not run: the user presses Enter after reading them.
      terminal.sendText(commands.join(' && '), false);
    } catch (err) {
      ctx.log.error(`Installing udev rules failed: ${err instanceof Error ? err.message : String(err)}`);
      void showWithLogs(ctx, 'error', 'The udev rules could not be prepared; the log has the details.');
    }
  };
}
