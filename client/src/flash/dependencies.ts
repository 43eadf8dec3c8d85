/**
 * What the flashing flow (flow.ts) is given and what it returns: the questions it asks the user,
 * the services it calls, and its outcome. The extension passes VS Code implementations; tests pass
 * fakes. No `vscode` import.
 */
import type { JetsonDevice } from '../usb/ids';
import type { DeviceSource } from '../usb/monitor';
import type { FlashCandidate, FlashTarget } from './candidates';
import type { FlashObservation } from './outcome';
import type { SomCheck } from './preflight';
import type { Elevation } from './script';

export type FlashStep = 'host' | 'pick-device' | 'pick-configuration' | 'preflight' | 'build' | 'locate-script' | 'confirm' | 'flash';

/** The part of the build machinery's BuildOutcome the flow reads. */
export interface BuildResult {
  ok: boolean;
  cancelled: boolean;
  outPaths: string[];
  message?: string;
}

export interface CandidateChoice {
  candidate: FlashCandidate;
  check: SomCheck;
}

/** A warning the user can only get past by choosing `action` explicitly. */
export interface FlashWarning {
  message: string;
  detail?: string;
  action: string;
}

/** The modal confirmation: what will be written where, and how. */
export interface FlashSummary {
  message: string;
  detail: string;
  action: string;
}

/** The questions the flow asks; each resolves undefined/false when the user dismisses it. */
export interface FlashUi {
  /** Shown while no Jetson is in recovery; resolves true once `appeared` resolves, false if the user gives up. */
  waitForDevice(situation: string, appeared: Promise<void>): Promise<boolean>;
  pickDevice(devices: readonly JetsonDevice[]): Promise<JetsonDevice | undefined>;
  pickCandidate(choices: readonly CandidateChoice[], device: JetsonDevice): Promise<FlashCandidate | undefined>;
  warn(warning: FlashWarning): Promise<boolean>;
  pickScript(scripts: readonly string[]): Promise<string | undefined>;
  confirm(summary: FlashSummary): Promise<boolean>;
  /** What is happening while the script runs. */
  progress(message: string): void;
}

export interface ScriptLaunch {
  /** Absolute path of the flash script. */
  script: string;
  /** A name for the terminal. */
  title: string;
  elevation: Elevation;
  /** Absolute path of `elevation` on the system's PATH (`locateElevation`). */
  elevationPath: string;
}

export interface FlashDependencies {
  devices: DeviceSource;
  /** The configurations and packages that could be flashed onto this device. */
  candidates(device: JetsonDevice): Promise<FlashCandidate[]>;
  host: { platform: string; arch: string };
  elevation: Elevation;
  /**
   * The absolute path of `elevation` on the system's PATH, never in the Nix store (a dev shell's
   * PATH, which terminals get, could ship its own `sudo` to read the password), or undefined.
   */
  locateElevation(): string | undefined;
  /** Builds the flash script; a failure is reported to the user by the build machinery itself. */
  build(target: FlashTarget, signal: AbortSignal): Promise<BuildResult>;
  listDirectory(dir: string): Promise<string[]>;
  /** Runs the script as root; resolves its exit code, or undefined when it ended without one. Aborting stops it. */
  runScript(launch: ScriptLaunch, signal: AbortSignal): Promise<number | undefined>;
  ui: FlashUi;
  log(message: string): void;
  /** Told when a step starts (logging, tests). */
  onStep?(step: FlashStep): void;
}

export interface FlashRequest {
  /** The device chosen in the Devices view (its sysfs port). */
  devicePort?: string;
  /** The configuration chosen in the Jetson view, or a flash script already built. */
  candidate?: FlashCandidate;
}

export interface FlashOutcome {
  status: 'flashed' | 'failed' | 'cancelled' | 'refused';
  step: FlashStep;
  message: string;
  details: string[];
  /** The step already told the user (the build machinery reports its own failures). */
  reported: boolean;
  exitCode?: number;
  device?: JetsonDevice;
  candidate?: FlashCandidate;
  observations?: FlashObservation[];
}
