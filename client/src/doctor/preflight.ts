import type { Context } from '../context';
import { readSettings } from '../config';
import type { BuildTarget } from '../views/flake-items';
import { cacheFindings, explainPlatformMismatch, fixesForSystem, targetOfInstallable, type Capability, type HostFacts, type PlatformMismatch } from '../../../server/src/shared/doctor';
import { offerFixes } from './fixes-ui';
import { flakeOutputsOf, hostDoctor } from './index';

/**
 * The build doctor before Build and Flash: a target this machine cannot build gets one sentence
 * and the fixes that fit this host before anything runs; the user may still build anyway. Cache
 * traps (ROS or CUDA about to compile from source) are said once per flake, without stopping.
 */

export const BUILD_ANYWAY = 'Build Anyway';

/** Resolves true when the build should go ahead. */
export async function preflight(ctx: Context, target: BuildTarget): Promise<boolean> {
  if (!readSettings(ctx.log)['build.preflight']) return true;
  const outputs = await flakeOutputsOf(ctx, target.flakeDir);
  const judged = targetOfInstallable(target.installable, { configurations: outputs?.configurations ?? [], packages: outputs?.packages ?? [] });
  if (!judged.needs) {
    ctx.log.info(`Pre-flight: the system of ${target.installable} is not known statically (${judged.reason}); building`);
    return true;
  }
  const doctor = hostDoctor(ctx);
  let facts: HostFacts | undefined;
  const blocked: Capability[] = [];
  for (const need of judged.needs) {
    const result = await doctor.capability(need);
    facts = result.facts;
    // Without a working Nix the build says so itself ("Nix was not found…"): no platform advice.
    if (!facts.nix.ok) return true;
    ctx.log.info(`Pre-flight: ${target.installable} needs ${need.system}: ${result.capability.verdict} (${result.capability.summary})`);
    if (result.capability.verdict === 'no') blocked.push(result.capability);
  }
  if (facts) warnAboutCaches(ctx, target.flakeDir, outputs?.caches, facts);
  if (blocked.length === 0) return true;
  const first = blocked[0]!;
  const choice = await offerFixes(ctx, {
    message: `This machine cannot build ${target.label}: it needs ${blocked.map((c) => c.system).join(' and ')}.`,
    // A configuration's system was read from its modules: say where, so a wrong reading can be spotted.
    details: [first.summary, ...first.problems, ...(judged.kind === 'package' ? [] : [`Read from flake.nix: ${judged.reason}.`]), ''],
    fixes: fixesForSystem(first.system, facts, { configuration: judged.kind !== 'package' }),
    modal: true,
    severity: 'warning',
    extra: [BUILD_ANYWAY],
    flakeDir: target.flakeDir,
  });
  return choice === BUILD_ANYWAY;
}

const warnedFlakes = new Set<string>();

/** Says once per flake and session what will compile from source for lack of a cache; never blocks. */
function warnAboutCaches(ctx: Context, flakeDir: string, caches: Parameters<typeof cacheFindings>[0], facts: HostFacts): void {
  if (warnedFlakes.has(flakeDir)) return;
  const findings = cacheFindings(caches, facts);
  if (findings.length === 0) return;
  warnedFlakes.add(flakeDir);
  for (const f of findings) ctx.log.warn(`Build setup: ${f.message} ${f.consequence}`);
  const first = findings[0]!;
  void offerFixes(ctx, {
    message: `${first.message} ${first.consequence}${findings.length > 1 ? ` (${findings.length - 1} more in Show Build Setup)` : ''}`,
    details: [],
    fixes: first.fixes,
    modal: false,
    severity: 'warning',
    flakeDir,
  });
}

/** After a build Nix refused for its platform: the doctor's explanation and the fixes, instead of the raw line. */
export async function explainRefusedBuild(ctx: Context, mismatch: PlatformMismatch, target: BuildTarget, extra: readonly string[]): Promise<string | undefined> {
  const facts = await hostDoctor(ctx)
    .refresh()
    .catch(() => undefined);
  const configuration = /#nixosConfigurations\./.test(target.installable);
  const explained = explainPlatformMismatch(mismatch, facts, { configuration });
  ctx.log.info(`Build of ${target.installable}: ${explained.message}`);
  return offerFixes(ctx, { message: explained.message, details: explained.details, fixes: explained.fixes, modal: false, severity: 'error', extra, flakeDir: target.flakeDir });
}
