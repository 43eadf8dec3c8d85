/**
 * Reads Nix's `--log-format internal-json` output (`@nix {…}` lines on stderr) into a progress
 * model a user can trust: derivations built out of the total known so far, what is building now
 * and in which phase, bytes fetched from binary caches, elapsed time, and the tail of each
 * derivation's build log. Nix sends events out of order at times (a result before its activity
 * starts, a stop for an activity never started), totals that shrink, and lines cut short when
 * the process is killed; none of that may throw or make the numbers go wrong.
 *
 * Activity and result type numbers are Nix's (`ActivityType`/`ResultType` in its logging.hh).
 * No `vscode` import: tested with plain Node on recorded logs.
 */
import { stripAnsi } from './exec';
import { machineHost } from '../../../server/src/shared/doctor';

/** Nix's activity types that the model understands; others are kept but do not count. */
export const ActivityType = {
  Unknown: 0,
  CopyPath: 100,
  FileTransfer: 101,
  CopyPaths: 103,
  Builds: 104,
  Build: 105,
  Substitute: 108,
} as const;

/** Nix's result types. */
export const ResultType = {
  BuildLogLine: 101,
  SetPhase: 104,
  Progress: 105,
  SetExpected: 106,
  PostBuildLogLine: 107,
} as const;

export type Field = string | number;

/** One line of Nix's stderr, decoded. */
export type LogEvent =
  | { kind: 'start'; id: number; type: number; text: string; fields: Field[]; level: number }
  | { kind: 'stop'; id: number }
  | { kind: 'result'; id: number; type: number; fields: Field[] }
  | { kind: 'message'; level: number; text: string; json: Record<string, unknown> }
  /** A line that is not internal-json (plain output, or a JSON line cut short). */
  | { kind: 'text'; text: string };

/** Nix's verbosity levels (`lvlError` … `lvlVomit`). */
export const Level = { Error: 0, Warn: 1, Notice: 2, Info: 3, Talkative: 4, Chatty: 5, Debug: 6, Vomit: 7 } as const;

const PREFIX = '@nix ';

/** Decodes one stderr line. Never throws: anything that is not a well-formed event is `text`. */
export function parseLogLine(line: string): LogEvent {
  if (!line.startsWith(PREFIX)) return { kind: 'text', text: line };
  let value: unknown;
  try {
    value = JSON.parse(line.slice(PREFIX.length));
  } catch {
    return { kind: 'text', text: line };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'text', text: line };
  const json = value as Record<string, unknown>;
  const id = typeof json.id === 'number' ? json.id : undefined;
  const fields = Array.isArray(json.fields) ? json.fields.filter((f): f is Field => typeof f === 'string' || typeof f === 'number') : [];
  switch (json.action) {
    case 'start':
      if (id === undefined) break;
      return {
        kind: 'start',
        id,
        type: typeof json.type === 'number' ? json.type : ActivityType.Unknown,
        text: typeof json.text === 'string' ? json.text : '',
        fields,
        level: typeof json.level === 'number' ? json.level : Level.Info,
      };
    case 'stop':
      if (id === undefined) break;
      return { kind: 'stop', id };
    case 'result':
      if (id === undefined || typeof json.type !== 'number') break;
      return { kind: 'result', id, type: json.type, fields };
    case 'msg':
      if (typeof json.msg !== 'string') break;
      return { kind: 'message', level: typeof json.level === 'number' ? json.level : Level.Info, text: json.msg, json };
  }
  return { kind: 'text', text: line };
}

/** `/nix/store/<hash>-camera-driver-1.2.drv` → `camera-driver-1.2`. */
export function storePathName(storePath: string): string {
  const base = storePath.slice(storePath.lastIndexOf('/') + 1).replace(/\.drv$/, '');
  const match = /^[0-9a-z]{32}-(.+)$/.exec(base);
  return match ? match[1]! : base;
}

export interface Counts {
  done: number;
  /** Never below `done + running + failed`, however far Nix's own estimate drops. */
  total: number;
  running: number;
  failed: number;
}

export interface RunningActivity {
  kind: 'build' | 'substitute';
  /** The derivation or store path name, without hash. */
  name: string;
  /** The store path (`.drv` for a build). */
  path: string;
  /** The build phase (`unpackPhase`, `buildPhase`…) when the builder reports one. */
  phase?: string;
  /** The remote builder it runs on (`orin-01`), when not this machine. */
  machine?: string;
}

