/**
 * package.xml: the XML reader, REP 149 conditions and the dependencies with their positions, on
 * the fixture colcon workspace and inline cases; and the same answers as catkin_pkg (ROS's own
 * reader, from Debian's python3-catkin-pkg) where it is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { evaluateCondition, rosConditionContext } from '../../server/src/ros/conditions';
import { type DependencyTag, parsePackageXml, resolveDependencies } from '../../server/src/ros/package-xml';
import { parseXml, type XmlElement } from '../../server/src/ros/xml';
import { askCatkin, CATKIN_PYTHON, type CatkinQuestion } from '../support/catkin';

const WS = path.join(__dirname, '..', 'fixtures', 'colcon-ws');
const read = (rel: string): string => fs.readFileSync(path.join(WS, rel), 'utf8');
const JAZZY = rosConditionContext('jazzy');
const noCatkin = CATKIN_PYTHON ? false : 'catkin_pkg is not installed (apt-get install python3-catkin-pkg)';

test('XML: comments, CDATA, entities, both quote styles, processing instructions, with offsets', () => {
  const text = `<?xml version="1.0"?>\n<!-- a -->\n<a x='1' y="&lt;2&#x41;">t&amp;u<![CDATA[<raw>]]><b/><!-- c --></a>\n`;
  const doc = parseXml(text);
  assert.deepEqual(doc.errors, []);
  const a = doc.root!;
  assert.equal(a.name, 'a');
  assert.deepEqual(a.attributes.map((x) => [x.name, x.value, text.slice(x.valueStart, x.valueEnd)]), [['x', '1', '1'], ['y', '<2A', '&lt;2&#x41;']]);
  assert.deepEqual(a.children.map((c) => (c.kind === 'element' ? `<${c.name}>` : `${c.kind}:${c.value}`)), ['text:t&u', 'cdata:<raw>', '<b>']);
  assert.equal(text.slice(a.start, a.end), `<a x='1' y="&lt;2&#x41;">t&amp;u<![CDATA[<raw>]]><b/><!-- c --></a>`);
  assert.ok((a.children[2] as XmlElement).closed);
});

test('XML: what is not well-formed is reported with its place, and reading goes on', () => {
  const errors = (text: string): string[] => parseXml(text).errors.map((e) => `${e.start}-${e.end} ${e.message}`);
  assert.deepEqual(errors('<a><b></a>'), ['3-5 `<b>` is not closed before `</a>`']);
  assert.deepEqual(errors('<a>'), ['0-2 `<a>` is not closed']);
  assert.deepEqual(errors('<a>&nbsp;</a>'), ['3-9 `&nbsp;` is not an entity XML knows']);
  assert.deepEqual(errors('<a>x & y</a>'), ['5-6 an `&` must start an entity such as `&amp;`']);
  assert.deepEqual(errors('<a x="1" x="2"/>'), ['9-10 the attribute `x` is given twice']);
  assert.deepEqual(errors('<a><!-- x -- y --></a>'), ['10-12 `--` is not allowed inside a comment']);
  assert.deepEqual(errors('<a/>x'), ['4-5 text outside the root element']);
  assert.deepEqual(errors('<a/><b/>'), ['4-6 a document has one root element; this is a second one']);
  assert.deepEqual(errors(' <?xml version="1.0"?><a/>'), ['1-6 the XML declaration must be at the very start of the file']);
  assert.deepEqual(errors('<a x=1/>'), ['5-6 the value of `x` must be in quotes']);
  assert.deepEqual(errors(''), ['0-0 the file has no root element']);
  const half = parseXml('<package><depend>rclcpp</depend><depend>nav');
  assert.equal(half.root?.children.filter((c) => c.kind === 'element').length, 2, 'a half-typed file keeps what it has');
});

test('conditions: REP 149, as catkin_pkg evaluates them', () => {
  const v = (text: string, ctx = JAZZY): boolean | string => {
    const r = evaluateCondition(text, ctx);
    return 'value' in r ? r.value : `error at ${r.offset}: ${r.error}`;
  };
  assert.equal(v('$ROS_VERSION == 2'), true);
  assert.equal(v('$ROS_VERSION==1'), false);
  assert.equal(v('$ROS_DISTRO != humble and $ROS_PYTHON_VERSION == 3'), true);
  assert.equal(v('$ROS_DISTRO == humble or $ROS_DISTRO == jazzy'), true);
  assert.equal(v('$ROS_VERSION == 1 and $ROS_VERSION == 1 or $ROS_VERSION == 2'), true, 'and binds tighter than or');
  assert.equal(v('$ROS_VERSION == 1 and ($ROS_VERSION == 1 or $ROS_VERSION == 2)'), false);
  assert.equal(v('$UNSET == ""'.replace('""', 'x')), false, 'an unset variable is empty');
  assert.equal(v('$ROS_DISTRO >= iron'), true, 'ordering compares strings');
  assert.equal(v(''), 'error at 0: the condition is empty');
  assert.equal(v('$ROS_VERSION = 2'), 'error at 13: unexpected `=`');
  assert.equal(v('$ROS_VERSION == 2 and'), 'error at 21: the condition ends too early');
  assert.equal(v('($ROS_VERSION == 2'), 'error at 18: `)` expected');
  assert.equal(v('$ROS_VERSION == 2 $ROS_DISTRO == jazzy'), 'error at 18: unexpected `$ROS_DISTRO`; `and` or `or` expected');
});

test('package.xml: name, format, build type, every dependency with the place of its name', () => {
  const text = read('src/robot_bringup/package.xml');
  const m = parsePackageXml(text);
  assert.deepEqual(m.problems, []);
  assert.equal(m.name, 'robot_bringup');
  assert.equal(m.format, 3);
  assert.equal(m.buildType, 'ament_cmake');
  assert.deepEqual(m.dependencies.map((d) => [d.tag, d.name]), [
    ['buildtool_depend', 'ament_cmake'], ['depend', 'robot_msgs'], ['depend', 'rclcpp'], ['depend', 'nav2_bringup'],
    ['build_depend', 'eigen'], ['exec_depend', 'launch_ros'], ['exec_depend', 'roslaunch'], ['exec_depend', 'gazebo_ros'],
    ['exec_depend', 'python3-numpy'], ['test_depend', 'ament_lint_auto'], ['doc_depend', 'rosdoc2'],
  ]);
  for (const d of m.dependencies) {
    assert.equal(text.slice(d.nameSpan.start, d.nameSpan.end), d.name, d.name);
    assert.match(text.slice(d.elementSpan.start, d.elementSpan.end), new RegExp(`^<${d.tag}[^>]*>[\\s\\S]*</${d.tag}>$`));
  }
  const cond = m.dependencies.find((d) => d.name === 'roslaunch')!.condition!;
  assert.equal(text.slice(cond.span.start, cond.span.end), '$ROS_VERSION == 1');
});

test('package.xml: conditions decided for a distribution', () => {
  const m = parsePackageXml(read('src/robot_bringup/package.xml'));
  const active = (ctx: ReturnType<typeof rosConditionContext>): string[] => resolveDependencies(m, ctx).filter((r) => r.active).map((r) => r.dependency.name);
  assert.ok(active(JAZZY).includes('launch_ros'));
  assert.ok(!active(JAZZY).includes('roslaunch') && !active(JAZZY).includes('gazebo_ros'));
  assert.ok(active(rosConditionContext('humble')).includes('gazebo_ros'));
  assert.ok(active(rosConditionContext('kilted')).includes('gazebo_ros'), '$ROS_DISTRO != jazzy and $ROS_PYTHON_VERSION == 3');
  const bad = parsePackageXml('<package format="3"><name>p</name><depend condition="$ROS_VERSION = 2">x</depend></package>');
  const [r] = resolveDependencies(bad, JAZZY);
  assert.equal(r?.active, false);
  assert.deepEqual(r?.conditionError, { message: 'the condition does not parse: unexpected `=`', span: { start: 66, end: 69 } });
});

test('package.xml: problems catkin_pkg would have, with their place', () => {
  const problems = (text: string): string[] => parsePackageXml(text).problems.map((p) => `${p.severity} ${text.slice(p.start, p.end)}: ${p.message}`);
  assert.deepEqual(problems('<package format="2"><name>p</name><run_depend>x</run_depend></package>'), ['error run_depend: <run_depend> is not part of package format 2']);
  assert.deepEqual(problems('<package><name>p</name><depend>x</depend></package>'), ['error depend: <depend> is not part of package format 1']);
  assert.deepEqual(problems('<package format="2"><name>p</name><depend condition="$ROS_VERSION == 2">x</depend></package>'), ['warning condition="$ROS_VERSION == 2": the condition attribute needs package format 3 (this file is format 2)']);
  assert.deepEqual(problems('<package format="3"><name>p</name><depend><![CDATA[x]]></depend></package>'), ['error <depend><![CDATA[x]]></depend>: the name in <depend> is in a CDATA section, which catkin_pkg does not read']);
  assert.deepEqual(problems('<package format="3"><name>p</name><depend>  </depend></package>'), ['error <depend>  </depend>: <depend> names no package']);
  assert.deepEqual(problems('<manifest/>'), ['error manifest: the root element is <manifest>, not <package>']);
  assert.deepEqual(problems('<package format="4"><name>p</name></package>'), ['error 4: format "4" is not 1, 2 or 3']);
});

/** Inline package.xml cases for the oracle: the fixtures, and the constructs that are easy to get wrong. */
function oracleCases(): string[] {
  const wrap = (deps: string, format = 3): string =>
    `<?xml version="1.0"?>\n<package format="${format}">\n  <name>p</name>\n  <version>1.0.0</version>\n  <description>d</description>\n  <maintainer email="m@example.org">m</maintainer>\n  <license>MIT</license>\n${deps}\n</package>\n`;
  return [
    read('src/robot_bringup/package.xml'),
    read('src/robot_msgs/package.xml'),
    read('src/drivers/lidar_driver/package.xml'),
    wrap('<depend>a<!-- x -->b</depend>'),
    wrap('<depend>&#x72;clcpp</depend><exec_depend condition="$ROS_DISTRO &gt;= jazzy">c</exec_depend>'),
    wrap(`<exec_depend condition='$ROS_VERSION == 2 and ($ROS_DISTRO == humble or $ROS_DISTRO == jazzy)'>d</exec_depend>`),
    wrap('<build_depend>a</build_depend><run_depend>b</run_depend><test_depend>c</test_depend>', 1),
    wrap('<depend>\n\t  spaced  \n</depend>'),
  ];
}

