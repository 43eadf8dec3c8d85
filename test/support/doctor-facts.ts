/**
 * HostFacts for the doctor's unit tests, built from the fixture `show-config --json` outputs and
 * binfmt_misc trees in test/fixtures/doctor, with the parts a test changes given as overrides.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseShowConfig, readBinfmt, readBuilders, type HostFacts, type NixSettings } from '../../server/src/shared/doctor';

export const DOCTOR_FIXTURES = path.join(__dirname, '..', 'fixtures', 'doctor');

/** The settings of a fixture file, with changes. */
export function settingsFrom(fixture: string, changes: Partial<NixSettings> = {}): NixSettings {
  const parsed = parseShowConfig(fs.readFileSync(path.join(DOCTOR_FIXTURES, fixture), 'utf8'));
  if (!parsed.ok) throw new Error(parsed.error);
  return { ...parsed.settings, ...changes };
}

export interface FactsOptions {
  settings?: NixSettings;
  os?: HostFacts['os'];
  user?: HostFacts['user'];
  storeAccess?: 'daemon' | 'local';
  binfmt?: string;
  machinesFile?: string;
  pings?: HostFacts['pings'];
  systemBuilders?: string;
  systemSubstituters?: string[];
  accepted?: HostFacts['acceptedFlakeSettings'];
  hostConfiguration?: string;
}

/** A Debian 12 machine with Nix 2.8 through the daemon, an untrusted user `dev`, nothing set up. */
export function hostFacts(options: FactsOptions = {}): HostFacts {
  const settings = options.settings ?? settingsFrom('show-config-2.8-debian.json');
  const read = (file: string) => (file === '/etc/nix/machines' ? options.machinesFile : undefined);
  const systemBuilders = options.systemBuilders ?? '@/etc/nix/machines';
  const facts: HostFacts = {
    os: options.os ?? { kind: 'debian', name: 'Debian GNU/Linux 12 (bookworm)' },
    user: options.user ?? { name: 'dev', uid: 1000, groups: ['dev', 'plugdev'] },
    nix: { ok: true, version: 'nix (Nix) 2.8.0', settings, storeAccess: options.storeAccess ?? 'daemon' },
    binfmt: options.binfmt ? readBinfmt(path.join(DOCTOR_FIXTURES, 'binfmt', options.binfmt)) : { status: 'missing', entries: [] },
    machines: readBuilders(settings.builders, read),
    systemSettings: { builders: systemBuilders, substituters: options.systemSubstituters ?? ['https://cache.nixos.org/'], trustedSubstituters: [] },
    systemMachines: readBuilders(systemBuilders, read),
    pings: options.pings ?? [],
    acceptedFlakeSettings: options.accepted ?? {},
  };
  if (options.hostConfiguration) facts.hostConfiguration = options.hostConfiguration;
  return facts;
}