export interface BuildProgress {
  builds: Counts;
  /** Store paths fetched from a binary cache. */
  substitutions: Counts;
  /** Bytes downloaded from binary caches (compressed) out of the bytes expected, when any. */
  download: { done: number; total: number };
  /** Bytes unpacked into the local store out of those expected. */
  unpack: { done: number; total: number };
  /** What runs now, most recently started first. */
  running: RunningActivity[];
  /** 0…1 over builds and substitutions together, or undefined before anything is known. */
  fraction: number | undefined;
  elapsedMs: number;
}

interface Activity {
  id: number;
  type: number;
  text: string;
  fields: Field[];
  /** Last `[done, expected, running, failed]` for activities that report progress. */
  progress?: [number, number, number, number];
  /** `SetExpected` results by the activity type they announce. */
  expected: Map<number, number>;
  phase?: string;
  order: number;
  /** A build's machine: the store URI Nix names (`ssh-ng://nix@orin-01`), empty for a local build. */
  machine?: string;
  /**
   * Forwarded from a remote builder's own Nix while it builds for us (it repeats the build and its
   * own totals): kept for its log lines and phases, left out of the counts and the running list.
   */
  nested?: boolean;
}

/** Lines kept per derivation for "the last lines of its log". */
const LOG_TAIL = 40;
/** Results of activities not (yet) started that are kept for replay: bounded against a runaway stream. */
const PENDING_LIMIT = 10_000;

/**
 * The state of one `nix build`, fed event by event. `apply` returns the human-readable lines the
 * event adds to the build log (what `nix build -L` would print), so the log and the model agree.
 */
export class BuildProgressModel {
  private readonly active = new Map<number, Activity>();
  /** Activities that ended, kept for their final counts (aggregates count every activity ever seen). */
  private readonly finished: Activity[] = [];
  private readonly pending = new Map<number, Extract<LogEvent, { kind: 'result' }>[]>();
  private pendingCount = 0;
  /** Stops that arrived before their start: the start is then applied and stopped at once. */
  private readonly stoppedEarly = new Set<number>();
  private readonly tails = new Map<string, string[]>();
  private readonly startedAt: number;
  private order = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  /** Applies one decoded line; returns the log lines it produces (possibly none). */
  apply(event: LogEvent): string[] {
    switch (event.kind) {
      case 'start':
        return this.start(event);
      case 'stop':
        return this.stop(event.id);
      case 'result':
        return this.result(event);
      case 'message':
        // `-v` adds chatter ("evaluating file …") the caller may read, but the log keeps what `nix build` shows.
        return event.level <= Level.Info ? [stripAnsi(event.text)] : [];
      case 'text':
        return event.text === '' ? [] : [stripAnsi(event.text)];
    }
  }

  /** Convenience: decode and apply one stderr line. */
  applyLine(line: string): string[] {
    return this.apply(parseLogLine(line));
  }

  /** The last lines a derivation's builder printed (kept after the build ended). */
  logTail(drvPath: string): string[] {
    return [...(this.tails.get(drvPath) ?? [])];
  }

  /** Derivations that printed build log lines, in the order they first did. */
  loggedDerivations(): string[] {
    return [...this.tails.keys()];
  }

  snapshot(): BuildProgress {
    const all = [...this.finished, ...this.active.values()];
    const builds = this.counts(all, ActivityType.Builds);
    const substitutions = this.counts(all, ActivityType.CopyPaths);
    const work = builds.total + substitutions.total;
    const running = [...this.active.values()]
      .filter((a) => (a.type === ActivityType.Build || a.type === ActivityType.Substitute) && !a.nested)
      .sort((a, b) => b.order - a.order)
      .map((a): RunningActivity => {
        const storePath = typeof a.fields[0] === 'string' ? a.fields[0] : '';
        const kind = a.type === ActivityType.Build ? 'build' : 'substitute';
        return { kind, name: storePath ? storePathName(storePath) : a.text, path: storePath, ...(a.phase ? { phase: a.phase } : {}), ...(a.machine ? { machine: machineHost(a.machine) } : {}) };
      });
    // Small paths finish without a byte report; once every path is fetched, so is every byte.
    const allFetched = substitutions.total > 0 && substitutions.done >= substitutions.total;
    return {
      builds,
      substitutions,
      download: this.bytes(all, ActivityType.FileTransfer, allFetched),
      unpack: this.bytes(all, ActivityType.CopyPath, allFetched),
      running,
      fraction: work > 0 ? Math.min(1, (builds.done + builds.failed + substitutions.done) / work) : undefined,
      elapsedMs: Math.max(0, this.now() - this.startedAt),
    };
  }

