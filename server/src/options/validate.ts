import type { Node } from 'web-tree-sitter';
import type { Finding, DiagnosticCode, Fix } from '../analysis/diagnostic';
import type { OptionDecl, OptionType } from '../schema/types';
import type { Definition, Segment } from './modules';
import { type OptionIndex, closest, describeType, nonNull } from './schema-index';
import { productNameSuggestions } from './product-names';
import { type Literal, literalOf, showLiteral } from './values';

/**
 * Checks option definitions against the schema: unknown names under the namespaces the schema
 * owns, values of the wrong type or outside an enum, renamed and read-only options. A value that
 * is not a literal is never judged; zero false positives on valid configurations is the rule.
 */

function finding(code: DiagnosticCode, severity: Finding['severity'], start: number, end: number, message: string): Finding {
  return { start, end, severity, code, message };
}

/** Keys every submodule accepts besides its options: they belong to the module system. */
const MODULE_SYSTEM_KEYS = new Set(['imports', 'config', 'options', '_module', 'freeformType', '_file', 'key']);

/** Options people put at the top of a module where NixOS has none: the option they meant. */
const MISPLACED: Record<string, string> = {
  cudaCapabilities: 'nixpkgs.config.cudaCapabilities',
  cudaSupport: 'nixpkgs.config.cudaSupport',
  allowUnfree: 'nixpkgs.config.allowUnfree',
};

/**
 * `declaredHere`: options the file itself declares. Its own definition of a read-only option is
 * the one NixOS allows (jetpack-nixos's flash-script.nix declares and sets `flashScript`).
 */
export function validateDefinitions(definitions: Definition[], index: OptionIndex, declaredHere: ReadonlySet<string> = new Set()): Finding[] {
  const out: Finding[] = [];
  const stopped: string[] = [];
  for (const def of definitions) {
    const names = def.path.map((s) => s.name);
    const joined = names.join('.');
    if (stopped.some((p) => joined === p || joined.startsWith(p + '.'))) continue;
    const last = def.path[def.path.length - 1]!;
    const found = index.lookup(names);
    if (found && found.rest.length === 0) {
      out.push(...checkDefinition(def, found.decl, last, declaredHere.has(found.decl.name)));
      if (def.kind === 'set') stopped.push(joined);
      continue;
    }
    if (found) {
      out.push(...checkBelow(def, found.decl, found.rest, index));
      // Below a set of submodules (`services.ros2.nodes.<name>`), the fields are checked one by
      // one; below a field (or anything else), nothing more is.
      const t = nonNull(found.decl.type);
      const perField = t.kind === 'attrsOf' && t.of.kind === 'submodule';
      stopped.push(perField && found.rest.length >= 2 ? [found.decl.name, ...found.rest.slice(0, 2)].join('.') : perField ? joined : found.decl.name);
      if (perField && found.rest.length < 2) stopped.pop();
      continue;
    }
    if (index.isPrefix(names)) continue;
    const misplaced = names.length === 1 ? MISPLACED[names[0]!] : undefined;
    if (misplaced) {
      const f = finding('unknown-option', 'error', last.start, last.end, `\`${joined}\` is not a NixOS option: set \`${misplaced}\` instead`);
      f.option = misplaced;
      out.push(f);
      continue;
    }
    const namespace = index.ownedBy(names);
    if (!namespace) continue;
    // Report at the first name that leaves the known options.
    let depth = namespace.split('.').length;
    while (depth < names.length && index.isPrefix(names.slice(0, depth + 1))) depth++;
    const wrong = def.path[Math.min(depth, def.path.length - 1)]!;
    const full = index.suggest(names, namespace);
    const suggestions = full.length > 0 ? full : index.suggest(names.slice(0, depth + 1), namespace);
    const hint = suggestions.length ? `: did you mean ${suggestions.map((s) => `\`${s}\``).join(', ')}?` : '';
    const unknown = finding('unknown-option', 'error', wrong.start, wrong.end, `\`${names.slice(0, depth + 1).join('.')}\` is not a jetpack-nixos option${hint}`);
    const fixes = suggestions.map((s) => renameFix(def, s.split('.'), `Change to \`${s}\``)).filter((f): f is Fix => !!f);
    if (fixes.length) unknown.fixes = fixes;
    out.push(unknown);
    stopped.push(names.slice(0, depth + 1).join('.'));
  }
  return out;
}

