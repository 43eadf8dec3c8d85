/**
 * The one table of everything Jetson Nix reports. The server (severities, tags), the CLI (its
 * SARIF rules, `--no-lints`), the `jetsonNix.lints.*` settings in package.json and the README's
 * table of codes are all derived from it (`npm run codes` rewrites the last two; a test fails
 * when they are out of step). Codes are stable: users filter, suppress and search by them.
 *
 * Pure data with no imports of server internals: the client reads it through `config.ts`.
 */

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** Which part of the analysis a code comes from; `lint` codes are what `--no-lints` leaves out. */
export type Category = 'syntax' | 'names' | 'options' | 'flake' | 'lint' | 'tool';

/** How editors draw a finding: faded out (unnecessary) or struck through (deprecated). */
export type Tag = 'unnecessary' | 'deprecated';

export interface CodeInfo {
  /** The severity findings of this code usually have (a few are reported at another level, e.g. a NUL byte is a warning). */
  readonly severity: Severity;
  readonly category: Category;
  readonly tags?: readonly Tag[];
  /** The switch under `jetsonNix.` that turns this code off in the editor (only lints have one). */
  readonly setting?: string;
  /** Some findings of this code come with a quick fix. */
  readonly fixable: boolean;
  /** What it means, in one line (Markdown), for the README, package.json and SARIF rules. */
  readonly description: string;
}

