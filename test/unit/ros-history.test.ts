/**
 * Removed ROS distributions from an overlay's git history: a small repository made here with
 * real git, in nix-ros-overlay's layout, where one distribution is removed and another moves to a
 * maintained branch that the README names.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createNixParser } from '../../server/src/parse/parser';
import { removedDistros } from '../../scripts/ros-history';

function distroList(distros: [string, number][]): string {
  const lines = distros.map(([d, v]) => `    ${d} = mkRosDistroOverlay { version = ${v}; distro = "${d}"; } self super;`);
  return `self: super: {\n  rosPackages = rec {\n    mkRosDistroOverlay = args: import ./distro-overlay.nix args;\n${lines.join('\n')}\n  };\n}\n`;
}

const temporary: string[] = [];
after(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

function repo(): { root: string; git: (args: string[], date?: string) => string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-ros-history-'));
  temporary.push(root);
  const git = (args: string[], date = '2025-01-01T12:00:00Z'): string =>
    execFileSync('git', ['-C', root, ...args], {
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org', GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    }).trim();
  git(['init', '-q', '-b', 'master']);
  return { root, git };
}

function write(root: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
}

test('each removal: when, why, the last revision with it, and a maintained branch that still has it', async () => {
  const { root, git } = repo();
  for (const d of ['noetic', 'foxy', 'humble']) write(root, `distros/${d}/generated.nix`, 'self: super: { }\n');
  write(root, 'distros/default.nix', distroList([['noetic', 1], ['foxy', 2], ['humble', 2]]));
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'Add distributions'], '2025-01-01T12:00:00Z');
  fs.rmSync(path.join(root, 'distros/foxy'), { recursive: true });
  write(root, 'distros/default.nix', distroList([['noetic', 1], ['humble', 2]]));
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'Remove Foxy\n\nIt has been EOL\nfor two years.\n\nMore text.'], '2025-03-01T12:00:00Z');
  const beforeNoetic = git(['rev-parse', 'HEAD']);
  git(['branch', 'ros1-keep']);
  git(['branch', 'stale-feature']);
  fs.rmSync(path.join(root, 'distros/noetic'), { recursive: true });
  write(root, 'distros/default.nix', distroList([['humble', 2]]));
  write(root, 'README.md', '# Overlay\n\nROS 1 was removed from `master`.\nIt is still in the `ros1-keep` branch.\n\nOther text.\n');
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'Remove noetic'], '2025-06-01T12:00:00Z');
  git(['checkout', '-q', 'ros1-keep']);
  write(root, 'distros/noetic/fix.txt', 'maintained\n');
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'Fix noetic'], '2025-08-01T12:00:00Z');
  git(['checkout', '-q', 'master']);

  const removed = removedDistros(root, ['humble'], await createNixParser());
  assert.deepEqual(removed.map((r) => r.name), ['noetic', 'foxy'], 'newest removal first');
  const [noetic, foxy] = removed as [(typeof removed)[0], (typeof removed)[0]];
  assert.equal(noetic.rosVersion, 1);
  assert.equal(noetic.removedIn.subject, 'Remove noetic');
  assert.equal(noetic.removedIn.date, '2025-06-01');
  assert.equal(noetic.lastRevision, beforeNoetic);
  assert.deepEqual(noetic.branches.map((b) => [b.name, b.date]), [['ros1-keep', '2025-08-01']], 'stale-feature was not maintained after the removal');
  assert.equal(noetic.readme, 'ROS 1 was removed from `master`. It is still in the `ros1-keep` branch.');
  assert.equal(foxy.rosVersion, 2);
  assert.equal(foxy.reason, 'It has been EOL for two years.');
  assert.deepEqual(foxy.branches, []);
  assert.equal(foxy.readme, undefined);
});
