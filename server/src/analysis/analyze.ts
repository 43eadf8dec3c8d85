import type { Node, Tree } from 'web-tree-sitter';
import type { Finding } from './diagnostic';
import { combine, leafSummary } from './rules';
import { type NodeView, type Summary, EMPTY_FINDINGS } from './summary';
import { describeError, describeMissing, findUnterminated, unterminatedFinding } from './syntax';
import { copySubtree, placedAt, syntaxLeaf, syntaxNode, type SyntaxNode } from '../scope/syntax';

/** Node types with children worth visiting; every other node is summarised from its text. */
const COMPOSITE = new Set([
  'source_code', 'apply_expression', 'assert_expression', 'attrpath', 'attrset_expression',
  'binary_expression', 'binding', 'binding_set', 'formal', 'formals', 'function_expression',
  'has_attr_expression', 'hpath_expression', 'if_expression', 'indented_string_expression', 'inherit',
  'inherit_from', 'inherited_attrs', 'interpolation', 'let_attrset_expression', 'let_expression',
  'list_expression', 'parenthesized_expression', 'path_expression', 'rec_attrset_expression',
  'select_expression', 'string_expression', 'unary_expression', 'with_expression',
]);

/** Named leaves whose text or length matters to a parent. */
const NAMED_LEAVES = new Set([
  'variable_expression', 'integer_expression', 'float_expression', 'identifier', 'string_fragment', 'escape_sequence',
  'dollar_escape', 'path_fragment',
]);

/** Syntax errors described in detail per analysis; the rest count only for the verdict. */
const MAX_DESCRIBED_ERRORS = 50;

/** Subtrees shorter than this are recomputed rather than cached: cheap, and keeps the cache small. */
const CACHE_MIN_LENGTH = 64;

/** Summaries of the current tree's subtrees, by tree-sitter node id, for incremental re-analysis. */
export type SummaryCache = Map<number, Summary>;

/** A name no binding, builtin or `with` provides, as the scope model found it. */
export interface UndefinedName {
  name: string;
  start: number;
  end: number;
}

export interface AnalysisResult {
  findings: Finding[];
  /** The plain copy of the tree the scope model is built from (see `scope/syntax.ts`). */
  syntax: SyntaxNode;
  /** The cache to pass to the next analysis of the next version of this document. */
  cache: SummaryCache;
}

interface Frame {
  node: Node;
  type: string;
  start: number;
  children: (Node | null)[] | undefined;
  next: number;
  views: NodeView[];
  /** Whether MISSING children must be looked for (only under nodes that contain errors). */
  checkMissing: boolean;
  /** Whether a MISSING child was found (the syntax copy says so). */
  incomplete: boolean;
}

/**
 * Analyses a parsed document: syntax errors, duplicate attributes and undefined variables, as
 * `nix-instantiate --parse` would reject them. Walks the tree bottom-up without recursion (deeply
 * nested input cannot overflow the stack) and reuses summaries of subtrees unchanged since the
 * previous analysis when `previous` is given. The same walk makes the syntax copy the scope
 * model is built from; `resolve` builds it and gives the names Nix would find undefined, which
 * are reported here, where the syntax errors that make some of them noise are known.
 */
