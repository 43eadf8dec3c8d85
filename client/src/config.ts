import * as vscode from 'vscode';
import { readSettings as validate, SETTINGS_SPEC, type Settings } from '../../server/src/config';

/** The settings section; every key is declared in package.json under `jetsonNix.*`. */
export const SECTION = 'jetsonNix';

/**
 * The user's settings, validated by the same code the server uses (server/src/config.ts), so the
 * two can never disagree. Invalid values fall back to their defaults and are logged.
 */
export function readSettings(log?: vscode.LogOutputChannel): Settings {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  const flat = Object.fromEntries(Object.keys(SETTINGS_SPEC).map((k) => [k, cfg.get(k)]));
  const { settings, problems } = validate(flat);
  for (const p of problems) log?.warn(p);
  return settings;
}
