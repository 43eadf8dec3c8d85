import * as path from 'node:path';
import type { Finding } from '../analysis/diagnostic';
import type { GroupView } from './group-views';
import { EXTENSIBLE_ENUMS } from './modules';
import type { RuleDef } from './rules';
import type { OptionIndex } from './schema-index';
import { checkValue } from './validate';
import { literalOf } from './values';

/**
 * Values a configuration hands its modules through `specialArgs` (`specialArgs = { som =
 * "orin-nx"; }` with a module `{ som, ... }: { hardware.nvidia-jetpack.som = som; }`): the rules
 * see the value where the module uses it, and the value is checked against the option's type
 * where it is written, in the file that makes the configuration.
 */

/**
 * A definition whose value is a module argument `specialArgs` gives, with that value, standing
 * where the value is written: a rule about it is reported at the `specialArgs` entry (in the file
 * that makes the configuration), not in the module every configuration shares.
 */
export function withArgs(defs: RuleDef[], view: GroupView): RuleDef[] {
  return defs.map((d) => {
    const given = d.arg !== undefined && d.literal.kind === 'unknown' ? view.args.get(d.arg) : undefined;
    if (!given) return d;
    const { anchor: _, origin: __, ...rest } = d;
    if (given.node) return { ...rest, kind: 'value', literal: given.literal, start: given.node.startIndex, end: given.node.endIndex };
    return { ...rest, kind: 'value', literal: given.literal, ...(given.origin ? { origin: given.origin } : {}) };
  });
}

/** Type checks of the `specialArgs` values written in this file, once per option they reach. */
export function specialArgFindings(localDefs: RuleDef[][], views: GroupView[][], index: OptionIndex, dir: string | undefined): Finding[] {
  const out = new Map<string, Finding>();
  views.forEach((groupViews, k) => {
    for (const view of groupViews) {
      for (const [name, given] of view.args) {
        if (!given.node) continue;
        for (const d of [...localDefs[k]!, ...view.defs]) {
          const decl = d.arg === name && d.literal.kind === 'unknown' ? index.byName.get(d.name) : undefined;
          if (!decl) continue;
          for (const f of checkValue(literalOf(given.node), decl.type, decl, given.node)) {
            // Beside another flake's module, a SoM or carrier board we do not know may be its own.
            if (view.external && f.code === 'invalid-enum-value' && EXTENSIBLE_ENUMS.has(decl.name) && !f.fixes?.length) continue;
            const where = d.origin ? `in ${dir !== undefined ? path.relative(dir, d.origin.file) : path.basename(d.origin.file)} on line ${d.origin.line + 1}` : 'on line {line}';
            const finding: Finding = { ...f, message: `${f.message} (given through \`specialArgs\` to \`${d.name}\`, which is set from \`${name}\` ${where})` };
            if (!d.origin) finding.related = { start: d.start, end: d.end, message: `\`${d.name}\` is set from \`${name}\` here` };
            out.set(`${finding.start}:${finding.code}:${finding.message}`, finding);
          }
        }
      }
    }
  });
  return [...out.values()];
}