test('the same dependencies and conditions as catkin_pkg', { skip: noCatkin }, () => {
  const cases = oracleCases();
  const contexts = ['humble', 'jazzy'].map((d) => rosConditionContext(d));
  const questions: CatkinQuestion[] = cases.flatMap((text) => contexts.map((context) => ({ kind: 'package' as const, text, context })));
  const answers = askCatkin(questions);
  questions.forEach((q, i) => {
    const a = answers[i]!;
    assert.equal(a.error, undefined, `catkin_pkg rejected case ${i}: ${a.error}`);
    const m = parsePackageXml(q.text);
    assert.deepEqual(m.problems, [], `case ${i}`);
    assert.equal(m.name, a.name);
    assert.equal(m.format, a.format);
    const ours = resolveDependencies(m, q.kind === 'package' ? q.context : {}).flatMap((r) => expand(r.dependency.tag, m.format).map((tag) => [tag, r.dependency.name, r.active] as [string, string, boolean]));
    assert.deepEqual(sortDeps(ours), sortDeps(a.deps!), `case ${i} (${JSON.stringify(q.kind === 'package' ? q.context['ROS_DISTRO'] : '')})`);
  });
});

/** catkin_pkg's lists a tag adds to: `depend` is build, build export and exec; format 1's run_depend is build export and exec. */
function expand(tag: DependencyTag, format: number): string[] {
  if (tag === 'depend') return ['build_depends', 'build_export_depends', 'exec_depends'];
  if (tag === 'run_depend' && format === 1) return ['build_export_depends', 'exec_depends'];
  return [`${tag}s`];
}

