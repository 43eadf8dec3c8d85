import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Context } from '../context';
import { carrierBoardsFor, hostnameProblem, jetpackDetail, jetpackVersionsFor, ROS_DISTROS, somChoices } from '../templates/choices';
import type { ProjectOptions } from '../templates/flake';
import { isEmptyFolder, writeProject } from '../templates/project';

const TITLE = 'New Jetson Robot Project';
const STEPS = 6;

/**
 * The folder to create the project in, always asked: an open workspace folder that is empty can be
 * picked in one step, or any folder through the dialog (which can create one). Never taken
 * silently: the user must see where files will be written (and, in a trusted workspace, where git
 * will run).
 */
async function targetFolder(): Promise<string | undefined> {
  const open = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file' && isEmptyFolder(f.uri.fsPath));
  if (open.length > 0) {
    const choose = { label: '$(folder-opened) Choose a folder…', description: 'an empty folder (the dialog can create one)', dir: undefined };
    const picked = await vscode.window.showQuickPick(
      [...open.map((f) => ({ label: `$(root-folder) ${f.name}`, description: 'the open folder (empty)', detail: f.uri.fsPath, dir: f.uri.fsPath })), choose],
      { title: `${TITLE}: where?`, placeHolder: 'Where to create the project', ignoreFocusOut: true },
    );
    if (!picked) return undefined;
    if (picked.dir) return picked.dir;
  }
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Create Project Here',
    title: `${TITLE}: choose an empty folder`,
  });
  const dir = picked?.[0]?.fsPath;
  if (dir && !isEmptyFolder(dir)) {
    void vscode.window.showErrorMessage(`${dir} is not empty (or is a git repository): choose an empty folder (the dialog can create one).`);
    return undefined;
  }
  return dir;
}

async function pick<T>(step: number, placeHolder: string, items: (vscode.QuickPickItem & { value: T })[]): Promise<T | undefined> {
  const picked = await vscode.window.showQuickPick(items, { title: `${TITLE} (${step}/${STEPS})`, placeHolder, ignoreFocusOut: true });
  return picked?.value;
}

/** The wizard: SoM, carrier board, JetPack, ROS 2 distribution, CUDA, host name. Undefined when abandoned. */
async function askOptions(): Promise<ProjectOptions | undefined> {
  const som = await pick(
    1,
    'Which Jetson module?',
    somChoices().map((s) => ({ label: s.title, description: s.som, detail: `JetPack ${s.jetpackVersions.join(', ')} · CUDA capability ${s.cudaCapabilities.join(', ')}`, value: s.som })),
  );
  if (!som) return undefined;
  const carrierBoard = await pick(2, 'Which carrier board?', carrierBoardsFor(som).map((b) => ({ label: b.title, description: b.board, value: b.board })));
  if (!carrierBoard) return undefined;
  const versions = jetpackVersionsFor(som, carrierBoard);
  // A module that runs a single JetPack (Xavier: 5, Thor: 7) needs no question.
  const jetpack =
    versions.length === 1
      ? versions[0]
      : await pick(3, 'Which JetPack?', versions.map((v, i) => ({ label: `JetPack ${v}`, description: [jetpackDetail(v), i === 0 ? 'default for this module' : undefined].filter(Boolean).join(' · '), value: v })));
  if (!jetpack) return undefined;
  const rosDistro = await pick(4, 'Which ROS 2 distribution?', ROS_DISTROS.map((d) => ({ label: `ROS 2 ${d.distro}`, description: d.detail, value: d.distro })));
  if (!rosDistro) return undefined;
  const cuda = await pick(5, 'Use CUDA on the Jetson?', [
    { label: 'With CUDA', description: "GPU code for the module's CUDA capability (needs unfree packages)", value: true },
    { label: 'Without CUDA', value: false },
  ]);
  if (cuda === undefined) return undefined;
  const hostname = await vscode.window.showInputBox({
    title: `${TITLE} (${STEPS}/${STEPS})`,
    prompt: 'Host name of the robot (also the name of its NixOS configuration)',
    value: 'robot',
    ignoreFocusOut: true,
    validateInput: (value) => hostnameProblem(value.trim()),
  });
  if (!hostname) return undefined;
  return { hostname: hostname.trim(), som, carrierBoard, jetpack, rosDistro, cuda };
}

/** `jetsonNix.newProject`: scaffolds a Jetson robot flake in an empty folder and opens its flake.nix. */
export const newProject = (ctx: Context) => async (): Promise<void> => {
  const dir = await targetFolder();
  if (!dir) return;
  const options = await askOptions();
  if (!options) return;
  let written;
  try {
    // Never git in Restricted Mode: the wizard says what to run instead.
    written = await writeProject(dir, options, { allowed: vscode.workspace.isTrusted });
  } catch (err) {
    ctx.log.error(`Writing the new project in ${dir} failed: ${err instanceof Error ? err.message : String(err)}`);
    const choice = await vscode.window.showErrorMessage(`Could not write the project in ${dir}.`, 'Open Logs');
    if (choice) ctx.log.show(true);
    return;
  }
  ctx.log.info(`New project in ${dir}: ${JSON.stringify(options)}`);
  if (written.gitProblem) {
    ctx.log.warn(written.gitProblem);
    void vscode.window.showWarningMessage(written.gitProblem.charAt(0).toUpperCase() + written.gitProblem.slice(1) + '.');
  }
  const flake = vscode.Uri.file(path.join(dir, 'flake.nix'));
  await vscode.window.showTextDocument(flake);
  if (!vscode.workspace.getWorkspaceFolder(flake)) {
    const choice = await vscode.window.showInformationMessage(`The project is in ${dir}. Open that folder to see it in the Jetson view?`, 'Open Folder');
    if (choice) await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(dir));
  }
};