function checkDefinition(def: Definition, decl: OptionDecl, key: Segment, declaredHere: boolean): Finding[] {
  const out: Finding[] = [];
  if (decl.renamedTo) {
    const renamed = finding('renamed-option', 'warning', key.start, key.end, `\`${decl.name}\` was renamed to \`${decl.renamedTo}\`: use the new name`);
    const fix = renameFix(def, decl.renamedTo.split('.'), `Rename to \`${decl.renamedTo}\``);
    if (fix) renamed.fixes = [fix];
    out.push(renamed);
  }
  if (decl.readOnly && !declaredHere) {
    out.push(finding('read-only-option', 'error', key.start, key.end, `\`${decl.name}\` is read-only: it is computed by jetpack-nixos and cannot be set`));
  }
  if (def.kind === 'inherit' || !def.value) return out;
  if (def.kind === 'set') {
    const t = nonNull(decl.type);
    if (!acceptsSet(t)) out.push(mismatch(decl, { kind: 'attrs', node: def.value }, def.value));
    return out;
  }
  out.push(...checkValue(literalOf(def.value), decl.type, decl, def.value));
  return out;
}

/** `option.x = …` below an option: fields of a submodule are checked, free-form sets are not. */
function checkBelow(def: Definition, decl: OptionDecl, rest: string[], index: OptionIndex): Finding[] {
  const t = nonNull(decl.type);
  if (rest.some((r, i) => i <= 1 && MODULE_SYSTEM_KEYS.has(r))) return [];
  if (t.kind === 'submodule') {
    const field = t.options[rest[0]!];
    const seg = def.path[def.path.length - rest.length]!;
    if (!field) {
      const near = closest(rest[0]!, Object.keys(t.options));
      return [finding('unknown-option', 'error', seg.start, seg.end, `\`${rest[0]}\` is not an option of \`${decl.name}\`${near.length ? `: did you mean ${near.map((n) => `\`${n}\``).join(', ')}?` : ''}`)];
    }
    if (rest.length === 1 && def.kind === 'value' && def.value) return checkValue(literalOf(def.value), field.type, { ...field, name: `${decl.name}.${field.name}` }, def.value);
    return [];
  }
  // `services.ros2.nodes.<name>.<field>`: fields of a set of submodules.
  if (t.kind === 'attrsOf' && t.of.kind === 'submodule' && rest.length >= 2) {
    const fields = t.of.options;
    const field = fields[rest[1]!];
    const seg = def.path[def.path.length - rest.length + 1]!;
    const owner = `${decl.name}.${rest[0]}`;
    if (!field) {
      const near = closest(rest[1]!, Object.keys(fields));
      return [finding('unknown-option', 'error', seg.start, seg.end, `\`${rest[1]}\` is not an option of \`${decl.name}.<name>\`${near.length ? `: did you mean ${near.map((n) => `\`${n}\``).join(', ')}?` : ''}`)];
    }
    if (rest.length === 2 && def.kind === 'value' && def.value) return checkValue(literalOf(def.value), field.type, { ...field, name: `${owner}.${field.name}` }, def.value);
    return [];
  }
  if (acceptsSet(t) || def.kind === 'inherit') return [];
  void index;
  const key = def.path[def.path.length - rest.length - 1]!;
  return [finding('type-mismatch', 'error', key.start, key.end, `\`${decl.name}\` expects ${describeType(decl.type)}, but this defines \`${decl.name}.${rest.join('.')}\` inside it`)];
}

function acceptsSet(t: OptionType): boolean {
  return ['submodule', 'attrsOf', 'anything', 'unknown', 'oneOf', 'package', 'functionTo'].includes(t.kind);
}

