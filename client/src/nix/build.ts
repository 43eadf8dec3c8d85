/**
 * Runs `nix build` on a flake and reports what a user needs: progress while it runs, the out
 * paths when it succeeds, and errors that point at the workspace files when it fails. The VS Code
 * command (commands/build.ts), the task provider and the flashing flow all build through here.
 * No `vscode` import: tested with plain Node against real Nix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { atLeast, explainNixFailure, nixConfigEnv, nixVersion, run, stripAnsi, ToolMissingError, type NixVersion, type RunResult } from './exec';
import { BuildProgressModel, Level, parseLogLine, storePathName, type BuildProgress } from './progress';
import { locateErrors, parseErrorJson, parseErrorText, primaryError, splitErrors, storeRootsIn, type NixError } from './errors';
import { readBytesSync } from '../../../server/src/shared/safe-read';

export interface BuildOptions {
  /** The `nix` executable (setting `jetsonNix.nix.executable`). */
  nix: string;
  /** The flake's folder; `.#…` installables resolve against it and `result` is created there. */
  cwd: string;
  /** What to build: `.#packages.x86_64-linux.default`, `.#nixosConfigurations.robot.config.system.build.toplevel`… */
  installable: string;
  /** More arguments for `nix build`, one per item (never split or interpreted by a shell). */
  extraArgs?: string[];
  signal?: AbortSignal;
  /** Called as the build advances (at most every 100 ms, and once at the end). */
  onProgress?: (p: BuildProgress) => void;
  /** Every line of the build log, as `nix build -L` would print it. */
  onLogLine?: (line: string) => void;
  /** Extra environment for Nix (tests use it for an offline configuration). */
  env?: Record<string, string | undefined>;
}

export interface BuildOutcome {
  ok: boolean;
  cancelled: boolean;
  /** Every output path built, in Nix's order. */
  outPaths: string[];
  exitCode: number | undefined;
  /** Nix's errors, with positions mapped to workspace files where possible; build errors carry their log tail. */
  errors: NixError[];
  /** One sentence for the user. */
  message: string;
}

/** The oldest Nix with flakes and `nix build --json`. */
const MINIMUM = { major: 2, minor: 4 };
const PROGRESS_INTERVAL_MS = 100;

/** Builds one installable; never throws (a missing `nix` is an outcome with a clear message). */
export async function nixBuild(options: BuildOptions): Promise<BuildOutcome> {
  let version: NixVersion;
  try {
    version = await nixVersion(options.nix, options.cwd, options.env);
  } catch (error) {
    return failed(error instanceof Error ? error.message : String(error));
  }
  if (!atLeast(version, MINIMUM.major, MINIMUM.minor))
    return failed(`Nix ${version.major}.${version.minor} cannot build flakes: Nix ${MINIMUM.major}.${MINIMUM.minor} or newer is needed.`);

  const model = new BuildProgressModel();
  const state: RunState = { jsonErrors: [], plainLines: [], evaluatedFlakes: [], recent: [] };
  let lastProgress = 0;
  const onStderrLine = (line: string) => {
    const event = parseLogLine(line);
    for (const logLine of model.apply(event)) options.onLogLine?.(logLine);
    collect(event, state);
    const now = Date.now();
    if (options.onProgress && now - lastProgress >= PROGRESS_INTERVAL_MS) {
      lastProgress = now;
      options.onProgress(model.snapshot());
    }
  };
  const nixConfig = options.env && 'NIX_CONFIG' in options.env ? options.env.NIX_CONFIG : process.env.NIX_CONFIG;
  let result: RunResult;
  try {
    result = await run(options.nix, buildArgs(options.installable, options.extraArgs), {
      cwd: options.cwd,
      signal: options.signal,
      env: { ...options.env, ...nixConfigEnv(nixConfig) },
      onStderrLine,
      // The log of a whole system can outgrow any buffer: what is needed is collected line by line.
      bufferStderr: false,
    });
  } catch (error) {
    return failed(error instanceof ToolMissingError ? error.message : `nix build could not be started: ${error instanceof Error ? error.message : String(error)}`);
  }
  options.onProgress?.(model.snapshot());
  if (result.cancelled) return { ...failed('The build was cancelled.'), cancelled: true, exitCode: result.exitCode };
  if (result.exitCode === 0)
    return { ok: true, cancelled: false, outPaths: outPathsOf(result.stdout, options.cwd), exitCode: 0, errors: [], message: `Built ${installableLabel(options.installable)}.` };
  return failure(result, state, model, options.cwd);
}

function failed(message: string): BuildOutcome {
  return { ok: false, cancelled: false, outPaths: [], exitCode: undefined, errors: [], message };
}

