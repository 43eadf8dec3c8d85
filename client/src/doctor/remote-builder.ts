import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Context } from '../context';
import { readSettings } from '../config';
import { nixConfigEnv } from '../nix/exec';
import { builderSetup, checkBuilderSpec, machineLine, pingMachine, readBuilders, type BuilderPing, type BuilderSpec, type HostFacts } from '../../../server/src/shared/doctor';
import { typeCommands } from './fixes-ui';
import { execRunner } from './host-doctor';
import { hostDoctor } from './index';

/**
 * **Jetson Nix: Use a Remote Builder…**: asks for the host, user, systems, maximum jobs and SSH key,
 * checks the connection with `nix store ping` (as the user, SSH in batch mode, with a timeout),
 * and shows the machine line with where it goes and what trust each place needs, as a document to
 * read and apply. Writing /etc/nix/machines needs root: those commands are typed into a terminal
 * for the user, never run.
 */
export const useRemoteBuilderCommand = (ctx: Context) => async (): Promise<void> => {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Checking a builder runs Nix (jetsonNix.nix.executable): trust this workspace first.');
    return;
  }
  try {
    const spec = await askSpec();
    if (!spec) return;
    const [ping, facts] = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Checking ${spec.host} with nix store ping…` },
      async () => Promise.all([pingBuilder(ctx, spec), hostDoctor(ctx).facts().catch((): HostFacts | undefined => undefined)]),
    );
    const setup = builderSetup(spec, facts, ping);
    ctx.log.info(`Remote builder: ${setup.check}`);
    const document = await vscode.workspace.openTextDocument({ content: setup.text, language: 'properties' });
    await vscode.window.showTextDocument(document, { preview: false });
    const terminal = 'Add to /etc/nix/machines…';
    const again = 'Check Setup Again';
    const show = ping?.status === 'answered' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    const choice = await show(setup.check, terminal, again);
    if (choice === terminal) await typeCommands(`Add ${spec.host} as a builder`, `Appends the machine to /etc/nix/machines and builders-use-substitutes to /etc/nix/nix.conf.`, setup.commands);
    if (choice === again) await vscode.commands.executeCommand('jetsonNix.checkBuildSetup');
  } catch (err) {
    ctx.log.error(`Use a Remote Builder failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    void vscode.window.showErrorMessage('The remote builder could not be set up; the log has the details.');
  }
};

/** The questions, one after another; undefined when the user backs out of any. */
async function askSpec(): Promise<BuilderSpec | undefined> {
  const title = 'Use a Remote Builder';
  const host = await vscode.window.showInputBox({ title, prompt: 'The builder: host name or IP address (an aarch64 machine with Nix, e.g. a Jetson AGX Orin)', placeHolder: 'orin-01.local', ignoreFocusOut: true, validateInput: (v) => (checkBuilderSpec({ ...SAMPLE, host: v.trim() }).length > 0 && v.trim() !== '' ? 'A host name or an IP address, without spaces or a user.' : undefined) });
  if (!host) return undefined;
  const user = await vscode.window.showInputBox({ title, prompt: `The SSH user on ${host.trim()} (it must be allowed to use Nix there)`, value: 'nix', ignoreFocusOut: true, validateInput: (v) => (checkBuilderSpec({ ...SAMPLE, user: v.trim() }).length > 0 ? 'Not a user name SSH accepts.' : undefined) });
  if (user === undefined) return undefined;
  const systems = await vscode.window.showQuickPick(
    ['aarch64-linux', 'x86_64-linux', 'armv7l-linux'].map((s) => ({ label: s, picked: s === 'aarch64-linux' })),
    { title, placeHolder: 'Systems it builds', canPickMany: true, ignoreFocusOut: true },
  );
  if (!systems || systems.length === 0) return undefined;
  const jobs = await vscode.window.showInputBox({ title, prompt: 'Builds it runs at once (maximum jobs)', value: '4', ignoreFocusOut: true, validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 1024 ? undefined : 'A whole number from 1 to 1024.') });
  if (!jobs) return undefined;
  const sshKey = await pickKey();
  if (sshKey === null) return undefined;
  const spec: BuilderSpec = { protocol: 'ssh-ng', user: user.trim(), host: host.trim(), systems: systems.map((s) => s.label), maxJobs: Number(jobs), supportedFeatures: ['big-parallel'], ...(sshKey ? { sshKey } : {}) };
  const problems = checkBuilderSpec(spec);
  if (problems.length > 0) {
    void vscode.window.showErrorMessage(problems.join(' '));
    return undefined;
  }
  return spec;
}

const SAMPLE: BuilderSpec = { protocol: 'ssh-ng', user: 'nix', host: 'builder', systems: ['aarch64-linux'], maxJobs: 1, supportedFeatures: [] };

/** The SSH key: one of the user's, a system one (/etc/nix), a typed path, or none; null when dismissed. */
async function pickKey(): Promise<string | undefined | null> {
  const sshDir = path.join(os.homedir(), '.ssh');
  const keys = [...listKeys(sshDir), ...listKeys('/etc/nix')];
  const items: Array<vscode.QuickPickItem & { value?: string; typed?: boolean }> = [
    ...keys.map((k) => ({ label: k, description: k.startsWith('/etc/') ? 'readable by the Nix daemon' : 'the daemon (root) cannot read keys in your home folder', value: k })),
    { label: '$(edit) Enter a path…', typed: true },
    { label: '$(dash) No key', description: "use the SSH configuration of whoever connects (root, for the daemon)", value: '' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Use a Remote Builder', placeHolder: 'SSH private key for the builder', ignoreFocusOut: true });
  if (!picked) return null;
  if (!picked.typed) return picked.value || undefined;
  const typed = await vscode.window.showInputBox({ title: 'Use a Remote Builder', prompt: 'Absolute path of the private key', value: '/etc/nix/builder_ed25519', ignoreFocusOut: true, validateInput: (v) => (v.startsWith('/') && !/\s/.test(v) ? undefined : 'An absolute path without spaces.') });
  return typed === undefined ? null : typed;
}

/** Private keys in a folder: files with a `.pub` beside them. */
function listKeys(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.pub') && fs.existsSync(path.join(dir, f.slice(0, -4)))).map((f) => path.join(dir, f.slice(0, -4)));
  } catch {
    return [];
  }
}

/** `nix store ping` of the new machine, as the user (the daemon connects as root: the document says what that needs). */
async function pingBuilder(ctx: Context, spec: BuilderSpec): Promise<BuilderPing | undefined> {
  const machine = readBuilders(machineLine(spec), () => undefined).machines[0];
  if (!machine) return undefined;
  const settings = readSettings(ctx.log);
  return pingMachine(machine, { nix: settings['nix.executable'], runner: execRunner(os.homedir()), env: nixConfigEnv(), pingTimeoutMs: settings['build.builderTimeoutSeconds'] * 1000 });
}
