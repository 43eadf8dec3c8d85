/**
 * What the Robots section shows for each robot, as plain data: the robot's row (its status in a
 * few words) and, once its status is read, one row per fact (what it runs and since when, a
 * pending reboot, firmware, module, free space, how it logs in). No `vscode` import.
 */
import type { RobotEntry } from '../robots/list';
import { isDeployable } from '../robots/list';
import { moduleOfCompatible } from '../robots/som';
import type { RobotStatus } from '../robots/status';
import type { StatusState } from '../robots/service-state';
import { describeAddress } from '../robots/ssh';

export interface RobotRow {
  id: string;
  label: string;
  description?: string;
  tooltip: string;
  icon: string;
  /** `robot` plus `.deployable`, `.tool`, `.reachable`, `.suggested`, matched by package.json's menus. */
  contextValue: string;
  children?: RobotRow[];
}

const SOURCES: Record<RobotEntry['source'], string> = {
  settings: 'jetsonNix.robots',
  'deploy-rs': 'deploy-rs node in flake.nix',
  colmena: 'colmena node in flake.nix',
  hostName: 'suggested by networking.hostName',
};

/** The store path's name without its hash: `nixos-system-robot-1-25.05.2`. */
export function systemName(storePath: string | undefined): string {
  return storePath ? storePath.replace(/^\/nix\/store\/[0-9a-z]{32}-/, '') : 'unknown';
}

function size(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}

function login(s: RobotStatus): string {
  switch (s.privilege) {
    case 'root':
      return `${s.user} (root)`;
    case 'sudo':
      return `${s.user} (sudo without a password)`;
    case 'sudo-password':
      return `${s.user} (sudo asks for a password: typed in a terminal when deploying)`;
    default:
      return `${s.user} (not root, no sudo: cannot deploy)`;
  }
}

function detailRows(robot: RobotEntry, s: RobotStatus, runsWorkspace: boolean | 'unknown' | undefined): RobotRow[] {
  const row = (key: string, label: string, description: string, icon: string, tooltip = `${label}: ${description}`): RobotRow => ({ id: `${robot.id}\0${key}`, label, description, tooltip, icon, contextValue: 'robot.detail' });
  const generation = s.generation ? `generation ${s.generation.number}${s.generation.date ? `, ${s.generation.date.toISOString().slice(0, 16).replace('T', ' ')}` : ''}` : 'no generation';
  const rows = [row('current', 'Runs', `${systemName(s.currentSystem)} (${generation})`, 'server-process', `Runs ${s.currentSystem ?? 'nothing known'}\n${generation}`)];
  if (s.rebootPending) rows.push(row('booted', 'Booted', `${systemName(s.bootedSystem)} — reboot pending`, 'debug-restart', `Booted ${s.bootedSystem}: the kernel, initrd or firmware of the current system take effect at the next reboot.`));
  const module = moduleOfCompatible(s.compatible);
  rows.push(row('firmware', 'Firmware', s.l4t ? `L4T ${s.l4t}` : s.biosVersion ?? 'not reported', 'chip', `bios_version: ${s.biosVersion ?? 'missing'}`));
  rows.push(row('module', 'Module', module ? `${module.name} (${module.part})` : s.compatible[0] ?? 'no device tree', 'circuit-board', `Device tree: ${s.compatible.join(', ') || 'none'}${s.model ? `\n${s.model}` : ''}`));
  if (s.nixFreeBytes !== undefined) rows.push(row('space', 'Free in /nix', size(s.nixFreeBytes), 'database'));
  rows.push(row('login', 'Login', login(s), 'account'));
  if (runsWorkspace !== undefined)
    rows.push(row('workspace', 'Workspace', runsWorkspace === 'unknown' ? 'could not evaluate the configuration' : runsWorkspace ? `runs what ${robot.configuration} builds now` : `differs from what ${robot.configuration} builds now`, runsWorkspace === true ? 'pass' : 'diff'));
  return rows;
}

function summary(s: RobotStatus): string {
  const parts = ['reachable', s.generation ? `gen ${s.generation.number}` : undefined, s.l4t ? `L4T ${s.l4t}` : undefined, s.rebootPending ? 'reboot pending' : undefined];
  return parts.filter((p): p is string => !!p).join(' · ');
}

/** The row of one robot with its status (undefined: not read yet). */
export function robotRow(robot: RobotEntry, state: StatusState | undefined, trusted: boolean): RobotRow {
  const flags = ['robot', isDeployable(robot) && 'deployable', robot.tool && 'tool', state?.state === 'ok' && 'reachable', robot.suggested && 'suggested'].filter((f): f is string => !!f);
  const where = robot.address ? describeAddress(robot.address) : 'host unknown';
  const config = robot.configuration ? ` → ${robot.configuration}` : '';
  const lines = [`${robot.name}: ${where}${config}`, `From ${SOURCES[robot.source]}${robot.tool ? `; ${robot.tool.kind} can deploy it` : ''}.`];
  const base = { id: robot.id, label: robot.name, contextValue: flags.join('.') };
  if (robot.problem) return { ...base, description: robot.problem, tooltip: [...lines, robot.problem].join('\n'), icon: 'warning' };
  if (!trusted) return { ...base, description: 'not contacted in Restricted Mode', tooltip: [...lines, 'Trust this folder to read its status.'].join('\n'), icon: 'vm-outline' };
  if (robot.suggested) lines.push('Add it to jetsonNix.robots to keep it (right-click → Add to Settings).');
  switch (state?.state) {
    case undefined:
      return { ...base, description: where, tooltip: lines.join('\n'), icon: robot.suggested ? 'lightbulb' : 'vm-outline' };
    case 'checking':
      return { ...base, description: 'checking…', tooltip: lines.join('\n'), icon: 'loading~spin' };
    case 'failed':
      return { ...base, description: state.failure.kind === 'host-key-unknown' ? 'host key not known yet' : 'unreachable', tooltip: [...lines, state.failure.message].join('\n'), icon: 'debug-disconnect' };
    case 'ok':
      return { ...base, description: summary(state.status), tooltip: [...lines, `Read at ${state.at.toLocaleTimeString()}.`].join('\n'), icon: 'vm-active', children: detailRows(robot, state.status, state.runsWorkspace) };
  }
}
