/**
 * Writing an installer image to a USB drive, as steps with every dependency injected (lsblk, the
 * program paths, the questions, the terminal), so the whole flow runs in plain Node tests on
 * fixture lsblk outputs. Nothing is written before the modal confirmation names the drive (path,
 * model, size) and what is erased; the drive is listed again right before writing, and the write
 * is refused if it changed. No `vscode` import.
 */
import * as path from 'node:path';
import { classifyDrives, describeDrive, formatSize, sameDrive, type DriveChoice, type LsblkReading, type RefusedDrive } from './drives';
import { describeWriteExit, writeTerminalLaunch, type WriteTools } from './write-script';

export interface WriteUi {
  /** Resolves the drive the user picks, or undefined when they back out. */
  pickDrive(eligible: readonly DriveChoice[], refused: readonly RefusedDrive[], image: string): Promise<DriveChoice | undefined>;
  /** The modal confirmation; true only for the explicit action. */
  confirm(summary: { message: string; detail: string; action: string }): Promise<boolean>;
}

export interface WriteDeps {
  platform: string;
  lsblk(): Promise<LsblkReading>;
  /** The programs, as absolute paths, or the names not found. */
  tools(): { ok: true; tools: WriteTools } | { ok: false; missing: string[] };
  /** The image's real path (symbolic links resolved: a build result is a link into the store) and size. */
  image(file: string): Promise<{ ok: true; realPath: string; size: number } | { ok: false; error: string }>;
  ui: WriteUi;
  /** Runs the terminal and resolves the exit code the outer script recorded (undefined if it was closed first). */
  runTerminal(launch: { shellPath: string; shellArgs: string[]; statusFile: string }, signal: AbortSignal): Promise<number | undefined>;
  /** A fresh status file path in a private folder; `done` removes it. */
  statusFile(): Promise<{ file: string; done(): Promise<void> }>;
  log(message: string): void;
}

export interface WriteOutcome {
  status: 'written' | 'failed' | 'cancelled' | 'refused';
  message: string;
  /** The drives that were not offered, with why (for the "why is my drive not listed" question). */
  refused?: RefusedDrive[];
}

/** Writes `imageFile` to a drive the user picks and confirms; never throws. */
export async function writeInstaller(imageFile: string, deps: WriteDeps, signal: AbortSignal): Promise<WriteOutcome> {
  try {
    return await steps(imageFile, deps, signal);
  } catch (err) {
    deps.log(`Writing the installer failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { status: 'failed', message: `Writing the installer stopped at an unexpected error: ${err instanceof Error ? err.message : String(err)}` };
  }
}

async function steps(imageFile: string, deps: WriteDeps, signal: AbortSignal): Promise<WriteOutcome> {
  if (deps.platform !== 'linux') return { status: 'refused', message: 'Writing a drive from VS Code needs Linux (lsblk and dd). On this machine, write the image with your system\'s own tool (e.g. dd or balenaEtcher).' };
  const image = await deps.image(imageFile);
  if (!image.ok) return { status: 'refused', message: image.error };
  const tools = deps.tools();
  if (!tools.ok) return { status: 'refused', message: `Writing needs ${tools.missing.join(', ')}, which ${tools.missing.length === 1 ? 'is' : 'are'} not installed on this machine.` };
  const listed = await deps.lsblk();
  if (!listed.ok) return { status: 'failed', message: `The drives could not be listed: ${listed.error}.` };
  const { eligible, refused } = classifyDrives(listed.devices, image.realPath);
  deps.log(`Installer: ${eligible.length} drive(s) offered; refused: ${refused.map((r) => `${r.drive.path} (${r.reason})`).join(', ') || 'none'}`);
  if (eligible.length === 0) {
    const why = refused.map((r) => `${r.drive.path}: ${r.reason}`).join('; ');
    return { status: 'refused', message: `No removable drive to write to: plug in a USB drive (at least ${formatSize(image.size)}).${why ? ` Not offered: ${why}.` : ''}`, refused };
  }
  const choice = await deps.ui.pickDrive(eligible, refused, image.realPath);
  if (!choice || signal.aborted) return { status: 'cancelled', message: 'Nothing was written.' };
  if (choice.drive.size < image.size) return { status: 'refused', message: `${describeDrive(choice.drive)} is smaller than the image (${formatSize(image.size)}); nothing was written.` };
  const confirmed = await deps.ui.confirm(summary(choice, imageFile, image.size, tools.tools.elevation));
  if (!confirmed || signal.aborted) return { status: 'cancelled', message: 'Nothing was written.' };
  const again = await deps.lsblk();
  const now = again.ok ? classifyDrives(again.devices, image.realPath).eligible.find((e) => e.drive.path === choice.drive.path) : undefined;
  if (!now || !sameDrive(choice.drive, now.drive)) {
    return { status: 'refused', message: `${choice.drive.path} changed since you confirmed (unplugged, replaced or mounted); nothing was written. Start again.` };
  }
  return write(choice, image, tools.tools, deps, signal);
}

function summary(choice: DriveChoice, imageFile: string, size: number, elevation: string): { message: string; detail: string; action: string } {
  const unmount = choice.unmount.length > 0 ? ` It first unmounts ${choice.unmount.map((m) => `${m.device} (${m.mountpoint})`).join(', ')}.` : '';
  return {
    message: `Erase ${describeDrive(choice.drive)} and write the installer to it?`,
    detail:
      `Everything on ${choice.drive.path} (${choice.drive.model ?? 'unknown model'}, ${formatSize(choice.drive.size)}) is erased and replaced by ${path.basename(imageFile)} (${formatSize(size)}).${unmount}\n\n` +
      `dd runs as root through ${elevation} in a terminal, where you type your password; then the drive is read back and compared with the image.`,
    action: `Erase and Write ${choice.drive.path}`,
  };
}

async function write(choice: DriveChoice, image: { realPath: string; size: number }, tools: WriteTools, deps: WriteDeps, signal: AbortSignal): Promise<WriteOutcome> {
  const status = await deps.statusFile();
  try {
    const launch = writeTerminalLaunch(tools, { image: image.realPath, size: image.size, target: choice.drive.path, unmount: choice.unmount.map((m) => m.device), statusFile: status.file });
    deps.log(`Installer: writing ${image.realPath} to ${choice.drive.path} through ${tools.elevation}`);
    const code = await deps.runTerminal({ ...launch, statusFile: status.file }, signal);
    const result = describeWriteExit(code, choice.drive.path, tools.elevation);
    deps.log(`Installer: the write ended with ${code ?? 'no exit code'}`);
    return { status: result.ok ? 'written' : code === undefined && signal.aborted ? 'cancelled' : 'failed', message: result.message };
  } finally {
    await status.done();
  }
}
