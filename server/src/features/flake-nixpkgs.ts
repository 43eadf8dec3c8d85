import type { Finding, Fix } from '../analysis/diagnostic';
import type { FlakeInput, FlakeModel, InputAttribute, InputOverride } from '../flake/inputs';
import { nodeAt, resolveInputPath, type FlakeLock, type LockNode } from '../flake/lock';

/**
 * Which nixpkgs the two projects this extension is about are given, checked where their READMEs
 * say how to share it:
 * - jetpack-nixos's README gives it the flake's nixpkgs (`jetpack.inputs.nixpkgs.follows =
 *   "nixpkgs"`). Its module applies its overlay to the system's packages, but the overlay itself
 *   takes `lib` from jetpack-nixos's own nixpkgs, which Nix then fetches as a second nixpkgs.
 * - nix-ros-overlay's README does the reverse (`nixpkgs.follows = "nix-ros-overlay/nixpkgs"`,
 *   "IMPORTANT"): its binary cache holds ROS packages built against the nixpkgs it pins
 *   (lopsided98/nix-ros-overlay#46), so ROS packages built from any other nixpkgs are compiled
 *   locally, which takes hours on a Jetson.
 * Other inputs with a nixpkgs of their own are left alone: some ask not to be overridden
 * (chaotic-nyx, determinate), and a module-only input never evaluates its nixpkgs at all.
 */

type Project = 'jetpack-nixos' | 'nix-ros-overlay';

const PROJECTS: { project: Project; names: RegExp; repository: RegExp }[] = [
  { project: 'jetpack-nixos', names: /^(jetpack-nixos|jetpack)$/, repository: /(^|[/:])jetpack-nixos(\.git)?(\/|\?|$)/i },
  { project: 'nix-ros-overlay', names: /^(nix-ros-overlay|ros-overlay)$/, repository: /(^|[/:])nix-ros-overlay(\.git)?(\/|\?|$)/i },
];

/** The project an input is, by its URL, its locked repository, or (with neither) its name. */
function projectOf(input: FlakeInput, lock: FlakeLock | undefined): Project | undefined {
  const url = attribute(input, 'url')?.text;
  const node = lock ? nodeAt(lock, [input.name]) : undefined;
  const repo = node ? String(node.original?.['repo'] ?? node.locked?.['repo'] ?? node.original?.['url'] ?? '') : '';
  for (const p of PROJECTS) {
    if ((url !== undefined && p.repository.test(url)) || (repo && p.repository.test(`/${repo}`))) return p.project;
  }
  if (url !== undefined || repo) return undefined;
  return PROJECTS.find((p) => p.names.test(input.name))?.project;
}

/** Findings about the nixpkgs jetpack-nixos and nix-ros-overlay are given. */
export function nixpkgsFindings(model: FlakeModel, lock: FlakeLock | undefined): Finding[] {
  const nixpkgs = model.inputs.get('nixpkgs');
  if (!nixpkgs || nixpkgs.opaque) return [];
  const nixpkgsFollows = attribute(nixpkgs, 'follows')?.text;
  const findings: Finding[] = [];
  for (const input of model.inputs.values()) {
    if (input.name === 'nixpkgs' || input.implicit || input.opaque || attribute(input, 'flake')?.bool === false) continue;
    if (attribute(input, 'follows')) continue; // it is another input, not a source of its own
    const project = projectOf(input, lock);
    if (!project) continue;
    // The flake's nixpkgs is this input's: shared, as nix-ros-overlay's README asks.
    if (nixpkgsFollows !== undefined && nixpkgsFollows.split('/')[0] === input.name) continue;
    const override = input.overrides.find((o) => o.path.length === 1 && o.path[0] === 'nixpkgs');
    if (project === 'nix-ros-overlay' && override) findings.push(rosReplaced(input, override, nixpkgs));
    if (override || !hasOwnNixpkgs(input, lock)) continue;
    findings.push(project === 'nix-ros-overlay' ? rosNotFollowed(input, nixpkgs) : jetpackNotFollowed(input));
  }
  return findings;
}

/**
 * Whether the input keeps a nixpkgs other than the flake's. With a lock: it has a `nixpkgs` input
 * that is neither the flake's node nor the same locked source (two pins of one revision are one).
 */
