import * as path from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { FlakeConfiguration, FlakeInputInfo, FlakeOutput, FlakeOutputs, FlakeRobot, Span } from '../protocol';
import type { OptionIndex } from '../options/schema-index';
import { flattenCall } from '../options/values';
import { bindingsOf, elements, resolveName, stringValue, unparen } from '../schema/nix-static';
import { LineIndex } from '../text/line-index';
import { lastName, summarizeConfiguration, type ModuleFiles } from './configuration';
import { readFlake } from './inputs';
import { readColmena, readDeployRs, type OutputPart, type StaticReader } from './robots';
import { readCacheFacts, type ParsedFile } from './cache-facts';

/**
 * What a flake.nix declares, read from its syntax tree without evaluating anything: its inputs,
 * the names of its `nixosConfigurations` (with the SoM, carrier board and JetPack version their
 * modules set), and the names of its `packages.<system>` and `devShells.<system>`. Only names
 * written literally are found; a name computed by a function is left for Nix to report.
 *
 * The usual shapes are understood: dotted keys and nested sets, `//` merges, `let` names,
 * per-system helpers (`eachDefaultSystem (system: { … })`, `genAttrs systems (system: { … })`,
 * whose outputs have no fixed system) and flake-parts' `mkFlake` (`perSystem` and `flake`).
 */

export interface ReadFlakeOptions {
  /** The flake.nix's absolute path; module files are resolved against its folder. */
  file?: string;
  /** Reads the module files configurations list, to find their SoM. */
  files?: ModuleFiles;
  index: OptionIndex;
}

type Kind = 'packages' | 'devShells';
/** Outputs of a flake (`top`) or of one system inside a per-system helper (`perSystem`). */
type Mode = 'top' | 'perSystem';

/** One name of an attribute path: its text, or undefined for `${…}`. */
interface Name {
  text: string | undefined;
  node: Node;
}

const MAX_DEPTH = 24;

function namesOf(attrpath: Node | null): Name[] {
  if (!attrpath) return [];
  return elements(attrpath).map((node) => ({ node, text: nameText(node) }));
}

/** A name's text: an identifier, a plain string, or `${system}` where `system` is a `let`-bound string. */
function nameText(node: Node): string | undefined {
  if (node.type === 'identifier') return node.text;
  if (node.type === 'string_expression') return stringValue(node);
  const inner = node.type === 'interpolation' ? node.childForFieldName('expression') : null;
  const bound = inner?.type === 'variable_expression' ? resolveName(inner) : undefined;
  return bound ? stringValue(unparen(bound)) : undefined;
}

/** The expression a value stands for, through parentheses, `let`, `with`, `assert` and `let`-bound names. */
function unwrap(node: Node): Node {
  let n = unparen(node);
  for (let guard = 0; guard < MAX_DEPTH; guard++) {
    if (n.type === 'let_expression' || n.type === 'with_expression' || n.type === 'assert_expression') {
      const body = n.childForFieldName('body');
      if (!body) return n;
      n = unparen(body);
    } else if (n.type === 'variable_expression') {
      const bound = resolveName(n);
      if (!bound) return n;
      n = unparen(bound);
    } else {
      return n;
    }
  }
  return n;
}

function isSet(n: Node): boolean {
  return n.type === 'attrset_expression' || n.type === 'rec_attrset_expression';
}

/** Both sides of `a // b` (nested), or the node alone. */
function mergeParts(node: Node, depth = 0): Node[] {
  const n = unwrap(node);
  if (n.type === 'binary_expression' && n.childForFieldName('operator')?.type === '//' && depth < MAX_DEPTH) {
    return [...mergeParts(n.childForFieldName('left')!, depth + 1), ...mergeParts(n.childForFieldName('right')!, depth + 1)];
  }
  return [n];
}

/** The body of the function a call ends with (`eachDefaultSystem (system: { … })`), if any. */
function perSystemBody(n: Node): Node | undefined {
  const call = flattenCall(n);
  const last = call?.args.at(-1);
  const fn = last && unparen(last);
  return fn?.type === 'function_expression' ? (fn.childForFieldName('body') ?? undefined) : undefined;
}

/** Whether a call is flake-parts' `mkFlake { inherit inputs; } { … }`. */
function isMkFlake(n: Node): boolean {
  const call = flattenCall(n);
  return !!call && lastName(call.fn) === 'mkFlake';
}

