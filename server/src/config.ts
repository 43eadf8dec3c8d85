/**
 * The server's settings, with their defaults: the one place they are read and validated. The
 * extension's `contributes.configuration` in package.json declares the same keys under
 * `jetsonNix.*` (a test keeps the two in step).
 */
export interface ServerSettings {
  /** Milliseconds to wait after a burst of edits before diagnosing again (the first edit after a pause is diagnosed at once). */
  'diagnostics.debounceMs': number;
  /** Files larger than this (in KiB) are not analysed in the editor; the CLI has no limit. */
  'diagnostics.maxFileSizeKb': number;
}

export const DEFAULT_SETTINGS: ServerSettings = {
  'diagnostics.debounceMs': 50,
  'diagnostics.maxFileSizeKb': 3072,
};

export const LIMITS: Record<keyof ServerSettings, [number, number]> = {
  'diagnostics.debounceMs': [0, 2000],
  'diagnostics.maxFileSizeKb': [1, 1024 * 1024],
};

/**
 * Reads settings sent by a client (nested `{ diagnostics: { debounceMs } }` or flat dotted keys),
 * falling back to the default for anything missing or invalid, and says what was ignored.
 */
export function readSettings(raw: unknown): { settings: ServerSettings; problems: string[] } {
  const settings = { ...DEFAULT_SETTINGS };
  const problems: string[] = [];
  if (raw === null || typeof raw !== 'object') return { settings, problems };
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof ServerSettings)[]) {
    const value = lookup(raw as Record<string, unknown>, key);
    if (value === undefined) continue;
    const [min, max] = LIMITS[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      problems.push(`jetsonNix.${key} must be a number from ${min} to ${max}; using ${DEFAULT_SETTINGS[key]}`);
      continue;
    }
    settings[key] = value;
  }
  return { settings, problems };
}

function lookup(raw: Record<string, unknown>, dotted: string): unknown {
  if (dotted in raw) return raw[dotted];
  let cur: unknown = raw;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
