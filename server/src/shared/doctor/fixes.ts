/**
 * The fixes for "this machine cannot build <system>", fitted to the host: NixOS's one option,
 * Debian's packages and nix.conf lines, nix-darwin's Linux builder, and always a remote builder.
 * Fixes that need root are commands for the user to read and run; Jetson Nix never runs them.
 */
import type { HostFacts } from './facts';
import type { HostKind } from './host';
import { appendLinesCommand, commandLine } from './shell';
import { cpuOf, isSystemName, qemuStaticPath } from './systems';

export type FixId = 'nixos-emulation' | 'debian-emulation' | 'linux-emulation' | 'darwin-linux-builder' | 'remote-builder' | 'cross-compile' | 'trust-user' | 'add-cache';

export interface Fix {
  id: FixId;
  title: string;
  /** What it does and what it costs, in a sentence or two. */
  detail: string;
  /** Text to add to a file the user edits. */
  snippet?: { text: string; language: 'nix' | 'conf'; file?: string };
  /** Shell lines that apply it, in order; they need root, so they are typed into a terminal for the user. */
  commands?: string[];
  /** The extension command that walks through it. */
  command?: string;
}

export const NIX_CONF = '/etc/nix/nix.conf';
export const REMOTE_BUILDER_COMMAND = 'jetsonNix.useRemoteBuilder';

/** Restarting the daemon makes it read nix.conf again; without a daemon (single-user Nix) nothing needs restarting. */
function restartCommand(facts: HostFacts | undefined): string[] {
  if (facts?.nix.ok && facts.nix.storeAccess === 'local') return [];
  return [commandLine(['sudo', 'systemctl', 'restart', 'nix-daemon'])];
}

/** The ways to build `system` here, the best fit for the host first, the remote builder always. */
export function fixesForSystem(system: string, facts: HostFacts | undefined, options: { configuration?: boolean } = {}): Fix[] {
  if (!isSystemName(system)) return [remoteBuilderFix(system)];
  const kind: HostKind = facts?.os.kind ?? 'linux';
  const fixes: Fix[] = [];
  const linuxTarget = system.endsWith('-linux');
  if (kind === 'nixos' && linuxTarget) fixes.push(nixosEmulation(system, facts?.hostConfiguration));
  if (kind === 'debian' && linuxTarget) fixes.push(debianEmulation(system, facts));
  if (kind === 'linux' && linuxTarget) fixes.push(otherLinuxEmulation(system, facts));
  if (kind === 'macos' && linuxTarget) fixes.push(darwinLinuxBuilder(system, facts));
  fixes.push(remoteBuilderFix(system));
  if (options.configuration && facts?.nix.ok && facts.nix.settings.system === 'x86_64-linux' && system === 'aarch64-linux') fixes.push(crossCompileFix());
  return fixes;
}

function nixosEmulation(system: string, hostConfiguration: string | undefined): Fix {
  return {
    id: 'nixos-emulation',
    title: `Emulate ${system} with QEMU (NixOS)`,
    detail: `Add this to the configuration of this NixOS machine and switch to it: NixOS registers QEMU for ${system} programs and tells Nix (extra-platforms and the sandbox path). Emulated builds are slow: a kernel takes hours.`,
    snippet: { text: `boot.binfmt.emulatedSystems = [ "${system}" ];`, language: 'nix', ...(hostConfiguration ? { file: hostConfiguration } : {}) },
    commands: [commandLine(['sudo', 'nixos-rebuild', 'switch'])],
  };
}

function emulationLines(system: string): string[] {
  return [`extra-platforms = ${system}`, `extra-sandbox-paths = ${qemuStaticPath(system)}`];
}

function debianEmulation(system: string, facts: HostFacts | undefined): Fix {
  return {
    id: 'debian-emulation',
    title: `Emulate ${system} with QEMU (Debian/Ubuntu)`,
    detail: `Install QEMU's static emulators (they register themselves with the kernel, with the F flag the build sandbox needs), then tell Nix it may build ${system}${restartCommand(facts).length > 0 ? ' and restart the Nix daemon' : ''}. Emulated builds are slow: a kernel takes hours.`,
    snippet: { text: emulationLines(system).join('\n'), language: 'conf', file: NIX_CONF },
    commands: [commandLine(['sudo', 'apt-get', 'install', '-y', 'qemu-user-static', 'binfmt-support']), appendLinesCommand(NIX_CONF, emulationLines(system)), ...restartCommand(facts)],
  };
}

function otherLinuxEmulation(system: string, facts: HostFacts | undefined): Fix {
  return {
    id: 'linux-emulation',
    title: `Emulate ${system} with QEMU`,
    detail: `Install your distribution's static QEMU user emulators with their binfmt registration (qemu-user-static, qemu-user-static-binfmt or similar), check that ${qemuStaticPath(system)} exists (adjust the sandbox path if it is elsewhere), then add these lines to ${NIX_CONF} and restart the Nix daemon. Emulated builds are slow.`,
    snippet: { text: emulationLines(system).join('\n'), language: 'conf', file: NIX_CONF },
    commands: [appendLinesCommand(NIX_CONF, emulationLines(system)), ...restartCommand(facts)],
  };
}

