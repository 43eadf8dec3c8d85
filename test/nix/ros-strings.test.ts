/**
 * The ROS index reads strings the way Nix does: checked against `nix-instantiate --eval` on
 * indented strings (the hard part: indentation, escapes, the first and last lines) and on the
 * fields of every package of the fixture overlay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { findOnPath, offlineNixEnv } from '../support/nix';
import { createNixParser } from '../../server/src/parse/parser';
import { extractRosIndex } from '../../server/src/ros/extract';
import { indentedStringValue } from '../../server/src/ros/nix-read';
import { folderSource } from '../../scripts/ros-index';

const nixInstantiate = findOnPath('nix-instantiate');
const skip = nixInstantiate ? false : 'nix-instantiate is not installed';
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'ros-overlay');

function nixEval(expr: string): unknown {
  return JSON.parse(execFileSync(nixInstantiate!, ['--eval', '--strict', '--json', '-E', expr], { env: offlineNixEnv(), encoding: 'utf8' }));
}

const INDENTED = [
  "''\n    a\n      b\n  ''",
  "''\n  x\n  ''",
  "''  a\n  b''",
  "''\n\n   a\n\n  b \n   ''",
  "''PMB2-specific launch files needed to run\n    navigation on the PMB2 robot.''",
  "''a ''$b '''c''' ''\\n d''",
  "''\n  ''\\t tab\n   x''",
  "'' $ ' ''",
  "''x $''",
  "''$$''",
  "''\n\tx\n  y\n''",
  "''   \n  a\n    b\n  ''",
  "''''",
  "''\n  last line  ''",
];

test('indented strings read as nix-instantiate --eval reads them', { skip }, () => {
  for (const text of INDENTED) assert.equal(indentedStringValue(text), nixEval(text), JSON.stringify(text));
});

test("every fixture package's version, build type, description and source URL agree with Nix", { skip }, async () => {
  const extraction = await extractRosIndex(folderSource(FIXTURE), await createNixParser());
  const checked: string[] = [];
  for (const d of extraction.distros) {
    for (const p of d.packages) {
      if (p.version === undefined) continue;
      const file = path.join(FIXTURE, 'distros', d.name, p.attr, 'default.nix');
      // Every argument is its own name; `buildRosPackage` and `fetchurl` return what they are given.
      const expr = `let f = import ${file}; r = f (builtins.mapAttrs (n: _: n) (builtins.functionArgs f) // { buildRosPackage = a: a; fetchurl = a: a; }); in { inherit (r) version buildType; description = r.meta.description; url = r.src.url; }`;
      const fromNix = nixEval(expr) as { version: string; buildType: string; description: string; url: string };
      assert.equal(p.version, fromNix.version, `${d.name}.${p.attr}`);
      assert.equal(p.buildType, fromNix.buildType, `${d.name}.${p.attr}`);
      assert.equal(p.description, fromNix.description, `${d.name}.${p.attr}`);
      assert.ok(fromNix.url.includes(`/release/${d.name}/${p.rosName}/`), `${d.name}.${p.attr}: ${fromNix.url}`);
      checked.push(`${d.name}.${p.attr}`);
    }
  }
  assert.ok(checked.length >= 25, `only ${checked.length} packages checked`);
});