  private start(event: Extract<LogEvent, { kind: 'start' }>): string[] {
    const previous = this.active.get(event.id);
    if (previous) this.retire(previous);
    const activity: Activity = {
      id: event.id,
      type: event.type,
      text: event.text,
      fields: event.fields,
      expected: new Map(),
      order: this.order++,
    };
    const machine = event.type === ActivityType.Build ? event.fields[1] : undefined;
    if (typeof machine === 'string' && machine !== '') activity.machine = machine;
    else if (this.isForwarded(event.type)) activity.nested = true;
    this.active.set(event.id, activity);
    const lines = event.text && event.level <= Level.Info ? [stripAnsi(event.text)] : [];
    const early = this.pending.get(event.id);
    if (early) {
      this.pending.delete(event.id);
      this.pendingCount -= early.length;
      for (const result of early) lines.push(...this.result(result));
    }
    if (this.stoppedEarly.delete(event.id)) lines.push(...this.stop(event.id));
    return lines;
  }

  private stop(id: number): string[] {
    const activity = this.active.get(id);
    if (!activity) {
      // Either a stop for an activity that has not started yet, or one we never see start: remember it either way.
      this.stoppedEarly.add(id);
      this.dropPending(id);
      return [];
    }
    this.active.delete(id);
    // A transfer that ended is complete: its last progress report may fall a few KiB short.
    if (activity.progress && (activity.type === ActivityType.CopyPath || activity.type === ActivityType.FileTransfer))
      activity.progress[0] = Math.max(activity.progress[0], activity.progress[1]);
    this.retire(activity);
    return [];
  }

  private retire(activity: Activity): void {
    // Only activities with counts matter after they end; the rest would only grow the list.
    if (activity.progress || activity.expected.size > 0) this.finished.push(activity);
  }

  private result(event: Extract<LogEvent, { kind: 'result' }>): string[] {
    const activity = this.active.get(event.id);
    if (!activity) {
      if (this.stoppedEarly.has(event.id) || this.pendingCount >= PENDING_LIMIT) return [];
      const list = this.pending.get(event.id) ?? [];
      list.push(event);
      this.pending.set(event.id, list);
      this.pendingCount++;
      return [];
    }
    const [first, second] = event.fields;
    switch (event.type) {
      case ResultType.BuildLogLine:
      case ResultType.PostBuildLogLine: {
        if (typeof first !== 'string') return [];
        const line = stripAnsi(first);
        this.remember(activity, line);
        return [`${this.prefix(activity)}${line}`];
      }
      case ResultType.SetPhase:
        if (typeof first !== 'string') return [];
        activity.phase = first;
        // The remote builder reports the phase on its own (forwarded) activity: show it on ours.
        if (activity.nested) for (const a of this.remoteBuilds()) if (a.fields[0] === activity.fields[0]) a.phase = first;
        return [`${this.prefix(activity)}running ${first}`];
      case ResultType.Progress: {
        const numbers = event.fields.slice(0, 4).map((f) => (typeof f === 'number' && Number.isFinite(f) && f >= 0 ? f : 0));
        while (numbers.length < 4) numbers.push(0);
        activity.progress = numbers as [number, number, number, number];
        return [];
      }
      case ResultType.SetExpected:
        if (typeof first === 'number' && typeof second === 'number' && second >= 0) activity.expected.set(first, second);
        return [];
      default:
        return [];
    }
  }

  /** Builds running on a remote machine now. */
  private remoteBuilds(): Activity[] {
    return [...this.active.values()].filter((a) => a.type === ActivityType.Build && a.machine !== undefined);
  }

  /**
   * While a remote build runs, the remote Nix's own activities are forwarded to us (Nix 2.8's
   * internal-json carries no parent): a new set of build totals, path copies, and the same build
   * again on "this" machine. Those would count every remote derivation twice.
   */
  private isForwarded(type: number): boolean {
    return (type === ActivityType.Builds || type === ActivityType.CopyPaths || type === ActivityType.Build) && this.remoteBuilds().length > 0;
  }

