import { CodeActionKind, type CodeAction, type CodeActionParams } from 'vscode-languageserver/node';
import type { DiagnosticFix } from '../lsp-convert';

/** Quick fixes for our diagnostics: each diagnostic carries its fixes in `data`. */
export function quickFixes(params: CodeActionParams): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of params.context.diagnostics) {
    if (diagnostic.source !== 'jetson-nix') continue;
    const fixes = (diagnostic.data as { fixes?: DiagnosticFix[] } | undefined)?.fixes ?? [];
    fixes.forEach((fix, i) => {
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: i === 0,
        edit: { changes: { [params.textDocument.uri]: fix.edits } },
      });
    });
  }
  return actions;
}
