/**
 * Helpers of the extension-host suite: these run INSIDE VS Code's extension host, next to the
 * extension under test, and see it only through the `vscode` API (no UI, no DOM).
 *
 * Every wait polls until a deadline and, on timeout, says what it waited for and what it saw
 * last: a fixed sleep would be too short on a slow CI machine and wasteful on a fast one.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** The extension's id as `publisher.name` from package.json. */
export const EXTENSION_ID = 'jetson-nix.jetson-nix';

/** The `source` of every diagnostic our language server publishes. */
export const SOURCE = 'jetson-nix';

/** How long the language server may take to start (it loads its WebAssembly parser). */
export const SERVER_TIMEOUT_MS = 60_000;

// Polling is shared with the end-to-end harness (it imports nothing but timers).
import { waitFor, type WaitOptions } from '../../e2e/harness/wait';
export { DEFAULT_TIMEOUT_MS, waitFor, type WaitOptions } from '../../e2e/harness/wait';

/** The workspace folder the suite runs in: a copy of test/e2e/fixtures/workspace. */
export function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open: run the suite with scripts/test-extension-host.mjs');
  return folder;
}

export function fixtureUri(relativePath: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceFolder().uri, ...relativePath.split('/'));
}

/** Opens a fixture file in an editor, as a user would, and checks it got the Nix language. */
export async function openFixture(relativePath: string): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(fixtureUri(relativePath));
  await vscode.window.showTextDocument(document, { preview: false });
  assert.equal(document.languageId, 'nix', `${relativePath} has language ${document.languageId}`);
  assert.equal(document.isDirty, false, `${relativePath} still has unsaved edits of an earlier test`);
  return document;
}

/** A diagnostic reduced to what the tests compare: easy to print in a timeout message. */
export interface Finding {
  code: string;
  severity: string;
  line: number;
  character: number;
  text: string;
  message: string;
}

/** Our diagnostics of `document` (source `jetson-nix`), as findings. */
export function findings(document: vscode.TextDocument): Finding[] {
  return vscode.languages
    .getDiagnostics(document.uri)
    .filter((d) => d.source === SOURCE)
    .map((d) => ({
      code: codeOf(d),
      severity: vscode.DiagnosticSeverity[d.severity],
      line: d.range.start.line,
      character: d.range.start.character,
      text: document.getText(d.range),
      message: d.message,
    }));
}

export function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

/** Waits until our diagnostics of `document` satisfy `accept`, and returns them. */
export function waitForFindings(
  document: vscode.TextDocument,
  what: string,
  accept: (list: Finding[]) => boolean,
  options: WaitOptions = { timeoutMs: SERVER_TIMEOUT_MS },
): Promise<Finding[]> {
  const name = vscode.workspace.asRelativePath(document.uri);
  return waitFor(`${what} in ${name}`, () => findings(document), accept, options);
}

/** The codes of `list`, sorted: `['syntax-error', 'undefined-variable']`. */
export function codes(list: Finding[]): string[] {
  return list.map((f) => f.code).sort();
}

/** The range of the first occurrence of `text` in `document` (after `after`, when given). */
export function rangeOf(document: vscode.TextDocument, text: string, after = ''): vscode.Range {
  const content = document.getText();
  const from = after ? content.indexOf(after) : 0;
  assert.ok(from >= 0, `${JSON.stringify(after)} not found in ${document.uri.fsPath}`);
  const start = content.indexOf(text, from);
  assert.ok(start >= 0, `${JSON.stringify(text)} not found in ${document.uri.fsPath}`);
  return new vscode.Range(document.positionAt(start), document.positionAt(start + text.length));
}

/** Applies one text replacement with a WorkspaceEdit, as an extension (or a refactoring) would. */
export async function replace(document: vscode.TextDocument, range: vscode.Range, newText: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, range, newText);
  assert.ok(await vscode.workspace.applyEdit(edit), `applying ${JSON.stringify(newText)} to ${document.uri.fsPath} failed`);
}

/**
 * Undoes what a test typed: reverts every modified file of the workspace (nothing is saved) and
 * closes all editors, so the next test sees the fixture as it is on disk.
 */
export async function revertAndCloseAll(): Promise<void> {
  for (const document of vscode.workspace.textDocuments) {
    if (!document.isDirty || document.uri.scheme !== 'file') continue;
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitFor(`${vscode.workspace.asRelativePath(document.uri)} to be reverted`, () => document.isDirty, (dirty) => !dirty);
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** The text of a hover's contents (markdown or plain). */
export function hoverText(hovers: readonly vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n---\n');
}

/** The label of a completion item as a string. */
export function labelOf(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

/** The text of our log (the "Jetson Nix" output channel), as VS Code writes it to its logs folder. */
export function logText(): string {
  const dir = process.env.JETSON_NIX_EH_VSCODE_LOGS;
  assert.ok(dir, 'JETSON_NIX_EH_VSCODE_LOGS is not set: run the suite with scripts/test-extension-host.mjs');
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => path.basename(f) === 'Jetson Nix.log');
  return files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
}