function mismatch(decl: OptionDecl, value: Literal, node: Node): Finding {
  const hint = value.kind === 'int' && nonNull(decl.type).kind === 'enum' && (nonNull(decl.type) as { values: unknown[] }).values.includes(String(value.value))
    ? `: write it as a string, \`"${value.value}"\``
    : value.kind === 'string' && nonNull(decl.type).kind === 'bool' && (value.value === 'true' || value.value === 'false')
      ? `: write \`${value.value}\` without quotes`
      : value.kind === 'string' && /^-?\d+$/.test(value.value) && ['int', 'ints.positive', 'ints.unsigned', 'ints.between'].includes(nonNull(decl.type).kind)
        ? `: write \`${value.value}\` without quotes`
        : '';
  const f = finding('type-mismatch', 'error', node.startIndex, node.endIndex, `\`${decl.name}\` expects ${describeType(decl.type)}, not ${showLiteral(value)}${hint}`);
  if (hint) {
    const newText = value.kind === 'int' ? `"${value.value}"` : value.kind === 'string' ? value.value : undefined;
    if (newText !== undefined) f.fixes = [{ title: `Change to ${newText}`, edits: [{ start: node.startIndex, end: node.endIndex, newText }] }];
  }
  return f;
}

/**
 * Rewrites the written option path of `def` into `target` where the names that differ are all
 * written in this binding's own attribute path (the common case); otherwise no fix is offered.
 */
function renameFix(def: Definition, target: string[], title: string): Fix | undefined {
  const names = def.path.map((s) => s.name);
  let k = 0;
  while (k < names.length && k < target.length && names[k] === target[k]) k++;
  if (k === names.length) return undefined;
  if (def.kind === 'set' && target.length !== names.length) return undefined;
  const written = def.path.slice(k);
  for (let i = 1; i < written.length; i++) if (written[i]!.start !== written[i - 1]!.end + 1) return undefined;
  return { title, edits: [{ start: written[0]!.start, end: written[written.length - 1]!.end, newText: target.slice(k).join('.') }] };
}

