import { type ConditionContext, evaluateCondition } from './conditions';
import { parseXml, type XmlElement, type XmlText } from './xml';

/**
 * A ROS `package.xml` (REP 127 format 1, REP 140 format 2, REP 149 format 3): the package's name
 * and its dependencies, each with where it is written, read the way catkin_pkg reads them (the
 * name is the element's text, CDATA excluded, stripped of spaces; only direct children of
 * `<package>` count).
 */

/** The dependency tags, and the formats that have each. */
export const DEPENDENCY_TAGS = {
  depend: [2, 3],
  build_depend: [1, 2, 3],
  build_export_depend: [2, 3],
  buildtool_depend: [1, 2, 3],
  buildtool_export_depend: [2, 3],
  exec_depend: [2, 3],
  run_depend: [1],
  test_depend: [1, 2, 3],
  doc_depend: [2, 3],
} as const;

export type DependencyTag = keyof typeof DEPENDENCY_TAGS;

/** What a shell for building and testing the package needs: everything but documentation tools. */
export const DEV_SHELL_TAGS: ReadonlySet<DependencyTag> = new Set(['depend', 'build_depend', 'build_export_depend', 'buildtool_depend', 'buildtool_export_depend', 'exec_depend', 'run_depend', 'test_depend']);

/** A range of offsets in the file. */
export interface Span {
  start: number;
  end: number;
}

export interface PackageDependency {
  tag: DependencyTag;
  /** The package or rosdep key (`rclcpp`, `python3-numpy`). */
  name: string;
  /** Where the name is written (the element's text, without the spaces around it). */
  nameSpan: Span;
  /** The whole element, from `<` to `>`. */
  elementSpan: Span;
  /** The `condition` attribute, with the range of its value; `verbatim` when the value is written without entities. */
  condition?: { text: string; span: Span; verbatim: boolean };
}

export interface ManifestProblem extends Span {
  message: string;
  /** `error`: catkin_pkg would reject the file or the dependency; `warning`: it would read it, perhaps not as meant. */
  severity: 'error' | 'warning';
}

export interface PackageManifest {
  /** 1 when `<package>` has no `format` attribute, as REP 127 says. */
  format: number;
  name?: string;
  nameSpan?: Span;
  version?: string;
  /** `<export><build_type>`: `ament_cmake`, `ament_python`, `cmake`… */
  buildType?: string;
  dependencies: PackageDependency[];
  problems: ManifestProblem[];
}

const TAGS = new Set(Object.keys(DEPENDENCY_TAGS));

/** Text children joined (CDATA excluded, as catkin_pkg's minidom reading does), with the span of the stripped value. */
function textOf(el: XmlElement, source: string): { value: string; span: Span; cdataOnly: boolean } {
  const texts = el.children.filter((c): c is XmlText => c.kind === 'text');
  const value = texts.map((t) => t.value).join('').replace(/^[ \n\r\t]+|[ \n\r\t]+$/g, '');
  const cdataOnly = value === '' && el.children.some((c) => c.kind === 'cdata');
  if (texts.length === 0) return { value, span: { start: el.start, end: el.end }, cdataOnly };
  let start = texts[0]!.start;
  let end = texts.at(-1)!.end;
  while (start < end && /\s/.test(source[start]!)) start++;
  while (end > start && /\s/.test(source[end - 1]!)) end--;
  return { value, span: { start, end }, cdataOnly };
}

