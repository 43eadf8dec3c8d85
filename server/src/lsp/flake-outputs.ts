import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Node, Parser, Tree } from 'web-tree-sitter';
import type { FeatureModule, ServerHost } from './host';
import { FLAKE_OUTPUTS, type FlakeOutputs, type FlakeOutputsParams } from '../protocol';
import { readFlakeOutputs } from '../flake/outputs';
import type { ModuleFiles } from '../flake/configuration';
import { nixVisibleText } from '../analysis/check';
import { readTextSync } from '../shared/safe-read';
import { createNixParser } from '../parse/parser';
import { bundledIndex } from '../schema/bundled';
import { describeFailure } from '../util/errors';

/** What one request reads from disk at most, all files together (each is also under the size limit). */
const REQUEST_BYTES = 16 * 1024 * 1024;

/**
 * Files of one request: the open document's text when the file is open in the editor (it may be
 * unsaved), the file on disk otherwise. Trees parsed here are freed when the request is done.
 *
 * The request needs the modules flake.nix names, so it reads them in place, synchronously: only
 * regular files (a module named `/dev/zero` or a FIFO is refused without blocking), each under
 * the editor's size limit, and no more than `REQUEST_BYTES` in all.
 */
class RequestFiles implements ModuleFiles {
  private readonly trees = new Map<string, Tree | undefined>();
  private bytes = 0;

  constructor(
    private readonly parser: Parser,
    private readonly host: ServerHost,
  ) {}

  /** The text of a file, or undefined when it is missing, not a regular file, a folder without default.nix, or over a limit. */
  text(file: string): string | undefined {
    const limit = this.host.settings()['diagnostics.maxFileSizeKb'] * 1024;
    const open = this.host.document(pathToFileURL(file).href);
    if (open) return open.text.length <= limit ? open.text : undefined;
    try {
      if (fs.statSync(file).isDirectory()) return this.text(path.join(file, 'default.nix'));
    } catch {
      return undefined;
    }
    const read = readTextSync(file, { maxBytes: Math.min(limit, REQUEST_BYTES - this.bytes) });
    if (!read.ok) return undefined;
    this.bytes += read.size;
    return read.value;
  }

  parse(file: string): Node | undefined {
    if (!this.trees.has(file)) {
      const text = this.text(file);
      this.trees.set(file, text === undefined ? undefined : (this.parser.parse(nixVisibleText(text).text) ?? undefined));
    }
    return this.trees.get(file)?.rootNode;
  }

  dispose(): void {
    for (const tree of this.trees.values()) tree?.delete();
    this.trees.clear();
  }
}

let parser: Promise<Parser> | undefined;

/** What a flake.nix declares, for the Jetson view: answered from the syntax alone, nothing is evaluated. */
async function flakeOutputs(params: FlakeOutputsParams, host: ServerHost): Promise<FlakeOutputs | null> {
  if (!params.uri.startsWith('file:')) return null;
  const file = fileURLToPath(params.uri);
  const files = new RequestFiles(await (parser ??= createNixParser()), host);
  try {
    const open = host.document(params.uri);
    const withinLimit = open && open.text.length <= host.settings()['diagnostics.maxFileSizeKb'] * 1024;
    // An open document's tree is its own (kept and updated incrementally); a file from disk is parsed for this request.
    const root = withinLimit ? open.syntaxTree().rootNode : files.parse(file);
    const text = withinLimit ? open.text : files.text(file);
    if (!root || text === undefined) return null;
    return readFlakeOutputs(root, nixVisibleText(text).text, { file, files, index: bundledIndex() });
  } catch (err) {
    host.connection.console.error(`Reading the outputs of ${file} failed: ${describeFailure(err)}`);
    return null;
  } finally {
    files.dispose();
  }
}

/** `jetsonNix/flakeOutputs`: the static half of the Jetson view's flake discovery. */
export const flakeOutputsFeature: FeatureModule = {
  name: 'flake-outputs',
  capabilities: () => ({}),
  register(host) {
    host.connection.onRequest(FLAKE_OUTPUTS, (params: FlakeOutputsParams) => flakeOutputs(params, host));
  },
};
