/**
 * The doctor's report: the machine, emulation, builders, caches, and for each output of the flake
 * whether this machine can build it and how, with every problem's fixes. Built by one pure
 * function from the collected facts and the flake's static reading; rendered by render.ts for the
 * CLI (text, JSON) and the extension (Markdown).
 */
import type { FlakeCacheFacts } from '../../protocol';
import type { BinfmtState } from './binfmt';
import { cacheFindings, configuredSubstituterUse, type CacheFinding } from './caches';
import { capabilityFor, usableMachines, type Capability } from './capability';
import type { HostFacts } from './facts';
import { fixesForSystem, trustUserFix, type Fix } from './fixes';
import { isTrustedUser, type HostKind } from './host';
import { machineHost, type BuildMachine } from './machines';
import { FLASH_SYSTEM, flakeTargets, judgeTarget, type FlakeTargets, type TargetVerdict } from './targets';

/** The systems a Jetson developer needs even without a flake: the Jetson's, and the flash tools'. */
export const JETSON_SYSTEM = 'aarch64-linux';

export interface BuilderRow {
  uri: string;
  host: string;
  systems: string[];
  maxJobs: number;
  features: string[];
  /** `builders` or the machines file, with the line. */
  source: string;
  status: 'answered' | 'failed' | 'timed-out' | 'not-checked';
  detail: string;
  /** The daemon ignores it (the user's own builders, and the user is not trusted). */
  ignored: boolean;
}

export interface Problem {
  severity: 'error' | 'warning';
  message: string;
  /** More context: what compiles from source, which builder did not answer… */
  details: string[];
  fixes: Fix[];
}

export interface DoctorReport {
  host: {
    os: string;
    osKind: HostKind;
    user: string;
    /** Whether the Nix daemon trusts the user (undefined when Nix could not be asked). */
    trusted?: boolean;
    nixVersion?: string;
    system?: string;
    extraPlatforms: string[];
    systemFeatures: string[];
    storeAccess?: string;
    /** Why Nix could not be asked. */
    nixError?: string;
  };
  emulation: BinfmtState;
  builders: BuilderRow[];
  substituters: Array<{ url: string; used: boolean; reason?: string }>;
  caches: CacheFinding[];
  systems: Capability[];
  /** The flake's folder, when a flake was checked. */
  flake?: string;
  targets: TargetVerdict[];
  problems: Problem[];
  /** False when an output of the flake cannot be built here (`jetson-nix doctor` then exits 1). */
  buildable: boolean;
}

export interface ReportInput {
  facts: HostFacts;
  flake?: { dir: string; targets: FlakeTargets; caches?: FlakeCacheFacts };
}

export function buildReport(input: ReportInput): DoctorReport {
  const { facts } = input;
  const targets = input.flake ? flakeTargets(input.flake.targets).map((t) => judgeTarget(t, facts)) : [];
  const systemNames = [...new Set([JETSON_SYSTEM, FLASH_SYSTEM, ...targets.flatMap((t) => t.needs?.map((n) => n.system) ?? [])])];
  const systems = systemNames.map((system) => capabilityFor({ system, features: [] }, facts));
  const caches = input.flake ? cacheFindings(input.flake.caches, facts) : [];
  return {
    host: hostSection(facts),
    emulation: facts.binfmt,
    builders: builderRows(facts),
    substituters: facts.nix.ok ? facts.nix.settings.substituters.map((url) => ({ url, ...useOf(url, facts) })) : [],
    caches,
    systems,
    ...(input.flake ? { flake: input.flake.dir } : {}),
    targets,
    problems: problems(facts, systems, targets, caches),
    buildable: !targets.some((t) => t.verdict === 'no'),
  };
}

function useOf(url: string, facts: HostFacts): { used: boolean; reason?: string } {
  const use = configuredSubstituterUse(url, facts);
  return use.used ? { used: true } : { used: false, reason: use.reason };
}

function hostSection(facts: HostFacts): DoctorReport['host'] {
  const base = { os: facts.os.name, osKind: facts.os.kind, user: facts.user.name, extraPlatforms: [] as string[], systemFeatures: [] as string[] };
  if (!facts.nix.ok) return { ...base, nixError: facts.nix.error };
  const { settings } = facts.nix;
  return {
    ...base,
    trusted: isTrustedUser(facts.user, settings.trustedUsers),
    nixVersion: facts.nix.version,
    system: settings.system,
    extraPlatforms: settings.extraPlatforms,
    systemFeatures: settings.systemFeatures,
    storeAccess: facts.nix.storeAccess,
  };
}

function builderRows(facts: HostFacts): BuilderRow[] {
  const { machines, ignored } = usableMachines(facts);
  const row = (m: BuildMachine, isIgnored: boolean): BuilderRow => {
    const ping = facts.pings.find((p) => p.uri === m.uri);
    return {
      uri: m.uri,
      host: machineHost(m.uri),
      systems: m.systems,
      maxJobs: m.maxJobs,
      features: m.supportedFeatures,
      source: m.source === 'builders' ? 'builders' : `${m.source}:${m.line}`,
      status: isIgnored ? 'not-checked' : (ping?.status ?? 'not-checked'),
      detail: isIgnored ? 'ignored by the daemon' : (ping?.detail ?? ''),
      ignored: isIgnored,
    };
  };
  return [...machines.map((m) => row(m, false)), ...ignored.map((m) => row(m, true))];
}

/** Every problem, worst first, each with its fixes; one per system rather than one per output. */
function problems(facts: HostFacts, systems: Capability[], targets: TargetVerdict[], caches: CacheFinding[]): Problem[] {
  const out: Problem[] = [];
  if (!facts.nix.ok) out.push({ severity: 'error', message: facts.nix.error, details: [], fixes: [] });
  const configurationNeeds = new Set(targets.filter((t) => t.kind !== 'package').flatMap((t) => t.needs?.map((n) => n.system) ?? []));
  for (const capability of facts.nix.ok ? systems : []) {
    const blocked = targets.filter((t) => t.capabilities.some((c) => c.system === capability.system && c.verdict === 'no')).map((t) => t.label);
    if (capability.verdict === 'no') {
      const needed = blocked.length > 0 ? [`Needed by ${blocked.join(', ')}.`] : [];
      out.push({ severity: blocked.length > 0 ? 'error' : 'warning', message: capability.summary, details: [...needed, ...capability.problems], fixes: fixesForSystem(capability.system, facts, { configuration: configurationNeeds.has(capability.system) }) });
    } else if (capability.verdict === 'warn') {
      const fixes = capability.local === 'accepted' ? fixesForSystem(capability.system, facts).filter((f) => f.id !== 'remote-builder') : [];
      out.push({ severity: 'warning', message: capability.summary, details: capability.problems, fixes });
    }
  }
  const { ignored } = usableMachines(facts);
  if (ignored.length > 0) {
    out.push({
      severity: 'warning',
      message: `The Nix daemon ignores the builders you set (${ignored.map((m) => machineHost(m.uri)).join(', ')}): ${facts.user.name} is not a trusted user.`,
      details: ['Either trust the user, or declare the machines where the daemon reads them itself (/etc/nix/machines).'],
      fixes: [trustUserFix(facts)],
    });
  }
  for (const finding of caches) out.push({ severity: 'warning', message: finding.message, details: [finding.consequence], fixes: finding.fixes });
  return out.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}
