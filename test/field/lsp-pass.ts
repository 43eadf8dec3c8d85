import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver/node';
import { FieldSession, readText, type SessionOptions } from './lsp-session';
import type { WorkspaceEdit } from './text-edits';

/** A tree to check: a folder, and the name it has in the report. */
export interface Tree {
  name: string;
  root: string;
}

/** A quick fix offered for one of a file's diagnostics. */
export interface FileFix {
  /** Index of the diagnostic in `FileAnalysis.diagnostics`. */
  diagnostic: number;
  title: string;
  edit?: WorkspaceEdit;
  error?: string;
}

/** What the language server said about one file. */
export interface FileAnalysis {
  file: string;
  uri: string;
  diagnostics: Diagnostic[];
  fixes: FileFix[];
  /** The text the server was given, kept where fixes are to be judged. */
  text?: string;
  /** Why the file has no diagnostics (the server failed or timed out). */
  problem?: string;
}

export interface PassOptions extends Omit<SessionOptions, 'root'> {
  /** Servers at once, each taking the next file from one queue. */
  jobs: number;
  progress?: (done: number) => void;
}

/** Opens every file in a server on its tree, with `jobs` servers sharing the files. */
export async function lspPass(tree: Tree, files: string[], options: PassOptions): Promise<{ results: FileAnalysis[]; notes: string[] }> {
  const results: FileAnalysis[] = new Array(files.length);
  const notes: string[] = [];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    let session: FieldSession | undefined;
    try {
      while (next < files.length) {
        const i = next++;
        session ??= await FieldSession.start({ ...options, root: tree.root });
        notes.push(...session.notes.splice(0));
        results[i] = await analyseFile(session, files[i]!);
        // A server that crashed or stopped answering is replaced for the next file.
        if (results[i]!.problem) {
          session.kill();
          session = undefined;
        }
        options.progress?.(++done);
      }
    } finally {
      await session?.dispose();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, files.length)) }, worker));
  return { results, notes };
}

async function analyseFile(session: FieldSession, file: string): Promise<FileAnalysis> {
  const uri = pathToFileURL(file).href;
  let text: string;
  try {
    text = readText(file);
  } catch (err) {
    return { file, uri, diagnostics: [], fixes: [], problem: `cannot read: ${err instanceof Error ? err.message : String(err)}` };
  }
  try {
    const diagnostics = await session.diagnose(uri, text);
    const fixes: FileFix[] = [];
    const seen = new Set<string>();
    for (let d = 0; d < diagnostics.length; d++) {
      for (const fix of await session.quickFixes(uri, diagnostics[d]!)) {
        // One action offered for several diagnostics (by range) is judged once.
        const key = JSON.stringify([fix.title, fix.edit ?? fix.error]);
        if (seen.has(key)) continue;
        seen.add(key);
        fixes.push({ diagnostic: d, ...fix });
      }
    }
    await session.close(uri);
    return { file, uri, diagnostics, fixes, ...(fixes.length > 0 ? { text } : {}) };
  } catch (err) {
    return { file, uri, diagnostics: [], fixes: [], problem: err instanceof Error ? err.message : String(err) };
  }
}
