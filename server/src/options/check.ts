import type { Node } from 'web-tree-sitter';
import type { Finding } from '../analysis/diagnostic';
import { moduleDeclarations } from './declarations';
import { findModulesWithVisibility, moduleDefinitions, type Definition } from './modules';
import { checkRules } from './rules';
import { OptionIndex } from './schema-index';
import { validateDefinitions } from './validate';
import type { OptionDecl } from '../schema/types';

export interface OptionCheckOptions {
  /** The file is known to be a module (it is listed in a `modules` or `imports` list somewhere). */
  isModuleFile?: boolean;
  /** Options declared by the workspace's other files (custom carrier boards, own options). */
  declarations?: OptionDecl[];
}

/**
 * Checks the NixOS option definitions of a parsed file against the schema. Modules that contain
 * syntax errors are skipped: their structure cannot be trusted until they parse.
 */
export function checkOptions(root: Node, index: OptionIndex, options: OptionCheckOptions = {}): Finding[] {
  const found = findModulesWithVisibility(root, options.isModuleFile);
  const modules = found.modules.filter((m) => !m.node.hasError);
  if (modules.length === 0) return [];
  const declared = [...(options.declarations ?? []), ...modules.flatMap(moduleDeclarations)];
  const effective = declared.length > 0 ? new OptionIndex(index.schema, [...index.byName.values(), ...declared]) : index;
  const out: Finding[] = [];
  const byGroup = new Map<number, Definition[]>();
  for (const m of modules) {
    const { definitions, problems } = moduleDefinitions(m);
    for (const p of problems) {
      out.push({ start: p.start, end: p.end, severity: 'error', code: 'module-structure', message: p.message, related: { ...p.related, message: 'the top-level key' } });
    }
    out.push(...validateDefinitions(definitions, effective));
    const list = byGroup.get(m.group) ?? [];
    list.push(...definitions);
    byGroup.set(m.group, list);
  }
  for (const [group, defs] of byGroup) out.push(...checkRules(defs, effective, found.visibility.get(group)?.unseen ?? true));
  return out;
}
