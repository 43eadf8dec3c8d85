import type { Node } from 'web-tree-sitter';
import type { FlakeCacheFacts, FlakeMention } from '../protocol';
import { bindingsOf, isAttrset, literalList, pathNames, stringValue, unparen } from '../schema/nix-static';
import { LineIndex } from '../text/line-index';
import type { FlakeModel } from './inputs';

/**
 * What decides where a flake's builds come from, read statically for the build doctor: the
 * substituters and keys of its `nixConfig`, its nix-ros-overlay input (and whether that input's
 * nixpkgs is made to follow another), and where CUDA is switched on or its capabilities narrowed,
 * in flake.nix or the module files its configurations list. Only literal values count.
 */

/** A parsed file: its path (undefined for flake.nix itself when its path is not known), text and tree. */
export interface ParsedFile {
  file?: string;
  text: string;
  root: Node;
}

const MAX_NODES = 200_000;

export function readCacheFacts(flake: ParsedFile, model: FlakeModel | undefined, modules: readonly ParsedFile[]): FlakeCacheFacts {
  const facts: FlakeCacheFacts = { substituters: [], trustedPublicKeys: [] };
  readNixConfig(flake, facts);
  const ros = [...(model?.inputs.values() ?? [])].find((i) => !i.implicit && (i.name === 'nix-ros-overlay' || /nix-ros-overlay/.test(i.attributes.find((a) => a.name === 'url')?.text ?? '')));
  if (ros) {
    const follows = ros.overrides.find((o) => o.path.length === 1 && o.path[0] === 'nixpkgs')?.follows?.text;
    facts.rosOverlay = { input: ros.name, ...(follows !== undefined ? { followsNixpkgs: follows } : {}) };
  }
  for (const parsed of [flake, ...modules]) readCuda(parsed, facts);
  return facts;
}

function readNixConfig(flake: ParsedFile, facts: FlakeCacheFacts): void {
  const top = flake.root.namedChildren.find((c) => c && c.type !== 'comment');
  const set = top && unparen(top);
  if (!set || !isAttrset(set)) return;
  const lines = new LineIndex(flake.text);
  for (const b of bindingsOf(set)) {
    if (b.type !== 'binding') continue;
    const names = pathNames(b.childForFieldName('attrpath')!)?.map((n) => n.name);
    const value = b.childForFieldName('expression');
    if (!names || names[0] !== 'nixConfig' || !value) continue;
    facts.nixConfig ??= mention(flake, lines, b);
    if (names.length === 2) setting(names[1]!, value, facts);
    const inner = unparen(value);
    if (names.length === 1 && isAttrset(inner)) {
      for (const ib of bindingsOf(inner)) {
        const key = ib.type === 'binding' ? pathNames(ib.childForFieldName('attrpath')!) : undefined;
        const v = ib.childForFieldName('expression');
        if (key?.length === 1 && v) setting(key[0]!.name, v, facts);
      }
    }
  }
}

/** `extra-substituters = [ "https://ros.cachix.org" ];` (a list, or one space-separated string). */
function setting(name: string, value: Node, facts: FlakeCacheFacts): void {
  const plain = name.replace(/^extra-/, '');
  const target = plain === 'substituters' ? facts.substituters : plain === 'trusted-public-keys' ? facts.trustedPublicKeys : undefined;
  if (!target) return;
  const list = literalList(value);
  const text = stringValue(unparen(value));
  const values = list ? list.filter((v): v is string => typeof v === 'string') : text !== undefined ? text.split(/\s+/) : [];
  for (const v of values) if (v !== '' && !target.includes(v)) target.push(v);
}

/** `cudaSupport = true`, `configureCuda = true` and `cudaCapabilities = [ … ]`, at any depth, by their last name. */
function readCuda(parsed: ParsedFile, facts: FlakeCacheFacts): void {
  let lines: LineIndex | undefined;
  const stack: Node[] = [parsed.root];
  for (let visited = 0; stack.length > 0 && visited < MAX_NODES && !(facts.cuda && facts.cudaCapabilities); visited++) {
    const node = stack.pop()!;
    if (node.type === 'binding') {
      const names = pathNames(node.childForFieldName('attrpath')!)?.map((n) => n.name);
      const value = node.childForFieldName('expression');
      const last = names?.at(-1);
      if (value && (last === 'cudaSupport' || last === 'configureCuda') && unparen(value).text === 'true' && !facts.cuda) {
        facts.cuda = mention(parsed, (lines ??= new LineIndex(parsed.text)), node);
      } else if (value && last === 'cudaCapabilities' && !facts.cudaCapabilities) {
        const list = literalList(value);
        if (list && list.every((v) => typeof v === 'string')) facts.cudaCapabilities = { ...mention(parsed, (lines ??= new LineIndex(parsed.text)), node), values: list as string[] };
      }
    }
    for (let i = node.namedChildCount - 1; i >= 0; i--) {
      const child = node.namedChild(i);
      if (child) stack.push(child);
    }
  }
}

function mention(parsed: ParsedFile, lines: LineIndex, node: Node): FlakeMention {
  const line = lines.range(node.startIndex, node.endIndex).start.line + 1;
  const text = node.text.replace(/\s+/g, ' ').slice(0, 120);
  return { ...(parsed.file ? { file: parsed.file } : {}), line, text };
}
