/**
 * The Nix commands of a deploy that talk to the robot's store: `nix copy --to ssh-ng://…` with
 * paths and bytes as progress, and `nix path-info` on either store. Nix runs its own `ssh`; it
 * gets the robot's SSH options (BatchMode, the shared connection, the port) through NIX_SSHOPTS,
 * which Nix splits at white space, so an option with a space in it is refused, not mangled.
 * No `vscode` import.
 */
import { explainNixFailure, nixConfigEnv, run, stripAnsi, ToolMissingError } from '../nix/exec';
import { parseLogLine, ActivityType, ResultType } from '../nix/progress';
import type { SshSession } from '../robots/ssh';
import { parsePathInfo, type PathInfo } from './closure-diff';

export interface NixRemoteOptions {
  nix: string;
  cwd: string;
  session: SshSession;
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
}

/** `ssh-ng://user@host` (the port and the rest go through NIX_SSHOPTS). */
export function storeUri(session: SshSession): string {
  const { user, host } = session.address;
  return `ssh-ng://${user ? `${user}@` : ''}${host}`;
}

/** The environment that makes Nix's ssh use the robot's options; throws when they cannot be carried. */
export function nixSshEnv(session: SshSession, base: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const options = session.commonOptions();
  const spaced = options.find((o) => /\s/.test(o));
  if (spaced) throw new Error(`Nix passes SSH options split at spaces, and "${spaced}" has one: move the file to a path without spaces.`);
  return { ...base, ...nixConfigEnv(base.NIX_CONFIG ?? process.env.NIX_CONFIG), NIX_SSHOPTS: options.join(' ') };
}

/** Explains the store errors a deploy meets most, or returns Nix's last error line. */
export function explainCopyFailure(stderr: string, session: SshSession): string {
  const text = stripAnsi(stderr);
  if (/lacks a valid signature|lacks a signature by a trusted key/.test(text))
    return `${session.address.name} refused paths not signed by a key it trusts: log in as root, or add ${session.address.user ?? 'your SSH user'} to the robot's nix.settings.trusted-users.`;
  if (/cannot connect to socket|cannot connect to daemon/.test(text)) return `Nix on ${session.address.name} has no daemon to talk to (is nix-daemon running there?).`;
  const known = explainNixFailure(text);
  if (known) return known;
  const errors = text.split('\n').filter((l) => /error:/.test(l));
  return (errors.at(-1) ?? text.trim().split('\n').at(-1) ?? 'no message').replace(/^.*?error:\s*/, '');
}

export interface CopyProgress {
  pathsDone: number;
  /** Paths Nix said it will copy (0 until it says). */
  pathsTotal: number;
  bytesDone: number;
  /** Bytes of the paths still missing on the robot, as far as known beforehand. */
  bytesTotal: number;
}

export interface CopyRequest extends NixRemoteOptions {
  storePath: string;
  /** Let the robot fetch what it can from its binary caches itself. */
  substituteOnRobot: boolean;
  /** NAR sizes of the paths that may be copied, for byte progress. */
  sizes: ReadonlyMap<string, number>;
  /** Expected bytes, for the progress total. */
  expectedBytes: number;
  onProgress?: (p: CopyProgress) => void;
  onLogLine?: (line: string) => void;
}

export type CopyOutcome = { ok: true; progress: CopyProgress } | { ok: false; cancelled: boolean; message: string };