/** Checks a literal against a type; silent for anything that is not a literal. */
export function checkValue(value: Literal, type: OptionType, decl: OptionDecl, node: Node): Finding[] {
  if (value.kind === 'unknown' || value.kind === 'function') return [];
  const t = type.kind === 'nullOr' ? (value.kind === 'null' ? undefined : nonNull(type)) : type;
  if (!t) return [];
  switch (t.kind) {
    case 'bool':
      return value.kind === 'bool' ? [] : [mismatch(decl, value, node)];
    case 'int':
    case 'ints.positive':
    case 'ints.unsigned':
    case 'ints.between':
      if (value.kind !== 'int') return [mismatch(decl, value, node)];
      if (t.kind === 'ints.between' && (value.value < t.min || value.value > t.max)) {
        return [finding('type-mismatch', 'error', node.startIndex, node.endIndex, `\`${decl.name}\` must be between ${t.min} and ${t.max}, not ${value.value}`)];
      }
      if (t.kind === 'ints.positive' && value.value <= 0) return [finding('type-mismatch', 'error', node.startIndex, node.endIndex, `\`${decl.name}\` must be a positive integer (at least 1), not ${value.value}`)];
      if (t.kind === 'ints.unsigned' && value.value < 0) return [finding('type-mismatch', 'error', node.startIndex, node.endIndex, `\`${decl.name}\` must be 0 or more, not ${value.value}`)];
      return [];
    case 'float':
      // NixOS's types.float accepts floats only: `1` must be written `1.0`.
      return value.kind === 'float' ? [] : [mismatch(decl, value, node)];
    case 'number':
      return value.kind === 'float' || value.kind === 'int' ? [] : [mismatch(decl, value, node)];
    case 'str':
    case 'lines':
      return value.kind === 'string' ? [] : [mismatch(decl, value, node)];
    case 'path':
      // NixOS accepts path literals and strings that are absolute paths (or store paths).
      if (value.kind === 'path') return [];
      if (value.kind === 'string' && !value.value.startsWith('/')) {
        return [finding('type-mismatch', 'error', node.startIndex, node.endIndex, `\`${decl.name}\` expects a path: a path literal (\`./${value.value}\`) or an absolute path string, not the relative string ${JSON.stringify(value.value)}`)];
      }
      return value.kind === 'string' ? [] : [mismatch(decl, value, node)];
    case 'package':
      return value.kind === 'int' || value.kind === 'bool' || value.kind === 'float' || value.kind === 'list' ? [mismatch(decl, value, node)] : [];
    case 'enum': {
      if (value.kind === 'string') {
        if (t.values.includes(value.value)) return [];
        const base = value.value.replace(/-super$/, '');
        if (base !== value.value && t.values.includes(base) && decl.name.endsWith('.som')) {
          // People write the Super variant's name as a SoM; Super is a separate switch.
          const f = finding('invalid-enum-value', 'error', node.startIndex, node.endIndex, `${JSON.stringify(value.value)} is not a SoM: write som = "${base}" and super = true`);
          f.fixes = [{ title: `Change to "${base}"`, edits: [{ start: node.startIndex, end: node.endIndex, newText: JSON.stringify(base) }] }];
          return [f];
        }
        const product = productNameSuggestions(decl.name, value.value, t.values.map(String));
        const near = product.length > 0 ? product : closest(value.value, t.values.map(String));
        const alsoSuper = product.length > 0 && decl.name.endsWith('.som') && /super/i.test(value.value) ? ' with super = true' : '';
        // Every product reading is named (`xavier-nx-8gb` is one of two modules); of look-alikes, the closest.
        const named = product.length > 0 ? near : near.slice(0, 1);
        const suggestion = near.length ? ` Did you mean ${named.map((n) => JSON.stringify(n)).join(' or ')}${alsoSuper}?` : '';
        const f = finding('invalid-enum-value', 'error', node.startIndex, node.endIndex, `${JSON.stringify(value.value)} is not a valid value of \`${decl.name}\`.${suggestion} Valid: ${t.values.map((v) => JSON.stringify(v)).join(', ')}`);
        if (near.length) f.fixes = near.map((n) => ({ title: `Change to "${n}"`, edits: [{ start: node.startIndex, end: node.endIndex, newText: JSON.stringify(n) }] }));
        f.option = decl.name;
        return [f];
      }
      const ok = (value.kind === 'int' || value.kind === 'bool') && t.values.includes(value.value);
      return ok ? [] : [mismatch(decl, value, node)];
    }
    case 'listOf':
      if (value.kind !== 'list') return [mismatch(decl, value, node)];
      return value.elements.flatMap((e) => checkValue(e.value, t.of, decl, e.node));
    case 'attrsOf':
      return value.kind === 'attrs' ? [] : [mismatch(decl, value, node)];
    case 'submodule':
      return value.kind === 'attrs' ? checkSubmoduleLiteral(value.node, t.options, decl) : [mismatch(decl, value, node)];
    case 'oneOf':
      return t.of.some((alt) => checkValue(value, alt, decl, node).length === 0) ? [] : [mismatch(decl, value, node)];
    default:
      return [];
  }
}

/** The fields of a submodule written as a set literal (e.g. an element of `firmware.variants`). */
function checkSubmoduleLiteral(set: Node, options: Record<string, OptionDecl>, decl: OptionDecl): Finding[] {
  const out: Finding[] = [];
  const bindingSet = set.namedChildren.find((c) => c?.type === 'binding_set');
  for (const b of bindingSet?.namedChildren ?? []) {
    if (b?.type !== 'binding') continue;
    const path = b.childForFieldName('attrpath');
    const first = path?.namedChildren.find((c) => c?.type === 'identifier');
    const value = b.childForFieldName('expression');
    if (!first || !value) continue;
    const field = options[first.text];
    if (!field && MODULE_SYSTEM_KEYS.has(first.text)) continue;
    if (!field) {
      const near = closest(first.text, Object.keys(options));
      out.push(finding('unknown-option', 'error', first.startIndex, first.endIndex, `\`${first.text}\` is not a field of \`${decl.name}\`${near.length ? `: did you mean ${near.map((n) => `\`${n}\``).join(', ')}?` : ''}`));
      continue;
    }
    if (path!.namedChildren.filter((c) => c?.type === 'identifier').length === 1) {
      out.push(...checkValue(literalOf(value), field.type, { ...field, name: `${decl.name}.${field.name}` }, value));
    }
  }
  return out;
}
