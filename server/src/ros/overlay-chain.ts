import type { Node } from 'web-tree-sitter';
import * as path from 'node:path';
import { callParts, elements, literalValue, resolveName, unparen } from '../schema/nix-static';
import { nixStringValue, selectPath } from './nix-read';
import type { ExtractionProblem } from './types';

/**
 * The overlays `distros/distro-overlay.nix` composes into one distribution's package set:
 *
 *     makeScopeWithSplicing … (rosSelf: composeManyExtensions ([
 *       base
 *       (import (./. + "/${distro}/generated.nix"))
 *       overrides
 *     ] ++ optional (version == 2) (import ./ros2-overlay.nix self)
 *       ++ optional (builtins.elem distro [ "humble" "jazzy" ]) (import ./qt5-overlay.nix self)
 *       ++ [ (import (./. + "/${distro}/overrides.nix") self) ]) rosSelf {})
 *
 * read for given values of the file's arguments (`distro`, `version`): conditions of `optional`
 * that compare those arguments with literals are decided; anything else is reported.
 */

export type OverlayStep =
  /** The distribution's generated.nix. */
  | { kind: 'generated' }
  /** An overlay written in this file (`base`), as its node. */
  | { kind: 'node'; node: Node }
  /** An overlay in another file, relative to the overlay's root; `maybe` when its condition was not decided. */
  | { kind: 'file'; file: string; maybe?: boolean };

export interface OverlayChain {
  steps: OverlayStep[];
  /** Line of `makeScopeWithSplicing`, whose scope adds `callPackage`, `overrideScope`… */
  scopeLine?: number;
  /** Conditions not decided (the overlay's names are kept, as they may exist). */
  problems: ExtractionProblem[];
  /** Parts of the list not read: the distribution's names are then incomplete. */
  incomplete: ExtractionProblem[];
}

/** Values of the file's arguments: `{ distro = "jazzy"; version = 2; }`. */
export type Arguments = Record<string, string | number>;

interface Reader {
  file: string;
  args: Arguments;
  chain: OverlayChain;
}

/** Reads the chain of overlays from the root of `distros/distro-overlay.nix` (at `file`). */
export function readOverlayChain(root: Node, file: string, args: Arguments): OverlayChain {
  const chain: OverlayChain = { steps: [], problems: [], incomplete: [] };
  const r: Reader = { file, args, chain };
  const compose = findCall(root, (p) => p === 'composeManyExtensions');
  const scope = findCall(root, (p) => p.startsWith('makeScopeWithSplicing') || p === 'makeScope');
  if (scope) chain.scopeLine = scope.startPosition.row + 1;
  const list = compose && callParts(compose)?.args[0];
  if (!list) {
    chain.incomplete.push({ file, message: 'no composeManyExtensions [ … ] list of overlays was found' });
    return chain;
  }
  listSteps(list, r, false);
  return chain;
}

/** The first call (depth-first) whose callee's last name satisfies `test`. */
function findCall(root: Node, test: (name: string) => boolean): Node | undefined {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'apply_expression') {
      const call = callParts(n);
      const name = call && selectPath(call.callee)?.at(-1);
      if (name && test(name)) return n;
    }
    for (let i = n.namedChildCount - 1; i >= 0; i--) {
      const c = n.namedChild(i);
      if (c) stack.push(c);
    }
  }
  return undefined;
}

function incomplete(r: Reader, at: Node, message: string): void {
  r.chain.incomplete.push({ file: r.file, line: at.startPosition.row + 1, message });
}

/** A list of overlays: `[ … ]`, `a ++ b`, `optional c x`, `optionals c [ … ]`. */
function listSteps(node: Node, r: Reader, maybe: boolean): void {
  const n = unparen(node);
  if (n.type === 'list_expression') {
    for (const el of elements(n)) step(el, r, maybe);
    return;
  }
  if (n.type === 'binary_expression' && n.childForFieldName('operator')?.text === '++') {
    for (const side of [n.childForFieldName('left'), n.childForFieldName('right')]) if (side) listSteps(side, r, maybe);
    return;
  }
  const call = callParts(n);
  const name = call && selectPath(call.callee)?.at(-1);
  if (call && (name === 'optional' || name === 'optionals') && call.args.length === 2) {
    const decided = condition(call.args[0]!, r.args);
    if (decided === false) return;
    if (decided === undefined) r.chain.problems.push({ file: r.file, line: n.startPosition.row + 1, message: `the condition \`${call.args[0]!.text}\` was not decided; its overlay's names are kept` });
    const maybeNow = maybe || decided === undefined;
    if (name === 'optional') step(call.args[1]!, r, maybeNow);
    else listSteps(call.args[1]!, r, maybeNow);
    return;
  }
  incomplete(r, n, `the overlay list part \`${short(n.text)}\` is not read`);
}