export function analyzeTree(tree: Tree, text: string, previous?: SummaryCache, resolve?: (syntax: SyntaxNode) => readonly UndefinedName[]): AnalysisResult {
  const root = tree.rootNode;
  const cache: SummaryCache = new Map();
  const treeHasError = root.hasError;
  const srcText = (v: NodeView) => text.slice(v.node.startIndex, v.node.startIndex + v.summary.length);

  if (root.type === 'ERROR') {
    // Nothing of the file parsed as an expression: one description of the mistake is all we have.
    const d = describeError(root, text);
    const syntax = copySubtree(root);
    resolve?.(syntax);
    return { findings: place({ typeId: 0, length: text.length, findings: [d] }, 0, text, true, []), cache, syntax };
  }
  const stack: Frame[] = [frameFor(root, root.type, treeHasError)];
  let described = 0;
  let result: Summary | undefined;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.children === undefined) {
      const reused = lookup(previous, frame.node, frame.type);
      if (reused) {
        stack.pop();
        carryOver(previous!, cache, frame.node.id, reused);
        deliver(stack, frame, reused);
        if (stack.length === 0) result = reused;
        continue;
      }
      frame.children = frame.node.children;
    }
    if (frame.next < frame.children.length) {
      const child = frame.children[frame.next++];
      if (!child) continue;
      const type = child.type;
      if ((frame.checkMissing && child.isMissing) || type === 'ERROR') {
        // Describing a mistake looks around it; past a few dozen, a file is not being edited
        // but pasted from elsewhere, and Nix itself reports only the first: stop describing.
        if (++described > MAX_DESCRIBED_ERRORS) {
          if (type !== 'ERROR') frame.incomplete = true;
          const syntax = type === 'ERROR' ? copySubtree(child) : undefined;
          frame.views.push(view(child, type, frame.start, { typeId: 0, length: child.endIndex - child.startIndex, findings: EMPTY_FINDINGS, syntax }));
          continue;
        }
      }
      if (frame.checkMissing && child.isMissing) {
        frame.incomplete = true;
        const f = describeMissing(child, frame.node, text);
        frame.views.push(view(child, type, frame.start, { typeId: 0, length: 0, findings: [shift(f, -child.startIndex)] }));
      } else if (type === 'ERROR') {
        const d = describeError(child, text);
        const s: Summary = { typeId: 0, length: child.endIndex - child.startIndex, findings: [shift(d, -child.startIndex)], syntax: copySubtree(child) };
        frame.views.push(view(child, type, frame.start, s));
      } else if (COMPOSITE.has(type) && (type !== 'inherit' || child.isNamed)) {
        // (The `inherit` keyword has the same type name as the node it starts.)
        stack.push(frameFor(child, type, frame.checkMissing && child.hasError));
      } else if (NAMED_LEAVES.has(type)) {
        const length = child.endIndex - child.startIndex;
        if (length === 0 && type === 'variable_expression') {
          // A MISSING name: tree-sitter's stand-in for a value that is not there.
          const f = describeMissing(child, frame.node, text);
          frame.views.push(view(child, type, frame.start, { typeId: 0, length: 0, findings: [shift(f, -child.startIndex)] }));
          continue;
        }
        const base = leafSummary(type, text.slice(child.startIndex, child.startIndex + length));
        frame.views.push(view(child, type, frame.start, { typeId: 0, length, ...base, syntax: length > 0 ? syntaxLeaf(type, length) : undefined }));
      } else {
        // Anonymous tokens, comments, URIs, search paths, `...`: no findings.
        const token = isTokenType(type);
        const length = token ? type.length : child.endIndex - child.startIndex;
        const syntax = token || type === 'comment' || length === 0 ? undefined : syntaxLeaf(type, length);
        frame.views.push(view(child, type, frame.start, { typeId: 0, length, findings: EMPTY_FINDINGS, syntax }));
      }
      continue;
    }
    // All children summarised: combine them.
    stack.pop();
    const length = frame.node.endIndex - frame.start;
    let depth = 0;
    for (const v of frame.views) if ((v.summary.depth ?? 0) > depth) depth = v.summary.depth!;
    depth += PARSER_STACK_WEIGHT[frame.type] ?? 0;
    const summary: Summary = { typeId: frame.node.typeId, length, depth, ...combine(frame.type, frame.node, frame.views, srcText), syntax: syntaxOf(frame, length) };
    if (length >= CACHE_MIN_LENGTH && !summary.findings.some((f) => f.code === 'syntax-error')) {
      // Remember which children are cached too: reusing this subtree later carries them over.
      const cachedChildren = frame.views.filter((v) => cache.has(v.node.id)).map((v) => v.node.id);
      cache.set(frame.node.id, cachedChildren.length > 0 ? { ...summary, cachedChildren } : summary);
    }
    deliver(stack, frame, summary);
    if (stack.length === 0) result = summary;
  }
  const syntax = placedAt(result!.syntax ?? syntaxNode(root.type, 0, [], false), root.startIndex);
  return { findings: place(result!, root.startIndex, text, treeHasError, resolve?.(syntax) ?? []), cache, syntax };
}

function frameFor(node: Node, type: string, checkMissing: boolean): Frame {
  return { node, type, start: node.startIndex, children: undefined, next: 0, views: [], checkMissing, incomplete: false };
}

/** A composite node's syntax copy: its children's copies, each at its place. */
function syntaxOf(frame: Frame, length: number): SyntaxNode | undefined {
  if (length === 0) return undefined;
  const children: SyntaxNode[] = [];
  for (const v of frame.views) if (v.summary.syntax) children.push(placedAt(v.summary.syntax, v.off));
  return syntaxNode(frame.type, length, children, frame.incomplete);
}

function view(node: Node, type: string, parentStart: number, summary: Summary): NodeView {
  return { node, type, off: node.startIndex - parentStart, summary };
}

function deliver(stack: Frame[], frame: Frame, summary: Summary): void {
  const parent = stack[stack.length - 1];
  if (parent) parent.views.push(view(frame.node, frame.type, parent.start, summary));
}

/**
 * Keeps a reused subtree's summary and those of its cached descendants: the whole subtree is in
 * the new tree unchanged, so their ids stay valid, and a later edit inside it finds them.
 */
function carryOver(previous: SummaryCache, cache: SummaryCache, id: number, summary: Summary): void {
  const stack: [number, Summary][] = [[id, summary]];
  while (stack.length > 0) {
    const [nodeId, s] = stack.pop()!;
    cache.set(nodeId, s);
    for (const child of s.cachedChildren ?? []) {
      const c = previous.get(child);
      if (c) stack.push([child, c]);
    }
  }
}

