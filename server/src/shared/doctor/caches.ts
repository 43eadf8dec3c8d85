/**
 * Binary caches: which of the flake's caches the user's Nix will really use, and the traps that
 * make ROS and CUDA compile from source for hours without a word:
 *
 * - a flake's `nixConfig` substituters are applied only when the user accepts them
 *   (`accept-flake-config`, or answering "always" once in a terminal), and a daemon ignores them
 *   for a user it does not trust unless they are in its `trusted-substituters`;
 * - nix-ros-overlay's packages come from ros.cachix.org, CUDA's from the CUDA cache; cache.nixos.org
 *   has neither (CUDA is unfree);
 * - nix-ros-overlay made to follow another nixpkgs, or a narrowed `cudaCapabilities`, builds
 *   derivations those caches never built.
 */
import type { FlakeCacheFacts, FlakeMention } from '../../protocol';
import type { HostFacts } from './facts';
import { addCacheFix, type Fix } from './fixes';
import { isTrustedUser } from './host';
import { sameSubstituter } from './nix-settings';

export const KNOWN_CACHES = {
  ros: { name: 'ROS (nix-ros-overlay)', url: 'https://ros.cachix.org', key: 'ros.cachix.org-1:dSyZxI8geDCJrwgvCOHDoAfOm5sV1wCPjBkKL+38Rvo=' },
  cuda: { name: 'CUDA', url: 'https://cache.nixos-cuda.org', key: 'cache.nixos-cuda.org:74DUi4Ye579gUqzH4ziL9IyiJBlDpMRn9MBN8oNan9M=' },
} as const;

export interface CacheFinding {
  code: 'flake-cache-ignored' | 'ros-cache-missing' | 'ros-follows' | 'cuda-cache-missing' | 'cuda-capabilities';
  message: string;
  /** What will compile here instead of coming from a cache. */
  consequence: string;
  mention?: FlakeMention;
  fixes: Fix[];
}

/** How a substituter fares with this user's Nix. */
export type SubstituterUse = { used: true } | { used: false; reason: string };

/** Whether the daemon (or the local store) will use a substituter that the user's settings list. */
export function configuredSubstituterUse(url: string, facts: HostFacts): SubstituterUse {
  if (!facts.nix.ok) return { used: false, reason: 'Nix could not be asked' };
  const listed = facts.nix.settings.substituters.some((s) => sameSubstituter(s, url));
  if (!listed) return { used: false, reason: `${url} is not among your substituters` };
  return daemonAccepts(url, facts);
}

/** A daemon uses a user's substituter when the user is trusted, or the system configuration lists it. */
function daemonAccepts(url: string, facts: HostFacts): SubstituterUse {
  if (!facts.nix.ok || facts.nix.storeAccess !== 'daemon' || isTrustedUser(facts.user, facts.nix.settings.trustedUsers)) return { used: true };
  const system = [...facts.systemSettings.substituters, ...facts.systemSettings.trustedSubstituters];
  if (system.some((s) => sameSubstituter(s, url))) return { used: true };
  return { used: false, reason: `the Nix daemon ignores substituters of users it does not trust (${facts.user.name} is not in trusted-users) unless ${url} is in its trusted-substituters` };
}

/** Whether a substituter the flake's nixConfig names will be used. */
export function flakeSubstituterUse(url: string, all: readonly string[], facts: HostFacts): SubstituterUse {
  if (!facts.nix.ok) return { used: false, reason: 'Nix could not be asked' };
  if (facts.nix.settings.substituters.some((s) => sameSubstituter(s, url))) return daemonAccepts(url, facts);
  const accepted =
    facts.nix.settings.acceptFlakeConfig ||
    ['substituters', 'extra-substituters'].some((name) => facts.acceptedFlakeSettings[name]?.[all.join(' ')] === true);
  if (!accepted) return { used: false, reason: 'flake settings are applied only once accepted (accept-flake-config, or answering "always" in a terminal), so a build from the editor ignores them' };
  return daemonAccepts(url, facts);
}

