/**
 * The extension's view of the build doctor: this machine's facts, gathered once in the background
 * when the extension starts and again on demand, with the extension's own way of running programs
 * (client/src/nix/exec.ts: argument arrays, process groups killed on timeout). No `vscode` import.
 */
import { nixConfigEnv, run, ToolMissingError } from '../nix/exec';
import { capabilityFor, collectHostFacts, type Capability, type HostFacts, type Requirement, type Runner } from '../../../server/src/shared/doctor';

/** exec.ts as the doctor's runner: a timeout is an abort; a program that cannot start is `missing`. */
export function execRunner(cwd: string): Runner {
  return async (file, args, request) => {
    const signal = AbortSignal.timeout(request.timeoutMs);
    try {
      const r = await run(file, args, { cwd, signal, ...(request.env ? { env: request.env } : {}) });
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, timedOut: r.cancelled, missing: false };
    } catch (err) {
      if (err instanceof ToolMissingError) return { exitCode: undefined, stdout: '', stderr: err.message, timedOut: false, missing: true };
      throw err;
    }
  };
}

export interface HostDoctorOptions {
  /** The `nix` executable (setting jetsonNix.nix.executable), read at each refresh. */
  nix: () => string;
  /** Seconds a builder may take to answer (setting jetsonNix.build.builderTimeoutSeconds). */
  pingTimeoutSeconds: () => number;
  cwd: string;
  log: (message: string) => void;
}

/** This machine's facts, cached; `refresh` asks again (a user fixed something, or settings changed). */
export class HostDoctor {
  private pending: Promise<HostFacts> | undefined;

  constructor(private readonly options: HostDoctorOptions) {}

  /** The facts, gathering them the first time. */
  facts(): Promise<HostFacts> {
    return (this.pending ??= this.collect());
  }

  refresh(): Promise<HostFacts> {
    this.pending = this.collect();
    return this.pending;
  }

  /** How this machine builds `requirement`, with fresh facts when the cached ones say it cannot (the user may have just fixed it). */
  async capability(requirement: Requirement): Promise<{ capability: Capability; facts: HostFacts }> {
    let facts = await this.facts();
    let capability = capabilityFor(requirement, facts);
    if (capability.verdict === 'no' || capability.verdict === 'unknown') {
      facts = await this.refresh();
      capability = capabilityFor(requirement, facts);
    }
    return { capability, facts };
  }

  private async collect(): Promise<HostFacts> {
    const started = Date.now();
    const facts = await collectHostFacts({
      nix: this.options.nix(),
      runner: execRunner(this.options.cwd),
      env: nixConfigEnv(),
      pingTimeoutMs: this.options.pingTimeoutSeconds() * 1000,
    });
    this.options.log(`Build setup read in ${Date.now() - started} ms: ${summarize(facts)}`);
    return facts;
  }
}

/** One log line: the system, what else it builds, builders and whether they answered. */
export function summarize(facts: HostFacts): string {
  if (!facts.nix.ok) return facts.nix.error;
  const aarch64 = capabilityFor({ system: 'aarch64-linux', features: [] }, facts);
  const builders = facts.pings.map((p) => `${p.uri} ${p.status}`).join(', ') || 'no builders';
  return `${facts.nix.version}, ${facts.nix.settings.system}, ${facts.nix.storeAccess} store; aarch64-linux: ${aarch64.verdict}; ${builders}`;
}
