/** A failure for a log: the message and, for our own bugs, the stack (logs only, never a popup). */
export function describeFailure(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
