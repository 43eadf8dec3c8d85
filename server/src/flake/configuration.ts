import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { moduleDefinitions } from '../options/modules';
import { facts, toRuleDef, type RuleDef } from '../options/rules';
import type { OptionIndex } from '../options/schema-index';
import { flattenCall } from '../options/values';
import { moduleBody } from '../options/module-refs';
import { bindingsOf, elements, pathNames, resolveName, stringValue, unparen } from '../schema/nix-static';
import { configurationPlatform, type PlatformFacts } from './platform';

/**
 * What a `nixosConfigurations.<name>` adds up to on the Jetson side (SoM, carrier board, JetPack),
 * read from the modules of its `nixosSystem { modules = [ … ]; }` without evaluating anything:
 * inline modules, `let`-bound ones, module files given as paths and their `imports`. The option
 * machinery of the diagnostics (`moduleDefinitions`, `facts`) decides what counts as a definition,
 * so the view and the diagnostics never disagree about what a configuration sets.
 */

const JP = 'hardware.nvidia-jetpack';
/** Modules from projects whose modules set no Jetson option of the user's: they hide nothing. */
const KNOWN_MODULE_SOURCES = /^(inputs\.)?(jetpack-nixos|jetpack|nix-ros-overlay|nixpkgs)\./;
/** A configuration with more module files than this is summarised from the first ones only. */
const MAX_FILES = 64;
/** Modules (and names leading to them) walked per configuration at most: a `let m = m;` must not loop. */
const MAX_STEPS = 1024;

/** Parses module files on demand. Trees stay alive until the caller is done with the whole flake. */
export interface ModuleFiles {
  /** The root of the parsed file at an absolute path (a folder means its `default.nix`), or undefined. */
  parse(file: string): Node | undefined;
}

export interface ConfigurationFacts extends PlatformFacts {
  som?: string;
  carrierBoard?: string;
  majorVersion?: string;
  hostName?: string;
  /** jetpack-nixos's module is one of its modules. */
  jetpack?: boolean;
  /** Modules whose definitions could not be read (see FlakeConfiguration.unreadModules). */
  unreadModules?: string[];
}

/** Unread modules named at most, each in at most this many characters: enough to recognise them. */
const MAX_UNREAD_NAMED = 5;
const MAX_UNREAD_LENGTH = 80;

/** A module as the user wrote it, on one line and short. */
function describeModule(node: Node): string {
  const text = node.text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_UNREAD_LENGTH ? `${text.slice(0, MAX_UNREAD_LENGTH - 1)}…` : text;
}

/** The `nixosSystem { … }` argument a configuration's value is (through parentheses and `let` names). */
function nixosSystemArgument(value: Node): Node | undefined {
  let n = unparen(value);
  for (let guard = 0; guard < 8 && n.type === 'variable_expression'; guard++) {
    const bound = resolveName(n);
    if (!bound) return undefined;
    n = unparen(bound);
  }
  const call = flattenCall(n);
  if (!call || call.args.length !== 1) return undefined;
  if (lastName(call.fn) !== 'nixosSystem') return undefined;
  const arg = unparen(call.args[0]!);
  return arg.type === 'attrset_expression' || arg.type === 'rec_attrset_expression' ? arg : undefined;
}

/** The last name of a function position: `nixosSystem` in `nixpkgs.lib.nixosSystem`. */
export function lastName(node: Node): string | undefined {
  const n = unparen(node);
  if (n.type === 'variable_expression') return n.text;
  const attrpath = n.type === 'select_expression' ? n.childForFieldName('attrpath') : null;
  return attrpath ? elements(attrpath).at(-1)?.text : undefined;
}

/** The value bound to a one-name key in a set literal. */
function bindingValue(set: Node, key: string): Node | undefined {
  for (const b of bindingsOf(set)) {
    if (b.type !== 'binding') continue;
    const names = pathNames(b.childForFieldName('attrpath')!);
    if (names?.length === 1 && names[0]!.name === key) return b.childForFieldName('expression') ?? undefined;
  }
  return undefined;
}

/** The elements of a modules/imports list through `++`, parentheses and `let` names; others stand for themselves. */
function listElements(node: Node, depth = 0): Node[] {
  const n = unparen(node);
  if (n.type === 'list_expression') return elements(n);
  if (n.type === 'binary_expression' && n.childForFieldName('operator')?.type === '++' && depth < 16) {
    return [...listElements(n.childForFieldName('left')!, depth + 1), ...listElements(n.childForFieldName('right')!, depth + 1)];
  }
  if (n.type === 'variable_expression' && depth < 16) {
    const bound = resolveName(n);
    if (bound && unparen(bound).type === 'list_expression') return listElements(bound, depth + 1);
  }
  return [n];
}

