/**
 * Writes a new project into an empty folder and puts it under git, so that Nix (which only sees
 * files tracked by git in a repository) sees them. No `vscode` import: tested with plain Node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run, ToolMissingError } from '../nix/exec';
import { flakeNix, gitignore, readme, type ProjectOptions } from './flake';

/** Entries an "empty" folder may already have: an empty repository, editor settings. */
const ALLOWED = new Set(['.git', '.vscode']);

/** Whether a folder exists and holds nothing a project could overwrite. */
export function isEmptyFolder(dir: string): boolean {
  try {
    return fs.readdirSync(dir).every((entry) => ALLOWED.has(entry));
  } catch {
    return false;
  }
}

export interface WrittenProject {
  files: string[];
  /** Set when git could not be run or failed: one sentence saying what the user should do. */
  gitProblem?: string;
}

/** Writes flake.nix, README.md and .gitignore, then `git init` (if needed) and `git add -A`. */
export async function writeProject(dir: string, options: ProjectOptions, env?: Record<string, string | undefined>): Promise<WrittenProject> {
  const contents: [string, string][] = [
    ['flake.nix', flakeNix(options)],
    ['README.md', readme(options)],
    ['.gitignore', gitignore()],
  ];
  const files = contents.map(([name, text]) => {
    const file = path.join(dir, name);
    // `wx`: never overwrite a file that appeared since the folder was checked.
    fs.writeFileSync(file, text, { flag: 'wx' });
    return file;
  });
  return { files, gitProblem: await addToGit(dir, env) };
}

async function addToGit(dir: string, env?: Record<string, string | undefined>): Promise<string | undefined> {
  const advice = 'run `git init && git add -A` in the folder so that Nix sees the files';
  try {
    if (!fs.existsSync(path.join(dir, '.git'))) {
      const init = await run('git', ['init'], { cwd: dir, env });
      if (init.exitCode !== 0) return `git init failed (${init.stderr.trim().split('\n')[0] ?? ''}): ${advice}`;
    }
    const add = await run('git', ['add', '-A'], { cwd: dir, env });
    if (add.exitCode !== 0) return `git add failed (${add.stderr.trim().split('\n')[0] ?? ''}): ${advice}`;
    return undefined;
  } catch (err) {
    if (err instanceof ToolMissingError) return `git was not found: install it, then ${advice}`;
    throw err;
  }
}
