/**
 * What the bundled ROS package index costs, in fresh Node processes, next to references
 * measured in the same run:
 *
 *   1. the index's size on disk and gzipped (a .vsix is a zip);
 *   2. loading the index module and the first lookup, against starting `node -e 0`, and against
 *      parsing the same data stored as JSON with one array per package (the obvious format);
 *   3. later lookups (package info, did-you-mean across distributions);
 *   4. with `--overlay <nix-ros-overlay checkout>`: reading a whole overlay the way the live
 *      index reads a store path (safe-read, confined to the tree), against reading the same
 *      files with plain fs.readFileSync.
 *
 * Usage: node --import tsx test/bench/ros-index.ts [--runs N] [--overlay DIR]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as esbuild from 'esbuild';
import { createNixParser } from '../../server/src/parse/parser';
import { bundledIndexPath, bundledRosIndex } from '../../server/src/ros/bundled';
import { extractRosIndex, type OverlaySource } from '../../server/src/ros/extract';
import { storeSource } from '../../server/src/ros/live';
import { median } from './run';

const ROOT = path.resolve(__dirname, '..', '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The program each fresh process runs: timings of its own steps, as JSON on stdout. */
const PROBE = `
const t0 = process.hrtime.bigint();
const { bundledRosIndex, suggestPackage } = require('./probe-bundle.js');
const t1 = process.hrtime.bigint();
const b = bundledRosIndex();
const found = b.index.has('jazzy', 'nav2-bringup');
const t2 = process.hrtime.bigint();
b.index.packageInfo('jazzy', 'nav2-bringup');
const t3 = process.hrtime.bigint();
suggestPackage(b.index, 'lyrical', 'rmw_cyclonedds_cpp');
suggestPackage(b.index, 'jazzy', 'nav2-bringpu');
const t4 = process.hrtime.bigint();
const ms = (a, z) => Number(z - a) / 1e6;
process.stdout.write(JSON.stringify({ found, load: ms(t0, t1), first: ms(t1, t2), info: ms(t2, t3), suggest: ms(t3, t4) }));
`;

const JSON_PROBE = `
const fs = require('fs');
const t0 = process.hrtime.bigint();
const data = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const t1 = process.hrtime.bigint();
process.stdout.write(JSON.stringify({ parse: Number(t1 - t0) / 1e6, rows: data.distros.length }));
`;

async function probeDir(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-ros-bench-'));
  const entry = path.join(dir, 'entry.ts');
  fs.writeFileSync(entry, `export { bundledRosIndex } from ${JSON.stringify(path.join(ROOT, 'server/src/ros/bundled'))};\nexport { suggestPackage } from ${JSON.stringify(path.join(ROOT, 'server/src/ros/suggest'))};\n`);
  await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', minify: true, outfile: path.join(dir, 'probe-bundle.js'), logLevel: 'warning' });
  fs.copyFileSync(bundledIndexPath(), path.join(dir, 'ros-index.txt'));
  fs.writeFileSync(path.join(dir, 'probe.js'), PROBE);
  fs.writeFileSync(path.join(dir, 'json-probe.js'), JSON_PROBE);
  return dir;
}

/** The index as the obvious JSON: the same string table, and one array of indices per package. */
function asJson(file: string): void {
  const b = bundledRosIndex();
  if (!('index' in b)) throw new Error(b.error);
  const strings = new Map<string, number>();
  const ref = (s: string | undefined): number => (s === undefined ? -1 : (strings.get(s) ?? strings.set(s, strings.size).get(s)!));
  const refs = (xs: string[]): number[] => xs.map(ref);
  const distros = b.index.distros().map((d) => ({
    name: d.name,
    packages: b.index
      .names(d.name)
      .map((n) => b.index.packageInfo(d.name, n))
      .filter((p) => p !== undefined)
      .map((p) => [ref(p.attr), ref(p.version), ref(p.description), refs(p.licenses), ref(p.buildType), refs(p.dependencies.build), refs(p.dependencies.propagated), refs(p.dependencies.check), refs(p.dependencies.native), refs(p.dependencies.other)]),
  }));
  fs.writeFileSync(file, JSON.stringify({ strings: [...strings.keys()], distros }));
}

function wall(cmd: string, args: string[], cwd: string): { ms: number; out: string } {
  const t = process.hrtime.bigint();
  const out = execFileSync(cmd, args, { cwd, encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, out };
}

function fixed(n: number): string {
  return n.toFixed(n < 10 ? 2 : 1);
}

async function overlayRead(dir: string): Promise<void> {
  const parser = await createNixParser();
  const plain: OverlaySource = {
    async read(file) {
      try {
        return { ok: true, text: fs.readFileSync(path.join(dir, file), 'utf8') };
      } catch (err) {
        return { ok: false, message: String(err) };
      }
    },
  };
  for (const [label, source] of [['plain fs.readFileSync (reference)', plain], ['safe-read within the tree (live index)', storeSource(dir)]] as const) {
    const t = performance.now();
    const ex = await extractRosIndex(source, parser);
    const packages = ex.distros.reduce((n, d) => n + d.packages.length, 0);
    console.log(`  ${label}: ${((performance.now() - t) / 1000).toFixed(1)} s for ${packages} packages`);
  }
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs') ?? 7);
  const file = bundledIndexPath();
  const text = fs.readFileSync(file);
  console.log(`index: ${path.relative(ROOT, file)}: ${(text.length / 1024).toFixed(0)} KiB, ${(zlib.deflateRawSync(text, { level: 9 }).length / 1024).toFixed(0)} KiB deflated (as in a .vsix)`);
  const dir = await probeDir();
  try {
    asJson(path.join(dir, 'index.json'));
    console.log(`same data as JSON arrays: ${(fs.statSync(path.join(dir, 'index.json')).size / 1024).toFixed(0)} KiB`);
    const node = [], probe = [], json = [];
    for (let i = 0; i < runs; i++) {
      node.push(wall(process.execPath, ['-e', '0'], dir).ms);
      const p = wall(process.execPath, ['probe.js'], dir);
      probe.push({ wall: p.ms, ...(JSON.parse(p.out) as { found: boolean; load: number; first: number; info: number; suggest: number }) });
      json.push(JSON.parse(wall(process.execPath, ['json-probe.js', path.join(dir, 'index.json')], dir).out) as { parse: number });
    }
    if (!probe.every((p) => p.found)) throw new Error('the probe did not find jazzy.nav2-bringup');
    const m = (xs: number[]): number => median(xs);
    console.log(`fresh processes, median of ${runs}:`);
    console.log(`  node -e 0 (reference):                  ${fixed(m(node))} ms wall`);
    console.log(`  node + index module + first lookup:     ${fixed(m(probe.map((p) => p.wall)))} ms wall (${fixed(m(probe.map((p) => p.wall)) / m(node))}x node -e 0)`);
    console.log(`    loading the module (nothing read):    ${fixed(m(probe.map((p) => p.load)))} ms`);
    console.log(`    first lookup (read, split, one table): ${fixed(m(probe.map((p) => p.first)))} ms`);
    console.log(`    same data as JSON, JSON.parse alone:  ${fixed(m(json.map((j) => j.parse)))} ms (reference)`);
    console.log(`    packageInfo afterwards:               ${fixed(m(probe.map((p) => p.info)))} ms`);
    console.log(`    two did-you-means over all distros:   ${fixed(m(probe.map((p) => p.suggest)))} ms`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const overlay = arg('--overlay');
  if (overlay) {
    console.log(`reading ${overlay} as the live index does:`);
    await overlayRead(path.resolve(overlay));
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
