/**
 * Everything the doctor knows about this machine, gathered once by `collectHostFacts` (collect.ts)
 * and then judged by pure functions. Plain data: it is logged, compared in tests and printed by
 * `jetson-nix doctor --format json`.
 */
import type { BinfmtState } from './binfmt';
import type { HostOs, StoreAccess, UserIdentity } from './host';
import type { MachinesReading } from './machines';
import type { NixSettings } from './nix-settings';

/** Whether a build machine answered `nix store ping`. */
export interface BuilderPing {
  /** The machine's URI as declared (the key to match it). */
  uri: string;
  status: 'answered' | 'failed' | 'timed-out' | 'not-checked';
  /** The Nix version it reported, or the first line of the error. */
  detail: string;
}

export type NixFacts =
  | {
      ok: true;
      /** `nix (Nix) 2.8.0`. */
      version: string;
      settings: NixSettings;
      storeAccess: StoreAccess;
    }
  | { ok: false; error: string };

export interface HostFacts {
  os: HostOs;
  user: UserIdentity;
  nix: NixFacts;
  binfmt: BinfmtState;
  /** The machines of the effective `builders` setting. */
  machines: MachinesReading;
  /**
   * The settings of the system-wide nix.conf that the daemon applies whoever asks: its `builders`
   * (or Nix's default `@/etc/nix/machines`) and its substituters. For an untrusted user, these are
   * all the daemon uses.
   */
  systemSettings: { builders: string; substituters: string[]; trustedSubstituters: string[] };
  /** The machines of `systemSettings.builders`. */
  systemMachines: MachinesReading;
  pings: BuilderPing[];
  /**
   * Flake `nixConfig` settings the user answered "always" to (Nix keeps them in
   * `~/.local/share/nix/trusted-settings.json`): setting → value → accepted.
   */
  acceptedFlakeSettings: Record<string, Record<string, boolean>>;
  /** On NixOS: the host's configuration file, when it is at a usual place. */
  hostConfiguration?: string;
}
