/**
 * Polling: every wait in the end-to-end tests asks "is the UI in the expected state yet?"
 * until a deadline, and on timeout says what it waited for and what it saw last.
 * A fixed sleep would be either too short on a slow CI machine or waste time on a fast one.
 */

/** Default time the UI gets to reach an expected state. Generous: CI machines have 2 cores. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** How long to keep polling, in milliseconds (default {@link DEFAULT_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Pause between two probes, in milliseconds (default 100). */
  intervalMs?: number;
}

/** Thrown when a wait times out; the message says what was expected and what was last seen. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

/**
 * Calls `probe` until `accept` is true for its result, and returns that result.
 * A probe that throws counts as "not yet" (the element may not exist yet); its last error
 * is reported if the wait times out.
 *
 * @param what    what we wait for, phrased to complete "timed out waiting for …"
 * @param probe   reads the current state (a DOM query, a file, a process list)
 * @param accept  decides whether that state is the expected one
 */
export async function waitFor<T>(
  what: string,
  probe: () => PromiseLike<T> | T,
  accept: (value: T) => boolean,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (accept(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) break;
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  throw new WaitTimeoutError(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last seen: ${describe(last)}`);
}

/** Like {@link waitFor} for a probe that returns a boolean. */
export async function waitUntil(what: string, probe: () => Promise<boolean> | boolean, options?: WaitOptions): Promise<void> {
  await waitFor(what, probe, (ok) => ok, options);
}

/** A promise that resolves after `ms` milliseconds (only for the pause between two probes). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(last: { value: unknown } | { error: unknown } | undefined): string {
  if (last === undefined) return 'nothing (the probe never returned)';
  if ('error' in last) return `error ${last.error instanceof Error ? last.error.message.split('\n')[0] : String(last.error)}`;
  const text = typeof last.value === 'string' ? JSON.stringify(last.value) : JSON.stringify(last.value, null, 0);
  return text === undefined ? String(last.value) : text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