function sortDeps(deps: [string, string, boolean][]): string[] {
  return deps.map((d) => d.join(' ')).sort();
}

test('the same well-formedness verdicts as the XML parser catkin_pkg uses', { skip: noCatkin }, () => {
  const texts = [
    '<a><b></a>', '<a>', '<a>&nbsp;</a>', '<a>x & y</a>', '<a x="1" x="2"/>', '<a><!-- x -- y --></a>', '<a/>x', '<a/><b/>',
    ' <?xml version="1.0"?><a/>', '<a x=1/>', '', '<a x="<"/>', '<a><![CDATA[x]]></a>', "<a x='\"'/>", '<?xml version="1.0"?>\n<!-- c -->\n<a>&#65;&#x42;</a>\n',
    '<a>]]></a>', '<!DOCTYPE a><a/>', '<a></b>', '<a><b/></a><!-- after -->', '<a\n  x="1"\n  y=\'2\'\n/>', '<a b="x"c="y"/>', '<1a/>',
    '<a>&#0;</a>', '<a>&#x1;</a>', '<a>&#xD800;</a>', '<a>\u0001</a>', '<a x="\u0001"/>', '<a:b xmlns:a="u"/>', '<a><?pi x?></a>', '<a></a >', '< a/>',
    '<a/ >', '<a x = "1"/>', '<?xml version="1.0"?><?xml version="1.0"?><a/>', '\uFEFF<a/>', '<a><!----></a>', '<a><!-- - --></a>', '<a>&amp</a>',
    '<!-- c --><?xml version="1.0"?><a/>', '<a x="&unknown;"/>', '<a>&#x110000;</a>', '<A></a>', '<a><b></b></a></a>', '<a>\uD83E\uDD16</a>',
  ];
  // Not compared: entities declared in a DOCTYPE, which expat expands and we report as not read.
  const answers = askCatkin(texts.map((text) => ({ kind: 'xml', text })));
  texts.forEach((text, i) => {
    assert.equal(parseXml(text).errors.length === 0, answers[i]!.ok === true, `${JSON.stringify(text)}: catkin's parser says ${answers[i]!.error ?? 'well-formed'}`);
  });
});