/** An absolute file for a path literal written in a file of `dir`, or undefined when it is not a plain relative or absolute path. */
function resolvePathLiteral(node: Node, dir: string | undefined): string | undefined {
  const text = node.text;
  if (node.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
  if (text.startsWith('/')) return text;
  return dir !== undefined && (text.startsWith('./') || text.startsWith('../')) ? path.resolve(dir, text) : undefined;
}

interface Pending {
  node: Node;
  /** The folder of the file the node is written in (relative paths resolve against it). */
  dir: string | undefined;
}

/**
 * The SoM, carrier board and JetPack version of a configuration, where its modules say so
 * literally. The JetPack version falls back to the SoM's default only when every module of the
 * configuration is visible and none sets it.
 */
export function summarizeConfiguration(value: Node, dir: string | undefined, files: ModuleFiles | undefined, index: OptionIndex): ConfigurationFacts {
  const arg = nixosSystemArgument(value);
  const modules = arg && bindingValue(arg, 'modules');
  if (!modules) return {};
  const definitions: RuleDef[] = [];
  const unread: string[] = [];
  let jetpackModule = false;
  const queue: Pending[] = listElements(modules).map((node) => ({ node, dir }));
  const visitedFiles = new Set<string>();
  for (let item = queue.shift(), steps = 0; item; item = queue.shift(), steps++) {
    if (steps > MAX_STEPS) {
      unread.push(`modules past the first ${MAX_STEPS}`);
      break;
    }
    const n = unparen(item.node);
    let body: Node | undefined;
    let bodyDir = item.dir;
    if (n.type === 'attrset_expression' || n.type === 'function_expression' || n.type === 'let_expression') {
      body = moduleBody(n);
    } else if (n.type === 'variable_expression') {
      const bound = resolveName(n);
      if (bound) queue.push({ node: bound, dir: item.dir });
      else unread.push(describeModule(n));
      continue;
    } else if (n.type === 'path_expression') {
      const file = resolvePathLiteral(n, item.dir);
      if (file !== undefined && visitedFiles.has(file)) continue;
      const root = file !== undefined && files && visitedFiles.size < MAX_FILES ? files.parse(file) : undefined;
      if (file !== undefined) visitedFiles.add(file);
      const top = root?.namedChildren.find((c) => c && c.type !== 'comment');
      body = top ? moduleBody(top) : undefined;
      bodyDir = root && file ? path.dirname(file.endsWith('.nix') ? file : path.join(file, 'default.nix')) : undefined;
    } else if (n.type === 'select_expression' && KNOWN_MODULE_SOURCES.test(n.text)) {
      if (/^(inputs\.)?(jetpack-nixos|jetpack)\.nixosModules\./.test(n.text)) jetpackModule = true;
      continue;
    }
    // A module we cannot read (a call, another flake's module, a file with syntax errors) may set anything.
    if (!body || body.hasError) {
      unread.push(describeModule(n));
      continue;
    }
    definitions.push(...moduleDefinitions({ node: body, group: 0 }).definitions.map(toRuleDef));
    const imports = bindingValue(body, 'imports');
    if (imports) queue.push(...listElements(imports).map((node) => ({ node, dir: bodyDir })));
  }
  const systemArgument = bindingValue(arg, 'system') ?? inheritedName(arg, 'system');
  const systemText = systemArgument && stringValue(resolveLiteral(systemArgument));
  const out = factsOf(definitions, unread.length > 0, index, { jetpackModule, ...(systemText ? { systemArgument: systemText } : {}) });
  if (unread.length > 0) out.unreadModules = [...new Set(unread)].slice(0, MAX_UNREAD_NAMED);
  return out;
}

/** The identifier of `inherit name;` (not `inherit (set) name;`) in a set literal. */
function inheritedName(set: Node, name: string): Node | undefined {
  for (const b of bindingsOf(set)) {
    if (b.type !== 'inherit') continue;
    const attrs = b.childForFieldName('attrs');
    const found = attrs && elements(attrs).find((a) => a.type === 'identifier' && a.text === name);
    if (found) return found;
  }
  return undefined;
}

/** A `let`-bound name's value (`inherit system;` and `system = system;` of a `let system = "aarch64-linux";`). */
function resolveLiteral(node: Node): Node {
  const n = unparen(node);
  return n.type === 'variable_expression' || n.type === 'identifier' ? unparen(resolveName(n) ?? n) : n;
}

function factsOf(definitions: RuleDef[], unseen: boolean, index: OptionIndex, platform: { jetpackModule: boolean; systemArgument?: string }): ConfigurationFacts {
  const { literal, defined } = facts(definitions);
  const text = (name: string): string | undefined => {
    const f = literal.get(name.includes('.') ? name : `${JP}.${name}`);
    return f?.literal.kind === 'string' ? f.literal.value : undefined;
  };
  const out: ConfigurationFacts = {};
  const som = text('som');
  const carrierBoard = text('carrierBoard');
  const majorVersion = text('majorVersion') ?? (som && !unseen && !defined.has(`${JP}.majorVersion`) ? index.soms.get(som)?.defaultJetpack : undefined);
  if (som !== undefined) out.som = som;
  if (carrierBoard !== undefined) out.carrierBoard = carrierBoard;
  if (majorVersion !== undefined) out.majorVersion = majorVersion;
  const hostName = text('networking.hostName');
  if (hostName !== undefined) out.hostName = hostName;
  if (platform.jetpackModule) out.jetpack = true;
  return { ...out, ...configurationPlatform({ literal, defined, ...platform }) };
}
