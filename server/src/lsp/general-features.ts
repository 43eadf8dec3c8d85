import type { DiagnosticCode } from '../analysis/diagnostic';
import { CODES, type Category as CodeCategory } from '../analysis/codes';
import type { OtherNixServer } from '../protocol';

/**
 * Which of Jetson Nix's features are general Nix (what any Nix language server offers: nixd, nil)
 * and which are its own (Jetson, ROS, option and flake features). Next to another Nix language
 * server, `jetsonNix.generalNixFeatures: auto` leaves the general ones to it, so that problems,
 * completions and formatters do not appear twice. The one place that split is decided; the README's
 * table says why for each. No LSP library import: the extension uses it too (status item, log).
 */

/** `general`: any Nix language server reports it (nil and nixd do); `own`: Jetson Nix's own. */
export type Category = 'general' | 'own';

/**
 * Which parts of the table of codes are general Nix: Nix's own parse and scope errors (nil and nixd
 * report them from the same rules) and the lints of the language (nil's unused_binding, unused_with,
 * empty_let_in, unused_rec, redundant_parentheses; nixd's sema-*). Everything else (options against
 * the jetpack-nixos schema, flake.nix against flake.lock, why a file was not checked, suppressions
 * and `.jetson-nix.json`) only Jetson Nix can say.
 */
const GENERAL_CATEGORIES: ReadonlySet<CodeCategory> = new Set(['syntax', 'names', 'lint']);

function categoryOf(code: DiagnosticCode): Category {
  return GENERAL_CATEGORIES.has(CODES[code].category) ? 'general' : 'own';
}

/** Whether a finding's code is a general Nix one (unknown codes are Jetson Nix's own: never dropped by mistake). */
export function isGeneralCode(code: string): boolean {
  return code in CODES && categoryOf(code as DiagnosticCode) === 'general';
}

/** The codes of one category, for documentation and tests. */
export function codesOf(category: Category): DiagnosticCode[] {
  return (Object.keys(CODES) as DiagnosticCode[]).filter((c) => categoryOf(c) === category);
}

/** `jetsonNix.generalNixFeatures`. */
export type GeneralSetting = 'auto' | 'on' | 'off';

/** Whether Jetson Nix provides the general Nix features: `on`, or `auto` with no other Nix language server active. */
export function generalFeaturesOn(setting: string, other: OtherNixServer | null | undefined): boolean {
  return setting === 'on' || (setting !== 'off' && !other);
}

/** The general features, as the log and the status item name them. */
export const GENERAL_FEATURES =
  'syntax errors, undefined names, duplicate attributes, the lints, completion and hover of names and builtins, ' +
  'go to definition, references, rename, semantic highlighting, the outline of files other than flake.nix, and formatting';

/** What Jetson Nix keeps in every case. */
export const OWN_FEATURES = 'its Jetson, ROS, NixOS option and flake features';

/**
 * One sentence for the log when the state is worth saying (another server is active, or the
 * user switched the general features off); undefined in the ordinary case.
 */
export function describeGeneralFeatures(setting: string, other: OtherNixServer | null | undefined): string | undefined {
  const who = other ? `${other.name} (started by ${other.via})` : undefined;
  if (setting === 'off') return `jetsonNix.generalNixFeatures is off: Jetson Nix leaves ${GENERAL_FEATURES} to other tools and keeps ${OWN_FEATURES}.`;
  if (!who) return undefined;
  if (setting === 'on') return `${who} is active, and jetsonNix.generalNixFeatures is on: both report general Nix problems and offer general completions.`;
  return `${who} is active: Jetson Nix leaves ${GENERAL_FEATURES} to it, and keeps ${OWN_FEATURES}. Set jetsonNix.generalNixFeatures to "on" to have both.`;
}

/** The other server as the client sent it (initialization options, notification); anything malformed is none. */
export function readOtherServer(raw: unknown): OtherNixServer | null {
  if (raw === null || typeof raw !== 'object') return null;
  const { name, via } = raw as Record<string, unknown>;
  if (typeof name !== 'string' || name.trim() === '') return null;
  return { name: name.slice(0, 200), via: typeof via === 'string' && via.trim() !== '' ? via.slice(0, 200) : 'another extension' };
}