  private dropPending(id: number): void {
    const list = this.pending.get(id);
    if (!list) return;
    this.pending.delete(id);
    this.pendingCount -= list.length;
  }

  private remember(activity: Activity, line: string): void {
    const drv = typeof activity.fields[0] === 'string' ? activity.fields[0] : `activity ${activity.id}`;
    const tail = this.tails.get(drv) ?? [];
    tail.push(line);
    if (tail.length > LOG_TAIL) tail.splice(0, tail.length - LOG_TAIL);
    this.tails.set(drv, tail);
  }

  private prefix(activity: Activity): string {
    const storePath = activity.fields[0];
    return typeof storePath === 'string' && storePath.startsWith('/') ? `${storePathName(storePath)}> ` : '';
  }

  /**
   * Aggregates the `[done, expected, running, failed]` of every activity of one type (Nix may run
   * several `builds` activities, e.g. import-from-derivation before the main build), and takes the
   * larger of that and what a `realise` activity announced with SetExpected. The total never drops
   * below what is done, running or failed.
   */
  private counts(all: Activity[], type: number): Counts {
    let done = 0;
    let expected = 0;
    let running = 0;
    let failed = 0;
    let announced = 0;
    for (const a of all) {
      if (a.nested) continue;
      if (a.type === type && a.progress) {
        done += a.progress[0];
        expected += a.progress[1];
        running += a.progress[2];
        failed += a.progress[3];
      }
      announced += a.expected.get(type) ?? 0;
    }
    // Nix announces builds on the realise activity only in recent versions; the builds activity wins when it reports.
    const estimate = expected > 0 ? expected : announced;
    return { done, running, failed, total: Math.max(estimate, done + running + failed) };
  }

  private bytes(all: Activity[], type: number, complete: boolean): { done: number; total: number } {
    let done = 0;
    let expected = 0;
    let announced = 0;
    for (const a of all) {
      if (a.type === type && a.progress) {
        done += a.progress[0];
        expected += a.progress[1];
      }
      announced += a.expected.get(type) ?? 0;
    }
    const total = Math.max(expected, announced, done);
    return { done: complete ? total : done, total };
  }
}

/**
 * One line for a progress notification: "1/3 built · 0/2 fetched (12.0/40.0 MiB) · camera-driver (buildPhase) · 1:05".
 * Parts without information are left out rather than shown as zeros.
 */
export function describeProgress(p: BuildProgress): string {
  const parts: string[] = [];
  if (p.builds.total > 0) parts.push(`${p.builds.done}/${p.builds.total} built${p.builds.failed > 0 ? `, ${p.builds.failed} failed` : ''}`);
  // Downloads from an HTTP cache report their bytes; a file:// or local cache only reports what it unpacks.
  const transfer = p.download.done > 0 ? p.download : p.unpack;
  const bytes = transfer.total > 0 && transfer.done < transfer.total ? formatBytes(transfer.done, transfer.total) : undefined;
  if (p.substitutions.total > 0) parts.push(`${p.substitutions.done}/${p.substitutions.total} fetched${bytes ? ` (${bytes})` : ''}`);
  else if (bytes) parts.push(bytes);
  const current = p.running[0];
  if (current) {
    const more = p.running.length > 1 ? ` +${p.running.length - 1}` : '';
    const where = current.machine ? ` on ${current.machine}` : '';
    parts.push(current.kind === 'build' ? `${current.name}${where}${current.phase ? ` (${current.phase})` : ''}${more}` : `fetching ${current.name}${more}`);
  }
  parts.push(formatElapsed(p.elapsedMs));
  return parts.join(' · ');
}

/** `1536, 41943040` → `0.0/40.0 MiB` (both in the larger number's unit). */
export function formatBytes(done: number, total: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  while (unit < units.length - 1 && total >= 1024 ** (unit + 1)) unit++;
  const scale = 1024 ** unit;
  const digits = unit === 0 ? 0 : 1;
  return `${(done / scale).toFixed(digits)}/${(total / scale).toFixed(digits)} ${units[unit]}`;
}

/** `65000` → `1:05`; `3725000` → `1:02:05`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
