import { MarkupKind, type Hover, type Position } from 'vscode-languageserver/node';
import type { Node } from 'web-tree-sitter';
import type { NixDocument } from '../parse/document';
import type { OptionIndex } from '../options/schema-index';
import { staticPath } from '../options/modules';
import { optionPathOf } from './option-context';
import { optionMarkdown, somMarkdown } from './option-docs';

/**
 * Hover on an option name (any segment of its path) or on its value: the option's type, default,
 * valid values, what it does and where it is declared; on a SoM value, what that SoM means.
 */
export function hoverOption(doc: NixDocument, position: Position, index: OptionIndex): Hover | undefined {
  const offset = doc.lineIndex.offset(position);
  const root = doc.syntaxTree().rootNode;
  const node = root.descendantForIndex(offset, offset);
  if (!node) return undefined;
  const binding = ancestor(node, 'binding');
  if (!binding) return undefined;
  const attrpath = binding.childForFieldName('attrpath');
  const value = binding.childForFieldName('expression');
  const base = optionPathOf(binding.parent?.parent ?? binding);
  if (!attrpath || !base) return undefined;
  const segs = staticPath(attrpath);
  if (!segs) return undefined;
  const range = (n: Node) => doc.lineIndex.range(n.startIndex, n.endIndex);

  if (offset >= attrpath.startIndex && offset <= attrpath.endIndex) {
    // The segments up to the hovered one name an option or a namespace.
    const upto = segs.filter((s) => s.start <= offset);
    const path = [...base, ...upto.map((s) => s.name)];
    const decl = index.lookup(path);
    if (decl && decl.rest.length === 0) {
      return { contents: { kind: MarkupKind.Markdown, value: optionMarkdown(decl.decl, index.schema) }, range: range(attrpath) };
    }
    const children = index.childrenOf(path);
    if (children.length === 0) return undefined;
    return {
      contents: { kind: MarkupKind.Markdown, value: `**${path.join('.')}**\n\nOptions: ${children.map((c) => `\`${c}\``).join(', ')}` },
      range: range(attrpath),
    };
  }
  if (value && offset >= value.startIndex && offset <= value.endIndex) {
    const path = [...base, ...segs.map((s) => s.name)];
    const decl = index.byName.get(path.join('.'));
    if (!decl) return undefined;
    const str = ancestor(node, 'string_expression');
    const som = decl.name === 'hardware.nvidia-jetpack.som' && str ? index.soms.get(str.text.slice(1, -1)) : undefined;
    const text = som ? somMarkdown(som, index.schema) : optionMarkdown(decl, index.schema);
    return { contents: { kind: MarkupKind.Markdown, value: text }, range: range(str ?? value) };
  }
  return undefined;
}

function ancestor(node: Node, type: string): Node | undefined {
  for (let n: Node | null = node; n; n = n.parent) if (n.type === type) return n;
  return undefined;
}