/** Every cache problem of a flake for this machine. */
export function cacheFindings(caches: FlakeCacheFacts | undefined, facts: HostFacts): CacheFinding[] {
  if (!caches || !facts.nix.ok) return [];
  const findings: CacheFinding[] = [];
  const usedByFlake = (url: string) => caches.substituters.some((s) => sameSubstituter(s, url)) && flakeSubstituterUse(url, caches.substituters, facts).used;
  const used = (url: string) => configuredSubstituterUse(url, facts).used || usedByFlake(url);
  // A cache the flake names but that is ignored has its own finding above: said once.
  const named = (url: string) => caches.substituters.some((s) => sameSubstituter(s, url));
  for (const url of caches.substituters) {
    const use = flakeSubstituterUse(url, caches.substituters, facts);
    if (use.used) continue;
    const key = caches.trustedPublicKeys.find((k) => k.split(':')[0]!.replace(/-\d+$/, '') === hostOf(url));
    findings.push({
      code: 'flake-cache-ignored',
      message: `flake.nix's nixConfig names the cache ${url}, but your Nix will ignore it: ${use.reason}.`,
      consequence: `What that cache holds compiles here instead.`,
      ...(caches.nixConfig ? { mention: caches.nixConfig } : {}),
      fixes: [addCacheFix(facts, { url, ...(key ? { key } : {}), name: hostOf(url) })],
    });
  }
  if (caches.rosOverlay && !used(KNOWN_CACHES.ros.url) && !named(KNOWN_CACHES.ros.url)) {
    findings.push({
      code: 'ros-cache-missing',
      message: `The flake uses nix-ros-overlay (input ${caches.rosOverlay.input}), but ${KNOWN_CACHES.ros.url} is not a cache your Nix uses.`,
      consequence: 'ROS 2 packages compile from source: hours for a desktop install.',
      fixes: [addCacheFix(facts, KNOWN_CACHES.ros)],
    });
  }
  if (caches.rosOverlay?.followsNixpkgs) {
    findings.push({
      code: 'ros-follows',
      message: `nix-ros-overlay is made to follow "${caches.rosOverlay.followsNixpkgs}" (inputs.${caches.rosOverlay.input}.inputs.nixpkgs.follows): its cache was built against its own nixpkgs.`,
      consequence: 'Most ROS 2 packages then differ from the cached ones and compile here. Let this flake follow nix-ros-overlay instead: nixpkgs.follows = "nix-ros-overlay/nixpkgs".',
      fixes: [],
    });
  }
  if (caches.cuda && !used(KNOWN_CACHES.cuda.url) && !named(KNOWN_CACHES.cuda.url)) {
    findings.push({
      code: 'cuda-cache-missing',
      message: `CUDA is switched on (${caches.cuda.text}), but ${KNOWN_CACHES.cuda.url} is not a cache your Nix uses.`,
      consequence: 'CUDA is unfree, so cache.nixos.org has none of it: CUDA libraries and everything built with them compile here.',
      mention: caches.cuda,
      fixes: [addCacheFix(facts, KNOWN_CACHES.cuda)],
    });
  }
  if (caches.cudaCapabilities) {
    findings.push({
      code: 'cuda-capabilities',
      message: `cudaCapabilities is narrowed to ${caches.cudaCapabilities.values.map((v) => `"${v}"`).join(', ')} (${caches.cudaCapabilities.text}).`,
      consequence: "The CUDA cache holds builds for nixpkgs' default capabilities only, so CUDA packages built for these compile here.",
      mention: caches.cudaCapabilities,
      fixes: [],
    });
  }
  return findings;
}

function hostOf(url: string): string {
  return url.replace(/^[a-z]+:\/\//, '').replace(/[/?#].*$/, '');
}
