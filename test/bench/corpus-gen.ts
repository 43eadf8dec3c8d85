import { collectNixFiles } from '../../server/src/cli/files';
/**
 * Builds the benchmark's inputs from the fixture corpus (`test/fixtures/corpus`), deterministically:
 *
 * - variants of single files: bindings renamed consistently (every occurrence of a `let` name or of
 *   an inner lambda's parameter, found with the real tree-sitter grammar, gets the same suffix),
 *   SoM strings rotated (a permutation, so attribute sets keyed by SoM keep distinct keys), and
 *   extra attributes inserted into some attribute sets;
 * - bundles: several variants embedded as parenthesised expressions in one file, shaped as a
 *   `let … in { inherit …; }`, a list, an attribute set, or a NixOS module with inline `imports`.
 *
 * Every transformation keeps the text parse-valid Nix: renames are consistent and never touch the
 * names Nix binds globally, inserted names are fresh, and inserted values use no free variables.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node, Parser } from 'web-tree-sitter';
import { GLOBAL_NAMES } from '../../server/src/analysis/builtins';
import { Random } from './random';

export interface SourceFile {
  /** Path relative to the corpus root, with `/` separators. */
  rel: string;
  /** The corpus folder it comes from: modules, packages, flakes, lib, … */
  group: string;
  text: string;
  /** Every identifier node, in order. */
  idents: { start: number; end: number; name: string }[];
  /** Names bound by `let` or by a nested function: safe to rename everywhere in the file. */
  renamable: string[];
  /** Offsets of the closing `}` of attribute sets, where bindings can be inserted. */
  attrsetEnds: number[];
  /** Every identifier text in the file (to keep new names fresh). */
  names: ReadonlySet<string>;
  /** Whether tree-sitter parsed it cleanly (if not, only SoM strings are varied). */
  clean: boolean;
}

const SOMS = ['orin-agx', 'orin-agx-industrial', 'orin-nx', 'orin-nano', 'xavier-agx', 'xavier-nx', 'xavier-nx-emmc', 'thor-agx'];
const SOM_LITERAL = new RegExp(`"(${[...SOMS].sort((a, b) => b.length - a.length).join('|')})"`, 'g');
const SUFFIXES = ['Front', 'Rear', 'Left', 'Right', 'Main', 'Aux', 'Edge', 'Lab', 'Field', 'Dock', 'Alpha', 'Beta', 'Next', 'Legacy', 'Mk2', 'V3'];
const EXTRA_NAMES = ['calibration', 'fanProfile', 'logRotation', 'rosbagTopics', 'thermalLimits', 'telemetry', 'sensorRig', 'powerMode', 'otaChannel', 'cameraTuning', 'canBitrate', 'watchdogTimeout', 'mapArchive', 'dockStation', 'payload'];
const WORDS = ['lidar', 'camera-front', 'imu', 'gps', 'motor-left', 'motor-right', 'arm', 'gripper', 'depth', 'radar', 'bumper', 'estop', 'battery', 'charger', 'wheel-odom'];
const NOT_RENAMED = new Set(['or', 'self', 'super', 'final', 'prev']);

/** Loads and indexes every `.nix` file under `corpusDir` (sorted, so the output is deterministic). */
export function loadSources(parser: Parser, corpusDir: string): SourceFile[] {
  return listNixFiles(corpusDir).map((file) => {
    const rel = path.relative(corpusDir, file).split(path.sep).join('/');
    return indexSource(parser, rel, fs.readFileSync(file, 'utf8'));
  });
}

/** Every `.nix` file under `dir`, skipping what `jetson-nix check` skips, sorted. */
export function listNixFiles(dir: string): string[] {
  return collectNixFiles([dir]).files;
}

