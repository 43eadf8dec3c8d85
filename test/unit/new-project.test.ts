import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { carrierBoardsFor, hostnameProblem, jetpackVersionsFor, ROS_DISTROS, somChoices } from '../../client/src/templates/choices';
import { flakeNix, hasFlashScript, readme, type ProjectOptions } from '../../client/src/templates/flake';
import { isEmptyFolder, writeProject } from '../../client/src/templates/project';
import { gitWorkTree } from '../../client/src/nix/build';
import { checkText } from '../../server/src/analysis/check';
import { readFlakeOutputs } from '../../server/src/flake/outputs';
import { readFlake } from '../../server/src/flake/inputs';
import { flakeFindings } from '../../server/src/features/flake-inputs';
import { bundledIndex } from '../../server/src/schema/bundled';
import { sharedParser, summarize } from '../support/analysis';
import { findOnPath, offlineNixEnv } from '../support/nix';

/** Every project the wizard can write: each SoM, each carrier board and JetPack it allows, each ROS 2 distribution, with and without CUDA. */
function everyProject(): ProjectOptions[] {
  const out: ProjectOptions[] = [];
  for (const { som } of somChoices()) {
    for (const { board } of carrierBoardsFor(som)) {
      for (const jetpack of jetpackVersionsFor(som, board)) {
        for (const { distro } of ROS_DISTROS) {
          for (const cuda of [true, false]) out.push({ hostname: `${som}-robot`, som, carrierBoard: board, jetpack, rosDistro: distro, cuda });
        }
      }
    }
  }
  return out;
}

test('the wizard offers what jetpack-nixos allows', () => {
  const soms = somChoices().map((s) => s.som);
  assert.equal(soms.length, 11);
  assert.equal(soms.at(-1), 'generic');
  assert.deepEqual(carrierBoardsFor('orin-nx').map((b) => b.board), ['devkit', 'generic', 'xavierNxDevkit']);
  assert.deepEqual(carrierBoardsFor('orin-agx').map((b) => b.board), ['devkit', 'generic']);
  assert.deepEqual(jetpackVersionsFor('orin-agx', 'devkit'), ['6', '5', '7']);
  assert.deepEqual(jetpackVersionsFor('orin-nx', 'xavierNxDevkit'), ['6', '5']);
  assert.deepEqual(jetpackVersionsFor('xavier-nx', 'devkit'), ['5']);
  assert.deepEqual(jetpackVersionsFor('thor-agx', 'generic'), ['7']);
  assert.deepEqual(ROS_DISTROS.map((d) => d.distro), ['jazzy', 'humble', 'kilted', 'rolling']);
});

test('host names are Nix attribute names and DNS labels', () => {
  assert.equal(hostnameProblem('robot'), undefined);
  assert.equal(hostnameProblem('arm-2'), undefined);
  assert.match(hostnameProblem('')!, /Enter a host name/);
  assert.match(hostnameProblem('2robot')!, /starting with a letter/);
  assert.match(hostnameProblem('my robot')!, /letters, digits and hyphens/);
  assert.match(hostnameProblem('robot_1')!, /letters, digits and hyphens/);
  assert.match(hostnameProblem('robot-')!, /cannot end with a hyphen/);
  assert.match(hostnameProblem('in')!, /Nix keyword/);
  assert.match(hostnameProblem('a'.repeat(64))!, /at most 63/);
});

test('every generated flake.nix passes our own checks with no finding, and the view reads it back', async () => {
  const parser = await sharedParser();
  const projects = everyProject();
  assert.equal(projects.length, 352);
  for (const o of projects) {
    const text = flakeNix(o);
    const label = JSON.stringify(o);
    assert.deepEqual(summarize(text, checkText(parser, text)), [], label);
    const tree = parser.parse(text)!;
    try {
      // The flake-input checks the editor runs on flake.nix (no flake.lock yet).
      assert.deepEqual(flakeFindings(readFlake(tree.rootNode, text)!, { state: 'absent' }), [], label);
      const outputs = readFlakeOutputs(tree.rootNode, text, { index: bundledIndex() })!;
      assert.deepEqual(outputs.configurations.map((c) => [c.name, c.som, c.carrierBoard, c.majorVersion]), [[o.hostname, o.som, o.carrierBoard, o.jetpack]], label);
      assert.deepEqual(outputs.packages.map((p) => p.name), hasFlashScript(o) ? [`flash-${o.hostname}`] : [], label);
      assert.deepEqual(outputs.devShells.map((s) => [s.name, s.system]), [['default', undefined]], label);
      assert.deepEqual(outputs.inputs.map((i) => i.name), ['nix-ros-overlay', 'nixpkgs', 'jetpack-nixos'], label);
    } finally {
      tree.delete();
    }
  }
});

