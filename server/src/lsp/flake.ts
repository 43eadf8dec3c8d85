import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem } from 'vscode-languageserver/node';
import type { FeatureModule } from './host';
import type { NixDocument } from '../parse/document';
import { readFlake, type FlakeModel } from '../flake/inputs';
import { LockFiles, type LockFile } from '../flake/lock';
import { completeFlakeInputs, flakeFindings, hoverFlakeInput, type InputCompletion } from '../features/flake-inputs';

/** flake.lock files beside the open flake.nix files, re-read when they change on disk. */
const locks = new LockFiles();

function isFlake(uri: string): boolean {
  return /(^|\/)flake\.nix$/.test(uri);
}

/** The flake.lock beside a flake.nix: only for files on disk (an unsaved flake has none). */
function lockFor(uri: string): LockFile {
  return uri.startsWith('file:') ? locks.besideFlake(fileURLToPath(uri)) : { state: 'absent' };
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
 * Flake awareness in flake.nix: completion, validation and hover of inputs, checked against the
 * flake.lock beside it (read from disk, never written; nothing is fetched or evaluated).
 */
export const flakeFeature: FeatureModule = {
  name: 'flake',
  capabilities: () => ({ completionProvider: { triggerCharacters: ['.', '"', '/'] }, hoverProvider: true }),
  completion(doc, params, _host) {
    if (!isFlake(params.textDocument.uri)) return [];
    const lock = lockFor(params.textDocument.uri);
    const items = completeFlakeInputs(doc.text, doc.lineIndex.offset(params.position), modelOf(doc), lock.state === 'ok' ? lock.lock : undefined);
    return items.map((c) => toItem(c, doc));
  },
  hover(doc, params) {
    if (!isFlake(params.textDocument.uri)) return undefined;
    const model = modelOf(doc);
    const found = model && hoverFlakeInput(doc.lineIndex.offset(params.position), model, lockFor(params.textDocument.uri));
    return found ? { contents: { kind: MarkupKind.Markdown, value: found.markdown }, range: doc.lineIndex.range(found.span.start, found.span.end) } : undefined;
  },
  findings(uri, doc) {
    if (!isFlake(uri)) return [];
    const model = modelOf(doc);
    return model ? flakeFindings(model, lockFor(uri)) : [];
  },
  fileChanged(file, host) {
    if (path.basename(file) !== 'flake.lock') return;
    locks.forget(file);
    host.refreshAll();
  },
};
