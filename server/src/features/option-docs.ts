import type { OptionDecl, Schema, SomFacts } from '../schema/types';
import { describeType } from '../options/schema-index';

/** Markdown documentation of an option, for hover and completion. */
export function optionMarkdown(o: OptionDecl, schema: Schema): string {
  const lines = [`**${o.name}**`, '', o.description, '', `*Type:* ${describeType(o.type)}`, ''];
  if (o.default) {
    lines.push(`*Default:* \`${o.default.text}\`${o.default.explanation ? ` — ${o.default.explanation}` : ''}`, '');
  }
  if (o.readOnly) lines.push('*Read-only:* set by jetpack-nixos, not by you.');
  if (o.renamedTo) lines.push(`*Renamed:* use \`${o.renamedTo}\`.`);
  const project = o.project ?? 'jetpack-nixos';
  const where = o.declaredIn ? ` \`${o.declaredIn.file}:${o.declaredIn.line}\`` : '';
  const pinned = schema.source.lockedIn ? `, the revision your ${schema.source.lockedIn} pins` : ' (bundled with Jetson Nix)';
  const revision = project === 'jetpack-nixos' ? ` at ${schema.source.revision}${pinned}` : '';
  lines.push('', `Declared in ${project}${where}${revision}.`);
  return lines.join('\n');
}

/** What a SoM value means: JetPack versions, CUDA, flash target, recovery USB ids. */
export function somMarkdown(s: SomFacts, schema: Schema): string {
  const jp = s.jetpackVersions
    .map((v) => {
      const j = schema.jetpacks[v];
      return j ? `JetPack ${v} (L4T ${j.l4t}, CUDA ${j.cuda})${v === s.defaultJetpack ? ', the default' : ''}` : `JetPack ${v}`;
    })
    .join('; ');
  const lines = [`**${s.som}**`, '', `Runs ${jp}.`, '', `CUDA capability: ${s.cudaCapabilities.join(', ')}.`];
  if (s.flashTarget) lines.push(`Flash target (devkit): \`${s.flashTarget}\`.`);
  else lines.push('No flash target: a generic image cannot be flashed or receive firmware updates.');
  if (s.recoveryUsbIds.length > 0) lines.push(`In recovery mode on USB: ${s.recoveryUsbIds.map((id) => `0955:${id}`).join(', ')}.`);
  return lines.join('\n');
}
