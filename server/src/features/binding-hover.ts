import { MarkupKind, type Hover } from 'vscode-languageserver/node';
import type { LineIndex } from '../text/line-index';
import type { Binding, Placed, ScopeModel, Site } from '../scope/model';
import { bindingAt, referenceAt } from '../scope/query';
import { unparen } from '../scope/attrs';
import { builtinDoc, builtinMarkdown } from './builtin-docs';
import { pathTarget, type DocumentPlace } from './definition';

/**
 * Hover on a name or a path: a builtin's signature and what it does; where a binding is defined
 * and its value when it is a simple literal; which `with` a name comes from; the file a path
 * names and whether it exists. The option hover comes first and wins where it answers. Without
 * `general` (another Nix language server describes names and builtins), only paths are described.
 */
export function hoverName(model: ScopeModel, lines: LineIndex, offset: number, place: DocumentPlace, general = true): Hover | undefined {
  const markdown = (value: string, s: Site): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range: lines.range(s.start, s.end) });
  const file = pathTarget(model, offset, place.file);
  if (file) return markdown(pathMarkdown(model, file), file.literal);
  if (!general) return undefined;
  const target = bindingAt(model, offset);
  // In flake.nix, the outputs function's arguments are the inputs: the flake hover describes them.
  if (target?.defining && target.binding.kind === 'formal' && target.binding.scope.function?.flakeOutputs && isFlakeFile(place)) return undefined;
  if (target) return markdown(bindingMarkdown(model, lines, target.binding), target.site);
  const member = model.builtinMembers.find((m) => m.start <= offset && offset <= m.end);
  const ref = referenceAt(model, offset);
  const builtin = member ? builtinDoc(model.text.slice(member.start, member.end)) : ref?.builtin ? builtinDoc(ref.name) : undefined;
  if (builtin) return markdown(builtinMarkdown(builtin), member ?? ref!);
  if (ref?.withScope?.environment) {
    const env = ref.withScope.environment;
    const source = oneLine(model.text.slice(env.start, env.end), 60);
    return markdown(`\`${ref.name}\` comes from \`with ${source};\` (line ${lines.lineOf(ref.withScope.node.start) + 1}), when that set has it: it is looked up when evaluated.`, ref);
  }
  return undefined;
}

function pathMarkdown(model: ScopeModel, target: NonNullable<ReturnType<typeof pathTarget>>): string {
  const written = model.text.slice(target.literal.start, target.literal.end);
  const shown = `\`${target.resolved}\``;
  if (target.kind === 'missing') return `**${written}** → ${shown}\n\nThis path does not exist.`;
  if (target.kind === 'special') return `**${written}** → ${shown}\n\nNot a regular file or a folder (a named pipe, a device or a socket).`;
  if (target.kind === 'folder') {
    return target.file
      ? `**${written}** → ${shown}\n\nA folder: importing it reads its \`default.nix\`.`
      : `**${written}** → ${shown}\n\nA folder without \`default.nix\`: importing it fails.`;
  }
  return `**${written}** → ${shown}`;
}

const KIND_WORDS: Record<Binding['kind'], string> = {
  let: '`let` binding',
  rec: 'attribute of a `rec` set',
  formal: 'named argument',
  pattern: 'the whole argument set',
  parameter: 'function argument',
};

function bindingMarkdown(model: ScopeModel, lines: LineIndex, b: Binding): string {
  const line = (offset: number) => lines.lineOf(offset) + 1;
  const where = b.sites.length > 1 ? `lines ${b.sites.map((s) => line(s.start)).join(', ')}` : `line ${line(b.sites[0]!.start)}`;
  const parts = [`**${b.name}** · ${KIND_WORDS[b.kind]} (${where})`];
  if (b.kind === 'formal' || b.kind === 'pattern' || b.kind === 'parameter') parts.push(`Of the function on line ${line(b.scope.node.start)}.`);
  if (b.inherit) {
    const from = b.inherit.from ? `\`${oneLine(model.text.slice(b.inherit.from.start, b.inherit.from.start + b.inherit.from.node.length), 60)}\`` : 'the scope around the set';
    parts.push(`Inherited from ${from}.`);
  }
  const value = literal(model, b.value);
  if (value !== undefined) parts.push(`\`\`\`nix\n${b.name} ${b.kind === 'formal' ? '?' : '='} ${value}\n\`\`\``);
  const uses = b.references.length;
  parts.push(uses === 0 ? 'Not used.' : `Used ${uses === 1 ? 'once' : `${uses} times`}.`);
  return parts.join('\n\n');
}

const SIMPLE = new Set(['integer_expression', 'float_expression', 'path_expression', 'hpath_expression', 'spath_expression']);
const MAX_LITERAL = 120;

/** The source of a simple literal value (number, string, path, boolean, null, a short list of them). */
function literal(model: ScopeModel, value: Placed | undefined): string | undefined {
  if (!value) return undefined;
  const v = unparen(value);
  const text = model.text.slice(v.start, v.start + v.node.length);
  if (text.length > MAX_LITERAL || text.includes('\n') || !isSimple(v, model.text)) return undefined;
  return text;
}

function isSimple(v: Placed, text: string): boolean {
  const { node } = v;
  if (SIMPLE.has(node.type)) return !node.children.some((c) => c.type === 'interpolation');
  if (node.type === 'string_expression') return node.children.every((c) => c.type !== 'interpolation');
  if (node.type === 'variable_expression') return ['true', 'false', 'null'].includes(text.slice(v.start, v.start + node.length));
  if (node.type === 'unary_expression') return node.children.length === 1 && SIMPLE.has(node.children[0]!.type);
  if (node.type === 'list_expression') return node.children.length <= 8 && node.children.every((c) => isSimple({ node: c, start: v.start + c.offset }, text));
  return false;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

function isFlakeFile(place: DocumentPlace): boolean {
  return /(^|[\\/])flake\.nix$/.test(place.file ?? place.uri);
}
