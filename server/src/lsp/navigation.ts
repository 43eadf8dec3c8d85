import { fileURLToPath } from 'node:url';
import { LSPErrorCodes, ResponseError, type Position, type PrepareRenameResult, type WorkspaceEdit } from 'vscode-languageserver/node';
import type { FeatureModule, ServerHost } from './host';
import type { NixDocument } from '../parse/document';
import { scopeModelOf } from '../scope/index';
import { findDefinition, type DocumentPlace } from '../features/definition';
import { documentHighlights, findReferences } from '../features/references';
import { prepareRename, renameConfirmation, renameEdits, type Confirmation, type Edit } from '../features/rename';
import { SEMANTIC_LEGEND, semanticTokens } from '../features/semantic-tokens';
import { completeNames } from '../features/names-completion';
import { hoverName } from '../features/binding-hover';

function placeOf(uri: string): DocumentPlace {
  return { uri, file: uri.startsWith('file:') ? fileURLToPath(uri) : undefined };
}

function offsetOf(doc: NixDocument, position: Position): number {
  return doc.lineIndex.offset(position);
}

/** The change annotation of a rename the user confirms in VS Code's refactor preview. */
const CONFIRM = 'callers-pass-it-by-name';

/** Whether the client shows annotated edits for confirmation (LSP 3.16 change annotations). */
function confirms(host: ServerHost): boolean {
  return host.clientCapabilities().workspace?.workspaceEdit?.changeAnnotationSupport !== undefined;
}

/** A refusal for an editor that would apply a rename needing confirmation without asking. */
function unconfirmable(c: Confirmation): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestFailed, `${c.description} This editor cannot show the rename for confirmation, so it is not renamed.`);
}

/** The rename as one versioned edit; annotated for confirmation when it needs one. */
function renameEdit(doc: NixDocument, uri: string, edits: Edit[], confirmation: Confirmation | undefined): WorkspaceEdit {
  const annotation = confirmation ? { annotationId: CONFIRM } : {};
  const changes = edits.map((e) => ({ range: doc.lineIndex.range(e.start, e.end), newText: e.newText, ...annotation }));
  // The edit names the version it was computed for: a client refuses it if the text moved on.
  const edit: WorkspaceEdit = { documentChanges: [{ textDocument: { uri, version: doc.version }, edits: changes }] };
  if (confirmation) edit.changeAnnotations = { [CONFIRM]: { ...confirmation, needsConfirmation: true } };
  return edit;
}

/** Runs a request of a general Nix feature, or answers `fallback` while those are left to another server. */
function general<T>(host: ServerHost, uri: string, fallback: T, run: (doc: NixDocument) => T): T {
  return host.generalFeatures() ? host.withDocument(uri, fallback, run) : fallback;
}

/**
 * Everything built on names, from the scope model: definition, references and highlights,
 * rename, semantic tokens, hover on names and paths, completion of names and paths. The model is
 * built with each version's diagnostics, so these requests only read it. All general Nix features
 * except what is about files (paths) and flake inputs, which other Nix servers do not offer.
 */
export const navigationFeature: FeatureModule = {
  name: 'navigation',
  capabilities: () => ({
    hoverProvider: true,
    completionProvider: { triggerCharacters: ['.', '/'] },
  }),
  generalCapabilities: () => ({
    definitionProvider: true,
    referencesProvider: true,
    documentHighlightProvider: true,
    renameProvider: { prepareProvider: true },
    semanticTokensProvider: { legend: SEMANTIC_LEGEND, full: true },
  }),
  register(host) {
    const c = host.connection;
    c.onDefinition((p) =>
      general(host, p.textDocument.uri, null, (doc) => {
        const found = findDefinition(scopeModelOf(doc), doc.lineIndex, offsetOf(doc, p.position), placeOf(p.textDocument.uri));
        return found.length > 0 ? found : null;
      }),
    );
    c.onReferences((p) =>
      general(host, p.textDocument.uri, [], (doc) =>
        findReferences(scopeModelOf(doc), doc.lineIndex, offsetOf(doc, p.position), p.textDocument.uri, p.context.includeDeclaration),
      ),
    );
    c.onDocumentHighlight((p) => general(host, p.textDocument.uri, [], (doc) => documentHighlights(scopeModelOf(doc), doc.lineIndex, offsetOf(doc, p.position))));
    c.onPrepareRename((p) =>
      general<PrepareRenameResult | ResponseError<void> | null>(host, p.textDocument.uri, null, (doc) => {
        const model = scopeModelOf(doc);
        const outcome = prepareRename(model, offsetOf(doc, p.position));
        if ('refused' in outcome) return new ResponseError(LSPErrorCodes.RequestFailed, outcome.refused);
        const confirmation = renameConfirmation(model, offsetOf(doc, p.position));
        if (confirmation && !confirms(host)) return unconfirmable(confirmation);
        return { range: doc.lineIndex.range(outcome.ok.site.start, outcome.ok.site.end), placeholder: outcome.ok.name };
      }),
    );
    c.onRenameRequest((p) =>
      general<WorkspaceEdit | ResponseError<void> | null>(host, p.textDocument.uri, null, (doc) => {
        const model = scopeModelOf(doc);
        const outcome = renameEdits(model, offsetOf(doc, p.position), p.newName);
        if ('refused' in outcome) return new ResponseError(LSPErrorCodes.RequestFailed, outcome.refused);
        const confirmation = renameConfirmation(model, offsetOf(doc, p.position));
        if (confirmation && !confirms(host)) return unconfirmable(confirmation);
        return renameEdit(doc, p.textDocument.uri, outcome.ok, confirmation);
      }),
    );
    c.languages.semanticTokens.on((p) => general(host, p.textDocument.uri, { data: [] }, (doc) => semanticTokens(scopeModelOf(doc), doc.lineIndex)));
  },
  completion: (doc, params, host) =>
    completeNames(scopeModelOf(doc), doc.lineIndex, offsetOf(doc, params.position), placeOf(params.textDocument.uri), host.generalFeatures()),
  hover: (doc, params, host) => hoverName(scopeModelOf(doc), doc.lineIndex, offsetOf(doc, params.position), placeOf(params.textDocument.uri), host.generalFeatures()),
};
