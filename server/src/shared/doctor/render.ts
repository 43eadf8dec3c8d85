/**
 * The doctor's report as people read it: plain text for `jetson-nix doctor` in a terminal or CI
 * log, Markdown for the extension's "Check Build Setup" document. Both come from the same blocks,
 * so they never say different things.
 */
import type { Verdict } from './capability';
import type { Fix } from './fixes';
import type { DoctorReport, Problem } from './report';

type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'line'; text: string; mark?: Verdict | 'info'; indent?: number }
  | { kind: 'code'; lines: string[]; language: string; indent?: number };

const TEXT_MARK: Record<Verdict | 'info', string> = { yes: '✓', warn: '!', no: '✗', unknown: '?', info: '·' };

function blocks(report: DoctorReport): Block[] {
  return [...machine(report), ...emulation(report), ...builders(report), ...systemsAndOutputs(report), ...caches(report), ...problemBlocks(report.problems)];
}

function machine(report: DoctorReport): Block[] {
  const h = report.host;
  const out: Block[] = [{ kind: 'heading', text: 'This machine' }];
  out.push({ kind: 'line', text: `${h.os}; user ${h.user}${h.trusted === undefined ? '' : h.trusted ? ' (trusted by Nix)' : ' (not a trusted Nix user)'}` });
  if (h.nixError) {
    out.push({ kind: 'line', mark: 'no', text: h.nixError });
    return out;
  }
  const access = h.storeAccess === 'daemon' ? 'through the Nix daemon' : h.storeAccess === 'local' ? 'directly (no daemon)' : 'unknown store access';
  out.push({ kind: 'line', text: `${h.nixVersion}, builds ${h.system}, store ${access}` });
  out.push({ kind: 'line', text: `extra-platforms: ${h.extraPlatforms.join(', ') || '(none)'}` });
  out.push({ kind: 'line', text: `system-features: ${h.systemFeatures.join(', ') || '(none)'}` });
  return out;
}

function emulation(report: DoctorReport): Block[] {
  const out: Block[] = [{ kind: 'heading', text: 'Emulation (binfmt_misc)' }];
  const e = report.emulation;
  if (e.status === 'missing') out.push({ kind: 'line', mark: 'info', text: 'binfmt_misc is not mounted: the kernel runs no foreign programs.' });
  else if (e.status === 'unreadable') out.push({ kind: 'line', mark: 'warn', text: '/proc/sys/fs/binfmt_misc could not be read.' });
  else if (e.status === 'disabled') out.push({ kind: 'line', mark: 'warn', text: 'binfmt_misc is disabled.' });
  else if (e.entries.length === 0) out.push({ kind: 'line', mark: 'info', text: 'No emulator is registered.' });
  for (const entry of e.entries) {
    const flag = entry.flags.includes('F') ? 'F flag set' : 'no F flag';
    out.push({ kind: 'line', mark: entry.enabled ? 'yes' : 'warn', text: `${entry.name}: ${entry.system ?? 'not an ELF system'} via ${entry.interpreter} (flags ${entry.flags || 'none'}, ${flag})${entry.enabled ? '' : ', disabled'}` });
  }
  return out;
}

function builders(report: DoctorReport): Block[] {
  const out: Block[] = [{ kind: 'heading', text: 'Remote builders' }];
  if (report.builders.length === 0) out.push({ kind: 'line', mark: 'info', text: 'None configured.' });
  for (const b of report.builders) {
    const mark: Verdict = b.status === 'answered' ? 'yes' : b.status === 'not-checked' ? 'unknown' : 'no';
    const status = b.ignored ? 'ignored by the daemon' : b.status === 'answered' ? `answered${b.detail ? ` (${b.detail})` : ''}` : b.status === 'timed-out' ? 'did not answer in time' : b.status === 'failed' ? `did not answer: ${b.detail}` : 'not checked';
    out.push({ kind: 'line', mark, text: `${b.host} (${b.uri}): ${b.systems.join(', ') || 'this machine\'s system'}, ${b.maxJobs} job${b.maxJobs === 1 ? '' : 's'}${b.features.length > 0 ? `, ${b.features.join(', ')}` : ''} [${b.source}] — ${status}` });
  }
  return out;
}

function systemsAndOutputs(report: DoctorReport): Block[] {
  const out: Block[] = [{ kind: 'heading', text: 'Systems' }];
  for (const s of report.systems) out.push({ kind: 'line', mark: s.verdict, text: `${s.system}: ${s.summary}` });
  if (report.flake === undefined) return out;
  out.push({ kind: 'heading', text: `Outputs of ${report.flake}` });
  if (report.targets.length === 0) out.push({ kind: 'line', mark: 'info', text: 'No nixosConfigurations or packages are written literally in flake.nix.' });
  for (const t of report.targets) {
    out.push({ kind: 'line', mark: t.verdict, text: `${t.label}: ${t.summary}` });
    out.push({ kind: 'line', indent: 1, text: `${t.installable} — needs ${t.reason}` });
  }
  return out;
}

