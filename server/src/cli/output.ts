/**
 * Writing the CLI's output without ever printing a Node stack trace: `jetson-nix check . | head -1`
 * closes the pipe early (EPIPE), `> /dev/full` fails every write (ENOSPC). Both are outcomes to
 * report with an exit status, not crashes.
 */

export type WriteOutcome = 'ok' | 'closed' | { failed: string };

/** What went wrong with stdout, once it has: later writes are skipped. */
let stdoutState: WriteOutcome = 'ok';

function describe(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOSPC') return 'no space left on the device';
  return err.code ? `${err.code}: ${err.message}` : err.message;
}

function record(err: NodeJS.ErrnoException): void {
  if (stdoutState !== 'ok') return;
  stdoutState = err.code === 'EPIPE' ? 'closed' : { failed: describe(err) };
}

/**
 * Installs the handlers once: an error on stdout is recorded (not thrown), and an error on stderr
 * is ignored (there is nowhere left to say anything).
 */
export function guardOutput(): void {
  process.stdout.on('error', record);
  process.stderr.on('error', () => undefined);
}

/** Writes to stdout and resolves when the data is handed over or the stream has failed. */
export function writeOut(text: string): Promise<WriteOutcome> {
  if (stdoutState !== 'ok' || text === '') return Promise.resolve(stdoutState);
  return new Promise((resolve) => {
    try {
      process.stdout.write(text, (err) => {
        if (err) record(err);
        resolve(stdoutState);
      });
    } catch (err) {
      // A synchronous stream (a file) can throw from write itself.
      record(err as NodeJS.ErrnoException);
      resolve(stdoutState);
    }
  });
}

/** Writes a line to stderr, never throwing. */
export function writeErr(line: string): void {
  try {
    process.stderr.write(line.endsWith('\n') ? line : `${line}\n`);
  } catch {
    // stderr is gone too: nothing left to tell.
  }
}
