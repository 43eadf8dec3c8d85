import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DocumentLink } from 'vscode-languageserver/node';
import type { Node, Tree } from 'web-tree-sitter';
import type { LineIndex } from '../text/line-index';

/**
 * Links in a Nix file: path literals (`./hardware.nix`, `../modules`, a directory meaning its
 * `default.nix`) to the file when it exists, and flake references in strings
 * (`"github:anduril/jetpack-nixos"`, `"git+https://…"`, `"path:./sub"`) to their web page or
 * folder. Candidates are found in the text and confirmed in the syntax tree, so a path in a
 * comment or a string that only looks like one is not linked, and a 1 MB file is not walked
 * node by node.
 */
export function documentLinks(tree: Tree, text: string, lines: LineIndex, documentPath: string | undefined): DocumentLink[] {
  const links: DocumentLink[] = [];
  const exists = existenceCache();
  const base = documentPath ? path.dirname(documentPath) : undefined;
  const root = tree.rootNode;
  // Path literals: `./x`, `../x`, `~/x`, `/x`, followed by path characters.
  for (const m of text.matchAll(/(?<![A-Za-z0-9._+\-/~:])(?:\.\.?|~)?\/[A-Za-z0-9._+\-/]+/g)) {
    const start = m.index!;
    const end = start + m[0].length;
    const node = root.descendantForIndex(start, end);
    if (node?.type !== 'path_fragment' || node.startIndex !== start || node.endIndex !== end) continue;
    const literal = node.parent;
    if (!literal || (literal.type !== 'path_expression' && literal.type !== 'hpath_expression') || literal.childCount !== 1) continue;
    const target = resolvePath(m[0], base, exists);
    if (target) links.push({ range: lines.range(start, end), target: pathToFileURL(target).href, tooltip: `Open ${m[0]}` });
  }
  // Flake references and URLs: the whole content of a string, or a URL literal (Nix's URI token).
  const references = [
    ...[...text.matchAll(/"((?:github|gitlab|sourcehut|git\+[a-z]+|hg\+[a-z]+|tarball\+https?|file\+https?|https?|path|file):[^\s"\\$]+)"/g)].map((m) => ({ at: m.index! + 1, reference: m[1]!, quoted: true })),
    ...[...text.matchAll(/(?<![A-Za-z0-9+.\-"])[a-z][a-z0-9+.-]*:[A-Za-z0-9%/?:@&=+$,\-_.!~*']+/g)].map((m) => ({ at: m.index!, reference: m[0], quoted: false })),
  ];
  for (const { at, reference, quoted } of references) {
    const end = at + reference.length;
    if (!confirmReference(root.descendantForIndex(at, end), at, end, quoted)) continue;
    const target = referenceTarget(reference, base, exists);
    if (target) links.push({ range: lines.range(at, end), target, tooltip: `Open ${target.startsWith('file:') ? reference : target}` });
  }
  return links.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** The candidate is a string's whole content (no interpolation), or a URL literal. */
function confirmReference(node: Node | null, start: number, end: number, quoted: boolean): boolean {
  if (!node) return false;
  if (!quoted) return node.type === 'uri_expression' && node.startIndex === start && node.endIndex === end;
  if (node.type !== 'string_fragment' || node.startIndex !== start || node.endIndex !== end) return false;
  return node.parent?.type === 'string_expression' && node.parent.childCount === 3;
}

/** What is at a path: a file, a directory, or nothing (or something unreadable). */
export type Exists = (file: string) => 'file' | 'directory' | undefined;

/** File-system answers for one request: a file linked many times is looked up once. */
function existenceCache(): Exists {
  const seen = new Map<string, 'file' | 'directory' | undefined>();
  return (file) => {
    if (seen.has(file)) return seen.get(file);
    let kind: 'file' | 'directory' | undefined;
    try {
      const stat = fs.statSync(file);
      kind = stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : undefined;
    } catch {
      kind = undefined;
    }
    seen.set(file, kind);
    return kind;
  };
}

/** A path literal's file: itself, or a directory's `default.nix`; undefined when missing. */
function resolvePath(literal: string, base: string | undefined, exists: Exists): string | undefined {
  let full: string;
  if (literal.startsWith('~/')) full = path.join(os.homedir(), literal.slice(2));
  else if (literal.startsWith('/')) full = literal;
  else if (base) full = path.resolve(base, literal);
  else return undefined;
  const kind = exists(full);
  if (kind === 'file') return full;
  if (kind === 'directory') {
    const nix = path.join(full, 'default.nix');
    return exists(nix) === 'file' ? nix : undefined;
  }
  return undefined;
}

/** Known forges whose `git+ssh` addresses have a web page at the same path. */
const FORGES = new Set(['github.com', 'gitlab.com', 'codeberg.org', 'git.sr.ht', 'bitbucket.org']);

/**
 * Where a flake reference leads: a web page for forge and URL references, the file for `path:`
 * and `git+file:` references that exist. Undefined for registry names (`nixpkgs`) and unknown forms.
 */
export function referenceTarget(reference: string, base: string | undefined, exists: Exists = existenceCache()): string | undefined {
  const colon = reference.indexOf(':');
  const scheme = reference.slice(0, colon);
  const [body = '', query = ''] = reference.slice(colon + 1).split('?', 2);
  const params = new URLSearchParams(query);
  switch (scheme) {
    case 'github':
    case 'gitlab':
    case 'sourcehut':
      return forgePage(scheme, body, params);
    case 'http':
    case 'https':
      return reference;
    case 'tarball+http':
    case 'tarball+https':
    case 'file+http':
    case 'file+https':
    case 'hg+http':
    case 'hg+https':
      return reference.slice(reference.indexOf('+') + 1).split('?')[0];
    case 'git+http':
    case 'git+https':
      return reference.slice(4).split('?')[0]!.replace(/\.git$/, '');
    case 'git+ssh': {
      const m = /^\/\/(?:[^@/]+@)?([^/:]+)[/:](.+?)(?:\.git)?$/.exec(body);
      return m && FORGES.has(m[1]!) ? `https://${m[1]}/${m[2]}` : undefined;
    }
    case 'path':
    case 'git+file':
    case 'file': {
      const dir = body.replace(/^\/\/(?=\/)/, '');
      const full = path.isAbsolute(dir) ? dir : base ? path.resolve(base, dir) : undefined;
      if (!full) return undefined;
      const kind = exists(full);
      if (kind === 'file') return pathToFileURL(full).href;
      const flake = kind === 'directory' ? path.join(full, params.get('dir') ?? '', 'flake.nix') : undefined;
      return flake && exists(flake) === 'file' ? pathToFileURL(flake).href : undefined;
    }
    default:
      return undefined;
  }
}

/** `github:owner/repo[/ref][?dir=…]` and the same for GitLab and SourceHut, as their web pages. */
function forgePage(scheme: 'github' | 'gitlab' | 'sourcehut', body: string, params: URLSearchParams): string | undefined {
  const parts = body.split('/').map(decodeURIComponent);
  if (parts.length < 2 || !parts[0] || !parts[1]) return undefined;
  const [owner, repo, ...rest] = parts;
  const ref = params.get('rev') ?? params.get('ref') ?? (rest.length ? rest.join('/') : undefined);
  const dir = params.get('dir');
  const host = params.get('host') ?? { github: 'github.com', gitlab: 'gitlab.com', sourcehut: 'git.sr.ht' }[scheme];
  const repoUrl = `https://${host}/${owner}/${repo}`;
  if (!ref && !dir) return repoUrl;
  const tree = scheme === 'gitlab' ? '/-/tree/' : '/tree/';
  return `${repoUrl}${tree}${ref ?? 'HEAD'}${dir ? `/${dir}` : ''}`;
}