/** Copies a closure to the robot's store. Never throws. */
export async function copyToRobot(request: CopyRequest): Promise<CopyOutcome> {
  const progress: CopyProgress = { pathsDone: 0, pathsTotal: 0, bytesDone: 0, bytesTotal: request.expectedBytes };
  const copying = new Map<number, { path: string; done: number }>();
  const args = ['copy', '--to', storeUri(request.session), ...(request.substituteOnRobot ? ['--substitute-on-destination'] : []), request.storePath, '--log-format', 'internal-json', '-v'];
  const onStderrLine = (line: string) => {
    const event = parseLogLine(line);
    if (event.kind === 'start' && event.type === ActivityType.CopyPaths) {
      const n = /copying (\d+) paths/.exec(event.text);
      if (n) progress.pathsTotal = Number(n[1]);
    } else if (event.kind === 'start' && event.type === ActivityType.CopyPath && typeof event.fields[0] === 'string') {
      copying.set(event.id, { path: event.fields[0], done: 0 });
      request.onLogLine?.(event.text);
    } else if (event.kind === 'result' && event.type === ResultType.Progress && copying.has(event.id)) {
      copying.get(event.id)!.done = Number(event.fields[0]) || 0;
    } else if (event.kind === 'stop' && copying.has(event.id)) {
      const copied = copying.get(event.id)!;
      copying.delete(event.id);
      progress.pathsDone++;
      progress.bytesDone += request.sizes.get(copied.path) ?? copied.done;
    } else if (event.kind === 'message' && event.level <= 1) {
      request.onLogLine?.(stripAnsi(event.text));
    } else if (event.kind === 'text' && event.text.trim() !== '') {
      request.onLogLine?.(stripAnsi(event.text));
    } else {
      return;
    }
    const running = [...copying.values()].reduce((s, c) => s + c.done, 0);
    request.onProgress?.({ ...progress, bytesDone: progress.bytesDone + running, bytesTotal: Math.max(progress.bytesTotal, progress.bytesDone + running) });
  };
  try {
    const result = await run(request.nix, args, { cwd: request.cwd, signal: request.signal, env: nixSshEnv(request.session, request.env), onStderrLine });
    if (result.cancelled) return { ok: false, cancelled: true, message: 'The copy was cancelled; the robot keeps running what it ran (paths already copied stay in its store).' };
    if (result.exitCode !== 0) return { ok: false, cancelled: false, message: `Copying to ${request.session.address.name} failed: ${explainCopyFailure(result.stderr, request.session)}` };
    progress.bytesTotal = Math.max(progress.bytesDone, progress.pathsTotal === 0 ? 0 : progress.bytesTotal);
    return { ok: true, progress };
  } catch (error) {
    return { ok: false, cancelled: false, message: error instanceof ToolMissingError || error instanceof Error ? error.message : String(error) };
  }
}

export type PathInfoOutcome = { ok: true; closure: PathInfo[] } | { ok: false; message: string };

/**
 * The closure of a store path with NAR sizes, from the local store or (`session` given) the
 * robot's. A path the store does not have is `{ ok: true, closure: [] }`.
 */
export async function closureInfo(options: Omit<NixRemoteOptions, 'session'> & { session?: SshSession; storePath: string }): Promise<PathInfoOutcome> {
  const store = options.session ? ['--store', storeUri(options.session)] : [];
  let env: Record<string, string | undefined>;
  try {
    env = options.session ? nixSshEnv(options.session, options.env) : { ...options.env, ...nixConfigEnv(options.env?.NIX_CONFIG ?? process.env.NIX_CONFIG) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  try {
    const result = await run(options.nix, ['path-info', ...store, '--recursive', '--json', options.storePath], { cwd: options.cwd, signal: options.signal, env });
    if (result.exitCode === 0) return { ok: true, closure: parsePathInfo(result.stdout) };
    if (/is not valid|does not exist|not a valid store path/i.test(stripAnsi(result.stderr))) return { ok: true, closure: [] };
    const where = options.session ? options.session.address.name : 'the local store';
    return { ok: false, message: `nix path-info on ${where} failed: ${options.session ? explainCopyFailure(result.stderr, options.session) : stripAnsi(result.stderr).trim().split('\n').at(-1)}` };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** `nix store diff-closures a b` in the local store: its output, or undefined when Nix could not. */
export async function localDiffClosures(options: { nix: string; cwd: string; before: string; after: string; env?: Record<string, string | undefined>; signal?: AbortSignal }): Promise<string | undefined> {
  try {
    const env = { ...options.env, ...nixConfigEnv(options.env?.NIX_CONFIG ?? process.env.NIX_CONFIG) };
    const result = await run(options.nix, ['store', 'diff-closures', options.before, options.after], { cwd: options.cwd, env, signal: options.signal });
    return result.exitCode === 0 ? result.stdout : undefined;
  } catch {
    return undefined;
  }
}
