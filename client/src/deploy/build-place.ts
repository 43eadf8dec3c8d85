/**
 * Where a deploy builds the robot's system. Jetsons are aarch64-linux; a laptop is usually
 * x86_64-linux. This machine builds when it can, itself or through the remote builders and
 * emulation (`extra-platforms`) its Nix is set up with; otherwise the robot builds its own
 * system (`nixos-rebuild --build-host` style: Nix evaluates here and builds in the robot's store,
 * and nothing needs copying afterwards).
 *
 * The build doctor (server/src/shared/doctor, issue 15) answers "can this machine build for
 * <system>?": natively, by emulation, or on a remote builder that answers. The deploy asks it
 * through the small `BuildCapability` interface, so tests can pin the answer.
 * No `vscode` import.
 */
import type { Capability, Requirement } from '../../../server/src/shared/doctor';

export type BuildPlaceSetting = 'auto' | 'local' | 'robot';
export type BuildPlace = 'local' | 'robot';

export interface BuildVerdict {
  ok: boolean;
  /** How (`natively`, `through the remote builder …`, `with extra-platforms`) or why not. */
  how: string;
}

/** The question the deploy asks the build doctor. */
export interface BuildCapability {
  canBuild(system: string): Promise<BuildVerdict>;
}

/** What the build doctor's HostDoctor offers (client/src/doctor/host-doctor.ts), as far as the deploy needs it. */
export interface BuildDoctor {
  capability(requirement: Requirement): Promise<{ capability: Capability }>;
}

/** The build doctor as the deploy's BuildCapability: yes (or yes with a warning) builds here. */
export function doctorCapability(doctor: BuildDoctor): BuildCapability {
  return {
    async canBuild(system) {
      const { capability } = await doctor.capability({ system, features: [] });
      return { ok: capability.verdict === 'yes' || capability.verdict === 'warn', how: capability.summary };
    },
  };
}

/** Where to build: the setting, or with `auto` here when this machine can build the system, else on the robot. */
export async function chooseBuildPlace(setting: BuildPlaceSetting, system: string | undefined, capability: BuildCapability): Promise<{ place: BuildPlace; why: string }> {
  if (setting === 'local') return { place: 'local', why: 'jetsonNix.deploy.buildOn is "local"' };
  if (setting === 'robot') return { place: 'robot', why: 'jetsonNix.deploy.buildOn is "robot"' };
  if (system === undefined) return { place: 'local', why: "the configuration's system is not known, so it is built here" };
  const verdict = await capability.canBuild(system);
  const how = verdict.how.replace(/\.$/, '');
  return verdict.ok ? { place: 'local', why: how } : { place: 'robot', why: `${how}; so the robot builds it` };
}