/** The outcome of a build Nix ended with an error: its errors, located in the workspace, and one sentence about them. */
function failure(result: RunResult, state: RunState, model: BuildProgressModel, flakeDir: string): BuildOutcome {
  const errors = [...state.jsonErrors, ...splitErrors(state.plainLines.join('\n')).map(parseErrorText)];
  for (const error of errors) {
    // internal-json streams the builder's output instead of quoting it in the error: take it from the log.
    if (error.kind === 'build' && error.derivation && !error.logTail) {
      const tail = model.logTail(error.derivation);
      if (tail.length > 0) error.logTail = tail;
    }
  }
  const sourceRoot = gitWorkTree(flakeDir) ?? flakeDir;
  const storeRoots = storeRootsIn(errors).filter((root) => isCopyOfFlake(root, { flakeDir, sourceRoot, evaluatedFlakes: state.evaluatedFlakes }));
  locateErrors(errors, { storeRoots, sourceRoot });
  const fallback = explainNixFailure(state.recent.join('\n')) ?? `nix build stopped with exit code ${result.exitCode ?? result.signal}; the build log has the details.`;
  return { ok: false, cancelled: false, outPaths: [], exitCode: result.exitCode, errors, message: summarize(errors, sourceRoot) ?? fallback };
}

interface RunState {
  jsonErrors: NixError[];
  /** Lines that were not internal-json: errors Nix printed before its logger was set up. */
  plainLines: string[];
  /** `flake.nix` files Nix evaluated, in order (at `-v`): the first is the flake's own copy. */
  evaluatedFlakes: string[];
  /** The last warnings, errors and plain lines, for explaining a failure no error describes. */
  recent: string[];
}

const RECENT_LINES = 200;

function collect(event: ReturnType<typeof parseLogLine>, state: RunState): void {
  if (event.kind === 'text' || (event.kind === 'message' && event.level <= Level.Warn)) {
    state.recent.push(event.text);
    if (state.recent.length > RECENT_LINES) state.recent.shift();
  }
  if (event.kind === 'text') {
    // Only lines from the first `error:` on matter, and Nix prints few plain lines: keep them all once an error began.
    if (state.plainLines.length > 0 || /^error:/.test(stripAnsi(event.text))) state.plainLines.push(event.text);
  } else if (event.kind === 'message') {
    // Level 0 also carries notes ("Try 'nix --help'…"): errors are the messages that say so.
    if (event.level === Level.Error && /^error:/.test(stripAnsi(event.text))) state.jsonErrors.push(parseErrorJson(event.json));
    const evaluated = /^evaluating file '(\/nix\/store\/[^']+\/flake\.nix)'$/.exec(event.text);
    if (evaluated) state.evaluatedFlakes.push(evaluated[1]!);
  }
}

/**
 * The arguments of `nix build`: machine-readable log and result, full traces so errors reach the
 * user's files. Unlike discovery, a build may write flake.lock (no `--no-write-lock-file`): the
 * user asked for it, as with `nix build` in a terminal, and an input added to flake.nix must be
 * locked for the next build to use the same revision. The command says so when flake.lock changed.
 */
export function buildArgs(installable: string, extraArgs: readonly string[] = []): string[] {
  return ['build', installable, '--log-format', 'internal-json', '-v', '--show-trace', '--json', ...extraArgs];
}

/** Out paths from `nix build --json` (`[{drvPath, outputs: {out: …}}]`), else from the `result` link. */
export function outPathsOf(stdout: string, cwd: string): string[] {
  try {
    const parsed: unknown = JSON.parse(stdout);
    if (Array.isArray(parsed)) {
      const paths = parsed.flatMap((item: unknown) => {
        const outputs = typeof item === 'object' && item !== null ? (item as { outputs?: unknown }).outputs : undefined;
        return typeof outputs === 'object' && outputs !== null ? Object.values(outputs).filter((p): p is string => typeof p === 'string') : [];
      });
      if (paths.length > 0) return paths;
    }
  } catch {
    // Not JSON: fall back to the link Nix created.
  }
  try {
    return [fs.realpathSync(path.join(cwd, 'result'))];
  } catch {
    return [];
  }
}

/** The git work tree holding `dir` (Nix copies the whole tree for a flake in a git repository), or undefined. */
export function gitWorkTree(dir: string): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (fs.existsSync(path.join(current, '.git'))) return current;
    if (path.dirname(current) === current) return undefined;
  }
}

/**
 * Whether a store path is the copy of this flake's source (and not, say, nixpkgs, whose copy is also
 * `<hash>-source` and also has a flake.nix): either Nix evaluated the flake.nix in it first, or it
 * holds the same flake.nix as the workspace.
 */
export function isCopyOfFlake(storeRoot: string, where: { flakeDir: string; sourceRoot: string; evaluatedFlakes: readonly string[] }): boolean {
  const relative = path.relative(where.sourceRoot, where.flakeDir);
  const copy = path.join(storeRoot, relative, 'flake.nix');
  if (where.evaluatedFlakes[0] === copy) return true;
  const theirs = readBytesSync(copy, { kind: 'nix' });
  const ours = readBytesSync(path.join(where.flakeDir, 'flake.nix'), { kind: 'nix' });
  return theirs.ok && ours.ok && theirs.value.equals(ours.value);
}

