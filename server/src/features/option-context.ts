import type { Node } from 'web-tree-sitter';
import { staticPath } from '../options/modules';
import { calleeName, flattenCall } from '../options/values';
import { stringEnd } from '../analysis/syntax';

/** Calls that pass a set through to the option it is defined at. */
const TRANSPARENT_CALLS = new Set(['mkIf', 'mkMerge', 'mkDefault', 'mkForce', 'mkOverride', 'mkBefore', 'mkAfter', 'mkOrder']);

function innerCall(node: Node): string | undefined {
  const call = flattenCall(node);
  return call ? calleeName(call.fn) : undefined;
}

/**
 * The option path at which `node` (a set or a value inside a module) is defined, found by
 * walking up through bindings and the wrappers NixOS merges away. Undefined when the node is not
 * inside a module definition (a `let` binding, a package expression, an `options` declaration).
 */
export function optionPathOf(node: Node): string[] | undefined {
  const path: string[] = [];
  let cur: Node = node;
  for (let parent = cur.parent; parent; cur = parent, parent = parent.parent) {
    switch (parent.type) {
      case 'binding': {
        const attrpath = parent.childForFieldName('attrpath');
        const value = parent.childForFieldName('expression');
        if (!attrpath || !value || cur.startIndex < value.startIndex) return undefined;
        const segs = staticPath(attrpath);
        if (!segs) return undefined;
        path.unshift(...segs.map((s) => s.name));
        break;
      }
      case 'binding_set':
      case 'attrset_expression':
      case 'parenthesized_expression':
        break;
      case 'apply_expression': {
        // Only the last argument of mkIf/mkMerge/mkDefault… is still the option's value.
        let top: Node = parent;
        while (top.parent?.type === 'apply_expression') top = top.parent;
        const name = innerCall(top);
        if (!name || !TRANSPARENT_CALLS.has(name) || parent.childForFieldName('argument')?.id !== cur.id) return undefined;
        break;
      }
      case 'list_expression': {
        const owner = parent.parent;
        if (owner?.type === 'apply_expression' && innerCall(owner) === 'mkMerge') break;
        const binding = owner?.type === 'binding' ? owner.childForFieldName('attrpath')?.text : undefined;
        return binding === 'modules' || binding === 'imports' ? finish(path) : undefined;
      }
      case 'function_expression':
      case 'let_expression':
      case 'with_expression':
      case 'assert_expression':
        // A module function's body, or the body of `let … in` / `with …;` / `assert …;`.
        if (parent.childForFieldName('body')?.id !== cur.id) return undefined;
        if (parent.type === 'function_expression') return finish(path);
        break;
      case 'source_code':
        return finish(path);
      default:
        return undefined;
    }
  }
  return finish(path);
}

/** `config.x` in a full module is option `x`; `options.x` is a declaration, not a definition. */
function finish(path: string[]): string[] | undefined {
  if (path[0] === 'options') return undefined;
  return path[0] === 'config' ? path.slice(1) : path;
}

/** The innermost attribute set literal whose braces contain `offset`. */
export function enclosingSet(root: Node, offset: number): Node | undefined {
  let node: Node | null = root.descendantForIndex(Math.max(0, offset - 1), offset);
  for (; node; node = node.parent) {
    if (node.type === 'attrset_expression' && node.startIndex < offset && (offset < node.endIndex || node.lastChild?.isMissing)) return node;
  }
  return undefined;
}

const NAME_CHAR = /[A-Za-z0-9_'-]/;

/**
 * The option path at `offset` read from the text between `from` (the `{` of a set whose path is
 * known) and the cursor, for code that does not parse yet: `name = {` opens a level named `name`,
 * `}` closes one, `;` ends a binding. Strings and comments are skipped. Undefined when the cursor
 * is not in a set.
 */
export function textPathAt(text: string, from: number, offset: number): string[] | undefined {
  const frames: { path: string[] | undefined }[] = [];
  let pending: string[] | undefined;
  let words: string[] = [];
  let i = from;
  while (i < offset) {
    const c = text[i]!;
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 || nl > offset ? offset : nl + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? offset : end + 2;
    } else if (c === '"' || (c === "'" && text[i + 1] === "'")) {
      const end = stringEnd(text, i);
      if (end < 0 || end > offset) return undefined; // inside a string, or past following
      i = end;
    } else if (NAME_CHAR.test(c)) {
      let j = i;
      while (j < offset && NAME_CHAR.test(text[j]!)) j++;
      words.push(text.slice(i, j));
      i = j;
    } else if (c === '.') {
      i++;
    } else if (c === '=' && text[i + 1] !== '=') {
      pending = words.length > 0 ? words : undefined;
      words = [];
      i++;
    } else if (c === '{' || c === '[' || c === '(') {
      frames.push({ path: c === '{' ? pending : undefined });
      if (c === '{') pending = undefined;
      words = [];
      i++;
    } else if (c === '}' || c === ']' || c === ')') {
      frames.pop();
      words = [];
      i++;
    } else if (c === ';') {
      pending = undefined;
      words = [];
      i++;
    } else {
      if (!/\s/.test(c)) words = [];
      i++;
    }
  }
  if (frames.length === 0) return undefined;
  // The first frame is the starting set itself; sets inside lists or parentheses
  // (mkMerge [ { … } ], mkIf c ({ … })) add nothing to their owner's path.
  return frames.slice(1).flatMap((f) => f.path ?? []);
}
