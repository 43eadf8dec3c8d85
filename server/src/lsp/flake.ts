import { fileURLToPath } from 'node:url';
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem } from 'vscode-languageserver/node';
import type { FeatureModule, ServerHost } from './host';
import type { NixDocument } from '../parse/document';
import { readFlake, type FlakeModel } from '../flake/inputs';
import type { LockFile } from '../flake/lock';
import { completeFlakeInputs, hoverFlakeInput, type InputCompletion } from '../features/flake-inputs';

function isFlake(uri: string): boolean {
  return /(^|\/)flake\.nix$/.test(uri);
}

/** The flake.lock beside a flake.nix, as the workspace reads it: only for files on disk (an unsaved flake has none). */
function lockFor(uri: string, host: ServerHost): LockFile {
  const locks = host.workspace()?.locks;
  return locks && uri.startsWith('file:') ? locks.besideFlake(fileURLToPath(uri)) : { state: 'absent' };
}

function modelOf(doc: NixDocument): FlakeModel | undefined {
  return readFlake(doc.syntaxTree().rootNode, doc.text);
}

function toItem(c: InputCompletion, doc: NixDocument): CompletionItem {
  const item: CompletionItem = {
    label: c.label,
    kind: c.kind === 'attribute' ? CompletionItemKind.Property : CompletionItemKind.Module,
    detail: c.detail,
    sortText: `0${c.label}`,
  };
  if (c.documentation) item.documentation = { kind: MarkupKind.Markdown, value: c.documentation };
  if (c.replace) item.textEdit = { range: doc.lineIndex.range(c.replace.start, c.replace.end), newText: c.label };
  else if (c.snippet) {
    item.insertText = c.snippet;
    item.insertTextFormat = InsertTextFormat.Snippet;
  }
  if (c.suggestAgain) item.command = { title: 'Suggest', command: 'editor.action.triggerSuggest' };
  return item;
}

/**
 * Flake awareness in flake.nix: completion and hover of inputs, with the flake.lock beside it
 * (read from disk, never written; nothing is fetched or evaluated). Their validation is part of
 * the analysis (`analysis/check.ts`), shared with `jetson-nix check`.
 */
export const flakeFeature: FeatureModule = {
  name: 'flake',
  capabilities: () => ({ completionProvider: { triggerCharacters: ['.', '"', '/'] }, hoverProvider: true }),
  completion(doc, params, host) {
    if (!isFlake(params.textDocument.uri)) return [];
    const lock = lockFor(params.textDocument.uri, host);
    const items = completeFlakeInputs(doc.text, doc.lineIndex.offset(params.position), modelOf(doc), lock.state === 'ok' ? lock.lock : undefined);
    return items.map((c) => toItem(c, doc));
  },
  hover(doc, params, host) {
    if (!isFlake(params.textDocument.uri)) return undefined;
    const model = modelOf(doc);
    const found = model && hoverFlakeInput(doc.lineIndex.offset(params.position), model, lockFor(params.textDocument.uri, host));
    return found ? { contents: { kind: MarkupKind.Markdown, value: found.markdown }, range: doc.lineIndex.range(found.span.start, found.span.end) } : undefined;
  },
};