function darwinLinuxBuilder(system: string, facts: HostFacts | undefined): Fix {
  const hostCpu = facts?.nix.ok ? cpuOf(facts.nix.settings.system) : 'aarch64';
  const sameCpu = cpuOf(system) === hostCpu;
  return {
    id: 'darwin-linux-builder',
    title: 'Build Linux in a virtual machine (nix-darwin linux-builder)',
    detail: sameCpu
      ? `nix-darwin runs a small NixOS virtual machine that builds ${system} for this Mac. Add this to your nix-darwin configuration and run darwin-rebuild switch.`
      : `nix-darwin runs a small NixOS virtual machine that builds ${hostCpu}-linux; for ${system} it must emulate it too (slow). Add this to your nix-darwin configuration and run darwin-rebuild switch.`,
    snippet: {
      text: sameCpu
        ? 'nix.linux-builder.enable = true;'
        : `nix.linux-builder = {\n  enable = true;\n  systems = [ "${hostCpu}-linux" "${system}" ];\n  config.boot.binfmt.emulatedSystems = [ "${system}" ];\n};`,
      language: 'nix',
    },
  };
}

export function remoteBuilderFix(system: string): Fix {
  const jetson = system === 'aarch64-linux' ? ' A Jetson AGX Orin running NixOS is a capable aarch64 builder.' : '';
  return {
    id: 'remote-builder',
    title: `Use a remote builder for ${system}`,
    detail: `Let another machine with Nix build ${system} over SSH (Nix's distributed builds): one line in ${NIX_CONF} or /etc/nix/machines.${jetson}`,
    snippet: { text: `builders = ssh-ng://nix@builder ${system} /etc/nix/builder_ed25519 8 1 big-parallel\nbuilders-use-substitutes = true`, language: 'conf', file: NIX_CONF },
    command: REMOTE_BUILDER_COMMAND,
  };
}

function crossCompileFix(): Fix {
  return {
    id: 'cross-compile',
    title: 'Cross-compile the configuration on x86_64-linux',
    detail: 'jetpack-nixos supports building an aarch64 system on x86_64: every package is compiled here, and nothing comes from the aarch64 binary cache, so the first build is long.',
    snippet: { text: 'nixpkgs.buildPlatform = "x86_64-linux";', language: 'nix' },
  };
}

/** Making the user trusted, so the daemon honours their builders and substituters. Equivalent to root: said so. */
export function trustUserFix(facts: HostFacts): Fix {
  const user = facts.user.name;
  if (facts.os.kind === 'nixos') {
    return {
      id: 'trust-user',
      title: `Trust ${user} in the Nix daemon`,
      detail: `The daemon honours builders and substituters only from trusted users. Being trusted is as powerful as root. Add this to the NixOS configuration and switch, or put the machines in nix.buildMachines instead.`,
      snippet: { text: `nix.settings.trusted-users = [ "${user}" ];`, language: 'nix', ...(facts.hostConfiguration ? { file: facts.hostConfiguration } : {}) },
      commands: [commandLine(['sudo', 'nixos-rebuild', 'switch'])],
    };
  }
  return {
    id: 'trust-user',
    title: `Trust ${user} in the Nix daemon`,
    detail: `The daemon honours builders and substituters only from trusted users. Being trusted is as powerful as root; the alternative is to put the builder in /etc/nix/machines, which the daemon reads itself.`,
    snippet: { text: `extra-trusted-users = ${user}`, language: 'conf', file: NIX_CONF },
    commands: [appendLinesCommand(NIX_CONF, [`extra-trusted-users = ${user}`]), ...restartCommand(facts)],
  };
}

/** Adding a binary cache for everyone on the machine (which works whether or not the user is trusted). */
export function addCacheFix(facts: HostFacts | undefined, cache: { url: string; key?: string; name: string }): Fix {
  const detail = `Builds then come from ${cache.name}'s cache instead of compiling here.`;
  if (facts?.os.kind === 'nixos') {
    const lines = [`nix.settings.extra-substituters = [ "${cache.url}" ];`, ...(cache.key ? [`nix.settings.extra-trusted-public-keys = [ "${cache.key}" ];`] : [])];
    return { id: 'add-cache', title: `Add the ${cache.name} cache`, detail, snippet: { text: lines.join('\n'), language: 'nix', ...(facts.hostConfiguration ? { file: facts.hostConfiguration } : {}) }, commands: [commandLine(['sudo', 'nixos-rebuild', 'switch'])] };
  }
  const lines = [`extra-substituters = ${cache.url}`, ...(cache.key ? [`extra-trusted-public-keys = ${cache.key}`] : [])];
  return {
    id: 'add-cache',
    title: `Add the ${cache.name} cache`,
    detail,
    snippet: { text: lines.join('\n'), language: 'conf', file: NIX_CONF },
    commands: [appendLinesCommand(NIX_CONF, lines), ...restartCommand(facts)],
  };
}
