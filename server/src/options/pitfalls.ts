import type { Finding } from '../analysis/diagnostic';
import type { GroupView } from './group-views';
import { moduleDefinitions, type ModuleBody, type ModuleGroup } from './modules';
import type { RuleDef } from './rules';

/**
 * A pitfall jetpack-nixos users fall into: handing NixOS a package set made elsewhere
 * (`specialArgs = { inherit pkgs; }`, `_module.args.pkgs = …`). NixOS then uses that set as it is
 * and ignores `nixpkgs.overlays` and `nixpkgs.config` (its own evaluation warns so for
 * `specialArgs.pkgs`), while jetpack-nixos's module adds its packages through `nixpkgs.overlays`
 * (`pkgs.nvidia-jetpack`, chosen by the configuration's SoM and JetPack release) and its CUDA
 * settings through `nixpkgs.config`. No fix is offered: what the outside set was imported with
 * (`config`, `overlays`, a system) has to move into the configuration by hand.
 */

const CONSEQUENCE =
  'NixOS then ignores `nixpkgs.overlays` and `nixpkgs.config`, through which jetpack-nixos adds `pkgs.nvidia-jetpack` for this SoM and JetPack release and its CUDA settings, so they are missing or built for the wrong module';

/** Whether a configuration uses jetpack-nixos: its module is part of it, or one of its modules sets its options. */
function usesJetpack(defs: RuleDef[], views: GroupView[], refs: ModuleGroup['refs']): boolean {
  const sets = (list: RuleDef[]) => list.some((d) => d.name.startsWith('hardware.nvidia-jetpack.'));
  return (
    sets(defs) ||
    refs.some((r) => r.kind === 'known' && r.project === 'jetpack-nixos') ||
    views.some((v) => v.projects.has('jetpack-nixos') || sets(v.defs))
  );
}

/** Where a module sets `_module.args.pkgs` (also through `_module.args = { … }` and `inherit`). */
function moduleArgsPkgs(m: ModuleBody): { start: number; end: number } | undefined {
  if (!m.node.text.includes('_module')) return undefined;
  const def = moduleDefinitions(m).definitions.find((d) => d.path.map((s) => s.name).join('.') === '_module.args.pkgs');
  const key = def?.path.at(-1);
  return key ? { start: key.start, end: key.end } : undefined;
}

/**
 * The pitfall wherever this file shows it: in the `specialArgs` of a configuration it makes, and
 * in its modules, for configurations that use jetpack-nixos.
 */
export function pkgsPitfalls(found: { modules: ModuleBody[]; groups: ModuleGroup[] }, defsOf: (module: number) => RuleDef[], views: GroupView[][]): Finding[] {
  const out: Finding[] = [];
  const groupUses = found.groups.map((g, k) => usesJetpack(g.members.flatMap((m) => defsOf(m.module)), views[k]!, g.refs));
  found.groups.forEach((g, k) => {
    const given = g.site?.specialPkgs;
    if (!given || !groupUses[k]) return;
    const at = { start: given.startIndex, end: given.endIndex };
    const message = `\`pkgs\` passed in \`specialArgs\` replaces the package set NixOS makes for this configuration: ${CONSEQUENCE}. Leave \`pkgs\` out of \`specialArgs\`, and set \`nixpkgs.hostPlatform\` (and the \`nixpkgs.config\` and \`nixpkgs.overlays\` that package set had) in a module.`;
    out.push({ ...at, severity: 'warning', code: 'pkgs-replaced', message });
  });
  found.modules.forEach((m, i) => {
    const at = moduleArgsPkgs(m);
    const inJetpack = found.groups.some((g, k) => groupUses[k] && g.members.some((x) => x.module === i));
    if (!at || !inJetpack) return;
    const message = `\`_module.args.pkgs\` replaces the package set NixOS makes for this configuration: ${CONSEQUENCE}. Set \`nixpkgs.hostPlatform\`, \`nixpkgs.config\` and \`nixpkgs.overlays\` instead.`;
    out.push({ ...at, severity: 'warning', code: 'pkgs-replaced', message });
  });
  return out;
}
