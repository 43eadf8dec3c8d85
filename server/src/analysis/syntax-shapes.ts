import type { Node } from 'web-tree-sitter';
import type { Finding } from './diagnostic';

/**
 * Syntax errors recognised by their shape, for a message that names the mistake instead of the
 * token where the parser gave up. Offsets are absolute.
 */

/** How far up the tree a binding is looked for. */
const PARENT_STEPS = 24;

function syntax(start: number, end: number, message: string): Finding {
  return { start, end, severity: 'error', code: 'syntax-error', message };
}

/**
 * `|>` and `<|`: Nix 2.24 added them behind the `pipe-operators` experimental feature; older Nix
 * (and any Nix without the feature) rejects them, and so do we, saying why.
 */
export function pipeOperator(src: string, at: number): Finding | undefined {
  const from = at + (src.slice(at).match(/^\s*/)?.[0].length ?? 0);
  const start = src.startsWith('|>', from) ? from : src.startsWith('<|', from - 1) ? from - 1 : src.startsWith('<|', from) ? from : -1;
  if (start < 0) return undefined;
  const op = src.slice(start, start + 2);
  const meaning = op === '|>' ? '`x |> f` is `f x`' : '`f <| x` is `f x`';
  return syntax(start, start + 2, `\`${op}\` is a pipe operator, which only Nix 2.24 and later read, with the experimental feature \`pipe-operators\` enabled; any other Nix rejects this file. ${meaning}.`);
}

/**
 * `networking.hostName =` with nothing after it (the next line closes the set, or starts the
 * next binding): the binding has no value. Reported on the binding, not on what follows it.
 */
export function bindingWithoutValue(node: Node, tokens: Node[], src: string): Finding | undefined {
  // `{ networking.hostName = }`: the name and `=` are all the error holds.
  const path = node.namedChildren.find((c) => c?.type === 'attrpath');
  const last = tokens.at(-1);
  if (path && last?.text === '=' && node.namedChildren.every((c) => !c || c.type === 'attrpath' || c.type === 'comment')) {
    return syntax(path.startIndex, last.endIndex, `\`${path.text} =\` has no value: write it after the \`=\`, and end the binding with \`;\``);
  }
  // `networking.hostName =` then `b = 2;` on the next line: read as `hostName = b`, then a stray `=`.
  if (tokens.some((t) => t.text !== '=') || !src.startsWith('=', node.startIndex + (src.slice(node.startIndex).match(/^\s*/)?.[0].length ?? 0))) return undefined;
  let binding: Node | null = node.parent;
  for (let steps = 0; binding && binding.type !== 'binding' && steps < PARENT_STEPS; steps++) binding = binding.parent;
  const attrpath = binding?.childForFieldName('attrpath');
  const value = binding?.childForFieldName('expression');
  if (!binding || !attrpath || !value) return undefined;
  const eq = src.indexOf('=', attrpath.endIndex);
  if (eq < 0 || eq >= value.startIndex || !/^[ \t]*(#[^\n]*)?\r?\n/.test(src.slice(eq + 1))) return undefined;
  // The stray `=` must be on the line the value starts on (`b = 2`): a value written on its own
  // line and a binding after it with no `;` between (`=` then `f` then `x = 1;`) is another mistake.
  if (src.slice(value.startIndex, node.startIndex).includes('\n')) return undefined;
  const finding = syntax(attrpath.startIndex, eq + 1, `\`${attrpath.text} =\` has no value: write it after the \`=\`, and end the binding with \`;\` (the next line was read as its value)`);
  finding.quiet = { start: value.startIndex, end: value.endIndex };
  return finding;
}

