import * as vscode from 'vscode';
import { readSettings as validate, type ServerSettings } from '../../server/src/config';

/** The settings section; every key is declared in package.json under `jetsonNix.*`. */
export const SECTION = 'jetsonNix';

/**
 * The user's settings, validated by the same code the server uses (server/src/config.ts), so the
 * two can never disagree. Invalid values fall back to their defaults and are logged.
 */
export function readSettings(log?: vscode.LogOutputChannel): ServerSettings {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  const { settings, problems } = validate({ diagnostics: cfg.get('diagnostics') });
  for (const p of problems) log?.warn(p);
  return settings;
}
