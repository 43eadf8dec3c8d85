/**
 * What kind of machine the doctor runs on (NixOS, Debian and its family, another Linux, macOS),
 * because the fixes differ, and whether the user is one the Nix daemon trusts, because an
 * untrusted user's `builders` and substituters are ignored by the daemon.
 */

export type HostKind = 'nixos' | 'debian' | 'linux' | 'macos' | 'other';

export interface HostOs {
  kind: HostKind;
  /** For messages: `Debian GNU/Linux 12 (bookworm)`, `macOS`. */
  name: string;
}

/** Reads `/etc/os-release` (`ID=debian`, `ID_LIKE="ubuntu debian"`, `PRETTY_NAME=…`) with the platform Node reports. */
export function detectHostOs(platform: string, osRelease: string | undefined): HostOs {
  if (platform === 'darwin') return { kind: 'macos', name: 'macOS' };
  if (platform !== 'linux') return { kind: 'other', name: platform };
  const fields = parseOsRelease(osRelease ?? '');
  const name = fields.PRETTY_NAME ?? fields.NAME ?? 'Linux';
  const ids = [fields.ID ?? '', ...(fields.ID_LIKE ?? '').split(/\s+/)].filter((s) => s !== '');
  if (ids.includes('nixos')) return { kind: 'nixos', name };
  if (ids.includes('debian') || ids.includes('ubuntu')) return { kind: 'debian', name };
  return { kind: 'linux', name };
}

function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  }
  return out;
}

export interface UserIdentity {
  name: string;
  /** Names of the groups the user is in (from `id -Gn`). */
  groups: string[];
  uid: number;
}

/**
 * Whether the daemon treats the user as trusted: root always is; otherwise the user's name, one of
 * their groups as `@group`, or `*` in `trusted-users`.
 */
export function isTrustedUser(user: UserIdentity, trustedUsers: readonly string[]): boolean {
  if (user.uid === 0 || user.name === 'root') return true;
  return trustedUsers.some((t) => t === '*' || t === user.name || (t.startsWith('@') && user.groups.includes(t.slice(1))));
}

/** How this user's Nix reaches its store: through the daemon (multi-user) or directly (single-user, or root without a daemon). */
export type StoreAccess = 'daemon' | 'local' | 'unknown';

/** Reads `nix store ping`'s "Store URL: daemon" / "Store URL: local". */
export function storeAccessOf(pingOutput: string): StoreAccess {
  const m = /Store URL:\s*(\S+)/.exec(pingOutput);
  if (!m) return 'unknown';
  if (m[1] === 'daemon' || m[1]!.startsWith('unix://')) return 'daemon';
  if (m[1] === 'local' || m[1]!.startsWith('/') || m[1]!.startsWith('local')) return 'local';
  return 'unknown';
}
