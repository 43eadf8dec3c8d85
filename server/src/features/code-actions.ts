import { CodeActionKind, type CodeAction, type CodeActionParams } from 'vscode-languageserver/node';
import type { DiagnosticFix } from '../lsp-convert';

/**
 * Quick fixes for our diagnostics: each diagnostic carries its fixes in `data`, computed for the
 * document version it was published for. The edit names that version, so VS Code refuses it
 * rather than corrupting text that changed since.
 */
export function quickFixes(params: CodeActionParams, version: number | undefined): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of params.context.diagnostics) {
    if (diagnostic.source !== 'jetson-nix') continue;
    const data = diagnostic.data as { fixes?: DiagnosticFix[]; version?: number } | undefined;
    const fixes = data?.fixes ?? [];
    if (version !== undefined && data?.version !== undefined && data.version !== version) continue;
    fixes.forEach((fix, i) => {
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: i === 0,
        edit:
          version === undefined
            ? { changes: { [params.textDocument.uri]: fix.edits } }
            : { documentChanges: [{ textDocument: { uri: params.textDocument.uri, version }, edits: fix.edits }] },
      });
    });
  }
  return actions;
}
