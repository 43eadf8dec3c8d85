import type { Node, Parser } from 'web-tree-sitter';
import { elements, isAttrset, unparen } from '../schema/nix-static';
import { functionBody, namedBindings, nixStringValue, selectPath } from './nix-read';
import { DEPENDENCY_LISTS, type ExtractionProblem, type RosPackage } from './types';

/**
 * Reads one generated package, `distros/<distro>/<attr>/default.nix`, as superflore writes it:
 *
 *     { lib, buildRosPackage, fetchurl, ament-cmake, rclcpp }:
 *     buildRosPackage {
 *       pname = "ros-jazzy-foo"; version = "1.2.3-r1";
 *       src = fetchurl { url = "…/release/jazzy/foo/1.2.3-1.tar.gz"; … };
 *       buildType = "ament_cmake";
 *       buildInputs = [ ament-cmake ]; propagatedBuildInputs = [ rclcpp ];
 *       meta = { description = "…"; license = with lib.licenses; [ asl20 ]; };
 *     }
 *
 * Whatever is not in that shape is left out of the package and reported; the package itself
 * (its attribute) is still known, from generated.nix.
 */

/** Formal arguments every generated package takes that are not dependencies. */
const SCAFFOLDING = new Set(['lib', 'buildRosPackage', 'fetchurl']);

/** The ROS name in a release archive's URL: `…/release/<distro>/<ros name>/<version>.tar.gz`. */
const RELEASE_URL = /\/release\/([^/]+)\/([^/]+)\/[^/]+$/;

export interface PackageRead {
  pkg: RosPackage;
  problems: ExtractionProblem[];
}

/** An empty package: the attribute is known, nothing else yet. */
export function emptyPackage(attr: string): RosPackage {
  return { attr, licenses: [], dependencies: { build: [], propagated: [], check: [], native: [], other: [] } };
}

/** Reads the text of `file` (the package's path, for reports) as the package `attr` of `distro`. */
export function readPackage(text: string, where: { file: string; distro: string; attr: string }, parser: Parser): PackageRead {
  const pkg = emptyPackage(where.attr);
  const problems: ExtractionProblem[] = [];
  const problem = (message: string, node?: Node): void => {
    problems.push({ file: where.file, ...(node ? { line: node.startPosition.row + 1 } : {}), message });
  };
  const tree = parser.parse(text);
  if (!tree) {
    problem('could not be parsed');
    return { pkg, problems };
  }
  try {
    // tree-sitter-nix rejects some syntax Nix accepts (`{ a, }:`), so a syntax error alone is not
    // reported: whatever it keeps from being read is, below.
    const root = tree.rootNode;
    const fn = elements(root)[0];
    const formals = fn && unparen(fn).type === 'function_expression' ? unparen(fn).childForFieldName('formals') : null;
    if (!fn || !formals) {
      problem('is not a function of its dependencies ({ lib, buildRosPackage, … }: …)');
      return { pkg, problems };
    }
    const call = functionBody(fn);
    const callee = call.type === 'apply_expression' ? call.childForFieldName('function') : null;
    const arg = call.type === 'apply_expression' ? call.childForFieldName('argument') : null;
    if (!callee || unparen(callee).text !== 'buildRosPackage' || !arg || !isAttrset(unparen(arg))) {
      problem('does not call buildRosPackage with an attribute set', call);
      return { pkg, problems };
    }
    readAttributes(unparen(arg), pkg, where, problem);
    readFormals(formals, pkg);
  } finally {
    tree.delete();
  }
  return { pkg, problems };
}

type Report = (message: string, node?: Node) => void;

function readAttributes(set: Node, pkg: RosPackage, where: { distro: string; attr: string }, problem: Report): void {
  for (const b of namedBindings(set).bindings) {
    const value = b.value;
    if (!value) continue;
    if (b.name === 'pname') {
      const pname = nixStringValue(value);
      if (pname !== `ros-${where.distro}-${where.attr}`) problem(`pname is ${pname === undefined ? 'not a literal string' : JSON.stringify(pname)}, not "ros-${where.distro}-${where.attr}"`, value);
    } else if (b.name === 'version') {
      const v = nixStringValue(value);
      if (v === undefined) problem('version is not a literal string', value);
      else pkg.version = v;
    } else if (b.name === 'buildType') {
      const v = nixStringValue(value);
      if (v !== undefined) pkg.buildType = v;
    } else if (b.name === 'src') {
      readRosName(value, pkg, where, problem);
    } else if (b.name === 'meta') {
      readMeta(value, pkg, problem);
    } else if (b.name in DEPENDENCY_LISTS) {
      const list = DEPENDENCY_LISTS[b.name as keyof typeof DEPENDENCY_LISTS];
      const deps = dependencyList(value);
      if (!deps) problem(`${b.name} is not a list`, value);
      else {
        pkg.dependencies[list].push(...deps.names);
        for (const other of deps.others) problem(`${b.name} has \`${other.text}\`, which is not a name`, other);
      }
    }
  }
  if (!namedBindings(set).bindings.some((b) => b.name === 'version')) problem('has no version');
}

