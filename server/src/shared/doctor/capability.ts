/**
 * Whether this machine's Nix can build derivations of a system, and how: natively, through
 * `extra-platforms` (with the emulator the kernel would use), or on a remote builder that answers.
 * Pure: it judges the facts collect.ts gathered.
 */
import { emulatorFor, type BinfmtEntry } from './binfmt';
import type { BuilderPing, HostFacts } from './facts';
import { isTrustedUser } from './host';
import { machineBuilds, machineHost, type BuildMachine } from './machines';
import { runsNatively } from './systems';

export interface Requirement {
  system: string;
  /** `requiredSystemFeatures` (`big-parallel`, `kvm`…); none for most derivations. */
  features: string[];
}

export type Verdict = 'yes' | 'warn' | 'no' | 'unknown';

export interface Capability extends Requirement {
  verdict: Verdict;
  /** One sentence: how (or why not). */
  summary: string;
  /** Builds on this machine: `native`, `emulated` (extra-platforms with a binfmt emulator), `accepted` (extra-platforms without one). */
  local?: 'native' | 'emulated' | 'accepted';
  emulator?: BinfmtEntry;
  /** Builders declared for the system, and the ones that answered. */
  builders: BuildMachine[];
  answering: BuildMachine[];
  /** What is wrong or risky even when it can build, one sentence each. */
  problems: string[];
}

/** The machines the daemon will use: all of the user's when the user is trusted or there is no daemon, else the system's only. */
export function usableMachines(facts: HostFacts): { machines: BuildMachine[]; ignored: BuildMachine[] } {
  if (!facts.nix.ok) return { machines: [], ignored: [] };
  const trusted = isTrustedUser(facts.user, facts.nix.settings.trustedUsers);
  if (facts.nix.storeAccess !== 'daemon' || trusted) return { machines: facts.machines.machines, ignored: [] };
  const system = facts.systemMachines.machines;
  const ignored = facts.machines.machines.filter((m) => !system.some((s) => s.uri === m.uri));
  return { machines: system, ignored };
}

function pingOf(pings: readonly BuilderPing[], machine: BuildMachine): BuilderPing | undefined {
  return pings.find((p) => p.uri === machine.uri);
}

/** Judges one requirement against the facts. */
export function capabilityFor(requirement: Requirement, facts: HostFacts): Capability {
  const base: Capability = { ...requirement, verdict: 'unknown', summary: '', builders: [], answering: [], problems: [] };
  // Without a working Nix nothing builds here.
  if (!facts.nix.ok) return { ...base, verdict: 'no', summary: `Nothing can be built here: ${facts.nix.error}` };
  const settings = facts.nix.settings;
  const { system, features } = requirement;
  const { machines, ignored } = usableMachines(facts);
  base.builders = machines.filter((m) => machineBuilds(m, system, features, settings.system));
  base.answering = base.builders.filter((m) => pingOf(facts.pings, m)?.status === 'answered');
  const unchecked = base.builders.filter((m) => (pingOf(facts.pings, m)?.status ?? 'not-checked') === 'not-checked');
  for (const m of ignored.filter((m) => machineBuilds(m, system, features, settings.system)))
    base.problems.push(`Your builders setting names ${machineHost(m.uri)}, but the Nix daemon ignores the builders of users it does not trust (${facts.user.name} is not in trusted-users).`);
  for (const m of base.builders.filter((m) => !base.answering.includes(m) && !unchecked.includes(m))) {
    const ping = pingOf(facts.pings, m)!;
    base.problems.push(`The builder ${machineHost(m.uri)} ${ping.status === 'timed-out' ? 'did not answer in time' : `did not answer (${ping.detail})`}.`);
  }

  const accepted = system === settings.system || settings.extraPlatforms.includes(system);
  const featuresOk = features.every((f) => settings.systemFeatures.includes(f));
  const localJobs = settings.maxJobs !== '0';
  const local = accepted && featuresOk && localJobs ? localRoute(system, facts, base) : undefined;
  if (accepted && !featuresOk) base.problems.push(`This machine lacks the system features ${features.filter((f) => !settings.systemFeatures.includes(f)).join(', ')}.`);
  if (accepted && featuresOk && !localJobs) base.problems.push('max-jobs is 0: this machine builds nothing itself.');

  const viaBuilders = base.answering.map((m) => machineHost(m.uri));
  if (local === 'native' || local === 'emulated') {
    const how = local === 'native' ? 'natively' : `by emulation (${base.emulator!.interpreter}; slow)`;
    return { ...base, local, verdict: base.problems.length > 0 && local === 'emulated' ? 'warn' : 'yes', summary: `Builds ${system} ${how}${viaBuilders.length > 0 ? ` and on ${viaBuilders.join(', ')}` : ''}.` };
  }
  if (viaBuilders.length > 0) {
    const extra = local === 'accepted' ? ' (extra-platforms also lists it, but no emulator is registered)' : '';
    return { ...base, ...(local ? { local } : {}), verdict: 'yes', summary: `Builds ${system} on ${viaBuilders.join(', ')}${extra}.` };
  }
  if (local === 'accepted') {
    return { ...base, local, verdict: 'warn', summary: `Nix accepts ${system} builds here (extra-platforms), but no emulator for ${system} programs is registered with the kernel: only builds that run no ${system} program succeed.` };
  }
  if (unchecked.length > 0) {
    return { ...base, verdict: 'unknown', summary: `Only ${unchecked.map((m) => machineHost(m.uri)).join(', ')} could build ${system}, and it was not checked.` };
  }
  return { ...base, verdict: 'no', summary: noRouteSentence(system, settings.system, base) };
}

/** Whether and how the local machine runs the builder's programs, with the emulator's problems. */
function localRoute(system: string, facts: HostFacts, capability: Capability): Capability['local'] {
  const settings = facts.nix.ok ? facts.nix.settings : undefined;
  if (!settings || runsNatively(settings.system, system)) return 'native';
  if (facts.os.kind === 'macos' || facts.os.kind === 'other') return 'accepted';
  const emulator = emulatorFor(facts.binfmt, system);
  if (!emulator) return 'accepted';
  capability.emulator = emulator;
  const sandboxed = settings.sandbox !== 'false';
  const inSandbox = settings.sandboxPaths.some((p) => p.split('=').pop()!.replace(/\?$/, '') === emulator.interpreter || p.split('=')[0] === emulator.interpreter);
  if (sandboxed && !emulator.flags.includes('F') && !inSandbox) {
    capability.problems.push(`The emulator ${emulator.interpreter} is registered without the F flag and is not in sandbox-paths, so builds inside the sandbox cannot start it: add it to extra-sandbox-paths.`);
  }
  return 'emulated';
}

function noRouteSentence(system: string, hostSystem: string, capability: Capability): string {
  const builders = capability.builders.length > 0 ? `its builders for ${system} (${capability.builders.map((m) => machineHost(m.uri)).join(', ')}) do not answer` : `no builder for ${system} is configured`;
  return `This machine cannot build ${system}: its Nix builds ${hostSystem}, ${builders}, and no emulation for ${system} is set up.`;
}
