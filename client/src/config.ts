import * as vscode from 'vscode';

/**
 * The extension's settings, read and validated in one place. Keys mirror
 * `contributes.configuration` in package.json; the server validates its own part again.
 */
export interface ExtensionSettings {
  diagnostics: { debounceMs: number; maxFileSizeKb: number };
}

export const SECTION = 'jetsonNix';

function numberSetting(cfg: vscode.WorkspaceConfiguration, key: string, fallback: number, min: number, max: number): number {
  const v = cfg.get<unknown>(key);
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : fallback;
}

export function readSettings(): ExtensionSettings {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  return {
    diagnostics: {
      debounceMs: numberSetting(cfg, 'diagnostics.debounceMs', 50, 0, 2000),
      maxFileSizeKb: numberSetting(cfg, 'diagnostics.maxFileSizeKb', 3072, 1, 1024 * 1024),
    },
  };
}
