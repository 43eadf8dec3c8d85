import { CodeActionKind, type CodeAction } from 'vscode-languageserver/node';
import type { FeatureModule } from './host';
import { isDiagnosticCode } from '../analysis/codes';
import { isSuppressible, suppressionFix } from '../analysis/suppressions';
import { nixVisibleText } from '../analysis/check';

/**
 * "Ignore `code` on this line" for each of our diagnostics that a comment can hide: it writes the
 * `# jetson-nix: ignore[code]` comment that `jetson-nix check` honours too. Offered after the real
 * fixes, never as the preferred one.
 */
export const suppressFeature: FeatureModule = {
  name: 'suppress',
  capabilities: () => ({ codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] } }),
  codeActions(doc, params) {
    const actions: CodeAction[] = [];
    const seen = new Set<string>();
    const { text } = nixVisibleText(doc.text);
    for (const diagnostic of params.context.diagnostics) {
      const code = String(diagnostic.code ?? '');
      const published = (diagnostic.data as { version?: number } | undefined)?.version;
      if (diagnostic.source !== 'jetson-nix' || !isDiagnosticCode(code) || !isSuppressible(code)) continue;
      if (published !== undefined && published !== doc.version) continue;
      const key = `${diagnostic.range.start.line}:${code}`;
      const offset = doc.lineIndex.offset(diagnostic.range.start);
      if (seen.has(key) || offset > text.length) continue;
      seen.add(key);
      const fix = suppressionFix(doc.syntaxTree().rootNode, text, doc.lineIndex, offset, code);
      if (!fix) continue;
      const edits = fix.edits.map((e) => ({ range: doc.lineIndex.range(e.start, e.end), newText: e.newText }));
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        edit: { documentChanges: [{ textDocument: { uri: params.textDocument.uri, version: doc.version }, edits }] },
      });
    }
    return actions;
  },
};