function hasOwnNixpkgs(input: FlakeInput, lock: FlakeLock | undefined): boolean {
  const node = lock ? nodeAt(lock, [input.name]) : undefined;
  if (!lock || !node) return true;
  if (!node.inputs.has('nixpkgs')) return false;
  const theirs = resolveInputPath(lock, [input.name, 'nixpkgs']);
  const ours = resolveInputPath(lock, ['nixpkgs']);
  if (theirs === undefined || ours === undefined) return theirs !== ours;
  return theirs !== ours && !sameSource(lock.nodes.get(theirs), lock.nodes.get(ours));
}

function sameSource(a: LockNode | undefined, b: LockNode | undefined): boolean {
  const hash = (n: LockNode | undefined) => n?.locked?.['narHash'];
  return hash(a) !== undefined && hash(a) === hash(b);
}

/** `nixpkgs.follows = "<ros>/nixpkgs"` in place of the flake's nixpkgs `url`, when it has one. */
function followRosFix(input: FlakeInput, nixpkgs: FlakeInput, also: Fix['edits'] = []): Fix[] {
  const url = attribute(nixpkgs, 'url');
  if (!url) return [];
  return [
    {
      title: `Use ${input.name}'s nixpkgs for the whole flake: nixpkgs.follows = "${input.name}/nixpkgs" (its README's setup; the system then gets the nixpkgs revision ${input.name} pins)`,
      edits: [...also, { start: url.key.start, end: url.value.end, newText: `follows = "${input.name}/nixpkgs"` }],
    },
  ];
}

function rosNotFollowed(input: FlakeInput, nixpkgs: FlakeInput): Finding {
  const message =
    `\`${input.name}\` pins a nixpkgs of its own, and this flake's \`nixpkgs\` does not follow it: ROS packages are then built against this flake's nixpkgs, ` +
    `not the one nix-ros-overlay's binary cache was built against, so they are compiled locally. nix-ros-overlay's README sets \`nixpkgs.follows = "${input.name}/nixpkgs"\`.`;
  return { ...input.keys[0]!, severity: 'warning', code: 'nixpkgs-not-followed', message, fixes: followRosFix(input, nixpkgs) };
}

function rosReplaced(input: FlakeInput, override: InputOverride, nixpkgs: FlakeInput): Finding {
  const target = override.follows?.text;
  const replaced = target !== undefined ? `made to follow \`${target || '(this flake)'}\`` : 'given another nixpkgs';
  const message =
    `\`${input.name}\` is ${replaced} instead of its own nixpkgs: ROS packages are then built against a nixpkgs nix-ros-overlay's binary cache was not built against, ` +
    `so they are compiled locally. nix-ros-overlay's README does the reverse: \`nixpkgs.follows = "${input.name}/nixpkgs"\`.`;
  // Only a plain `…inputs.nixpkgs.follows = "nixpkgs";` binding is taken out by the fix.
  const binding = override.follows && override.attributes.length === 0 ? override.follows.binding : undefined;
  const fixes = binding ? followRosFix(input, nixpkgs, [{ start: binding.start, end: binding.end, newText: '' }]) : [];
  return { ...override.key, severity: 'warning', code: 'ros-nixpkgs-replaced', message, fixes };
}

function jetpackNotFollowed(input: FlakeInput): Finding {
  const fixes: Fix[] = [];
  if (input.insertion) {
    const { offset, before, prefix } = input.insertion;
    fixes.push({ title: `Make ${input.name} follow this flake's nixpkgs`, edits: [{ start: offset, end: offset, newText: `${before}${prefix}inputs.nixpkgs.follows = "nixpkgs";` }] });
  }
  const message =
    `\`${input.name}\` keeps its own nixpkgs: its module applies its overlay to this flake's packages, but the overlay takes \`lib\` from that second nixpkgs, ` +
    `which Nix fetches too. jetpack-nixos's README gives it the flake's: \`inputs.nixpkgs.follows = "nixpkgs";\`.`;
  return { ...input.keys[0]!, severity: 'warning', code: 'nixpkgs-not-followed', message, fixes };
}

function attribute(input: FlakeInput, name: string): InputAttribute | undefined {
  return input.attributes.find((a) => a.name === name);
}
