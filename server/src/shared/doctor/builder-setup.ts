/**
 * What the Remote Builder wizard hands the user: the machine line, where it goes (the daemon's own
 * /etc/nix/machines, the user's `builders`, or NixOS's nix.buildMachines), the trust each needs,
 * and what the connection check found. Text to read and apply; nothing is written for them.
 */
import type { BuilderPing, HostFacts } from './facts';
import { isTrustedUser } from './host';
import { machineLine, type BuilderSpec } from './machines';
import { appendLinesCommand, commandLine } from './shell';

export interface BuilderSetup {
  /** The document shown to the user. */
  text: string;
  /** Commands that append the machine to /etc/nix/machines (root), for a terminal. */
  commands: string[];
  /** One sentence on the connection check. */
  check: string;
}

export const MACHINES_FILE = '/etc/nix/machines';

export function builderSetup(spec: BuilderSpec, facts: HostFacts | undefined, ping: BuilderPing | undefined): BuilderSetup {
  const line = machineLine(spec);
  const daemon = !facts?.nix.ok || facts.nix.storeAccess !== 'local';
  const trusted = facts?.nix.ok ? isTrustedUser(facts.user, facts.nix.settings.trustedUsers) : undefined;
  const userName = facts?.user.name ?? 'you';
  const check = pingSentence(spec, ping);
  const restart = daemon ? [commandLine(['sudo', 'systemctl', 'restart', 'nix-daemon'])] : [];
  const commands = [appendLinesCommand(MACHINES_FILE, [line]), appendLinesCommand('/etc/nix/nix.conf', ['builders-use-substitutes = true']), ...restart];
  const text = [
    `# A remote builder for ${spec.systems.join(', ')}: ${spec.host}`,
    `# ${check}`,
    '',
    `# Option 1 (recommended): ${MACHINES_FILE}, which the Nix daemon reads itself, for every user.`,
    line,
    '# and in /etc/nix/nix.conf, so the builder fetches from caches itself instead of through this machine:',
    'builders-use-substitutes = true',
    `# Run in a terminal:\n${commands.map((c) => `#   ${c}`).join('\n')}`,
    '',
    `# Option 2: your own ~/.config/nix/nix.conf. ${trustSentence(daemon, trusted, userName)}`,
    `builders = ${line}`,
    'builders-use-substitutes = true',
    '',
    '# On NixOS, in the configuration instead (then sudo nixos-rebuild switch):',
    ...nixosBuildMachines(spec).map((l) => `#   ${l}`),
    '',
    ...connectionNotes(spec, daemon),
  ];
  return { text: text.join('\n') + '\n', commands, check };
}

function pingSentence(spec: BuilderSpec, ping: BuilderPing | undefined): string {
  const who = `${spec.user ? `${spec.user}@` : ''}${spec.host}`;
  if (!ping || ping.status === 'not-checked') return `The connection to ${who} was not checked.`;
  if (ping.status === 'answered') return `Checked: ${who} answered nix store ping${ping.detail ? ` (${ping.detail})` : ''}.`;
  if (ping.status === 'timed-out') return `Checked: ${who} did not answer nix store ping in time.`;
  return `Checked: ${who} did not answer nix store ping: ${ping.detail}`;
}

function trustSentence(daemon: boolean, trusted: boolean | undefined, user: string): string {
  if (!daemon) return 'Your Nix builds without a daemon, so your own builders setting is used as is.';
  if (trusted === true) return `The daemon honours it: ${user} is a trusted user.`;
  if (trusted === false) return `The daemon IGNORES it: ${user} is not in trusted-users. Use option 1, or add \`extra-trusted-users = ${user}\` to /etc/nix/nix.conf (as powerful as root) and restart the daemon.`;
  return 'The daemon honours it only for users in trusted-users.';
}

function nixosBuildMachines(spec: BuilderSpec): string[] {
  const list = (xs: readonly string[]) => `[ ${xs.map((x) => `"${x}"`).join(' ')} ]`;
  return [
    'nix.distributedBuilds = true;',
    'nix.settings.builders-use-substitutes = true;',
    'nix.buildMachines = [ {',
    `  hostName = "${spec.host}";`,
    ...(spec.user ? [`  sshUser = "${spec.user}";`] : []),
    `  protocol = "${spec.protocol}";`,
    `  systems = ${list(spec.systems)};`,
    ...(spec.sshKey ? [`  sshKey = "${spec.sshKey}";`] : []),
    `  maxJobs = ${spec.maxJobs};`,
    `  supportedFeatures = ${list(spec.supportedFeatures)};`,
    '} ];',
  ];
}

function connectionNotes(spec: BuilderSpec, daemon: boolean): string[] {
  const who = `${spec.user ? `${spec.user}@` : ''}${spec.host}`;
  const notes = [
    '# Notes',
    `# - The builder needs Nix, and ${spec.user || 'the user'} must be allowed to use its store (its trusted-users for ${spec.protocol}, or the nix-daemon's allowed-users).`,
  ];
  if (daemon) notes.push(`# - The daemon connects as root: root must know ${spec.host}'s host key (run \`sudo ssh ${spec.port ? `-p ${spec.port} ` : ''}${who}\` once and check the fingerprint) and be able to read ${spec.sshKey ?? "its SSH key"}.`);
  if (spec.port) notes.push(`# - Nix takes the port from SSH's configuration: add \`Host ${spec.host}\` / \`Port ${spec.port}\` to ${daemon ? "root's ~/.ssh/config" : '~/.ssh/config'}.`);
  if (!spec.supportedFeatures.includes('big-parallel')) notes.push('# - Kernels and other large packages require the big-parallel feature: without it they are never sent to this builder.');
  return notes;
}
