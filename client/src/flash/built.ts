/**
 * What `jetsonNix.flash` accepts as an already built flash script: only the result the last build
 * of that same target produced in this window. The command can be run with any argument (by
 * another extension, or a `command:` link), and a path it would run as root must not come from
 * there. Anything else is built again, with the progress the user sees. No `vscode` import.
 */
import * as path from 'node:path';
import { storeDir } from '../../../server/src/schema/live';

export interface BuiltTarget {
  flakeDir: string;
  installable: string;
}

/** Whether `file` is a top-level store path: `<store>/<32-character hash>-<name>`, nothing below it. */
export function isStorePath(file: string, store: string = storeDir()): boolean {
  if (path.normalize(file) !== file || path.dirname(file) !== store) return false;
  return /^[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-_?=][A-Za-z0-9+\-._?=]*$/.test(path.basename(file));
}

const keyOf = (target: BuiltTarget) => `${path.resolve(target.flakeDir)}\0${target.installable}`;

/** The results of this window's builds, newest per target. */
export class BuiltResults {
  private readonly results = new Map<string, readonly string[]>();

  record(target: BuiltTarget, outPaths: readonly string[]): void {
    this.results.set(keyOf(target), [...outPaths]);
  }

  /** Undefined when `outPath` is what the last build of `target` produced, else why it is not used. */
  problem(outPath: string, target: BuiltTarget): string | undefined {
    if (!isStorePath(outPath)) return `${outPath} is not a path in the Nix store`;
    const built = this.results.get(keyOf(target));
    if (!built) return `${target.installable} was not built in this window`;
    if (!built.includes(outPath)) return `the last build of ${target.installable} in this window produced ${built.join(', ') || 'nothing'}, not ${outPath}`;
    return undefined;
  }
}