function caches(report: DoctorReport): Block[] {
  const out: Block[] = [{ kind: 'heading', text: 'Binary caches' }];
  if (report.substituters.length === 0) out.push({ kind: 'line', mark: 'warn', text: 'No substituters: everything is built here.' });
  for (const s of report.substituters) out.push({ kind: 'line', mark: s.used ? 'yes' : 'warn', text: `${s.url}${s.used ? '' : `: not used, ${s.reason}`}` });
  for (const c of report.caches) out.push({ kind: 'line', mark: 'warn', text: `${c.message} ${c.consequence}` });
  return out;
}

function problemBlocks(problems: readonly Problem[]): Block[] {
  const out: Block[] = [{ kind: 'heading', text: 'Problems and fixes' }];
  if (problems.length === 0) out.push({ kind: 'line', mark: 'yes', text: 'None found.' });
  for (const p of problems) {
    out.push({ kind: 'line', mark: p.severity === 'error' ? 'no' : 'warn', text: p.message });
    for (const d of p.details) out.push({ kind: 'line', indent: 1, text: d });
    for (const fix of p.fixes) out.push(...fixBlocks(fix));
  }
  return out;
}

/** A fix: its title and what it costs, the text to add to a file, and the commands to run in a terminal. */
export function fixBlocks(fix: Fix): Block[] {
  const out: Block[] = [{ kind: 'line', indent: 1, text: `Fix — ${fix.title}: ${fix.detail}` }];
  if (fix.snippet) {
    out.push({ kind: 'line', indent: 2, text: fix.snippet.file ? `Add to ${fix.snippet.file}:` : 'Add to the configuration:' });
    out.push({ kind: 'code', indent: 2, language: fix.snippet.language === 'nix' ? 'nix' : 'ini', lines: fix.snippet.text.split('\n') });
  }
  if (fix.commands && fix.commands.length > 0) {
    out.push({ kind: 'line', indent: 2, text: 'Run in a terminal (needs root):' });
    out.push({ kind: 'code', indent: 2, language: 'sh', lines: fix.commands });
  }
  if (fix.command) out.push({ kind: 'line', indent: 2, text: 'In VS Code: Jetson Nix: Use a Remote Builder… walks through it.' });
  return out;
}

/** The report for a terminal. */
export function renderText(report: DoctorReport): string {
  const lines: string[] = ['Jetson Nix build doctor'];
  for (const b of blocks(report)) {
    const pad = '  '.repeat((b.kind === 'heading' ? 0 : (b.indent ?? 0)) + (b.kind === 'heading' ? 0 : 1));
    if (b.kind === 'heading') lines.push('', b.text);
    else if (b.kind === 'line') lines.push(`${pad}${b.mark ? `${TEXT_MARK[b.mark]} ` : ''}${b.text}`);
    else lines.push(...b.lines.map((l) => `${pad}  ${l}`));
  }
  return lines.join('\n') + '\n';
}

/** Symbols every editor font has (the document is read as source as often as previewed). */
const MD_MARK: Record<Verdict | 'info', string> = { yes: '✓', warn: '⚠', no: '✗', unknown: '?', info: 'ℹ' };

/** The report as a Markdown document (the extension's "Check Build Setup"). */
export function renderMarkdown(report: DoctorReport, title = 'Jetson Nix: Build Setup'): string {
  const lines: string[] = [`# ${title}`, ''];
  const verdict = report.flake === undefined ? '' : report.buildable ? 'Every output of the flake whose system is known can be built here.' : 'Some outputs of the flake cannot be built here: see the fixes below.';
  if (verdict) lines.push(`**${verdict}**`, '');
  for (const b of blocks(report)) {
    if (b.kind === 'heading') lines.push('', `## ${b.text}`, '');
    else if (b.kind === 'line') lines.push(`${'  '.repeat(b.indent ?? 0)}- ${b.mark ? `${MD_MARK[b.mark]} ` : ''}${escapeMarkdown(b.text)}`);
    else lines.push('', ...fence(b.lines, b.language, '  '.repeat((b.indent ?? 0) + 1)), '');
  }
  return lines.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

function fence(code: string[], language: string, indent: string): string[] {
  return [`${indent}\`\`\`${language}`, ...code.map((l) => `${indent}${l}`), `${indent}\`\`\``];
}

/**
 * Keeps `*`, `<`, brackets and backticks in names and URLs from turning into formatting. An `_`
 * inside a word (x86_64) formats nothing in CommonMark, so only one at a word's edge is escaped.
 */
function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*<>[\]])/g, '\\$1').replace(/(^|\W)_|_(?=\W|$)/g, (m) => m.replace('_', '\\_'));
}
