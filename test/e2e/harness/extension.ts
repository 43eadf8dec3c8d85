/**
 * The packaged extension under test, for the scenario files: where the .vsix is, and a warning
 * when the sources changed after it was built (the test would check old code).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { REPO_ROOT } from './code-server';

/** The package under test; JETSON_NIX_VSIX may point at one built elsewhere (e.g. a CI artefact). */
export const VSIX = path.resolve(process.env.JETSON_NIX_VSIX ?? path.join(REPO_ROOT, 'jetson-nix.vsix'));

/** The .vsix to install; fails when it is missing, and says so when it is older than the sources. */
export function packagedExtension(t: TestContext): string {
  if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} not found: build it with \`npm run package\` first`);
  if (process.env.JETSON_NIX_VSIX === undefined) {
    const built = fs.statSync(VSIX).mtimeMs;
    const newer = ['client/src', 'server/src', 'syntaxes', 'package.json']
      .flatMap((p) => listFiles(path.join(REPO_ROOT, p)))
      .filter((f) => fs.statSync(f).mtimeMs > built);
    if (newer.length > 0) {
      t.diagnostic(`warning: jetson-nix.vsix is older than ${path.relative(REPO_ROOT, newer[0]!)} (and ${newer.length - 1} more); run \`npm run package\``);
    }
  }
  return VSIX;
}

function listFiles(p: string): string[] {
  if (!fs.existsSync(p)) return [];
  if (!fs.statSync(p).isDirectory()) return [p];
  return fs.readdirSync(p).flatMap((e) => listFiles(path.join(p, e)));
}