/** One overlay of the list. */
function step(node: Node, r: Reader, maybe: boolean): void {
  const n = unparen(node);
  if (n.type === 'variable_expression') {
    const value = resolveName(n);
    if (value) r.chain.steps.push({ kind: 'node', node: value });
    else incomplete(r, n, `the overlay \`${n.text}\` is not bound in this file`);
    return;
  }
  if (n.type === 'function_expression') {
    r.chain.steps.push({ kind: 'node', node: n });
    return;
  }
  const call = callParts(n);
  if (call && call.callee.type === 'variable_expression' && call.callee.text === 'import') {
    const target = staticPath(call.args[0]!, path.posix.dirname(r.file), r.args);
    if (target === undefined) {
      incomplete(r, n, `imports \`${short(call.args[0]!.text)}\`, a path not read`);
      return;
    }
    const file = target.endsWith('.nix') ? target : `${target}/default.nix`;
    if (file === path.posix.join(path.posix.dirname(r.file), String(r.args['distro']), 'generated.nix')) r.chain.steps.push({ kind: 'generated' });
    else r.chain.steps.push({ kind: 'file', file, ...(maybe ? { maybe } : {}) });
    return;
  }
  incomplete(r, n, `the overlay \`${short(n.text)}\` is not read`);
}

/** A path literal, or a path plus a string that interpolates the file's arguments. */
function staticPath(node: Node, dir: string, args: Arguments): string | undefined {
  const n = unparen(node);
  if (n.type === 'path_expression') return n.text.startsWith('./') || n.text.startsWith('../') || n.text === '.' ? path.posix.normalize(path.posix.join(dir, n.text)) : undefined;
  if (n.type !== 'binary_expression' || n.childForFieldName('operator')?.text !== '+') return undefined;
  const left = n.childForFieldName('left');
  const right = n.childForFieldName('right');
  const base = left ? staticPath(left, dir, args) : undefined;
  const tail = right ? interpolated(right, args) : undefined;
  return base !== undefined && tail !== undefined ? path.posix.normalize(base + tail) : undefined;
}

/** `"/${distro}/generated.nix"` with the arguments' values. */
function interpolated(node: Node, args: Arguments): string | undefined {
  const n = unparen(node);
  const plain = nixStringValue(n);
  if (plain !== undefined) return plain;
  if (n.type !== 'string_expression') return undefined;
  let out = '';
  for (const c of n.namedChildren) {
    if (!c) continue;
    if (c.type === 'string_fragment') out += c.text;
    else if (c.type === 'interpolation') {
      const v = value(c.namedChildren.find((x) => x?.type !== 'comment') ?? c, args);
      if (v === undefined) return undefined;
      out += String(v);
    } else return undefined;
  }
  return out;
}

/** A literal, or one of the file's arguments. */
function value(node: Node, args: Arguments): string | number | boolean | undefined {
  const n = unparen(node);
  if (n.type === 'variable_expression' && n.text in args && !resolveName(n)) return args[n.text];
  const lit = literalValue(n);
  const v = lit?.value;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}

/** Decides `version == 2`, `builtins.elem distro [ … ]`, `!`, `&&`, `||`; undefined when it cannot. */
export function condition(node: Node, args: Arguments): boolean | undefined {
  const n = unparen(node);
  if (n.type === 'binary_expression') {
    const op = n.childForFieldName('operator')?.text;
    const l = n.childForFieldName('left');
    const rt = n.childForFieldName('right');
    if (!l || !rt) return undefined;
    if (op === '&&' || op === '||') {
      const a = condition(l, args);
      const b = condition(rt, args);
      if (op === '&&') return a === false || b === false ? false : a && b ? true : undefined;
      return a === true || b === true ? true : a === false && b === false ? false : undefined;
    }
    if (op === '==' || op === '!=') {
      const a = value(l, args);
      const b = value(rt, args);
      if (a === undefined || b === undefined) return undefined;
      return op === '==' ? a === b : a !== b;
    }
    return undefined;
  }
  if (n.type === 'unary_expression' && n.text.startsWith('!')) {
    const arg = n.childForFieldName('argument');
    const v = arg && condition(arg, args);
    return v === undefined ? undefined : !v;
  }
  const call = callParts(n);
  if (call && selectPath(call.callee)?.at(-1) === 'elem' && call.args.length === 2) {
    const needle = value(call.args[0]!, args);
    const list = literalValue(call.args[1]!)?.value;
    return needle !== undefined && Array.isArray(list) ? list.includes(needle) : undefined;
  }
  const v = value(n, args);
  return typeof v === 'boolean' ? v : undefined;
}

function short(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}…` : one;
}
