// Loads syntaxes/nix.tmLanguage.json the way VS Code does (vscode-textmate on the
// vscode-oniguruma WebAssembly regex engine) and renders the tokens of a document
// as readable text, for the grammar snapshot tests.
//
// Snapshot format: every source line is echoed after "> ", followed by one line per
// token: the token text as a JSON string, then "->", then its scopes from outermost
// to innermost without the root "source.nix". Tokens made only of whitespace are
// left out unless they are the content of a string or a comment.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const grammarPath = path.join(repoRoot, 'syntaxes', 'nix.tmLanguage.json');
const onigWasmPath = path.join(repoRoot, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm');

export const ROOT_SCOPE = 'source.nix';

export interface Token {
  text: string;
  /** Scopes from outermost to innermost, without the root scope. */
  scopes: string[];
}

export type TokenizedLine = { line: string; tokens: Token[] };

let onigLibPromise: Promise<vsctm.IOnigLib> | undefined;

/** Loads the oniguruma WebAssembly module once per process. */
export function loadOnigLib(): Promise<vsctm.IOnigLib> {
  if (!onigLibPromise) {
    const wasm = readFileSync(onigWasmPath);
    const bytes = wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength);
    onigLibPromise = oniguruma.loadWASM(bytes).then(() => ({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }));
  }
  return onigLibPromise;
}

/** A fresh grammar read from disk (not cached, so edits to the JSON are picked up). */
export async function loadNixGrammar(): Promise<vsctm.IGrammar> {
  const registry = new vsctm.Registry({
    onigLib: loadOnigLib(),
    loadGrammar: async (scopeName: string) =>
      scopeName === ROOT_SCOPE ? vsctm.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath) : null,
  });
  const grammar = await registry.loadGrammar(ROOT_SCOPE);
  if (!grammar) throw new Error(`could not load ${grammarPath}`);
  return grammar;
}

/** Tokenizes a whole document line by line, carrying the rule stack across lines. */
export function tokenizeDocument(grammar: vsctm.IGrammar, text: string): TokenizedLine[] {
  const lines = text.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
  let state: vsctm.StateStack = vsctm.INITIAL;
  const result: TokenizedLine[] = [];
  for (const line of lines) {
    const { tokens, ruleStack } = grammar.tokenizeLine(line, state);
    state = ruleStack;
    result.push({
      line,
      tokens: tokens.map((t) => ({
        text: line.slice(t.startIndex, t.endIndex),
        scopes: t.scopes.filter((s, i) => !(i === 0 && s === ROOT_SCOPE)),
      })),
    });
  }
  return result;
}

/** Whitespace matters only as the content of a string or a comment (not of an interpolation in one). */
function isInformative(token: Token): boolean {
  if (token.text.trim() !== '') return true;
  const innermost = [...token.scopes].reverse().find((s) => /^(?:string|comment|meta\.embedded)\./.test(s));
  return innermost !== undefined && !innermost.startsWith('meta.embedded.');
}

/** Renders tokenized lines in the snapshot format described at the top of this file. */
export function formatTokens(lines: TokenizedLine[]): string {
  const out: string[] = [];
  for (const { line, tokens } of lines) {
    out.push(line === '' ? '>' : `> ${line}`);
    for (const token of tokens) {
      if (token.text === '' || !isInformative(token)) continue;
      const scopes = token.scopes.length > 0 ? token.scopes.join(' ') : '(source)';
      out.push(`  ${JSON.stringify(token.text).padEnd(24)} -> ${scopes}`);
    }
  }
  return out.join('\n') + '\n';
}

/** Convenience: load the grammar and render a document's tokens. */
export async function tokenizeToText(text: string): Promise<string> {
  const grammar = await loadNixGrammar();
  return formatTokens(tokenizeDocument(grammar, text));
}

// Allows `node --import tsx test/grammar/tokenize.ts file.nix` for a quick look.
if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node --import tsx test/grammar/tokenize.ts <file.nix>');
    process.exit(2);
  }
  tokenizeToText(readFileSync(file, 'utf8')).then(
    (s) => process.stdout.write(s),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
