import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { Finding } from '../analysis/diagnostic';
import type { OptionDecl } from '../schema/types';
import { moduleDeclarations } from './declarations';
import { EXTENSIBLE_ENUMS, findModuleGroups, moduleDefinitions, type ModuleBody, type ModuleGroup } from './modules';
import { groupViews, type GroupView } from './group-views';
import { pkgsPitfalls } from './pitfalls';
import { specialArgFindings, withArgs } from './special-args';
import type { WorkspaceModules } from './cross-file';
import { checkRules, shiftRuleDef, toRuleDef, type RuleDef } from './rules';
import { OptionIndex } from './schema-index';
import { validateDefinitions } from './validate';

export interface OptionCheckOptions {
  /** The file is known to be a module (it is listed in a `modules` or `imports` list somewhere). */
  isModuleFile?: boolean;
  /** Options declared by the workspace's other files (custom carrier boards, own options). */
  declarations?: OptionDecl[];
  /** The document's absolute path: module paths resolve from its folder (none for an unsaved document). */
  file?: string;
  /** What the workspace's other files add to the configurations this file is part of. */
  workspace?: WorkspaceModules;
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
  const dir = options.file !== undefined ? path.dirname(options.file) : undefined;
  const found = findModuleGroups(root, { isModuleFile: options.isModuleFile ?? false, ...(dir !== undefined ? { dir } : {}) });
  if (!found.modules.some((m) => !m.node.hasError) && !found.groups.some((g) => g.site?.specialPkgs || g.site?.args)) return { findings: [], cache };
  const results = found.modules.map((m) => {
    if (m.node.hasError) return undefined;
    const length = m.node.endIndex - m.node.startIndex;
    const old = previous?.get(m.node.id);
    // Declarations are read again every time: cheap (only `options` is walked), and they may use
    // `let` lists outside the module, which can change while the module itself does not.
    const declarations = moduleDeclarations(m);
    const r: ModuleResult = old && old.length === length ? { ...old, declarations } : { length, declarations };
    cache.set(m.node.id, r);
    return r;
  });
  const own = results.flatMap((r) => r?.declarations ?? []);
  const declared = [...(options.declarations ?? []), ...own];
  const effective = declared.length > 0 ? new OptionIndex(index.schema, [...index.byName.values(), ...declared], index.unverified) : index;
  // Results are reused only when judged against the same schema and the same extra declarations.
  const signature = `${index.generation}:${declared.length > 0 ? JSON.stringify(declared.map((d) => [d.name, d.type])) : ''}`;
  // A read-only option may be defined once, and the module declaring it is the one that does.
  const declaredHere = new Set(own.map((d) => d.name));
  found.modules.forEach((m, i) => {
    const r = results[i];
    if (r && (r.judgedWith !== signature || !r.findings || !r.defs)) judge(m, r, effective, signature, declaredHere);
  });
  // A helper's configurations share the modules written in it: their findings say which one they hold for.
  const sites = new Map<number, number>();
  for (const g of found.groups) if (g.site) sites.set(g.site.node.id, (sites.get(g.site.node.id) ?? 0) + 1);
  const views = found.groups.map((g) => groupViews(g, options, g.site !== undefined && sites.get(g.site.node.id)! > 1));
  const locals = found.groups.map((g) => localDefs(g, found.modules, results));
  const out = [
    ...moduleFindings(found, results, views),
    ...ruleFindings(locals, views, effective, dir),
    ...specialArgFindings(locals.map((l) => l.defs), views, effective, dir),
    ...pkgsPitfalls(found, (i) => results[i]?.defs ?? [], views),
  ];
  return { findings: index.unverified ? out.map((f) => unverifiedFinding(f, index.unverified!)) : out, cache };
}

/** Every module's own findings, at their place in the document. */
function moduleFindings(found: { modules: ModuleBody[]; groups: ModuleGroup[] }, results: (ModuleResult | undefined)[], views: GroupView[][]): Finding[] {
  const out: Finding[] = [];
  found.modules.forEach((m, i) => {
    const r = results[i];
    if (!r) return;
    // With another flake's module in one of its configurations, a SoM or carrier board we do not
    // know may be that module's own; only a value that reads as a mistake (we can say what was meant) is reported.
    const external = found.groups.some((g, k) => g.members.some((x) => x.module === i) && views[k]!.some((v) => v.external));
    for (const f of r.findings!) {
      if (external && f.code === 'invalid-enum-value' && f.option && EXTENSIBLE_ENUMS.has(f.option) && !f.fixes?.length) continue;
      out.push(shiftFinding(f, m.node.startIndex));
    }
  });
  return out;
}

/** The rule definitions of a group's modules in this file, at their place; `broken` when one does not parse. */
function localDefs(g: ModuleGroup, modules: ModuleBody[], results: (ModuleResult | undefined)[]): { defs: RuleDef[]; broken: boolean } {
  const defs: RuleDef[] = [];
  let broken = false;
  for (const member of g.members) {
    const r = results[member.module];
    if (!r) broken = true;
    const at = modules[member.module]!.node.startIndex;
    for (const d of r?.defs ?? []) defs.push(member.conditional ? { ...shiftRuleDef(d, at), conditional: true } : shiftRuleDef(d, at));
  }
  return { defs, broken };
}

/**
 * Rules across options, once per configuration each group is part of; a finding is reported
 * once, naming the configurations made elsewhere it holds for (a shared module is in several).
 */
function ruleFindings(locals: { defs: RuleDef[]; broken: boolean }[], views: GroupView[][], index: OptionIndex, dir: string | undefined): Finding[] {
  const out = new Map<string, { finding: Finding; labels: string[] }>();
  locals.forEach((local, k) => {
    for (const view of views[k]!) {
      const defs = withArgs([...local.defs, ...view.defs], view);
      for (const f of checkRules(defs, index, view.unseen || local.broken, dir)) {
        const key = `${f.start}:${f.end}:${f.code}:${f.message}`;
        const entry = out.get(key) ?? { finding: f, labels: [] };
        if (view.label !== undefined && !entry.labels.includes(view.label)) entry.labels.push(view.label);
        out.set(key, entry);
      }
    }
  });
  return [...out.values()].map(({ finding, labels }) =>
    labels.length === 0 ? finding : { ...finding, message: `${finding.message} — in ${labels.map((l) => `\`${l}\``).join(', ')}` },
  );
}

/**
 * A verdict against a schema that may not describe the pinned jetpack-nixos becomes a note that
 * says so. Only the module system's own rules (a top-level `config` beside definitions, a nixpkgs
 * setting at the top of a module, a package set handed in from outside) hold whatever the revision.
 */
function unverifiedFinding(f: Finding, note: string): Finding {
  if (f.code === 'module-structure' || f.code === 'pkgs-replaced' || f.option?.startsWith('nixpkgs.config.')) return f;
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
