import type { RobotStatus } from './status';
import type { SshFailure } from './ssh';

/** What is known of a robot's status: being read, read (with the workspace check when asked), or not readable. */
export type StatusState =
  | { state: 'checking' }
  | { state: 'ok'; status: RobotStatus; at: Date; runsWorkspace?: boolean | 'unknown' }
  | { state: 'failed'; failure: SshFailure; at: Date };
