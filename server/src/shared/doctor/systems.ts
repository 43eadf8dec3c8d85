/**
 * Nix system names (`aarch64-linux`) and what a CPU can run without help. Nix itself only compares
 * system strings; whether the programs of a foreign system actually run is up to the kernel
 * (binfmt_misc and an emulator), which is why the doctor looks at both.
 */

/** The CPU half of a system name: `aarch64-linux` → `aarch64`. */
export function cpuOf(system: string): string {
  const dash = system.indexOf('-');
  return dash < 0 ? system : system.slice(0, dash);
}

/** The kernel half of a system name: `aarch64-linux` → `linux`. */
export function kernelOf(system: string): string {
  const dash = system.lastIndexOf('-');
  return dash < 0 ? '' : system.slice(dash + 1);
}

/**
 * CPUs that run another CPU's programs natively: an x86_64 runs i686 code, an aarch64 machine
 * usually runs 32-bit ARM, Apple silicon runs x86_64 through Rosetta 2. Nix's own default
 * `extra-platforms` rests on the same facts.
 */
const NATIVE_COMPANIONS: Record<string, readonly string[]> = {
  x86_64: ['i686', 'i386', 'x86_64-v1', 'x86_64-v2', 'x86_64-v3', 'x86_64-v4'],
  aarch64: ['armv7l', 'armv6l', 'armv5tel'],
};

/**
 * Whether a machine of `host` runs programs built for `system` without an emulator (same kernel,
 * and the same CPU or one it contains).
 */
export function runsNatively(host: string, system: string): boolean {
  if (host === system || (host === 'aarch64-darwin' && system === 'x86_64-darwin')) return true;
  if (kernelOf(host) !== kernelOf(system)) return false;
  const hostCpu = cpuOf(host);
  const cpu = system.slice(0, system.length - kernelOf(system).length - 1);
  return cpu === hostCpu || (NATIVE_COMPANIONS[hostCpu] ?? []).includes(cpu);
}

/** ELF `e_machine` numbers (little-endian, as in binfmt magic bytes 18-19) and 64-bit class → the Linux system. */
const ELF_MACHINES: Array<{ machine: number; class64: boolean; system: string }> = [
  { machine: 0xb7, class64: true, system: 'aarch64-linux' },
  { machine: 0x28, class64: false, system: 'armv7l-linux' },
  { machine: 0x3e, class64: true, system: 'x86_64-linux' },
  { machine: 0x03, class64: false, system: 'i686-linux' },
  { machine: 0xf3, class64: true, system: 'riscv64-linux' },
  { machine: 0x15, class64: true, system: 'powerpc64le-linux' },
];

/**
 * The system a binfmt_misc magic string (hex) recognises, when it is an ELF header of a known
 * little-endian CPU; undefined otherwise (a script interpreter, Wine, a big-endian CPU…).
 */
export function systemOfElfMagic(magicHex: string): string | undefined {
  const hex = magicHex.replace(/\\x/g, '').toLowerCase();
  if (!/^7f454c46[0-9a-f]*$/.test(hex) || hex.length < 40) return undefined;
  const byte = (i: number) => parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  // EI_DATA 1: little-endian; e_machine is then bytes 18-19, low byte first.
  if (byte(5) !== 1) return undefined;
  const machine = byte(18) | (byte(19) << 8);
  const class64 = byte(4) === 2;
  return ELF_MACHINES.find((m) => m.machine === machine && m.class64 === class64)?.system;
}

/** The system a binfmt entry's name suggests: NixOS names them `aarch64-linux`, Debian `qemu-aarch64`. */
export function systemOfBinfmtName(name: string): string | undefined {
  if (/^[a-z0-9_]+-linux$/.test(name)) return name;
  const qemu = /^qemu-([a-z0-9_]+)$/.exec(name);
  if (!qemu) return undefined;
  const cpu = qemu[1]!;
  if (cpu === 'arm') return 'armv7l-linux';
  if (cpu === 'ppc64le') return 'powerpc64le-linux';
  if (cpu === 'i386') return 'i686-linux';
  return `${cpu}-linux`;
}

/** Debian's qemu-user-static binary for a system: `aarch64-linux` → `/usr/bin/qemu-aarch64-static`. */
export function qemuStaticPath(system: string): string {
  const cpu = cpuOf(system);
  const name = cpu === 'armv7l' || cpu === 'armv6l' ? 'arm' : cpu === 'i686' ? 'i386' : cpu === 'powerpc64le' ? 'ppc64le' : cpu;
  return `/usr/bin/qemu-${name}-static`;
}

/** A system name as Nix writes it: `<cpu>-<kernel>`, letters, digits and `_`. */
export function isSystemName(text: string): boolean {
  return /^[a-z0-9_]+(-[a-z0-9_]+)?-(linux|darwin|freebsd|openbsd|netbsd|none)$/.test(text);
}