/** The ROS name, from `src = fetchurl { url = "…/release/<distro>/<name>/<version>.tar.gz"; }`. */
function readRosName(src: Node, pkg: RosPackage, where: { distro: string }, problem: Report): void {
  const call = unparen(src);
  const arg = call.type === 'apply_expression' ? call.childForFieldName('argument') : null;
  const url = arg && isAttrset(unparen(arg)) ? namedBindings(unparen(arg)).bindings.find((b) => b.name === 'url')?.value : undefined;
  const text = url && nixStringValue(url);
  const m = text ? RELEASE_URL.exec(text) : null;
  if (!m || m[1] !== where.distro) {
    problem(`the ROS name is not in the source URL (${text === undefined ? 'no literal url' : text})`, url ?? src);
    return;
  }
  pkg.rosName = decodeURIComponent(m[2]!);
}

function readMeta(meta: Node, pkg: RosPackage, problem: Report): void {
  const set = unparen(meta);
  if (!isAttrset(set)) {
    problem('meta is not an attribute set', meta);
    return;
  }
  for (const b of namedBindings(set).bindings) {
    if (!b.value) continue;
    if (b.name === 'description') {
      const d = nixStringValue(b.value);
      if (d === undefined) problem('meta.description is not a literal string', b.value);
      else pkg.description = d;
    } else if (b.name === 'license') {
      const licenses = licenseList(b.value);
      if (!licenses) problem('meta.license is not `with lib.licenses; [ … ]`', b.value);
      else pkg.licenses = licenses;
    }
  }
}

/** `with lib.licenses; [ asl20 "BSD-2-Clause" ]`, or a single license. */
function licenseList(node: Node): string[] | undefined {
  let n = unparen(node);
  let withLicenses = false;
  if (n.type === 'with_expression') {
    const env = n.childForFieldName('environment');
    const path = env && selectPath(env);
    if (path?.join('.') !== 'lib.licenses') return undefined;
    withLicenses = true;
    const body = n.childForFieldName('body');
    if (!body) return undefined;
    n = unparen(body);
  }
  const items = n.type === 'list_expression' ? elements(n) : [n];
  const out: string[] = [];
  for (const item of items) {
    const s = nixStringValue(item);
    const path = selectPath(item);
    if (s !== undefined) out.push(s);
    else if (path && withLicenses && path.length === 1) out.push(`lib.licenses.${path[0]}`);
    else if (path && path.length === 3 && path[0] === 'lib' && path[1] === 'licenses') out.push(path.join('.'));
    else return undefined;
  }
  return out;
}

/** `[ a b.c ]` as names, and the elements that are not names; undefined when it is not a list. */
function dependencyList(node: Node): { names: string[]; others: Node[] } | undefined {
  const n = unparen(node);
  if (n.type !== 'list_expression') return undefined;
  const out: { names: string[]; others: Node[] } = { names: [], others: [] };
  for (const el of elements(n)) {
    const path = selectPath(el);
    if (path) out.names.push(path.join('.'));
    else out.others.push(el);
  }
  return out;
}

/** Formal arguments that no list mentions (neither as a name nor as the root of a selection). */
function readFormals(formals: Node, pkg: RosPackage): void {
  const used = new Set<string>();
  for (const list of Object.values(pkg.dependencies)) for (const d of list) used.add(d.split('.')[0]!);
  for (const f of formals.namedChildren) {
    if (f?.type !== 'formal') continue;
    const name = f.childForFieldName('name')?.text;
    if (name && !SCAFFOLDING.has(name) && !used.has(name)) pkg.dependencies.other.push(name);
  }
}
