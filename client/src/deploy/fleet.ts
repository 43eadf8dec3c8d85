/**
 * Deploying to several robots: each is prepared (connect, checks, build, what changes) with at
 * most `parallel` robots at once, the builds shared between robots of the same configuration
 * (Nix builds a derivation once), then one confirmation names every robot and what changes on
 * it, and the confirmed robots are copied and activated, again `parallel` at once. In canary mode
 * one robot goes first, and the rest only after it is deployed and the user says so.
 * No `vscode` import.
 */
import { RobotDeploy } from './flow';
import type { DeployDependencies, DeployOutcome, DeployPlan, DeployTarget } from './types';

export interface FleetOptions {
  parallel: number;
  /** Deploy the first robot alone, then ask before the rest. */
  canary: boolean;
  signal: AbortSignal;
  /** Called with each deploy as it starts, so the UI can ask it whether cancelling is still allowed. */
  onDeploy?: (deploy: RobotDeploy) => void;
  /** After the canary: whether to go on with the rest. */
  continueAfterCanary?: (canary: DeployOutcome, rest: DeployPlan[]) => Promise<boolean>;
}

/** Maps `items` through `fn` with at most `limit` calls in flight, keeping the order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** One outcome per robot, in the order of `targets`. */
export async function deployFleet(targets: readonly DeployTarget[], deps: DeployDependencies, options: FleetOptions): Promise<DeployOutcome[]> {
  const deploys = targets.map((t) => new RobotDeploy(t, deps, options.signal));
  deploys.forEach((d) => options.onDeploy?.(d));
  const prepared = await mapLimit(deploys, options.parallel, (d) => d.prepare());
  const outcomes: (DeployOutcome | undefined)[] = prepared.map((p) => ('outPath' in p ? undefined : p));
  const ready = prepared.map((p, i) => ({ plan: p, deploy: deploys[i]!, index: i })).filter((x): x is { plan: DeployPlan; deploy: RobotDeploy; index: number } => 'outPath' in x.plan);
  if (ready.length === 0) return outcomes as DeployOutcome[];
  const confirmed = await deps.ui.confirm(ready.map((r) => r.plan));
  const cancelled = (r: { deploy: RobotDeploy }): DeployOutcome => ({ robot: r.deploy.name, configuration: r.deploy.target.configuration, result: 'cancelled', message: `Not deployed; ${r.deploy.name} was not changed.`, stage: 'confirm' });
  if (!confirmed || options.signal.aborted) {
    for (const r of ready) outcomes[r.index] = cancelled(r);
    return outcomes as DeployOutcome[];
  }
  let rest = ready;
  if (options.canary && ready.length > 1) {
    const [first, ...others] = ready;
    const result = await first!.deploy.apply(first!.plan);
    outcomes[first!.index] = result;
    const goOn = result.result === 'deployed' && !options.signal.aborted && (await (options.continueAfterCanary?.(result, others.map((o) => o.plan)) ?? Promise.resolve(true)));
    if (!goOn) {
      for (const r of others) outcomes[r.index] = { ...cancelled(r), message: `Not deployed: the canary ${first!.deploy.name} ${result.result === 'deployed' ? 'was deployed, and you stopped there' : `ended as "${result.result}"`}; ${r.deploy.name} was not changed.` };
      return outcomes as DeployOutcome[];
    }
    rest = others;
  }
  const applied = await mapLimit(rest, options.parallel, (r) => r.deploy.apply(r.plan));
  rest.forEach((r, i) => (outcomes[r.index] = applied[i]));
  return outcomes as DeployOutcome[];
}

/** One line per robot: "✓ robot-1: deployed — …". */
export function outcomeLine(o: DeployOutcome): string {
  const mark = o.result === 'deployed' || o.result === 'unchanged' ? '✓' : o.result === 'rolled-back' ? '↩' : o.result === 'unknown' ? '?' : o.result === 'cancelled' ? '–' : '✗';
  return `${mark} ${o.robot} (${o.configuration}): ${o.result} — ${o.message}`;
}
