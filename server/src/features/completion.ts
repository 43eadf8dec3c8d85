import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type Position,
} from 'vscode-languageserver/node';
import type { Node } from 'web-tree-sitter';
import type { NixDocument } from '../parse/document';
import type { OptionIndex } from '../options/schema-index';
import { describeType, nonNull } from '../options/schema-index';
import { enclosingSet, optionPathOf, textPathAt } from './option-context';
import { optionMarkdown } from './option-docs';

const NAME = "[A-Za-z_][A-Za-z0-9_'-]*";
/** `a.b.c = "val` up to the cursor: a value being typed for an option. */
const VALUE_CONTEXT = new RegExp(`(${NAME}(?:\\.${NAME})*)\\s*=\\s*(?:(")[^"]*|[A-Za-z0-9_.'-]*)$`);
/** `a.b.c` or `a.b.` up to the cursor: an option name being typed. */
const NAME_CONTEXT = new RegExp(`(?:^|[\\s{;])((?:${NAME}\\.)*)(${NAME})?$`);

/**
 * Completion of option names at any depth (after `hardware.nvidia-jetpack.`, inside
 * `hardware.nvidia-jetpack = { | }`, inside `hardware = { | }`), of enum values inside the
 * string, and of `true`/`false` for booleans. Works on half-typed text: the part of the line before
 * the cursor says what is being typed; the tree only says which set it is in.
 */
export function completeOptions(doc: NixDocument, position: Position, index: OptionIndex): CompletionItem[] {
  const offset = doc.lineIndex.offset(position);
  const lineStart = doc.lineIndex.offset({ line: position.line, character: 0 });
  // Only the end of the line matters, and the patterns would be slow on a very long one.
  const before = doc.text.slice(Math.max(lineStart, offset - 512), offset);
  const root = doc.syntaxTree().rootNode;
  const set = enclosingSet(root, offset);
  let base = set ? optionPathOf(set) : topLevelPath(root);
  if (set && base && set.hasError) {
    // Half-typed code: read the levels opened between this set's `{` and the cursor from the text.
    const inner = textPathAt(doc.text, set.startIndex, offset);
    if (inner) base = [...base, ...inner];
  } else if (!set && root.hasError && MODULE_HEAD.test(doc.text)) {
    // Nothing around the cursor parses yet: read the module's levels from its start.
    base = textPathAt(doc.text, 0, offset);
  }
  if (!base) return [];

  const value = VALUE_CONTEXT.exec(before);
  if (value) return completeValue([...base, ...value[1]!.split('.')], value[2] === '"', index);

  const name = NAME_CONTEXT.exec(before);
  if (!name) return [];
  const typed = name[1] ? name[1].slice(0, -1).split('.') : [];
  return completeNames([...base, ...typed], index);
}

/** A module function's head: `{ config, lib, pkgs, ... }:` (comments may come first). */
const MODULE_HEAD = /^\s*(?:#[^\n]*\n\s*)*\{[^}]*\b(?:config|lib|pkgs|modulesPath)\b[^}]*\}\s*:/;

/** A module file without an enclosing set at the cursor: its top level. */
function topLevelPath(root: Node): string[] | undefined {
  return root.namedChildCount > 0 ? [] : undefined;
}

function completeNames(prefix: string[], index: OptionIndex): CompletionItem[] {
  const items: CompletionItem[] = [];
  for (const child of index.childrenOf(prefix)) {
    const full = [...prefix, child].join('.');
    const decl = index.byName.get(full);
    if (decl) {
      if (decl.renamedTo || decl.internal || decl.readOnly) continue;
      items.push({
        label: child,
        kind: CompletionItemKind.Property,
        detail: `${describeType(decl.type)}${decl.default ? ` = ${decl.default.text}` : ''}`,
        documentation: { kind: MarkupKind.Markdown, value: optionMarkdown(decl, index.schema) },
        insertText: `${child} = $1;`,
        insertTextFormat: InsertTextFormat.Snippet,
        filterText: child,
        sortText: `1${child}`,
      });
    } else {
      // A namespace: complete the name and the dot, and ask for the next level at once.
      const usable = [...index.byName.values()].some((o) => o.name.startsWith(full + '.') && !o.renamedTo && !o.internal);
      if (!usable) continue;
      items.push({
        label: child,
        kind: CompletionItemKind.Module,
        detail: `${full}.*`,
        insertText: `${child}.`,
        command: { title: 'Suggest', command: 'editor.action.triggerSuggest' },
        sortText: `2${child}`,
      });
    }
  }
  return items;
}

function completeValue(path: string[], inString: boolean, index: OptionIndex): CompletionItem[] {
  const decl = index.byName.get(path.join('.'));
  if (!decl) return [];
  const t = nonNull(decl.type);
  const items: CompletionItem[] = [];
  if (t.kind === 'enum') {
    for (const v of t.values) {
      const text = String(v);
      const som = path.join('.') === 'hardware.nvidia-jetpack.som' ? index.soms.get(text) : undefined;
      items.push({
        label: text,
        kind: CompletionItemKind.EnumMember,
        detail: som ? `JetPack ${som.jetpackVersions.join('/')} · CUDA ${som.cudaCapabilities.join(', ')}` : decl.name,
        insertText: typeof v === 'string' && !inString ? `"${text}"` : text,
        sortText: text === decl.default?.literal ? `0${text}` : `1${text}`,
      });
    }
  } else if (t.kind === 'bool' && !inString) {
    for (const v of ['true', 'false']) items.push({ label: v, kind: CompletionItemKind.Value, detail: decl.name });
  }
  return items;
}