export const CODES = {
  'syntax-error': {
    severity: 'error',
    category: 'syntax',
    fixable: false,
    description:
      'The file does not parse, said in words: "missing `;` after the binding of `enable`", "unclosed `{` opened on line 3", "unterminated string", "`let` without `in`". One error per mistake, no cascade. Also what Nix\'s parser rejects beyond the grammar: a trailing `/` in a path, an integer over 64 bits, a dynamic name in `let` or `inherit`, `a == b == c`, an empty file. A NUL byte is a warning (Nix stops reading there). Cannot be suppressed.',
  },
  'undefined-variable': {
    severity: 'error',
    category: 'names',
    fixable: false,
    description: 'A name bound by no `let`, `rec`, function argument, `inherit` or builtin. Names under `with` are never reported (Nix resolves them at run time). Every use is reported, not only the first.',
  },
  'duplicate-attribute': {
    severity: 'error',
    category: 'names',
    fixable: false,
    description: '`{ a = 1; a = 2; }`, and the dotted forms Nix rejects (`{ a.b = 1; a = { b = 2; }; }`), while the merges Nix accepts (`{ a.b = 1; a.c = 2; }`) are fine. Also a function argument declared twice.',
  },
  'unknown-option': {
    severity: 'error',
    category: 'options',
    fixable: true,
    description:
      'A name under a namespace jetpack-nixos owns (`hardware.nvidia-jetpack.*`, `services.nvpmodel.*`, `services.nvfancontrol.*`, `services.nvargus-daemon.*`, `services.ros2.*`) that is not declared, with "did you mean"; also `cudaCapabilities` at the top of a module (the option is `nixpkgs.config.cudaCapabilities`).',
  },
  'invalid-enum-value': {
    severity: 'error',
    category: 'options',
    fixable: true,
    description: '`som = "orin-agx-64"`: lists the valid values and suggests the closest; also list elements (`firmware.initialBootOrder`).',
  },
  'type-mismatch': {
    severity: 'error',
    category: 'options',
    fixable: true,
    description: '`enable = "true"`, `majorVersion = 6` (must be `"6"`), `profileNumber = "0"`, a timeout of `0` where a positive integer is required, a path where a list is expected.',
  },
  'renamed-option': {
    severity: 'warning',
    category: 'options',
    tags: ['deprecated'],
    fixable: true,
    description: 'An option jetpack-nixos renamed: the quick fix writes the new name.',
  },
  'read-only-option': {
    severity: 'error',
    category: 'options',
    fixable: false,
    description: 'An option jetpack-nixos computes itself.',
  },
  'module-structure': {
    severity: 'error',
    category: 'options',
    fixable: false,
    description: 'A module with a top-level `config` or `options` and other definitions beside them (NixOS rejects it).',
  },
  'incompatible-jetpack-version': {
    severity: 'error',
    category: 'options',
    fixable: false,
    description: 'JetPack 6 on a Xavier, JetPack 5 on a Thor: Xavier runs only JetPack 5, Thor only 7, Orin 5, 6 or 7.',
  },
  'unsupported-carrier-board': {
    severity: 'error',
    category: 'options',
    fixable: false,
    description: '`xavierNxDevkit` with a SoM other than `orin-nx`, or on JetPack 7.',
  },
  'cuda-capability-mismatch': {
    severity: 'error',
    category: 'options',
    fixable: true,
    description: "`nixpkgs.config.cudaCapabilities` without the SoM's capability (7.2 Xavier, 8.7 Orin, 11.0 Thor).",
  },
  'missing-required-option': {
    severity: 'error',
    category: 'options',
    fixable: true,
    description: 'A gate without what it needs (capsule authentication without its certificates, secure-boot key enrolment without its ESL files, the early-boot TEE supplicant without fTPM).',
  },
  'ineffective-option': {
    severity: 'warning',
    category: 'options',
    fixable: false,
    description: '`super = true` where it changes nothing; `firmware.autoUpdate` with `som = "generic"`.',
  },
  'unknown-input-attribute': {
    severity: 'error',
    category: 'flake',
    fixable: true,
    description: 'A flake input attribute Nix rejects (without `type`, only `url`, `flake`, `follows`, `inputs`), with did-you-mean.',
  },
  'unknown-follows-target': {
    severity: 'error',
    category: 'flake',
    fixable: true,
    description: '`follows` names an input that does not exist (checked down to flake.lock for `a/b`).',
  },
  'unknown-input-override': {
    severity: 'warning',
    category: 'flake',
    fixable: false,
    description: '`inputs.x.inputs.y` where `x` has no input `y` in flake.lock: it does nothing.',
  },
  'input-not-locked': {
    severity: 'warning',
    category: 'flake',
    fixable: false,
    description: 'An input flake.nix declares that flake.lock does not lock yet; `nix flake lock` adds it.',
  },
  'stale-lock-input': {
    severity: 'warning',
    category: 'flake',
    fixable: false,
    description: 'flake.lock locks an input flake.nix no longer declares; `nix flake lock` removes it.',
  },
  'invalid-lock-file': {
    severity: 'warning',
    category: 'flake',
    fixable: false,
    description: 'flake.lock cannot be used, and the message says why: not JSON, an unknown format, a cycle of `follows`, not a regular file (a named pipe, a link to a device), or over 16 MB. The inputs are not checked against it.',
  },
  'nixpkgs-not-followed': {
    severity: 'warning',
    category: 'flake',
    fixable: true,
    description: 'jetpack-nixos or nix-ros-overlay brings its own nixpkgs and the flake does not make the two one (for nix-ros-overlay: no binary-cache hits); a quick fix for each way of following.',
  },
  'unused-binding': {
    severity: 'warning',
    category: 'lint',
    tags: ['unnecessary'],
    setting: 'lints.unusedBinding',
    fixable: true,
    description: 'A `let` binding or a named argument nothing uses; never for module arguments, `...`, `@args`, flake outputs or `_names`.',
  },
  'unused-with': {
    severity: 'warning',
    category: 'lint',
    tags: ['unnecessary'],
    setting: 'lints.unusedWith',
    fixable: true,
    description: 'A `with` whose body takes no name from it.',
  },
  'empty-let': {
    severity: 'hint',
    category: 'lint',
    tags: ['unnecessary'],
    setting: 'lints.emptyLet',
    fixable: true,
    description: 'A `let … in` with no bindings.',
  },
  'redundant-rec': {
    severity: 'hint',
    category: 'lint',
    tags: ['unnecessary'],
    setting: 'lints.redundantRec',
    fixable: true,
    description: 'A `rec` attribute set whose attributes never refer to each other.',
  },
  'deprecated-syntax': {
    severity: 'warning',
    category: 'lint',
    tags: ['deprecated'],
    setting: 'lints.deprecatedSyntax',
    fixable: true,
    description: '`let { body = …; }` and unquoted URL literals, which Nix plans to remove.',
  },
  'useless-parens': {
    severity: 'hint',
    category: 'lint',
    tags: ['unnecessary'],
    setting: 'lints.uselessParens',
    fixable: true,
    description: 'Parentheses that change nothing (only reported where removing them is always safe).',
  },
  'unused-suppression': {
    severity: 'warning',
    category: 'tool',
    tags: ['unnecessary'],
    fixable: true,
    description: 'A `# jetson-nix: ignore[code]` comment that suppresses nothing on its line (or the next line), or names a code that does not exist.',
  },
  'invalid-config': {
    severity: 'error',
    category: 'tool',
    fixable: false,
    description: 'A `.jetson-nix.json` that is not valid JSON, has an unknown key, names an unknown code or a bad glob; what is valid in it still applies.',
  },
  'file-too-large': {
    severity: 'information',
    category: 'tool',
    fixable: false,
    description: 'The file is larger than `jetsonNix.diagnostics.maxFileSizeKb` and is not analysed in the editor. In the CLI (a warning), the file is over 64 MB.',
  },
  'unreadable-file': {
    severity: 'error',
    category: 'tool',
    fixable: false,
    description: '(CLI) A file could not be read: no permission, or not a regular file (a named pipe, a device).',
  },
  'analysis-failed': {
    severity: 'error',
    category: 'tool',
    fixable: false,
    description: '(CLI) A bug of ours stopped the analysis of one file; the others are still checked. Please report it.',
  },
} as const satisfies Record<string, CodeInfo>;

