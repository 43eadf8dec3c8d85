import type { Node } from 'web-tree-sitter';
import type { FlakeRobot, Span } from '../protocol';
import { flattenCall } from '../options/values';
import { literalList, literalValue, stringValue, unparen } from '../schema/nix-static';

/**
 * The robots a flake.nix names for the deploy tools, read from its syntax tree without evaluating
 * anything (the same reading style as outputs.ts):
 *
 * - deploy-rs: `deploy.nodes.<name> = { hostname; sshUser; sshOpts; profiles.system.path; }`,
 *   with `deploy.sshUser` as the default user, and the configuration named where the profile's
 *   path is written as `…nixosConfigurations.<name>`;
 * - colmena: the `colmena` output (or the set given to `makeHive` in `colmenaHive`), one node per
 *   attribute besides `meta` and `defaults`, with `deployment.targetHost` (colmena's default is the
 *   node's name), `targetUser` and `targetPort`.
 *
 * Only literal values count: a host computed by a function is left out rather than guessed.
 */

/** One name of an attribute path: its text (undefined for `${…}`) and node. */
export interface PathName {
  text: string | undefined;
  node: Node;
}

/** What robots.ts needs from the outputs reader: its way of reading names, sets and merges. */
export interface StaticReader {
  namesOf(attrpath: Node | null): PathName[];
  /** The set literals an expression is made of (through `//`, `let`, parentheses and names). */
  setParts(node: Node): Node[];
  bindings(set: Node): Node[];
  span(node: Node): Span;
}

interface Leaf {
  /** The key path from the output's name on, each name with its node. */
  path: PathName[];
  value: Node;
}

const MAX_DEPTH = 8;

/** Every value below `node` with its key path, walking nested set literals (and module functions' bodies). */
function leaves(reader: StaticReader, node: Node, prefix: PathName[], out: Leaf[], depth = 0): void {
  const fn = unparen(node);
  const body = fn.type === 'function_expression' ? (fn.childForFieldName('body') ?? fn) : fn;
  const sets = depth > MAX_DEPTH ? [] : reader.setParts(body);
  if (sets.length === 0) {
    out.push({ path: prefix, value: node });
    return;
  }
  for (const set of sets) {
    for (const b of reader.bindings(set)) {
      if (b.type !== 'binding') continue;
      const names = reader.namesOf(b.childForFieldName('attrpath'));
      const value = b.childForFieldName('expression');
      if (!value || names.some((n) => n.text === undefined)) continue;
      leaves(reader, value, [...prefix, ...names], out, depth + 1);
    }
  }
}

function text(leaf: Leaf | undefined): string | undefined {
  return leaf ? stringValue(unparen(leaf.value)) : undefined;
}

function find(list: Leaf[], ...path: string[]): Leaf | undefined {
  return list.find((l) => l.path.length === path.length && l.path.every((p, i) => p.text === path[i]));
}

/** `-p 2222` or `-p2222` in deploy-rs's `sshOpts`. */
function portOfSshOpts(leaf: Leaf | undefined): number | undefined {
  const opts = leaf ? literalList(leaf.value)?.map(String) : undefined;
  if (!opts) return undefined;
  for (let i = 0; i < opts.length; i++) {
    const port = opts[i] === '-p' ? opts[i + 1] : /^-p(\d+)$/.exec(opts[i]!)?.[1];
    if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  }
  return undefined;
}

/** The configuration a deploy-rs profile's path names (`activate.nixos self.nixosConfigurations.robot`). */
function configurationOf(value: Node): string | undefined {
  const m = /\bnixosConfigurations\.(?:"([^"\\]+)"|([A-Za-z_][A-Za-z0-9_'-]*))/.exec(value.text);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** A binding of an output (`deploy.nodes.x = …`): the key's names after the output's name, and its value. */
export interface OutputPart {
  names: PathName[];
  value: Node;
}

/** Leaves grouped by the key at `depth` (a node's name), with their paths below it. */
function byName(all: Leaf[], depth: number, skip: (name: string) => boolean): Map<string, { key: Node; leaves: Leaf[] }> {
  const groups = new Map<string, { key: Node; leaves: Leaf[] }>();
  for (const leaf of all) {
    const name = leaf.path[depth];
    if (!name?.text || skip(name.text)) continue;
    const group = groups.get(name.text) ?? { key: name.node, leaves: [] };
    group.leaves.push({ ...leaf, path: leaf.path.slice(depth + 1) });
    groups.set(name.text, group);
  }
  return groups;
}

/** deploy-rs nodes from every binding of the `deploy` output. */
export function readDeployRs(reader: StaticReader, parts: OutputPart[]): FlakeRobot[] {
  const all: Leaf[] = [];
  for (const part of parts) leaves(reader, part.value, part.names, all);
  const defaultUser = text(find(all, 'sshUser'));
  const defaultPort = portOfSshOpts(find(all, 'sshOpts'));
  const nodes = byName(
    all.filter((l) => l.path[0]?.text === 'nodes'),
    1,
    () => false,
  );
  return [...nodes].map(([name, node]) => {
    const robot: FlakeRobot = { name, source: 'deploy-rs', span: reader.span(node.key) };
    const host = text(find(node.leaves, 'hostname'));
    const user = text(find(node.leaves, 'sshUser')) ?? defaultUser;
    const port = portOfSshOpts(find(node.leaves, 'sshOpts')) ?? defaultPort;
    const path = find(node.leaves, 'profiles', 'system', 'path');
    const configuration = path ? configurationOf(path.value) : undefined;
    if (host !== undefined) robot.host = host;
    if (user !== undefined) robot.user = user;
    if (port !== undefined) robot.port = port;
    if (configuration !== undefined) robot.configuration = configuration;
    return robot;
  });
}

const HIVE_KEYS = new Set(['meta', 'defaults']);

/**
 * colmena nodes from the bindings of `colmena`, or of the set given to `makeHive` in `colmenaHive`
 * (`makeHive self.colmena` adds nothing: that hive is the `colmena` output, read already).
 */
export function readColmena(reader: StaticReader, parts: (OutputPart & { output: 'colmena' | 'colmenaHive' })[]): FlakeRobot[] {
  const all: Leaf[] = [];
  for (const part of parts) {
    const hive = part.output === 'colmenaHive' ? (part.names.length === 0 ? flattenCall(unparen(part.value))?.args.at(-1) : undefined) : part.value;
    if (hive) leaves(reader, hive, part.output === 'colmena' ? part.names : [], all);
  }
  const nodes = byName(all, 0, (name) => HIVE_KEYS.has(name));
  return [...nodes].map(([name, node]) => colmenaNode(name, node.leaves, reader.span(node.key)));
}

function colmenaNode(name: string, all: Leaf[], span: Span): FlakeRobot {
  const robot: FlakeRobot = { name, source: 'colmena', span };
  const target = find(all, 'deployment', 'targetHost');
  // colmena's default host is the node's name, unless a module we cannot see sets another.
  const opaque = all.some((l) => l.path.length === 0 || l.path[0]!.text === 'imports');
  const host = target ? text(target) : opaque ? undefined : name;
  const user = text(find(all, 'deployment', 'targetUser'));
  const port = find(all, 'deployment', 'targetPort');
  const portValue = port ? literalValue(port.value)?.value : undefined;
  if (host !== undefined) robot.host = host;
  if (user !== undefined) robot.user = user;
  if (typeof portValue === 'number' && Number.isInteger(portValue)) robot.port = portValue;
  return robot;
}