test('the same condition values and rejections as catkin_pkg', { skip: noCatkin }, () => {
  const conditions = [
    '$ROS_VERSION == 2', '$ROS_VERSION==1', '$ROS_DISTRO != humble and $ROS_PYTHON_VERSION == 3', '$ROS_VERSION == 1 and $ROS_VERSION == 1 or $ROS_VERSION == 2',
    '$ROS_VERSION == 1 and ($ROS_VERSION == 1 or $ROS_VERSION == 2)', '$UNSET == x', '$ROS_DISTRO >= iron', '$ROS_DISTRO < iron', 'jazzy == $ROS_DISTRO',
    '((($ROS_VERSION == 2)))', '$ROS_VERSION == 2 or', '$ROS_VERSION = 2', '', '$ == 2', '$ROS_VERSION == 2.0', 'a-b == a-b', '$ROS_VERSION == 2 $ROS_DISTRO == jazzy',
  ];
  const answers = askCatkin(conditions.map((text) => ({ kind: 'condition', text, context: { ...JAZZY } })));
  conditions.forEach((text, i) => {
    const ours = evaluateCondition(text, JAZZY);
    const theirs = answers[i]!;
    if ('value' in ours) assert.equal(ours.value, theirs.value, JSON.stringify(text));
    else assert.ok(theirs.error !== undefined, `${JSON.stringify(text)}: we reject it (${ours.error}), catkin_pkg gives ${String(theirs.value)}`);
  });
});
