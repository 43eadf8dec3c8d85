import {
  DEPENDENCY_ORDER,
  type DistroHeader,
  type Extraction,
  type IndexHeader,
  type IndexSource,
  INDEX_MAGIC,
  type RemovedDistro,
  type RosPackage,
} from './types';

/**
 * Writing and reading the compact index file (its layout is described in `types.ts`). Reading
 * splits the text into lines and parses the header; strings and package lines are decoded only
 * when someone asks for them, which keeps the first lookup cheap (JSON with one array per
 * package took 45-70 ms to parse; see the report of issue 14).
 */

/** The ROS name superflore's attribute stands for by default (`nav2-bringup` → `nav2_bringup`). */
export function defaultRosName(attr: string): string {
  return attr.replace(/-/g, '_');
}

class StringTable {
  private readonly counts = new Map<string, number>();
  private index = new Map<string, number>();

  count(s: string | undefined): void {
    if (s !== undefined) this.counts.set(s, (this.counts.get(s) ?? 0) + 1);
  }

  /** Freezes the order: most used first, then alphabetical, so the output is stable. */
  seal(): string[] {
    const strings = [...this.counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([s]) => s);
    this.index = new Map(strings.map((s, i) => [s, i]));
    return strings;
  }

  ref(s: string | undefined): string {
    return s === undefined ? '' : this.index.get(s)!.toString(36);
  }
}

function ownRosName(p: RosPackage): string | undefined {
  return p.rosName !== undefined && p.rosName !== defaultRosName(p.attr) ? p.rosName : undefined;
}

function packageStrings(p: RosPackage): (string | undefined)[] {
  return [p.attr, p.version, p.description, p.buildType, ownRosName(p), ...p.licenses, ...DEPENDENCY_ORDER.flatMap((l) => p.dependencies[l])];
}

function packageLine(p: RosPackage, t: StringTable): string {
  const list = (items: string[]): string => items.map((s) => t.ref(s)).join(',');
  const fields = [t.ref(p.attr), t.ref(p.version), t.ref(p.description), list(p.licenses), t.ref(p.buildType), ...DEPENDENCY_ORDER.map((l) => list(p.dependencies[l]))];
  const rosName = ownRosName(p);
  if (rosName !== undefined) fields.push(t.ref(rosName));
  return fields.join('\t');
}

/** A string as one line: backslashes, newlines and carriage returns escaped. */
function escapeLine(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** The inverse of `escapeLine`. */
export function unescapeLine(line: string): string {
  return line.includes('\\') ? line.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c)) : line;
}

/** The file's text for an extraction, its source and the removed distributions. */
export function writeIndex(extraction: Extraction, source: IndexSource, removed: RemovedDistro[]): string {
  const t = new StringTable();
  for (const d of extraction.distros) for (const p of d.packages) for (const s of packageStrings(p)) t.count(s);
  const strings = t.seal();
  const distros: DistroHeader[] = extraction.distros.map((d) => ({
    name: d.name,
    ...(d.rosVersion !== undefined ? { rosVersion: d.rosVersion } : {}),
    packages: d.packages.length,
    overlayNames: d.overlayNames.map((o) => [o.name, o.kind, o.target ?? null, o.file, o.line ?? 0]),
    incomplete: d.incomplete,
  }));
  const header: IndexHeader = { source, strings: strings.length, distros, otherAttributes: extraction.otherAttributes, removed };
  const lines = [INDEX_MAGIC, JSON.stringify(header), ...strings.map(escapeLine)];
  for (const d of extraction.distros) for (const p of d.packages) lines.push(packageLine(p, t));
  return `${lines.join('\n')}\n`;
}

/** A file split into its parts, nothing decoded beyond the header. */
export interface IndexLines {
  header: IndexHeader;
  /** The string lines, still escaped. */
  strings: string[];
  /** Each distribution's package lines, by name. */
  packages: Map<string, string[]>;
}

/** Splits an index file; the reason when it is not one this version reads. */
export function readIndex(text: string): { index: IndexLines } | { error: string } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines[0] !== INDEX_MAGIC) return { error: `not a ROS index of this version (the first line is not "${INDEX_MAGIC}")` };
  let header: IndexHeader;
  try {
    header = JSON.parse(lines[1] ?? '') as IndexHeader;
  } catch (err) {
    return { error: `the ROS index's header is not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const problem = headerProblem(header);
  if (problem) return { error: `the ROS index's header ${problem}` };
  const expected = 2 + header.strings + header.distros.reduce((n, d) => n + d.packages, 0);
  if (lines.length !== expected) return { error: `the ROS index has ${lines.length} lines; its header announces ${expected}` };
  const strings = lines.slice(2, 2 + header.strings);
  const packages = new Map<string, string[]>();
  let at = 2 + header.strings;
  for (const d of header.distros) {
    packages.set(d.name, lines.slice(at, at + d.packages));
    at += d.packages;
  }
  return { index: { header, strings, packages } };
}

function headerProblem(h: IndexHeader): string | undefined {
  if (typeof h !== 'object' || h === null) return 'is not an object';
  if (typeof h.source?.revision !== 'string' || typeof h.source.project !== 'string') return 'has no source revision';
  if (!Number.isInteger(h.strings) || h.strings < 0) return 'has no string count';
  if (!Array.isArray(h.otherAttributes) || !Array.isArray(h.removed) || !Array.isArray(h.distros)) return 'lacks its lists';
  for (const d of h.distros) {
    if (typeof d?.name !== 'string' || !Number.isInteger(d.packages) || d.packages < 0 || !Array.isArray(d.overlayNames) || !Array.isArray(d.incomplete)) {
      return `has a malformed distribution (${String(d?.name)})`;
    }
  }
  return undefined;
}
