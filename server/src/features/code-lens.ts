import type { CodeLens } from 'vscode-languageserver/node';
import type { NixDocument } from '../parse/document';
import type { OptionIndex } from '../options/schema-index';
import { findModules, moduleDefinitions } from '../options/modules';
import { facts, toRuleDef, type RuleDef } from '../options/rules';

const JP = 'hardware.nvidia-jetpack';

/**
 * A line over each configuration's `hardware.nvidia-jetpack` settings summarising what they add
 * up to: "JetPack 6 · L4T 36.5.0 · CUDA 12.6 · flash target jetson-agx-orin-devkit". Shown only
 * where the SoM is a literal, so the summary is a fact and not a guess.
 */
export function configurationLenses(doc: NixDocument, index: OptionIndex): CodeLens[] {
  // No jetpack settings, no summary: most Nix files are answered without walking them.
  if (!doc.text.includes('nvidia-jetpack')) return [];
  const root = doc.syntaxTree().rootNode;
  const groups = new Map<number, RuleDef[]>();
  // Only what can lead to a jetpack option is walked (not networking, users, systemd…).
  const relevant = (path: { name: string }[]) => {
    const names = path.map((s) => s.name);
    return index.isPrefix(names) || index.lookup(names) !== undefined;
  };
  for (const m of findModules(root).filter((x) => !x.node.hasError)) {
    const defs = groups.get(m.group) ?? [];
    defs.push(...moduleDefinitions(m, relevant).definitions.map(toRuleDef));
    groups.set(m.group, defs);
  }
  const lenses: CodeLens[] = [];
  for (const defs of groups.values()) {
    const anchor = defs.find((d) => d.name.startsWith(JP));
    const { literal } = facts(defs);
    const somFact = literal.get(`${JP}.som`);
    if (!anchor || somFact?.literal.kind !== 'string') continue;
    const som = index.soms.get(somFact.literal.value);
    if (!som) continue;
    const versionFact = literal.get(`${JP}.majorVersion`);
    const version = versionFact?.literal.kind === 'string' ? versionFact.literal.value : som.defaultJetpack;
    const jp = index.schema.jetpacks[version];
    const board = literal.get(`${JP}.carrierBoard`);
    const boardName = board?.literal.kind === 'string' ? board.literal.value : undefined;
    const parts = [`JetPack ${version}${versionFact ? '' : ' (default)'}`];
    if (jp) parts.push(`L4T ${jp.l4t}`, `CUDA ${jp.cuda}`);
    if (som.som === 'generic') parts.push('no flash target (generic)');
    else if (som.flashTarget && boardName === 'devkit') parts.push(`flash target ${som.flashTarget}`);
    else parts.push(`carrier board ${boardName ?? 'generic'}`);
    const line = doc.lineIndex.position(anchor.start).line;
    lenses.push({
      range: { start: { line, character: 0 }, end: { line, character: 0 } },
      command: { title: parts.join(' · '), command: '' },
    });
  }
  return lenses;
}
