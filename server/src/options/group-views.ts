import type { ModuleGroup } from './modules';
import { reach, type RefFact } from './cross-file';
import type { Node } from 'web-tree-sitter';
import { plainLiteral, type PlainLiteral, type RuleDef } from './rules';
import { literalOf } from './values';
import type { OptionCheckOptions } from './check';

/**
 * One configuration a group of this file's modules is part of, as the rules see it: the
 * definitions its other files add, and whether some of its modules are hidden from us.
 */
export interface GroupView {
  defs: RuleDef[];
  /** A module we cannot see into: an option left unset here may be set there. */
  unseen: boolean;
  /** Another flake's module is part of it. */
  external: boolean;
  /** Projects whose modules are part of it (`jetpack-nixos`, …). */
  projects: Set<string>;
  /** What its `specialArgs` gives the modules' arguments. */
  args: Map<string, ArgValue>;
  /** The configuration's name, when it is made in another file (`nixosConfigurations.scout`). */
  label?: string;
}

/** A literal `specialArgs` gives: written here (`node`), or in another file of the configuration (`origin`). */
export interface ArgValue {
  literal: PlainLiteral;
  node?: Node;
  origin?: { file: string; line: number };
}

/**
 * The configurations a group is part of. A configuration the file makes is one; the file's own
 * module is part of every configuration the workspace makes with it (or of unknown ones, which
 * leaves it unseen); a `nixosModules` output is combined with modules we never see. `named`: the
 * group's modules are written once for several configurations (a helper's), so findings name it.
 */
export function groupViews(group: ModuleGroup, options: OptionCheckOptions, named = false): GroupView[] {
  const ws = options.workspace;
  const refs = group.refs as RefFact[];
  const alone = (): GroupView => {
    const r = ws ? reach(refs, ws, options.file) : undefined;
    const unseen = r ? r.unseen : refs.some((x) => x.kind !== 'known');
    const projects = r?.projects ?? new Set(refs.flatMap((x) => (x.kind === 'known' ? [x.project] : [])));
    const args = new Map<string, ArgValue>();
    for (const [name, node] of group.site?.args ?? []) {
      const literal = plainLiteral(literalOf(node));
      if (literal.kind !== 'unknown') args.set(name, { literal, node });
    }
    const view: GroupView = { defs: r?.defs ?? [], unseen: unseen || group.kind !== 'configuration', external: r ? r.external : refs.some((x) => x.kind === 'external'), projects, args };
    if (named && group.site) view.label = group.site.label;
    return view;
  };
  if (group.kind !== 'own' || !ws || options.file === undefined) return [alone()];
  const file = options.file;
  const configurations = ws.including(file).filter((c) => c.file !== file);
  if (configurations.length === 0) return [alone()];
  return configurations.map((c) => {
    // The file's own imports are read live (they may have changed since the workspace was scanned).
    const r = reach([...c.refs, ...refs], ws, file);
    const args = new Map(Object.entries(c.args ?? {}).map(([name, a]) => [name, { literal: a.literal, origin: { file: c.file, line: a.line } }] as const));
    return { defs: [...c.defs, ...r.defs], unseen: r.unseen, external: r.external, projects: r.projects, args, label: c.label };
  });
}
