/**
 * After a `boot` activation: reboot the robot and wait for it to come back, then say which system
 * it booted. A reboot is told from a slow answer by the kernel's boot id. The transient
 * supervisor does not survive a reboot, so if the new system does not come up, the previous
 * generation is still in the boot menu: the message says so. No `vscode` import.
 */
import type { RobotPaths } from '../robots/paths';
import { readStatus, type Privilege } from '../robots/status';
import type { SshSession } from '../robots/ssh';

export interface RebootRequest {
  session: SshSession;
  paths: RobotPaths;
  privilege: Privilege;
  /** The system the robot should boot. */
  expected: string;
  log: (line: string) => void;
  timing?: { pollMs?: number; timeoutSeconds?: number };
}

export interface RebootOutcome {
  result: 'deployed' | 'unknown' | 'rolled-back';
  message: string;
}

export async function rebootAndWait(r: RebootRequest): Promise<RebootOutcome> {
  const name = r.session.address.name;
  const pollMs = r.timing?.pollMs ?? 3000;
  const timeoutSeconds = r.timing?.timeoutSeconds ?? 600;
  const before = await readStatus(r.session, r.paths);
  const bootId = before.ok ? before.status.bootId : undefined;
  const elevate = r.privilege === 'root' ? [] : ['sudo', '-n'];
  // The connection drops as the robot goes down: an SSH failure here is expected.
  await r.session.exec([...elevate, 'systemctl', 'reboot'], { timeoutMs: 30_000 });
  r.log(`[${name}] reboot requested; waiting up to ${Math.round(timeoutSeconds / 60)} minutes for it to come back`);
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const now = await readStatus(r.session, r.paths);
    if (!now.ok || (bootId !== undefined && now.status.bootId === bootId)) continue;
    if (now.status.bootedSystem === r.expected) return { result: 'deployed', message: `${name} rebooted into the new system (${r.expected}).` };
    return {
      result: 'rolled-back',
      message: `${name} rebooted, but into ${now.status.bootedSystem ?? 'an unknown system'} instead of the new one: its boot loader fell back to an older generation. The new generation is still the default; deploy again or roll back.`,
    };
  }
  return { result: 'unknown', message: `${name} did not come back within ${Math.round(timeoutSeconds / 60)} minutes of the reboot. If the new system does not boot, pick the previous generation in the robot's boot menu (serial console).` };
}