/** Reads a `package.xml`'s text. Never throws: what is wrong is in `problems`. */
export function parsePackageXml(source: string): PackageManifest {
  const doc = parseXml(source);
  const problems: ManifestProblem[] = doc.errors.map((e) => ({ ...e, severity: 'error' }));
  const manifest: PackageManifest = { format: 1, dependencies: [], problems };
  const root = doc.root;
  if (!root) return manifest;
  if (root.name !== 'package') {
    problems.push({ message: `the root element is <${root.name}>, not <package>`, start: root.nameStart, end: root.nameStart + root.name.length, severity: 'error' });
    return manifest;
  }
  const formatAttr = root.attributes.find((a) => a.name === 'format');
  if (formatAttr) {
    const f = Number(formatAttr.value);
    if (f === 1 || f === 2 || f === 3) manifest.format = f;
    else problems.push({ message: `format ${JSON.stringify(formatAttr.value)} is not 1, 2 or 3`, start: formatAttr.valueStart, end: formatAttr.valueEnd, severity: 'error' });
  }
  for (const child of root.children) {
    if (child.kind !== 'element') continue;
    if (child.name === 'name') {
      const t = textOf(child, source);
      manifest.name = t.value;
      manifest.nameSpan = t.span;
    } else if (child.name === 'version') manifest.version = textOf(child, source).value;
    else if (child.name === 'export') {
      const bt = child.children.find((c): c is XmlElement => c.kind === 'element' && c.name === 'build_type');
      if (bt) manifest.buildType = textOf(bt, source).value;
    } else if (TAGS.has(child.name)) readDependency(child, source, manifest);
  }
  if (manifest.name === undefined) problems.push({ message: 'the package has no <name>', start: root.nameStart, end: root.nameStart + root.name.length, severity: 'error' });
  return manifest;
}

function readDependency(el: XmlElement, source: string, manifest: PackageManifest): void {
  const tag = el.name as DependencyTag;
  const problem = (message: string, span: Span, severity: ManifestProblem['severity'] = 'error'): void => {
    manifest.problems.push({ message, ...span, severity });
  };
  const t = textOf(el, source);
  const elementSpan = { start: el.start, end: el.end };
  if (!(DEPENDENCY_TAGS[tag] as readonly number[]).includes(manifest.format)) {
    problem(`<${tag}> is not part of package format ${manifest.format}`, { start: el.nameStart, end: el.nameStart + tag.length });
  }
  if (t.value === '') {
    problem(t.cdataOnly ? `the name in <${tag}> is in a CDATA section, which catkin_pkg does not read` : `<${tag}> names no package`, elementSpan);
    return;
  }
  const dep: PackageDependency = { tag, name: t.value, nameSpan: t.span, elementSpan };
  const cond = el.attributes.find((a) => a.name === 'condition');
  if (cond) {
    const span = { start: cond.valueStart, end: cond.valueEnd };
    dep.condition = { text: cond.value, span, verbatim: source.slice(span.start, span.end) === cond.value };
    if (manifest.format < 3) problem(`the condition attribute needs package format 3 (this file is format ${manifest.format})`, { start: cond.nameStart, end: cond.valueEnd + 1 }, 'warning');
  }
  manifest.dependencies.push(dep);
}

/** A dependency with its condition decided for a context. */
export interface ResolvedDependency {
  dependency: PackageDependency;
  /** False when its condition is false (the dependency does not apply). */
  active: boolean;
  /** Why the condition could not be evaluated (the dependency is then not active). */
  conditionError?: { message: string; span: Span };
}

/** The dependencies with their conditions evaluated (`$ROS_VERSION == 2`…) for `context`. */
export function resolveDependencies(manifest: PackageManifest, context: ConditionContext): ResolvedDependency[] {
  return manifest.dependencies.map((dependency) => {
    if (!dependency.condition) return { dependency, active: true };
    const r = evaluateCondition(dependency.condition.text, context);
    if ('value' in r) return { dependency, active: r.value };
    // An offset in the decoded value is one in the file only when nothing was decoded.
    const { span, verbatim } = dependency.condition;
    const at = verbatim ? Math.min(span.start + r.offset, span.end) : span.start;
    return { dependency, active: false, conditionError: { message: `the condition does not parse: ${r.error}`, span: { start: at, end: Math.max(at + 1, span.end) } } };
  });
}