/** Stable codes of everything the analysis reports. */
export type DiagnosticCode = keyof typeof CODES;

/** The settings keys (under `jetsonNix.`) that switch codes off. */
export type CodeSettingKey = { [K in DiagnosticCode]: (typeof CODES)[K] extends { setting: infer S extends string } ? S : never }[DiagnosticCode];

/** Every code, in the table's order. */
export const ALL_CODES = Object.keys(CODES) as DiagnosticCode[];

export function isDiagnosticCode(code: string): code is DiagnosticCode {
  return Object.prototype.hasOwnProperty.call(CODES, code);
}

export function codeInfo(code: DiagnosticCode): CodeInfo {
  return CODES[code];
}

/** The codes with a `jetsonNix.*` switch, with that switch's key. */
export function switchableCodes(): { code: DiagnosticCode; setting: CodeSettingKey }[] {
  return ALL_CODES.flatMap((code) => {
    const setting = (CODES[code] as CodeInfo).setting;
    return setting ? [{ code, setting: setting as CodeSettingKey }] : [];
  });
}

/** The lints, which `jetson-nix check --no-lints` leaves out. */
export const LINT_CODES: ReadonlySet<string> = new Set<DiagnosticCode>(ALL_CODES.filter((c) => CODES[c].category === 'lint'));

/** Where a code can be switched off; each source only ever adds to the set. */
export interface CodeSwitches {
  /** The editor's settings (`jetsonNix.lints.unusedBinding: false`, …), keyed as in `config.ts`. */
  settings?: Partial<Record<CodeSettingKey, unknown>>;
  /** `false` for `jetson-nix check --no-lints`. */
  lints?: boolean;
  /** A repository's `.jetson-nix.json` `disable` list. */
  disable?: readonly DiagnosticCode[];
}

/** The codes not to report: the one place settings, `--no-lints` and `.jetson-nix.json` are combined. */
export function disabledCodes(switches: CodeSwitches): ReadonlySet<DiagnosticCode> {
  const off = new Set<DiagnosticCode>(switches.disable ?? []);
  for (const { code, setting } of switchableCodes()) if (switches.settings?.[setting] === false) off.add(code);
  if (switches.lints === false) for (const code of ALL_CODES) if (CODES[code].category === 'lint') off.add(code);
  return off;
}
