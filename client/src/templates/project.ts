/**
 * Writes a new project into an empty folder and puts it under git, so that Nix (which only sees
 * files tracked by git in a repository) sees them. No `vscode` import: tested with plain Node.
 *
 * Git runs only in a repository the wizard itself has just created. A repository someone else
 * made (a cloned one, or one the folder sits in) can name commands git runs on its own, such as
 * `core.fsmonitor` on `git add`: running git there would run that repository's code as the user.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gitWorkTree } from '../nix/build';
import { run, ToolMissingError } from '../nix/exec';
import { flakeNix, gitignore, readme, type ProjectOptions } from './flake';

/** Entries an "empty" folder may already have: editor settings. Never `.git` (see above). */
const ALLOWED = new Set(['.vscode']);

/** Whether a folder exists and holds nothing a project could overwrite, and no repository. */
export function isEmptyFolder(dir: string): boolean {
  try {
    return fs.readdirSync(dir).every((entry) => ALLOWED.has(entry));
  } catch {
    return false;
  }
}

export interface GitChoice {
  /** False in an untrusted workspace: git is never run there. */
  allowed: boolean;
  /** Extra environment for git (tests use it to hide git). */
  env?: Record<string, string | undefined>;
}

export interface WrittenProject {
  files: string[];
  /** Set when git was not run, could not be run or failed: one sentence saying what the user should do. */
  gitProblem?: string;
}

const FILES = ['flake.nix', 'README.md', '.gitignore'];

/** Writes flake.nix, README.md and .gitignore, then, where allowed, a new repository holding them. */
export async function writeProject(dir: string, options: ProjectOptions, git: GitChoice): Promise<WrittenProject> {
  const contents: [string, string][] = [
    [FILES[0]!, flakeNix(options)],
    [FILES[1]!, readme(options)],
    [FILES[2]!, gitignore()],
  ];
  // Looked at before writing, so that the answer is about the folder as the user chose it.
  const repository = gitWorkTree(dir);
  const files = contents.map(([name, text]) => {
    const file = path.join(dir, name);
    // `wx`: never overwrite a file that appeared since the folder was checked.
    fs.writeFileSync(file, text, { flag: 'wx' });
    return file;
  });
  return { files, gitProblem: await addToGit(dir, repository, git) };
}

const ADD_YOURSELF = '`git init && git add flake.nix README.md .gitignore`';

async function addToGit(dir: string, repository: string | undefined, git: GitChoice): Promise<string | undefined> {
  if (!git.allowed) return `in Restricted Mode Jetson Nix never runs git: run ${ADD_YOURSELF} in the folder so that Nix sees the files`;
  if (repository === path.resolve(dir)) return `the folder is already a git repository, which the wizard did not create, so git was not run in it: check it, then run \`git add flake.nix README.md .gitignore\` so that Nix sees the files`;
  if (repository !== undefined) return `the folder is inside the git repository ${repository}, so git was not run: add the new files to it (\`git add\`) so that Nix sees them`;
  const gitDir = path.join(dir, '.git');
  try {
    // Created here, atomically: if a .git appeared since the check, this fails and git never runs in it.
    fs.mkdirSync(gitDir);
  } catch (err) {
    return `${gitDir} could not be created (${(err as NodeJS.ErrnoException).code ?? String(err)}), so git was not run: run ${ADD_YOURSELF} in the folder so that Nix sees the files`;
  }
  // Exactly this repository and work tree, whatever GIT_DIR the environment holds; no fsmonitor either way.
  const env = { ...git.env, GIT_DIR: gitDir, GIT_WORK_TREE: dir };
  const advice = `run ${ADD_YOURSELF} in the folder so that Nix sees the files`;
  try {
    const init = await run('git', ['init', '--quiet'], { cwd: dir, env });
    if (init.exitCode !== 0) return `git init failed (${firstLine(init.stderr)}): ${advice}`;
    const add = await run('git', ['-c', 'core.fsmonitor=false', 'add', '--', ...FILES], { cwd: dir, env });
    if (add.exitCode !== 0) return `git add failed (${firstLine(add.stderr)}): ${advice}`;
    return undefined;
  } catch (err) {
    if (!(err instanceof ToolMissingError)) throw err;
    fs.rmSync(gitDir, { recursive: true, force: true });
    return `git was not found: install it, then ${advice}`;
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
