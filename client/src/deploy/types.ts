/**
 * The shapes a deploy passes around: what to deploy where, what the user is asked, and how it
 * ended. Shared by the flow (no `vscode`), its VS Code face and the tests.
 */
import type { RobotPaths } from '../robots/paths';
import type { RobotAddress, SshFailureKind, SshPool } from '../robots/ssh';
import type { RobotStatus } from '../robots/status';
import type { BuildCapability, BuildPlace, BuildPlaceSetting } from './build-place';
import type { ClosureChange, PathInfo } from './closure-diff';
import type { CopyProgress } from './nix-remote';
import type { BuildProgress } from '../nix/progress';
import type { ActivationTiming } from './activate';

/** The stages of one deploy, in order; each is shown in the progress notification and the log. */
export type DeployStage = 'connect' | 'check' | 'build' | 'changes' | 'confirm' | 'copy' | 'activate' | 'reboot';

export const STAGE_TITLES: Record<DeployStage, string> = {
  connect: 'Connect',
  check: 'Jetson checks',
  build: 'Build',
  changes: 'What changes',
  confirm: 'Confirm',
  copy: 'Copy',
  activate: 'Activate',
  reboot: 'Reboot',
};

export interface DeployTarget {
  robot: RobotAddress;
  /** The flake's folder. */
  flakeDir: string;
  /** The attribute name under `nixosConfigurations`. */
  configuration: string;
}

export interface DeploySettings {
  confirmTimeoutSeconds: number;
  buildOn: BuildPlaceSetting;
  substituteOnRobot: boolean;
  /** `switch` activates now; `boot` makes it the boot default, reboots and waits for the robot. */
  action: 'switch' | 'boot';
}

/** A question the user answers before anything changes (a warning that is not a refusal). */
export interface DeployQuestion {
  robot: string;
  message: string;
  /** The button that goes on. */
  proceed: string;
}

/** What the confirmation names: the robot, the configuration, and what will change. */
export interface DeployPlan {
  target: DeployTarget;
  status: RobotStatus;
  outPath: string;
  place: BuildPlace;
  changes: ClosureChange[];
  /** One or two sentences summarising `changes`. */
  changeSummary: string;
  /** Bytes to copy to the robot (estimated from the robot's running system). */
  copyBytes: number;
  /** The new system's closure with NAR sizes (copy progress counts bytes with it). */
  closure: PathInfo[];
  /** Notes the user should see (kept in the log too). */
  notes: string[];
}

export interface DeployUi {
  /** A stage starts or advances. */
  stage(robot: string, stage: DeployStage, message: string): void;
  /** Build and copy progress, for the notification. */
  buildProgress?(robot: string, progress: BuildProgress): void;
  copyProgress?(robot: string, progress: CopyProgress): void;
  /** Seconds left before the robot rolls back, while it waits for the confirmation. */
  countdown?(robot: string, secondsLeft: number | undefined, message: string): void;
  ask(question: DeployQuestion): Promise<boolean>;
  /** The final confirmation before anything is copied or activated; several plans for a fleet. */
  confirm(plans: DeployPlan[]): Promise<boolean>;
  /** Runs SSH interactively (sudo asks for a password there); resolves when it ends. */
  runInTerminal?(title: string, sshArgs: string[]): Promise<void>;
}

export type DeployResult = 'deployed' | 'rolled-back' | 'unknown' | 'failed' | 'refused' | 'cancelled' | 'unchanged';

export interface DeployOutcome {
  robot: string;
  configuration: string;
  result: DeployResult;
  /** One or two sentences: what happened and what to do. */
  message: string;
  /** Where it ended. */
  stage: DeployStage;
  /** The activation's output (switch-to-configuration, the rollback), when it ran. */
  output?: string;
  /** The generation the robot runs now, when known. */
  generation?: number;
  /** The supervisor's transient unit on the robot (`journalctl -u …`). */
  unit?: string;
  /** Set when SSH itself failed (an unknown host key is accepted in a terminal). */
  sshFailure?: SshFailureKind;
}

export interface DeployDependencies {
  nix: string;
  /** Extra environment for Nix (tests: offline settings). */
  env?: Record<string, string | undefined>;
  pool: SshPool;
  paths: RobotPaths;
  settings: DeploySettings;
  capability: BuildCapability;
  ui: DeployUi;
  log: (line: string) => void;
  /** Shorter waits for tests. */
  activationTiming?: Partial<ActivationTiming>;
}
