/**
 * Where things are on a robot. On a real robot these are NixOS's and the kernel's fixed paths;
 * only tests move them (the loopback "robot" of the test suite keeps its profile, its
 * /run/current-system, its firmware version and its device tree under a folder of its own), via
 * the environment variable `JETSON_NIX_TEST_ROBOT_PATHS` (JSON). There is deliberately no setting
 * for this: a user never needs it.
 */

export interface RobotPaths {
  /** The system profile `nix-env -p` sets. */
  profile: string;
  /** What is active now. */
  currentSystem: string;
  /** What the robot booted; differs from `currentSystem` when a reboot is pending. */
  bootedSystem: string;
  /** The running L4T firmware version (jetpack-nixos's pre-switch check reads the same file). */
  biosVersion: string;
  /** The module's device-tree compatible strings (NUL-separated). */
  compatible: string;
  /** The module's device-tree model name. */
  model: string;
  /** The kernel's id of this boot: a reboot changes it. */
  bootId: string;
  /** Where free space is measured. */
  nixStore: string;
  /** Where the activation supervisor keeps its state (a tmpfs: cleared at boot). */
  stateDir: string;
}

export const ROBOT_PATHS: Readonly<RobotPaths> = {
  profile: '/nix/var/nix/profiles/system',
  currentSystem: '/run/current-system',
  bootedSystem: '/run/booted-system',
  biosVersion: '/sys/devices/virtual/dmi/id/bios_version',
  compatible: '/proc/device-tree/compatible',
  model: '/proc/device-tree/model',
  bootId: '/proc/sys/kernel/random/boot_id',
  nixStore: '/nix/store',
  stateDir: '/run/jetson-nix',
};

/** The test-only override's name. */
export const TEST_PATHS_VARIABLE = 'JETSON_NIX_TEST_ROBOT_PATHS';

/** The robot paths: NixOS's, or the test suite's when it set `JETSON_NIX_TEST_ROBOT_PATHS`. */
export function robotPaths(env: NodeJS.ProcessEnv = process.env): RobotPaths {
  const raw = env[TEST_PATHS_VARIABLE];
  if (!raw) return { ...ROBOT_PATHS };
  const parsed: unknown = JSON.parse(raw);
  const out: RobotPaths = { ...ROBOT_PATHS };
  for (const key of Object.keys(ROBOT_PATHS) as (keyof RobotPaths)[]) {
    const value = (parsed as Record<string, unknown>)[key];
    if (typeof value === 'string' && value.startsWith('/')) out[key] = value;
  }
  return out;
}
