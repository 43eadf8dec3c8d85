import * as path from 'node:path';
import type { OtherNixServer } from '../../server/src/protocol';
import { generalFeaturesOn } from '../../server/src/lsp/general-features';

/**
 * Finds the other Nix language server the editor runs, from the installed and enabled extensions
 * and their settings. No `vscode` import: the extension passes what it sees (tested with plain Node).
 *
 * Known extensions (ids checked against their published package.json):
 * - `jnoortheen.nix-ide` (Nix IDE): starts `nix.serverPath` (nixd by default, or nil, or any
 *   command) when `nix.enableLanguageServer` is on; when the command is missing it falls back to
 *   its own nix-instantiate check, so a command that is not on PATH does not count.
 * - `aaronduino.nix-lsp` (Nix LSP): starts rnix-lsp.
 * nil and nixd have no VS Code extension of their own (nixd's is an open request, nix-community/nixd#571;
 * nil's README points to Nix IDE): they run through Nix IDE.
 */
export interface ExtensionsView {
  /** Whether an extension is installed and enabled (VS Code: `vscode.extensions.getExtension`). */
  enabled(id: string): boolean;
  /** A setting's value (`nix.serverPath`), undefined when unset and undeclared. */
  setting(key: string): unknown;
  /** The absolute path of an executable (a path, or a name on PATH), undefined when there is none. */
  findExecutable(command: string): string | undefined;
}

export interface Detection {
  server: OtherNixServer | null;
  /** Why an installed Nix extension does not count as a running server, worth one log line. */
  notes: string[];
}

interface Known {
  id: string;
  label: string;
  /** The command it starts, or undefined when it starts none with its settings. */
  command(view: ExtensionsView): string[] | undefined;
  /** What to tell the user about a missing command. */
  setting?: string;
}

const KNOWN: Known[] = [
  { id: 'jnoortheen.nix-ide', label: 'Nix IDE', command: nixIdeCommand, setting: 'nix.serverPath' },
  { id: 'aaronduino.nix-lsp', label: 'Nix LSP', command: () => ['rnix-lsp'] },
];

/** The ids of the extensions looked at, for the extension to watch. */
export const KNOWN_EXTENSION_IDS = KNOWN.map((k) => k.id);

/** Nix IDE's command, resolved as it resolves it (src/client.ts, src/configuration.ts). */
function nixIdeCommand(view: ExtensionsView): string[] | undefined {
  if (view.setting('nix.enableLanguageServer') !== true) return undefined;
  const configured = view.setting('nix.serverPath');
  const parts = typeof configured === 'string' ? [configured] : Array.isArray(configured) ? configured.filter((p): p is string => typeof p === 'string') : ['nixd'];
  if (parts.length > 0) return parts;
  // An empty list: the first of nixd and nil found on PATH, else nixd.
  return [['nixd', 'nil'].find((c) => view.findExecutable(c)) ?? 'nixd'];
}

/** A command's name as users know the server: `/nix/store/…-nixd-2.6/bin/nixd` is nixd. */
function serverName(command: string): string {
  return path.basename(command).replace(/\.exe$/i, '') || command;
}

/**
 * Whether a command runs: found as a path or on PATH. A command with `${…}` variables (Nix IDE
 * expands them) or a relative path (resolved from wherever VS Code started) cannot be checked:
 * it is trusted to run.
 */
function runs(command: string, view: ExtensionsView): boolean {
  if (command.includes('${') || (command.includes('/') && !path.isAbsolute(command))) return true;
  return command.trim() !== '' && view.findExecutable(command) !== undefined;
}

/** The first known extension that runs a Nix language server now, and notes about those that do not. */
export function detectOtherNixServer(view: ExtensionsView): Detection {
  const notes: string[] = [];
  for (const known of KNOWN) {
    if (!view.enabled(known.id)) continue;
    const command = known.command(view);
    if (!command) continue;
    const name = serverName(command[0]!);
    const via = `${known.label} (${known.id})`;
    if (runs(command[0]!, view)) return { server: { name, via }, notes };
    const where = known.setting ? ` (${known.setting})` : '';
    const cmd = command[0]!;
    const missing = cmd.trim() === '' ? 'the command is empty' : path.isAbsolute(cmd) ? `${cmd} is not an executable file` : `${cmd} is not on PATH`;
    notes.push(`${via} is set to start ${name || 'a language server'}${where}, but ${missing}, so it runs no language server: Jetson Nix keeps the general Nix features.`);
  }
  return { server: null, notes };
}

/** The language status item's text while it is worth showing, or undefined (general features on, nobody else). */
export function generalFeaturesStatus(setting: string, other: OtherNixServer | null): { text: string; detail: string } | undefined {
  if (setting === 'off') return { text: 'General Nix features: off', detail: 'jetsonNix.generalNixFeatures is off: only Jetson, ROS, option and flake features' };
  if (!other) return undefined;
  if (generalFeaturesOn(setting, other)) return { text: `General Nix features: on beside ${other.name}`, detail: `${other.via} runs ${other.name} too: problems and completions may appear twice` };
  return { text: `General Nix features: ${other.name}`, detail: `Left to ${other.name} (${other.via}); Jetson Nix keeps its Jetson, ROS, option and flake features` };
}
