import { Parser, Language, type Tree, type Edit } from 'web-tree-sitter';
import * as path from 'node:path';
import * as fs from 'node:fs';

/** Where the two WebAssembly files live and where they came from (logged at start). */
export interface GrammarInfo {
  runtimeWasm: string;
  grammarWasm: string;
  provenance: string;
}

let ready: Promise<Language> | undefined;
let loadedInfo: GrammarInfo | undefined;

/**
 * The folder holding `tree-sitter.wasm` and `tree-sitter-nix.wasm`. In the bundles they sit next to
 * the script (`dist/server/`); when running from source (tests with tsx) they come from the build.
 */
export function wasmDirectory(): string {
  const candidates = [__dirname, path.join(__dirname, '..', '..', '..', 'dist', 'server')];
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, 'tree-sitter-nix.wasm'))) return dir;
  }
  throw new Error(
    `tree-sitter-nix.wasm not found next to ${__dirname}; build the project first (npm run build)`,
  );
}

/** Loads web-tree-sitter and the Nix grammar once per process. */
export function loadNixLanguage(dir = wasmDirectory()): Promise<Language> {
  if (!ready) {
    const runtimeWasm = path.join(dir, 'tree-sitter.wasm');
    const grammarWasm = path.join(dir, 'tree-sitter-nix.wasm');
    ready = (async () => {
      await Parser.init({ locateFile: () => runtimeWasm });
      const language = await Language.load(fs.readFileSync(grammarWasm));
      loadedInfo = {
        runtimeWasm,
        grammarWasm,
        provenance:
          'tree-sitter-nix grammar (2023) from @cursorless/tree-sitter-wasms; ABI ' + language.abiVersion,
      };
      return language;
    })();
  }
  return ready;
}

export function grammarInfo(): GrammarInfo | undefined {
  return loadedInfo;
}

/** A parser bound to the Nix grammar. Parsers are cheap; one per document store or worker. */
export async function createNixParser(): Promise<Parser> {
  const language = await loadNixLanguage();
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

export type { Tree, Edit };
