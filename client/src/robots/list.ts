/**
 * The robots of the workspace, merged from where they are written: `jetsonNix.robots` in the
 * settings first, then deploy-rs nodes and colmena hives read statically from each flake.nix, then
 * suggestions from configurations' `networking.hostName` that no robot covers yet. Plain data, no
 * `vscode` import: the view, the commands and the tests all use it.
 */
import * as path from 'node:path';
import type { FlakeRobot, Span } from '../../../server/src/protocol';
import type { RobotSetting } from '../../../server/src/config';
import type { FlakeState } from '../views/flake-items';
import { checkAddress, type RobotAddress } from './ssh';

export type RobotSource = 'settings' | 'deploy-rs' | 'colmena' | 'hostName';

export interface RobotEntry {
  /** Stable across refreshes (the view keeps selection and status by it). */
  id: string;
  name: string;
  source: RobotSource;
  /** Undefined when the host is not known (a colmena node whose module hides it). */
  address?: RobotAddress;
  /** The flake and configuration a deploy builds, when both are known. */
  flakeDir?: string;
  configuration?: string;
  /** deploy-rs or colmena can deploy it (their own node name). */
  tool?: { kind: 'deploy-rs' | 'colmena'; node: string; flakeDir: string };
  /** Found from a host name only: offered, not configured. */
  suggested: boolean;
  /** Why it cannot be reached or deployed as written (one sentence). */
  problem?: string;
  /** Where it is written. */
  location?: { file: string; span: Span };
}

/** The flake a settings robot's `configuration` names: `name`, or `folder#name`. */
function flakeFor(configuration: string, flakes: readonly FlakeState[], workspaceRoot: string | undefined): { flake?: FlakeState; name: string } {
  const hash = configuration.lastIndexOf('#');
  const name = hash < 0 ? configuration : configuration.slice(hash + 1);
  const folder = hash < 0 ? undefined : configuration.slice(0, hash);
  const candidates = flakes.filter((f) => (f.outputs?.configurations ?? []).some((c) => c.name === name) || (f.nix?.configurations && 'names' in f.nix.configurations && f.nix.configurations.names.includes(name)));
  if (folder === undefined) return { flake: candidates[0], name };
  const wanted = workspaceRoot ? path.resolve(workspaceRoot, folder) : folder;
  return { flake: candidates.find((f) => path.resolve(f.dir) === wanted || f.label === folder), name };
}

function withProblem(entry: RobotEntry): RobotEntry {
  if (entry.address) {
    const problem = checkAddress(entry.address);
    if (problem) entry.problem = problem;
  } else {
    entry.problem ??= `The host of ${entry.name} is not written literally in flake.nix, so Jetson Nix cannot reach it.`;
  }
  return entry;
}

function address(name: string, host: string | undefined, user: string | undefined, port: number | undefined): RobotAddress | undefined {
  if (host === undefined) return undefined;
  return { name, host, ...(user !== undefined ? { user } : {}), ...(port !== undefined ? { port } : {}) };
}

function fromSettings(settings: readonly RobotSetting[], flakes: readonly FlakeState[], workspaceRoot: string | undefined): RobotEntry[] {
  return settings.map((r) => {
    const { flake, name } = flakeFor(r.configuration, flakes, workspaceRoot);
    const entry: RobotEntry = { id: `settings\0${r.name}`, name: r.name, source: 'settings', address: address(r.name, r.host, r.user, r.port), configuration: name, suggested: false };
    if (flake) entry.flakeDir = flake.dir;
    else entry.problem = `No flake of the workspace defines nixosConfigurations.${name} (jetsonNix.robots names it for ${r.name}).`;
    return withProblem(entry);
  });
}

function fromFlake(flake: FlakeState, robot: FlakeRobot): RobotEntry {
  const file = path.join(flake.dir, 'flake.nix');
  const entry: RobotEntry = {
    id: `${robot.source}\0${flake.dir}\0${robot.name}`,
    name: robot.name,
    source: robot.source,
    address: address(robot.name, robot.host, robot.user, robot.port),
    tool: { kind: robot.source, node: robot.name, flakeDir: flake.dir },
    suggested: false,
    location: { file, span: robot.span },
  };
  const known = robot.configuration !== undefined && (flake.outputs?.configurations ?? []).some((c) => c.name === robot.configuration);
  if (known) {
    entry.flakeDir = flake.dir;
    entry.configuration = robot.configuration;
  }
  return withProblem(entry);
}

/** Every robot of the workspace, by the order above; a later robot with a name already listed only adds its tool. */
export function workspaceRobots(settings: readonly RobotSetting[], flakes: readonly FlakeState[], workspaceRoot?: string): RobotEntry[] {
  const robots = fromSettings(settings, flakes, workspaceRoot);
  for (const flake of flakes) {
    for (const robot of flake.outputs?.robots ?? []) {
      const same = robots.find((r) => r.name === robot.name);
      if (same) same.tool ??= { kind: robot.source, node: robot.name, flakeDir: flake.dir };
      else robots.push(fromFlake(flake, robot));
    }
  }
  for (const flake of flakes) {
    for (const c of flake.outputs?.configurations ?? []) {
      if (!c.hostName || robots.some((r) => (r.configuration === c.name && r.flakeDir === flake.dir) || r.address?.host === c.hostName || r.name === c.hostName)) continue;
      robots.push(
        withProblem({
          id: `hostName\0${flake.dir}\0${c.name}`,
          name: c.hostName,
          source: 'hostName',
          address: { name: c.hostName, host: c.hostName },
          flakeDir: flake.dir,
          configuration: c.name,
          suggested: true,
          location: { file: path.join(flake.dir, 'flake.nix'), span: c.span },
        }),
      );
    }
  }
  return robots;
}

/** Whether Jetson Nix's own deploy can run for the robot (a reachable address and a configuration). */
export function isDeployable(robot: RobotEntry): boolean {
  return robot.address !== undefined && robot.flakeDir !== undefined && robot.configuration !== undefined && checkAddress(robot.address) === undefined;
}
