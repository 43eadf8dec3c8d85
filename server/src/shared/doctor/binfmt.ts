/**
 * The kernel's binfmt_misc registrations (`/proc/sys/fs/binfmt_misc/<name>`): which foreign
 * programs the kernel hands to an emulator such as qemu-aarch64. Reading them needs no root.
 *
 * An entry reads:
 *
 *   enabled
 *   interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
 *   flags: POCF
 *   offset 0
 *   magic 7f454c460201010000000000000000000200b700
 *   mask ffffffffffffff00fffffffffffffffffeffffff
 *
 * The `F` flag (fix binary) makes the kernel open the interpreter when it is registered, so it
 * still works inside Nix's build sandbox, where the interpreter's path does not exist.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTextSync } from '../safe-read';
import { systemOfBinfmtName, systemOfElfMagic } from './systems';

export const BINFMT_MISC = '/proc/sys/fs/binfmt_misc';

export interface BinfmtEntry {
  name: string;
  enabled: boolean;
  interpreter: string;
  flags: string;
  /** The Linux system whose programs it runs, from the ELF magic (or the name when the magic is not an ELF header). */
  system?: string;
}

export interface BinfmtState {
  /** `missing`: binfmt_misc is not mounted (or not a Linux kernel); `unreadable`: it is there but could not be listed. */
  status: 'enabled' | 'disabled' | 'missing' | 'unreadable';
  entries: BinfmtEntry[];
}

/** Reads one entry's text; undefined when it is not an entry (no interpreter line). */
export function parseBinfmtEntry(name: string, text: string): BinfmtEntry | undefined {
  const lines = text.split('\n').map((l) => l.trim());
  let interpreter: string | undefined;
  let flags = '';
  let magic: string | undefined;
  for (const line of lines) {
    const [key, ...rest] = line.split(/\s+/);
    const value = rest.join(' ');
    if (key === 'interpreter') interpreter = value;
    else if (key === 'flags:') flags = value;
    else if (key === 'magic') magic = value;
  }
  if (interpreter === undefined) return undefined;
  const entry: BinfmtEntry = { name, enabled: lines[0] === 'enabled', interpreter, flags };
  const system = (magic && systemOfElfMagic(magic)) || systemOfBinfmtName(name);
  if (system) entry.system = system;
  return entry;
}

/** Reads a binfmt_misc folder (the real one, or a fixture tree in tests). Never throws. */
export function readBinfmt(root: string = BINFMT_MISC): BinfmtState {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { status: code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable', entries: [] };
  }
  const status = readTextSync(path.join(root, 'status'), { kind: 'attribute' });
  // An empty folder is the mount point without binfmt_misc mounted on it.
  if (!status.ok) return { status: names.length === 0 ? 'missing' : 'unreadable', entries: [] };
  const entries: BinfmtEntry[] = [];
  for (const name of names.sort()) {
    if (name === 'status' || name === 'register') continue;
    const text = readTextSync(path.join(root, name), { kind: 'attribute' });
    const entry = text.ok ? parseBinfmtEntry(name, text.value) : undefined;
    if (entry) entries.push(entry);
  }
  return { status: status.value.trim() === 'enabled' ? 'enabled' : 'disabled', entries };
}

/** The enabled registration that runs `system`'s programs, if any (the one with the F flag first). */
export function emulatorFor(state: BinfmtState, system: string): BinfmtEntry | undefined {
  if (state.status !== 'enabled') return undefined;
  const matching = state.entries.filter((e) => e.enabled && e.system === system);
  return matching.find((e) => e.flags.includes('F')) ?? matching[0];
}
