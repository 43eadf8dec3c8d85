import { CodeActionKind } from 'vscode-languageserver/node';
import type { FeatureModule, ServerHost } from './host';
import { bundledIndex } from '../schema/bundled';
import type { OptionIndex } from '../options/schema-index';
import { SCHEMA_INFO, type SchemaInfo } from '../protocol';
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
    host.connection.onCodeLens((p) => host.withDocument(p.textDocument.uri, [], (doc) => configurationLenses(doc, schemaFor(host, p.textDocument.uri))));
    host.connection.onRequest(SCHEMA_INFO, async (p: { uri: string }): Promise<SchemaInfo> => {
      const workspace = host.workspace();
      if (!workspace) return { source: 'bundled', revision: bundledIndex().schema.source.revision, reason: 'the workspace is still being indexed' };
      await workspace.settled();
      return workspace.schemaInfoFor(p.uri);
    });
  },
  completion: (doc, params, host) => completeOptions(doc, params.position, schemaFor(host, params.textDocument.uri)),
  hover: (doc, params, host) => hoverOption(doc, params.position, schemaFor(host, params.textDocument.uri)),
};

/** The live schema of the document's flake when there is one, else the bundled schema. */
function schemaFor(host: ServerHost, uri: string): OptionIndex {
  return host.workspace()?.schemaFor(uri) ?? bundledIndex();
}
