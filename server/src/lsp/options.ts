import { CodeActionKind } from 'vscode-languageserver/node';
import type { FeatureModule } from './host';
import { bundledIndex } from '../schema/bundled';
import { completeOptions } from '../features/completion';
import { hoverOption } from '../features/hover';
import { configurationLenses } from '../features/code-lens';

/** jetpack-nixos option intelligence: option completion, hover, the configuration summary lens. */
export const optionsFeature: FeatureModule = {
  name: 'options',
  capabilities: () => ({
    completionProvider: { triggerCharacters: ['.', '"'] },
    hoverProvider: true,
    codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    codeLensProvider: { resolveProvider: false },
  }),
  register(host) {
    host.connection.onCodeLens((p) => host.withDocument(p.textDocument.uri, [], (doc) => configurationLenses(doc, bundledIndex())));
  },
  completion: (doc, params) => completeOptions(doc, params.position, bundledIndex()),
  hover: (doc, params) => hoverOption(doc, params.position, bundledIndex()),
};
