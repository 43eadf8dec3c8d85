/**
 * The distributions nix-ros-overlay removed, and where each went, from a checkout's git history:
 * the commit that deleted `distros/<name>/generated.nix` (date, subject, the reason its message
 * gives), the last revision that still had it, the branches maintained after the removal that
 * still define it (noetic: `ros1-25.05`), and what the README says about such a branch.
 */
import * as path from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { readDistroList } from '../server/src/ros/extract-distros';
import type { RemovedDistro } from '../server/src/ros/types';
import { readTextSync } from '../server/src/shared/safe-read';
import { git } from './schema';

/** ROS 1 distributions (REP 3), for trees older than `mkRosDistroOverlay { version = …; }`. */
const ROS1 = new Set(['boxturtle', 'cturtle', 'diamondback', 'electric', 'fuerte', 'groovy', 'hydro', 'indigo', 'jade', 'kinetic', 'lunar', 'melodic', 'noetic']);

interface Deletion {
  revision: string;
  date: string;
  subject: string;
}

/** The newest commit deleting each distribution's generated.nix, newest first. */
function deletions(root: string): Map<string, Deletion> {
  const log = git(root, ['log', '--diff-filter=D', '--name-only', '--format=%x00%H%x09%cs%x09%s', '--', 'distros/*/generated.nix']) ?? '';
  const out = new Map<string, Deletion>();
  for (const chunk of log.split('\0').filter((c) => c.trim())) {
    const [head, ...files] = chunk.split('\n');
    const [revision, date, subject] = head!.split('\t') as [string, string, string];
    for (const f of files) {
      const m = /^distros\/([^/]+)\/generated\.nix$/.exec(f.trim());
      if (m && !out.has(m[1]!)) out.set(m[1]!, { revision, date, subject });
    }
  }
  return out;
}

/** The distributions `distros/default.nix` defines at a revision. */
function distrosAt(root: string, revision: string, parser: Parser): Map<string, number | undefined> | undefined {
  const text = git(root, ['show', `${revision}:distros/default.nix`]);
  if (text === undefined) return undefined;
  return new Map(readDistroList(text, 'distros/default.nix', parser).distros.map((d) => [d.distro, d.rosVersion]));
}

interface Branch {
  name: string;
  revision: string;
  date: string;
}

/** Local and remote-tracking branches, by name (`origin/x` and `x` are one). */
function branches(root: string): Branch[] {
  const refs = git(root, ['for-each-ref', '--format=%(refname:short)%09%(objectname)%09%(committerdate:short)', 'refs/heads', 'refs/remotes']) ?? '';
  const out = new Map<string, Branch>();
  for (const line of refs.split('\n').filter(Boolean)) {
    const [ref, revision, date] = line.split('\t') as [string, string, string];
    const name = ref.startsWith('origin/') ? ref.slice('origin/'.length) : ref;
    if (name === 'HEAD' || name === 'origin' || out.has(name)) continue;
    out.set(name, { name, revision, date });
  }
  return [...out.values()];
}

/** The first paragraph of a commit message's body, on one line. */
function reasonOf(root: string, revision: string): string | undefined {
  const body = git(root, ['show', '-s', '--format=%b', revision]);
  const first = body?.split(/\n\s*\n/)[0]?.replace(/\s+/g, ' ').trim();
  return first ? first : undefined;
}

/** The README paragraph that names a branch, on one line. */
function readmeAbout(root: string, branch: string): string | undefined {
  const readme = readTextSync(path.join(root, 'README.md'), { kind: 'tool', within: root });
  if (!readme.ok) return undefined;
  const paragraph = readme.value.split(/\n\s*\n/).find((p) => p.includes(`\`${branch}\``) || p.includes(` ${branch} `));
  return paragraph?.replace(/\s+/g, ' ').trim();
}

/** Every distribution removed on the checked-out branch and not defined again since. */
export function removedDistros(root: string, current: readonly string[], parser: Parser): RemovedDistro[] {
  const out: RemovedDistro[] = [];
  const all = branches(root);
  for (const [name, del] of deletions(root)) {
    if (current.includes(name)) continue;
    const lastRevision = git(root, ['rev-parse', `${del.revision}^`]);
    if (!lastRevision) continue;
    const rosVersion = distrosAt(root, lastRevision, parser)?.get(name) ?? (ROS1.has(name) ? 1 : undefined);
    const kept = all
      .filter((b) => b.date >= del.date && distrosAt(root, b.revision, parser)?.has(name))
      .map((b) => ({ name: b.name, date: b.date, revision: b.revision }));
    const reason = reasonOf(root, del.revision);
    const readme = kept.map((b) => readmeAbout(root, b.name)).find((p) => p !== undefined);
    out.push({
      name,
      ...(rosVersion !== undefined ? { rosVersion } : {}),
      removedIn: del,
      ...(reason ? { reason } : {}),
      lastRevision,
      branches: kept,
      ...(readme ? { readme } : {}),
    });
  }
  return out.sort((a, b) => (a.removedIn.date < b.removedIn.date ? 1 : a.removedIn.date > b.removedIn.date ? -1 : 0));
}