/** One sentence about the most important error, saying where it is when it is in the workspace. */
function summarize(errors: NixError[], sourceRoot: string): string | undefined {
  const error = primaryError(errors);
  if (!error) return undefined;
  if (error.hint) return error.hint;
  const where = error.location ? ` (${path.relative(sourceRoot, error.location.file)}:${error.location.line})` : '';
  const firstLine = error.message.split('\n').find((l) => l.trim() !== '' && !/^Failed assertions:$/.test(l.trim())) ?? error.message;
  switch (error.kind) {
    case 'build': {
      const name = error.derivation ? storePathName(error.derivation) : 'a derivation';
      const last = error.logTail?.filter((l) => l.trim() !== '').at(-1);
      const code = error.exitCode !== undefined ? ` with exit code ${error.exitCode}` : '';
      return `Building ${name} failed${code}${last ? `: ${last.trim()}` : '.'}`;
    }
    case 'dependency':
      return `Dependencies of ${error.derivation ? storePathName(error.derivation) : 'the target'} failed to build.`;
    case 'assertion': {
      // Nix's own `assert` names the condition; NixOS lists the messages of its failed assertions.
      const condition = /^assertion '([\s\S]*)' failed/.exec(error.message);
      return condition ? `The assertion ${condition[1]} failed${where}.` : `A NixOS assertion failed${where}: ${firstLine.replace(/^- /, '')}`;
    }
    default:
      // Without any position, it is Nix refusing the command itself (an unknown attribute or flag).
      return error.position || error.frames.length > 0 ? `Evaluation failed${where}: ${firstLine}` : `nix build: ${firstLine}`;
  }
}

/** The flash scripts the flashing flow runs (jetpack-nixos's `system.build` attributes). */
const SYSTEM_BUILD_FLASH = new Set(['flashScript', 'initrdFlashScript']);

/** Whether an installable builds a flash script: `…system.build.flashScript`, its initrd variant, or a package named `flash-*`. */
export function isFlashInstallable(installable: string): boolean {
  const last = attrPathOf(installable).at(-1) ?? '';
  return SYSTEM_BUILD_FLASH.has(last) || /^flash-/.test(last);
}

/** The arguments of the `nix` task: `nix build <installable> <args…> -L` (full build logs in the terminal). */
export function taskBuildArgs(definition: { installable: string; args?: readonly string[] }): string[] {
  return ['build', definition.installable, ...(definition.args ?? []), '-L'];
}

/** A short name for messages: `.#nixosConfigurations.robot.config.system.build.sdImage` → `robot (sdImage)`. */
export function installableLabel(installable: string): string {
  const attrs = attrPathOf(installable);
  if (attrs[0] === 'nixosConfigurations' && attrs.length >= 2) {
    const built = attrs.slice(2).join('.');
    return built.startsWith('config.system.build.') ? `${attrs[1]} (${built.slice('config.system.build.'.length)})` : attrs[1]!;
  }
  if (attrs[0] === 'packages' && attrs.length === 3) return attrs[2]!;
  return attrs.length > 0 ? attrs.join('.') : installable;
}

/** The attribute path after `#`, with quoted names unquoted: `.#packages."a.b"` → ['packages', 'a.b']. */
export function attrPathOf(installable: string): string[] {
  const hash = installable.indexOf('#');
  const fragment = hash < 0 ? '' : installable.slice(hash + 1);
  return [...fragment.matchAll(/"((?:[^"\\]|\\.)*)"|([^.]+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!));
}

/** One attribute name in an installable, quoted when Nix would not read it bare. */
export function attrSegment(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(name) ? name : `"${name.replace(/["\\]/g, '\\$&')}"`;
}

/** `.#nixosConfigurations.<name>.config.system.build.<attr>`. */
export function configurationInstallable(name: string, buildAttr = 'toplevel'): string {
  return `.#nixosConfigurations.${attrSegment(name)}.config.system.build.${attrSegment(buildAttr)}`;
}

/** `.#packages.<system>.<name>`, or `.#<name>` (Nix picks the current system) when the system is not known. */
export function packageInstallable(name: string, system?: string): string {
  return system ? `.#packages.${attrSegment(system)}.${attrSegment(name)}` : `.#${attrSegment(name)}`;
}

/** What the user typed as a target: a full flake reference is kept, a bare attribute path is made relative to the flake. */
export function normalizeInstallable(typed: string): string {
  const text = typed.trim();
  if (text === '') return '';
  if (text.includes('#') || /^[a-z+]+:/.test(text)) return text;
  return `.#${text.replace(/^\.+/, '')}`;
}
