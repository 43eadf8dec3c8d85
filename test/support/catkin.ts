import { execFileSync } from 'node:child_process';

/**
 * catkin_pkg, ROS's own reader of package.xml (Debian's python3-catkin-pkg), as an oracle for
 * our reader: one Python process answers a batch of questions given as JSON on stdin.
 */

const PROGRAM = String.raw`
import json, sys
from xml.dom import minidom
from catkin_pkg.condition import evaluate_condition
from catkin_pkg.package import parse_package_string

TAGS = ['build_depends', 'buildtool_depends', 'build_export_depends', 'buildtool_export_depends', 'exec_depends', 'test_depends', 'doc_depends']
out = []
for q in json.load(sys.stdin):
    try:
        if q['kind'] == 'xml':
            minidom.parseString(q['text'].encode('utf-8'))
            out.append({'ok': True})
        elif q['kind'] == 'condition':
            out.append({'value': evaluate_condition(q['text'], q['context'])})
        else:
            p = parse_package_string(q['text'])
            p.evaluate_conditions(q['context'])
            deps = []
            for tag in TAGS:
                for d in getattr(p, tag):
                    deps.append([tag, d.name, bool(d.evaluated_condition)])
            out.append({'name': p.name, 'format': p.package_format, 'deps': deps})
    except Exception as e:
        out.append({'error': str(e).splitlines()[0] if str(e) else type(e).__name__})
json.dump(out, sys.stdout)
`;

function works(python: string): boolean {
  try {
    execFileSync(python, ['-c', 'import catkin_pkg.package'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A Python that has catkin_pkg (Debian's, or the first on PATH), or undefined. */
export const CATKIN_PYTHON = ['/usr/bin/python3', 'python3'].find(works);

export type CatkinQuestion =
  | { kind: 'xml'; text: string }
  | { kind: 'condition'; text: string; context: Record<string, string> }
  | { kind: 'package'; text: string; context: Record<string, string> };

export type CatkinAnswer = { ok?: true; value?: boolean; error?: string; name?: string; format?: number; deps?: [string, string, boolean][] };

/** Asks catkin_pkg every question at once. */
export function askCatkin(questions: CatkinQuestion[]): CatkinAnswer[] {
  if (!CATKIN_PYTHON) throw new Error('catkin_pkg is not installed');
  return JSON.parse(execFileSync(CATKIN_PYTHON, ['-c', PROGRAM], { input: JSON.stringify(questions), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })) as CatkinAnswer[];
}
