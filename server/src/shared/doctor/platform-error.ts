/**
 * Nix's "wrong platform" error, read into what it asks for, and explained with the fixes that fit
 * this machine. Nix up to 2.2x prints one sentence:
 *
 *   a 'aarch64-linux' with features {} is required to build '/nix/store/…-linux-5.15.drv', but I
 *   am a 'x86_64-linux' with features {benchmark, big-parallel, kvm, nixos-test}
 *
 * newer versions a block:
 *
 *   Cannot build '/nix/store/…-linux-5.15.drv'.
 *   Reason: required system or feature not available
 *   Required system: 'aarch64-linux' with features {}
 *   Current system: 'x86_64-linux' with features {benchmark, big-parallel, kvm, nixos-test, uid-range}
 *
 * Both are read from text with ANSI colours already removed.
 */
import { capabilityFor } from './capability';
import type { HostFacts } from './facts';
import { fixesForSystem, type Fix } from './fixes';

export interface PlatformMismatch {
  /** The system the derivation needs. */
  system: string;
  /** Its `requiredSystemFeatures`. */
  features: string[];
  derivation: string;
  /** What the machine that refused it is, and supports. */
  hostSystem: string;
  hostFeatures: string[];
}

const OLD = /a '([^']+)' with features \{([^}]*)\} is required to build '([^']+)', but I am a '([^']+)' with features \{([^}]*)\}/;
const NEW = /Cannot build '([^']+)'\.?\s*Reason: required system or feature not available\s*Required system: '([^']+)' with features \{([^}]*)\}\s*Current system: '([^']+)' with features \{([^}]*)\}/;

function features(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** The mismatch an error text describes, or undefined when it is another error. */
export function parsePlatformMismatch(text: string): PlatformMismatch | undefined {
  const old = OLD.exec(text);
  if (old) return { system: old[1]!, features: features(old[2]!), derivation: old[3]!, hostSystem: old[4]!, hostFeatures: features(old[5]!) };
  const modern = NEW.exec(text);
  if (modern) return { system: modern[2]!, features: features(modern[3]!), derivation: modern[1]!, hostSystem: modern[4]!, hostFeatures: features(modern[5]!) };
  return undefined;
}

export interface PlatformExplanation {
  /** One sentence: what was needed and why this machine could not. */
  message: string;
  /** More about the machine's set-up, when the doctor knows it (builders that did not answer…). */
  details: string[];
  fixes: Fix[];
}

/** `/nix/store/<hash>-linux-5.15.drv` → `linux-5.15`. */
function nameOf(drv: string): string {
  const base = drv.slice(drv.lastIndexOf('/') + 1).replace(/\.drv$/, '');
  return /^[0-9a-z]{32}-(.+)$/.exec(base)?.[1] ?? base;
}

/** The doctor's account of a mismatch: what was needed, what this machine lacks, and the fixes for this host. */
export function explainPlatformMismatch(mismatch: PlatformMismatch, facts: HostFacts | undefined, options: { configuration?: boolean } = {}): PlatformExplanation {
  const name = nameOf(mismatch.derivation);
  const needed = mismatch.features.length > 0 ? `${mismatch.system} with ${mismatch.features.join(', ')}` : mismatch.system;
  const systemMatches = mismatch.system === mismatch.hostSystem;
  const missingFeatures = mismatch.features.filter((f) => !mismatch.hostFeatures.includes(f));
  const reason = systemMatches && missingFeatures.length > 0
    ? `this machine lacks the system feature${missingFeatures.length === 1 ? '' : 's'} ${missingFeatures.join(', ')}`
    : `this machine builds ${mismatch.hostSystem}, and Nix found no builder or emulation for ${mismatch.system}`;
  const details = facts ? capabilityFor({ system: mismatch.system, features: mismatch.features }, facts).problems : [];
  return {
    message: `Building ${name} needs ${needed}, but ${reason}.`,
    details,
    fixes: systemMatches ? [] : fixesForSystem(mismatch.system, facts, options),
  };
}