function lookup(previous: SummaryCache | undefined, node: Node, _type: string): Summary | undefined {
  const hit = previous?.get(node.id);
  if (!hit) return undefined;
  if (hit.typeId !== node.typeId || hit.length !== node.endIndex - node.startIndex) return undefined;
  return hit;
}

function isTokenType(type: string): boolean {
  return !/^[a-z_]+$/.test(type) || KEYWORD_TOKENS.has(type);
}
const KEYWORD_TOKENS = new Set(['assert', 'with', 'let', 'in', 'if', 'then', 'else', 'rec', 'inherit', 'or']);

function shift(f: Finding, by: number): Finding {
  const out: Finding = { ...f, start: f.start + by, end: f.end + by };
  if (f.related) out.related = { ...f.related, start: f.related.start + by, end: f.related.end + by };
  if (f.quiet) out.quiet = { start: f.quiet.start + by, end: f.quiet.end + by };
  return out;
}

/**
 * Nix's parser (bison) gives up at a stack depth of 10,000 with "memory exhausted". How much of
 * that stack a nesting level takes depends on the construct (measured with Nix 2.8: about 10,000
 * nested parentheses, 5,000 lists or functions, 3,330 `let`s, 2,500 sets); left-recursive chains
 * such as `f 1 1 …` or `1 + 1 + …` take none.
 */
const NIX_MAX_DEPTH = 9990;
const PARSER_STACK_WEIGHT: Record<string, number> = {
  parenthesized_expression: 1,
  list_expression: 2,
  function_expression: 2,
  let_expression: 3,
  attrset_expression: 4,
  rec_attrset_expression: 4,
};

/** Places the root summary's findings in the document and adds undefined-variable findings. */
function place(root: Summary, base: number, text: string, hasError: boolean, undefinedNames: readonly UndefinedName[]): Finding[] {
  const out: Finding[] = [];
  for (const f of root.findings) out.push(shift(f, base));
  for (const { name, start, end } of undefinedNames) {
    out.push({ start, end, severity: 'error', code: 'undefined-variable', message: `undefined variable \`${name}\`` });
  }
  if (!/\S/.test(text.replace(/#[^\n]*|\/\*[\s\S]*?\*\//g, ''))) {
    out.push({ start: 0, end: Math.min(text.length, 1), severity: 'error', code: 'syntax-error', message: 'this file has no expression: a Nix file must contain one (for example `{ }`)' });
  }
  if (text.charCodeAt(0) === 0xfeff) {
    out.push({ start: 0, end: 1, severity: 'error', code: 'syntax-error', message: 'the file starts with a byte-order mark (BOM), which Nix does not accept: save it as UTF-8 without BOM' });
  }
  if ((root.depth ?? 0) > NIX_MAX_DEPTH) {
    out.push({ start: 0, end: Math.min(1, text.length), severity: 'error', code: 'syntax-error', message: "expressions are nested too deeply for Nix's parser (it reads about 10,000 nested parentheses, 5,000 lists or 2,500 sets at most)" });
  }
  // An unterminated string or comment swallows the rest of the file: report it alone from there,
  // and drop the bracket errors it causes before it.
  // tree-sitter cannot close such a token either, so only a tree with errors needs the scan.
  const unterminated = hasError ? findUnterminated(text) : undefined;
  let cut = Infinity;
  if (unterminated) {
    cut = unterminated.at;
    for (let i = out.length - 1; i >= 0; i--) {
      const f = out[i]!;
      if (f.start >= cut || (f.code === 'syntax-error' && (f.end > cut || f.message.startsWith('unclosed')))) out.splice(i, 1);
    }
    out.push(unterminatedFinding(unterminated));
  }
  // Names on a line with a syntax error are usually misread code, not real variable uses.
  const quiet = out.filter((f) => f.code === 'syntax-error').map((f) => f.quiet ?? lineAround(text, f.start, f.end));
  return out
    .filter((f) => f.start <= cut)
    .filter((f) => f.code === 'syntax-error' || !quiet.some((q) => f.start >= q.start && f.end <= q.end))
    .sort((a, b) => a.start - b.start || a.end - b.end)
    .filter(dropCascades());
}

function lineAround(text: string, start: number, end: number): { start: number; end: number } {
  const from = text.lastIndexOf('\n', start - 1) + 1;
  const to = text.indexOf('\n', end);
  return { start: from, end: to < 0 ? text.length : to };
}

/** After a syntax error, further syntax errors on the same line add nothing. */
function dropCascades(): (f: Finding) => boolean {
  let lastSyntaxEnd = -1;
  return (f) => {
    if (f.code !== 'syntax-error') return true;
    if (f.start < lastSyntaxEnd) return false;
    lastSyntaxEnd = Math.max(lastSyntaxEnd, f.end);
    return true;
  };
}