class OutputReader implements StaticReader {
  readonly configurations: FlakeConfiguration[] = [];
  readonly packages: FlakeOutput[] = [];
  readonly devShells: FlakeOutput[] = [];
  /** Bindings of `deploy`, `colmena` and `colmenaHive`, read together at the end (defaults may come first or last). */
  readonly deployParts: OutputPart[] = [];
  readonly colmenaParts: (OutputPart & { output: 'colmena' | 'colmenaHive' })[] = [];

  constructor(
    private readonly lines: LineIndex,
    private readonly options: ReadFlakeOptions,
  ) {}

  span(node: Node): Span {
    return this.lines.range(node.startIndex, node.endIndex);
  }

  namesOf(attrpath: Node | null): Name[] {
    return namesOf(attrpath);
  }

  setParts(node: Node): Node[] {
    return mergeParts(node).filter(isSet);
  }

  bindings(set: Node): Node[] {
    return bindingsOf(set);
  }

  /** The robots of deploy-rs and colmena the bindings name. */
  robots(): FlakeRobot[] {
    return [...readDeployRs(this, this.deployParts), ...readColmena(this, this.colmenaParts)];
  }

  /** The outputs an expression evaluates to. */
  outputs(node: Node, mode: Mode, depth = 0): void {
    if (depth > MAX_DEPTH) return;
    for (const part of mergeParts(node)) {
      if (isSet(part)) {
        for (const b of bindingsOf(part)) {
          if (b.type === 'binding') this.binding(namesOf(b.childForFieldName('attrpath')), b.childForFieldName('expression'), mode, depth);
        }
      } else if (part.type === 'apply_expression' && mode === 'top') {
        if (isMkFlake(part)) this.flakeParts(part, depth);
        else {
          const body = perSystemBody(part);
          if (body) this.outputs(body, 'perSystem', depth + 1);
        }
      }
    }
  }

  /** flake-parts: `perSystem = { pkgs, ... }: { packages.x = …; }` and `flake = { nixosConfigurations… }`. */
  private flakeParts(call: Node, depth: number): void {
    const module = flattenCall(call)?.args.at(-1);
    const set = module && unwrap(unparen(module).type === 'function_expression' ? (unparen(module).childForFieldName('body') ?? module) : module);
    if (!set || !isSet(set)) return;
    for (const b of bindingsOf(set)) {
      if (b.type !== 'binding') continue;
      const names = namesOf(b.childForFieldName('attrpath'));
      const value = b.childForFieldName('expression');
      if (!value) continue;
      if (names[0]?.text === 'flake') {
        if (names.length === 1) this.outputs(value, 'top', depth + 1);
        else this.binding(names.slice(1), value, 'top', depth + 1);
      } else if (names[0]?.text === 'perSystem' && names.length === 1) {
        const fn = unparen(value);
        const body = fn.type === 'function_expression' ? fn.childForFieldName('body') : undefined;
        if (body) this.outputs(body, 'perSystem', depth + 1);
      }
    }
  }

  private binding(names: Name[], value: Node | null, mode: Mode, depth: number): void {
    const first = names[0]?.text;
    if (!value || depth > MAX_DEPTH) return;
    if (first === 'nixosConfigurations' && mode === 'top') {
      if (names.length === 1) this.nestedSet(value, (sub, v) => this.binding([names[0]!, ...sub], v, mode, depth + 1));
      else if (names.length === 2 && names[1]!.text !== undefined) this.configuration(names[1]!, value);
      return;
    }
    if (first === 'deploy' && mode === 'top') return void this.deployParts.push({ names: names.slice(1), value });
    if ((first === 'colmena' || first === 'colmenaHive') && mode === 'top') return void this.colmenaParts.push({ output: first, names: names.slice(1), value });
    if (first !== 'packages' && first !== 'devShells') return;
    const kind: Kind = first;
    const rest = names.slice(1);
    if (mode === 'perSystem') {
      if (rest.length === 0) this.outputNames(kind, undefined, value);
      else this.output(kind, undefined, rest[0]!);
      return;
    }
    if (rest.length === 0) {
      const body = perSystemBody(unwrap(value));
      if (body) this.outputNames(kind, undefined, body);
      else this.nestedSet(value, (sub, v) => this.binding([names[0]!, ...sub], v, mode, depth + 1));
    } else if (rest.length === 1) {
      this.outputNames(kind, rest[0]!.text, value);
    } else {
      this.output(kind, rest[0]!.text, rest[1]!);
    }
  }