test('the README explains flashing for the chosen module', () => {
  const agx = readme({ hostname: 'arm', som: 'orin-agx', carrierBoard: 'devkit', jetpack: '6', rosDistro: 'jazzy', cuda: true });
  assert.match(agx, /nix build \.#flash-arm/);
  assert.match(agx, /sudo \.\/result\/bin\/initrd-flash-orin-agx-devkit/);
  assert.match(agx, /jetpack-nixos#iso_minimal`/);
  assert.match(agx, /JetPack 6 \(L4T 36\.5\.0 · CUDA 12\.6\)/);
  const thor = readme({ hostname: 'big', som: 'thor-agx', carrierBoard: 'devkit', jetpack: '7', rosDistro: 'rolling', cuda: false });
  assert.match(thor, /#iso_minimal_jp7/);
  const generic = readme({ hostname: 'x', som: 'generic', carrierBoard: 'generic', jetpack: '6', rosDistro: 'humble', cuda: false });
  assert.match(generic, /has no flash target/);
  assert.doesNotMatch(generic, /initrd-flash/);
});

const nixInstantiate = findOnPath('nix-instantiate');

test('every generated flake.nix parses with nix-instantiate --parse', { skip: !nixInstantiate && !process.env.CI ? 'nix-instantiate is not installed (apt-get install nix-bin)' : false }, async () => {
  assert.ok(nixInstantiate, 'nix-instantiate must be installed in CI (.ci/run installs nix-bin)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-new-project-parse-'));
  const files = everyProject().map((o, i) => {
    const file = path.join(dir, `${i}.nix`);
    fs.writeFileSync(file, flakeNix(o));
    return file;
  });
  // One process for all files: it stops at the first file Nix rejects and names it.
  const result = spawnSync(nixInstantiate, ['--parse', ...files], { env: offlineNixEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.split('\n').filter((l) => l.startsWith('{')).length, files.length);
});

test('a project is written into an empty folder and added to git', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-new-project-'));
  assert.equal(isEmptyFolder(dir), true);
  fs.mkdirSync(path.join(dir, '.vscode'));
  const written = await writeProject(dir, { hostname: 'robot', som: 'orin-nano', carrierBoard: 'devkit', jetpack: '6', rosDistro: 'jazzy', cuda: true }, { allowed: true });
  assert.deepEqual(written.files.map((f) => path.basename(f)), ['flake.nix', 'README.md', '.gitignore']);
  assert.equal(written.gitProblem, undefined);
  const tracked = execFileSync('git', ['ls-files', '--cached'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').sort();
  assert.deepEqual(tracked, ['.gitignore', 'README.md', 'flake.nix']);
  assert.equal(isEmptyFolder(dir), false);
  // Never overwrites: a second project in the same folder fails before touching anything.
  await assert.rejects(writeProject(dir, { hostname: 'other', som: 'orin-nano', carrierBoard: 'devkit', jetpack: '6', rosDistro: 'jazzy', cuda: true }, { allowed: true }), /EEXIST/);
  assert.match(fs.readFileSync(path.join(dir, 'flake.nix'), 'utf8'), /nixosConfigurations\.robot/);
});

test('without git, the files are written and the user is told what to run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-new-project-nogit-'));
  const written = await writeProject(dir, { hostname: 'robot', som: 'generic', carrierBoard: 'generic', jetpack: '6', rosDistro: 'humble', cuda: false }, { allowed: true, env: { PATH: '' } });
  assert.equal(written.files.length, 3);
  assert.equal(written.gitProblem, 'git was not found: install it, then run `git init && git add flake.nix README.md .gitignore` in the folder so that Nix sees the files');
  assert.equal(fs.existsSync(path.join(dir, '.git')), false, 'no half-made repository is left');
  assert.equal(isEmptyFolder(path.join(dir, 'missing')), false);
});

const PROJECT: ProjectOptions = { hostname: 'robot', som: 'orin-nano', carrierBoard: 'devkit', jetpack: '6', rosDistro: 'jazzy', cuda: true };

/** A folder holding only `.vscode` and a repository whose `core.fsmonitor` hook leaves a marker when git runs it. */
function hostileRepository(): { dir: string; marker: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-new-project-fsmonitor-'));
  const marker = path.join(dir, '..', `${path.basename(dir)}.fsmonitor-ran`);
  const hook = path.join(dir, '..', `${path.basename(dir)}.hook`);
  fs.writeFileSync(hook, `#!/bin/sh\necho ran >> '${marker}'\n`, { mode: 0o755 });
  execFileSync('git', ['init', '--quiet'], { cwd: dir });
  execFileSync('git', ['config', 'core.fsmonitor', hook], { cwd: dir });
  fs.mkdirSync(path.join(dir, '.vscode'));
  return { dir, marker };
}

test('a folder holding a repository is never empty, and the core.fsmonitor hook of a cloned repository never runs', async () => {
  const { dir, marker } = hostileRepository();
  // The attack: this folder counted as empty, the wizard wrote into it and ran `git add -A`, and git ran the hook.
  assert.equal(isEmptyFolder(dir), false);
  // Even when asked to write there anyway (a folder that changed after the check), git is not run in a repository the wizard did not create.
  const written = await writeProject(dir, PROJECT, { allowed: true });
  assert.equal(written.files.length, 3);
  assert.match(written.gitProblem!, /^the folder is already a git repository, which the wizard did not create, so git was not run in it/);
  assert.equal(fs.existsSync(marker), false, 'the fsmonitor hook ran');
});

test('a folder inside another repository gets no repository of its own and no git command', async () => {
  const { dir: parent, marker } = hostileRepository();
  const dir = path.join(parent, 'robots', 'new');
  fs.mkdirSync(dir, { recursive: true });
  assert.equal(isEmptyFolder(dir), true);
  assert.equal(gitWorkTree(dir), parent);
  const written = await writeProject(dir, PROJECT, { allowed: true });
  assert.equal(written.gitProblem, `the folder is inside the git repository ${parent}, so git was not run: add the new files to it (\`git add\`) so that Nix sees them`);
  assert.equal(fs.existsSync(path.join(dir, '.git')), false);
  assert.equal(fs.existsSync(marker), false, 'the fsmonitor hook ran');
});

test('in an untrusted workspace the files are written and git is never run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-new-project-untrusted-'));
  const written = await writeProject(dir, PROJECT, { allowed: false });
  assert.equal(written.files.length, 3);
  assert.match(written.gitProblem!, /^in Restricted Mode Jetson Nix never runs git: run `git init && git add flake.nix README.md .gitignore` in the folder/);
  assert.equal(fs.existsSync(path.join(dir, '.git')), false);
});

test('git works on the repository the wizard created, whatever GIT_DIR the environment names', async () => {
  const { dir: hostile, marker } = hostileRepository();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-new-project-gitdir-'));
  const written = await writeProject(dir, PROJECT, { allowed: true, env: { GIT_DIR: path.join(hostile, '.git'), GIT_WORK_TREE: hostile } });
  assert.equal(written.gitProblem, undefined);
  assert.equal(execFileSync('git', ['ls-files'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').sort().join(), '.gitignore,README.md,flake.nix');
  // (The test's own look at that repository keeps its hook off too.)
  assert.equal(execFileSync('git', ['-c', 'core.fsmonitor=false', 'ls-files'], { cwd: hostile, encoding: 'utf8' }), '', 'nothing was added to the other repository');
  assert.equal(fs.existsSync(marker), false, 'the fsmonitor hook ran');
});