function indexSource(parser: Parser, rel: string, text: string): SourceFile {
  const tree = parser.parse(text);
  if (!tree) throw new Error(`tree-sitter returned no tree for ${rel}`);
  try {
    const root = tree.rootNode;
    const idents: SourceFile['idents'] = [];
    const bound = new Set<string>();
    const attrsetEnds: number[] = [];
    // tree-sitter-nix reads `base//extra` as one path where Nix sees `base // extra`: names that
    // occur inside paths or URIs are left alone.
    const opaque: string[] = [];
    const top = root.namedChildren.find((n) => n !== null && n.type !== 'comment') ?? null;
    const visit = (node: Node): void => {
      switch (node.type) {
        case 'identifier':
          idents.push({ start: node.startIndex, end: node.endIndex, name: node.text });
          break;
        case 'path_expression':
        case 'hpath_expression':
        case 'spath_expression':
        case 'uri_expression':
          opaque.push(node.text);
          break;
        case 'attrset_expression':
        case 'rec_attrset_expression':
          if (text[node.endIndex - 1] === '}') attrsetEnds.push(node.endIndex - 1);
          break;
        case 'let_expression':
          for (const b of node.namedChildren.find((c) => c?.type === 'binding_set')?.namedChildren ?? []) {
            const first = b?.type === 'binding' ? b.namedChildren[0]?.namedChildren[0] : undefined;
            if (first?.type === 'identifier') bound.add(first.text);
          }
          break;
        case 'function_expression':
          if (node.id !== top?.id) {
            for (const c of node.namedChildren) {
              if (c?.type === 'identifier') bound.add(c.text);
              if (c?.type === 'formals') {
                for (const f of c.namedChildren) {
                  const name = f?.type === 'formal' ? f.namedChildren[0] : undefined;
                  if (name?.type === 'identifier') bound.add(name.text);
                }
              }
            }
          }
          break;
      }
      for (const c of node.children) if (c) visit(c);
    };
    visit(root);
    const inOpaque = (n: string) => opaque.some((t) => t.split(/[^A-Za-z0-9_'-]+/).includes(n));
    const renamable = [...bound]
      .filter((n) => !GLOBAL_NAMES.has(n) && !n.startsWith('__') && !NOT_RENAMED.has(n) && !inOpaque(n))
      .sort();
    return {
      rel,
      group: rel.split('/')[0]!,
      text,
      idents,
      renamable,
      attrsetEnds,
      names: new Set(idents.map((i) => i.name)),
      clean: !root.hasError,
    };
  } finally {
    tree.delete();
  }
}

/** A variant of one source file: consistent renames, extra attributes, rotated SoM strings. */
export function variant(src: SourceFile, rnd: Random): string {
  const splices: { at: number; end: number; text: string }[] = [];
  if (src.clean) {
    const suffix = rnd.pick(SUFFIXES);
    const renames = new Map<string, string>();
    for (const name of src.renamable) {
      if (!rnd.chance(0.6)) continue;
      let fresh = name + suffix;
      for (let k = 2; src.names.has(fresh); k++) fresh = `${name}${suffix}${k}`;
      renames.set(name, fresh);
    }
    for (const id of src.idents) {
      const to = renames.get(id.name);
      if (to !== undefined) splices.push({ at: id.start, end: id.end, text: to });
    }
    // Extra attributes in up to three attribute sets; names carry a per-file counter, so they are fresh.
    let counter = 0;
    const sets = Math.min(src.attrsetEnds.length, rnd.int(0, 3));
    for (let s = 0; s < sets; s++) {
      const at = rnd.pick(src.attrsetEnds);
      const count = rnd.int(1, 5);
      let text = '';
      for (let i = 0; i < count; i++) {
        let name = `${rnd.pick(EXTRA_NAMES)}${++counter}`;
        while (src.names.has(name)) name = `${name}x`;
        text += `\n  ${name} = ${extraValue(rnd)};`;
      }
      splices.push({ at, end: at, text: text + '\n' });
    }
  }
  splices.sort((a, b) => a.at - b.at || a.end - b.end);
  const pieces: string[] = [];
  let done = 0;
  for (const s of splices) {
    pieces.push(src.text.slice(done, s.at), s.text);
    done = s.end;
  }
  pieces.push(src.text.slice(done));
  const out = pieces.join('');
  const shift = rnd.int(0, SOMS.length - 1);
  return out.replace(SOM_LITERAL, (_m, som: string) => `"${SOMS[(SOMS.indexOf(som) + shift) % SOMS.length]}"`);
}

/** A literal value that needs no variable in scope (only `builtins`, which Nix always binds). */
function extraValue(rnd: Random): string {
  const word = rnd.pick(WORDS);
  switch (rnd.int(0, 8)) {
    case 0:
      return `"${rnd.pick(SOMS)}"`;
    case 1:
      return String(rnd.int(0, 65535));
    case 2:
      return rnd.chance(0.5) ? 'true' : 'false';
    case 3:
      return `[ ${Array.from({ length: rnd.int(1, 5) }, () => `"${rnd.pick(WORDS)}"`).join(' ')} ]`;
    case 4:
      return `{ enable = ${rnd.chance(0.7)}; device = "/dev/${word}${rnd.int(0, 9)}"; rateHz = ${rnd.int(1, 400)}; }`;
    case 5:
      return `''\n    # ${word} bring-up\n    echo starting ${word}\n    sleep ${rnd.int(1, 9)}\n  ''`;
    case 6:
      return `${rnd.int(0, 99)}.${rnd.int(0, 99)}`;
    case 7:
      return `builtins.elem "${word}" [ ${Array.from({ length: rnd.int(1, 4) }, () => `"${rnd.pick(WORDS)}"`).join(' ')} ]`;
    default:
      return `{\n    frameId = "${word}_link";\n    topics = [ "/${word}/raw" "/${word}/info" ];\n    qos.depth = ${rnd.int(1, 50)};\n  }`;
  }
}

type BundleShape = 'let' | 'list' | 'attrs' | 'imports';

function bundle(parts: { name: string; text: string }[], shape: BundleShape): string {
  const wrap = (t: string, indent: string) => `${indent}(\n${t}\n${indent})`;
  switch (shape) {
    case 'let':
      return (
        `# ${parts.length} parts bundled for the benchmark\nlet\n` +
        parts.map((p) => `  ${p.name} =\n${wrap(p.text, '    ')};\n`).join('') +
        `in\n{\n  inherit ${parts.map((p) => p.name).join(' ')};\n  partCount = ${parts.length};\n}\n`
      );
    case 'list':
      return `[\n${parts.map((p) => wrap(p.text, '  ')).join('\n')}\n]\n`;
    case 'attrs':
      return `{\n${parts.map((p) => `  ${p.name} =\n${wrap(p.text, '    ')};\n`).join('')}}\n`;
    case 'imports':
      return `{ config, lib, pkgs, ... }:\n\n{\n  imports = [\n${parts.map((p) => wrap(p.text, '    ')).join('\n')}\n  ];\n}\n`;
  }
}

function partName(src: SourceFile, i: number): string {
  const base = path.basename(src.rel, '.nix').replace(/[^A-Za-z0-9]+/g, '_');
  return `part${i}_${base}`;
}

export interface GeneratedCorpus {
  files: string[];
  bytes: number;
  shapes: Record<string, number>;
}

/**
 * Writes `count` files into `outDir`: about 75 % single-file variants, 22 % bundles of 2 or 3 files,
 * 3 % bundles of 6 to 10 files (from a few hundred bytes to several tens of KB).
 */
export function generateCorpus(sources: SourceFile[], outDir: string, count: number, seed: number): GeneratedCorpus {
  const rnd = new Random(seed);
  const modules = sources.filter((s) => s.group === 'modules');
  const files: string[] = [];
  const shapes: Record<string, number> = {};
  const made = new Set<string>();
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const roll = rnd.next();
    let text: string;
    let rel: string;
    let shape: string;
    if (roll < 0.75) {
      const src = sources[i % sources.length]!;
      text = variant(src, rnd);
      shape = 'single';
      rel = `${src.group}/${String(i % 10).padStart(2, '0')}/${path.basename(src.rel, '.nix')}-${i}.nix`;
    } else {
      const n = roll < 0.97 ? rnd.int(2, 3) : rnd.int(6, 10);
      const bundleShape: BundleShape = rnd.pick(['let', 'list', 'attrs', 'imports']);
      const pool = bundleShape === 'imports' ? modules : sources;
      const parts = Array.from({ length: n }, (_, k) => {
        const src = rnd.pick(pool);
        return { name: partName(src, k), text: variant(src, rnd) };
      });
      text = bundle(parts, bundleShape);
      shape = `bundle-${bundleShape}`;
      rel = `bundles/${String(i % 10).padStart(2, '0')}/${bundleShape}-${i}.nix`;
    }
    const file = path.join(outDir, rel);
    const dir = path.dirname(file);
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    fs.writeFileSync(file, text);
    files.push(file);
    bytes += Buffer.byteLength(text);
    shapes[shape] = (shapes[shape] ?? 0) + 1;
  }
  return { files, bytes, shapes };
}

/**
 * A NixOS module of at least `minLines` lines: module-file variants inlined in `imports`, as a
 * host configuration that gathers its robot's modules in one file would.
 */
export function generateModule(sources: SourceFile[], minLines: number, seed: number): string {
  const rnd = new Random(seed);
  const modules = sources.filter((s) => s.group === 'modules' && !s.text.includes('\r'));
  const parts: { name: string; text: string }[] = [];
  let lines = 0;
  for (let k = 0; lines < minLines; k++) {
    const src = rnd.pick(modules);
    const text = variant(src, rnd);
    parts.push({ name: partName(src, k), text });
    lines += text.split('\n').length + 1;
  }
  return bundle(parts, 'imports');
}
