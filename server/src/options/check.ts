import type { Node } from 'web-tree-sitter';
import type { Finding } from '../analysis/diagnostic';
import type { OptionDecl } from '../schema/types';
import { moduleDeclarations } from './declarations';
import { EXTENSIBLE_ENUMS, findModulesWithVisibility, moduleDefinitions, type ModuleBody } from './modules';
import { checkRules, shiftRuleDef, toRuleDef, type RuleDef } from './rules';
import { OptionIndex } from './schema-index';
import { validateDefinitions } from './validate';

export interface OptionCheckOptions {
  /** The file is known to be a module (it is listed in a `modules` or `imports` list somewhere). */
  isModuleFile?: boolean;
  /** Options declared by the workspace's other files (custom carrier boards, own options). */
  declarations?: OptionDecl[];
}

/** What one module yields, with offsets relative to its start, reusable while it is unchanged. */
interface ModuleResult {
  length: number;
  declarations: OptionDecl[];
  /** The declarations the findings were judged against (by identity of their summary string). */
  judgedWith?: string;
  findings?: Finding[];
  defs?: RuleDef[];
}

/** Results by module node id; valid for the tree they were computed on and its successors. */
export type OptionCache = Map<number, ModuleResult>;

/**
 * Checks the NixOS option definitions of a parsed file against the schema. Modules that contain
 * syntax errors are skipped: their structure cannot be trusted until they parse. With `previous`,
 * modules tree-sitter reused unchanged since the last check are not walked again.
 */
export function checkOptions(root: Node, index: OptionIndex, options: OptionCheckOptions = {}, previous?: OptionCache): { findings: Finding[]; cache: OptionCache } {
  const cache: OptionCache = new Map();
  const found = findModulesWithVisibility(root, options.isModuleFile);
  const modules = found.modules.filter((m) => !m.node.hasError);
  if (modules.length === 0) return { findings: [], cache };
  const results = modules.map((m) => {
    const length = m.node.endIndex - m.node.startIndex;
    const old = previous?.get(m.node.id);
    // Declarations are read again every time: cheap (only `options` is walked), and they may use
    // `let` lists outside the module, which can change while the module itself does not.
    const declarations = moduleDeclarations(m);
    const r: ModuleResult = old && old.length === length ? { ...old, declarations } : { length, declarations };
    cache.set(m.node.id, r);
    return r;
  });
  const declared = [...(options.declarations ?? []), ...results.flatMap((r) => r.declarations)];
  // A read-only option may be defined once, and the module declaring it is the one that does.
  const declaredHere = new Set(results.flatMap((r) => r.declarations.map((d) => d.name)));
  const effective = declared.length > 0 ? new OptionIndex(index.schema, [...index.byName.values(), ...declared]) : index;
  // Results are reused only when judged against the same schema and the same extra declarations.
  const signature = `${index.generation}:${declared.length > 0 ? JSON.stringify(declared.map((d) => [d.name, d.type])) : ''}`;

  const out: Finding[] = [];
  const byGroup = new Map<number, RuleDef[]>();
  modules.forEach((m, i) => {
    const r = results[i]!;
    if (r.judgedWith !== signature || !r.findings || !r.defs) judge(m, r, effective, signature, declaredHere);
    const at = m.node.startIndex;
    const external = found.visibility.get(m.group)?.external ?? false;
    for (const f of r.findings!) {
      // Another flake's module may add values to these enums: with one in the configuration, don't judge them.
      if (external && f.code === 'invalid-enum-value' && f.option && EXTENSIBLE_ENUMS.has(f.option)) continue;
      out.push(shiftFinding(f, at));
    }
    const list = byGroup.get(m.group) ?? [];
    for (const d of r.defs!) list.push(shiftRuleDef(d, at));
    byGroup.set(m.group, list);
  });
  for (const [group, defs] of byGroup) out.push(...checkRules(defs, effective, found.visibility.get(group)?.unseen ?? true));
  return { findings: index.unverified ? out.map((f) => unverifiedFinding(f, index.unverified!)) : out, cache };
}

/**
 * A verdict against a schema that may not describe the pinned jetpack-nixos becomes a note that
 * says so. Only the module system's own rules (a top-level `config` beside definitions, a nixpkgs
 * setting at the top of a module) hold whatever the revision.
 */
function unverifiedFinding(f: Finding, note: string): Finding {
  if (f.code === 'module-structure' || f.option?.startsWith('nixpkgs.config.')) return f;
  return { ...f, severity: 'information', message: `${f.message} (only a note: ${note})` };
}

/** Walks one module and validates its definitions; stores the results relative to its start. */
function judge(m: ModuleBody, r: ModuleResult, index: OptionIndex, signature: string, declaredHere: ReadonlySet<string>): void {
  const at = m.node.startIndex;
  // `networking = { … }` or `systemd.services = { … }` cannot hold anything the schema knows: not walked.
  const { definitions, problems } = moduleDefinitions(m, (path) => {
    const names = path.map((s) => s.name);
    return index.isPrefix(names) || index.lookup(names) !== undefined;
  });
  const findings: Finding[] = problems.map((p) => ({
    start: p.start,
    end: p.end,
    severity: 'error',
    code: 'module-structure',
    message: p.message,
    related: { ...p.related, message: 'the top-level key' },
  }));
  findings.push(...validateDefinitions(definitions, index, declaredHere));
  r.findings = findings.map((f) => shiftFinding(f, -at));
  r.defs = definitions.map((d) => shiftRuleDef(toRuleDef(d), -at));
  r.judgedWith = signature;
}

/** Moves a finding, its related location and its fixes by `by` characters. */
export function shiftFinding(f: Finding, by: number): Finding {
  if (by === 0) return f;
  const out: Finding = { ...f, start: f.start + by, end: f.end + by };
  if (f.related) out.related = { ...f.related, start: f.related.start + by, end: f.related.end + by };
  if (f.fixes) out.fixes = f.fixes.map((x) => ({ ...x, edits: x.edits.map((e) => ({ ...e, start: e.start + by, end: e.end + by })) }));
  return out;
}