  /** Each binding of a set literal (through merges), as a path below the set's own key. */
  private nestedSet(value: Node, each: (names: Name[], value: Node) => void): void {
    for (const part of mergeParts(value)) {
      if (!isSet(part)) continue;
      for (const b of bindingsOf(part)) {
        const v = b.type === 'binding' ? b.childForFieldName('expression') : null;
        if (v) each(namesOf(b.childForFieldName('attrpath')), v);
      }
    }
  }

  /** The names of a set of packages or shells of one system. */
  private outputNames(kind: Kind, system: string | undefined, value: Node): void {
    for (const part of mergeParts(value)) {
      if (!isSet(part)) continue;
      for (const b of bindingsOf(part)) {
        if (b.type === 'binding') {
          const first = namesOf(b.childForFieldName('attrpath'))[0];
          if (first) this.output(kind, system, first);
        } else {
          // `inherit (pkgs) hello;` and `inherit hello;` name outputs too.
          for (const a of elements(b.childForFieldName('attrs') ?? b)) if (a.type === 'identifier') this.output(kind, system, { text: a.text, node: a });
        }
      }
    }
  }

  private output(kind: Kind, system: string | undefined, name: Name): void {
    if (name.text === undefined) return;
    const list = this[kind];
    if (list.some((o) => o.name === name.text && o.system === system)) return;
    const out: FlakeOutput = { name: name.text, span: this.span(name.node) };
    if (system !== undefined) out.system = system;
    list.push(out);
  }

  private configuration(name: Name, value: Node): void {
    if (this.configurations.some((c) => c.name === name.text)) return;
    const dir = this.options.file ? path.dirname(this.options.file) : undefined;
    const facts = summarizeConfiguration(value, dir, this.options.files, this.options.index);
    this.configurations.push({ name: name.text!, ...facts, span: this.span(name.node) });
  }
}

/**
 * The outputs and inputs a flake.nix declares, or null when the file is not a flake (its top is
 * not a set with `outputs`).
 */
export function readFlakeOutputs(root: Node, text: string, options: ReadFlakeOptions): FlakeOutputs | null {
  const topNode = root.namedChildren.find((c) => c && c.type !== 'comment');
  const top = topNode && unparen(topNode);
  if (!top || !isSet(top)) return null;
  const lines = new LineIndex(text);
  let outputs: Node | undefined;
  for (const b of bindingsOf(top)) {
    if (b.type !== 'binding') continue;
    const names = namesOf(b.childForFieldName('attrpath'));
    const value = b.childForFieldName('expression');
    if (value && names[0]?.text === 'outputs' && names.length === 1) outputs = value;
  }
  if (!outputs) return null;
  // The inputs as the flake checks read them (every way of writing them), declared ones only.
  const model = readFlake(root, text);
  const inputs: FlakeInputInfo[] = [...(model?.inputs.values() ?? [])]
    .filter((i) => !i.implicit && i.keys.length > 0)
    .map((i) => {
      const url = i.attributes.find((a) => a.name === 'url')?.text;
      return { name: i.name, ...(url !== undefined ? { url } : {}), span: lines.range(i.keys[0]!.start, i.keys[0]!.end) };
    });
  // The module files the configurations list are also where CUDA is switched on: keep them for the cache facts.
  const modules: ParsedFile[] = [];
  const files = options.files && recording(options.files, modules);
  const reader = new OutputReader(lines, { ...options, ...(files ? { files } : {}) });
  const fn = unparen(outputs);
  const body = fn.type === 'function_expression' ? fn.childForFieldName('body') : undefined;
  if (body) reader.outputs(body, 'top');
  const caches = readCacheFacts({ ...(options.file ? { file: options.file } : {}), text, root }, model, modules);
  return { configurations: reader.configurations, packages: reader.packages, devShells: reader.devShells, inputs, caches, robots: reader.robots() };
}

/** Module files as the configurations read them, each recorded once. */
function recording(files: ModuleFiles, into: ParsedFile[]): ModuleFiles {
  return {
    parse(file: string) {
      const root = files.parse(file);
      if (root && !into.some((m) => m.file === file)) into.push({ file, text: root.text, root });
      return root;
    },
  };
}
