import { isInside, readText, type ReadResult } from './shared/safe-read';

/** Reads kept in flight while indexing: enough to hide each read's trips to the thread pool. */
const AHEAD = 8;
/** Work done between two turns of the event loop, so that requests are answered while indexing. */
const SLICE_MS = 15;

/** A read that a later read of the same file made obsolete. */
export const STALE = Symbol('stale');

/**
 * How the server's indexes read workspace files: asynchronously (requests are answered between
 * reads), through the safe reader (only regular files, capped, a FIFO never blocks), never
 * through a symbolic link out of the workspace folder (the index is about the workspace), and
 * with the last read of a file winning when it changes twice quickly.
 */
export class WorkspaceReads {
  private readonly latest = new Map<string, number>();
  private started = 0;

  constructor(
    private readonly roots: () => readonly string[],
    private readonly maxBytes: number,
  ) {}

  /** The file's text, or why it was not read, or `STALE` when a later read of it was started meanwhile. */
  async read(file: string): Promise<ReadResult<string> | typeof STALE> {
    const id = ++this.started;
    this.latest.set(file, id);
    const within = this.roots().find((root) => isInside(root, file));
    const result = await readText(file, { maxBytes: this.maxBytes, ...(within ? { within } : {}) });
    if (this.latest.get(file) !== id) return STALE;
    this.latest.delete(file);
    return result;
  }

  /**
   * Reads the files in order, a few ahead, and hands each result to `use` as it comes. A read
   * that is already done resumes this loop without a turn of the event loop, so it yields on its
   * own every `SLICE_MS`.
   */
  async each(files: readonly string[], use: (file: string, result: ReadResult<string>) => void): Promise<void> {
    const pending = files.slice(0, AHEAD).map((f) => this.read(f));
    let next = pending.length;
    let slice = Date.now();
    for (const file of files) {
      const result = await pending.shift()!;
      if (next < files.length) pending.push(this.read(files[next++]!));
      if (result !== STALE) use(file, result);
      if (Date.now() - slice >= SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        slice = Date.now();
      }
    }
  }
}
