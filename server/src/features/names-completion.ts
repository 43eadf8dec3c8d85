import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompletionItemKind, CompletionItemTag, MarkupKind, type CompletionItem } from 'vscode-languageserver/node';
import type { LineIndex } from '../text/line-index';
import { GLOBAL_NAMES } from '../analysis/builtins';
import type { AttrSet, Binding, Placed, ScopeModel } from '../scope/model';
import { nodesAt, scopeAt, visibleBindings } from '../scope/query';
import { flakeInputs, followPath, setOfAttr, setOfBinding, setOfExpression } from '../scope/attr-sets';
import { BUILTIN_DOCS, builtinDoc, builtinMarkdown } from './builtin-docs';
import type { DocumentPlace } from './definition';

/**
 * Completion of what a name can be where an expression is being typed: the bindings in scope,
 * the builtins, `builtins.` members, the attributes of a set the file defines (`cfg.` after
 * `cfg = { … }`), a flake's input names after `inputs.`, and file names after `./`.
 *
 * Nothing is offered where a binding's name is typed (`{ hardware.| }`): the option completion
 * answers there, and both lists are shown together. `true`, `false` and `null` are left to it too.
 *
 * Without `general` (another Nix language server completes names), only file names and a flake's
 * input names are offered: no other Nix server completes those.
 */
export function completeNames(model: ScopeModel, lines: LineIndex, offset: number, place: DocumentPlace, general = true): CompletionItem[] {
  const text = model.text;
  if (inComment(model, offset) || inString(model, offset)) return [];
  const pathTyped = /(?:^|[\s[(=:{;])(\.{1,2}\/[A-Za-z0-9._+\-/]*)$/.exec(text.slice(Math.max(0, offset - 256), offset));
  if (pathTyped) return completePath(pathTyped[1]!, place.file, lines, offset);
  let wordStart = offset;
  while (wordStart > 0 && /[A-Za-z0-9_'-]/.test(text[wordStart - 1]!)) wordStart--;
  if (/[0-9'-]/.test(text[wordStart] ?? '')) return [];
  if (text[wordStart - 1] === '.') return completeAttributes(model, wordStart - 1, place, general);
  if (!general) return [];
  switch (classify(model, wordStart)) {
    case 'expression':
      return [...bindingItems(visibleBindings(scopeAt(model, offset)).bindings), ...builtinItems()];
    case 'inherit':
      return bindingItems(visibleBindings(outsideSet(model, offset)).bindings);
    case 'inherit-from':
      return attributeItems(model, inheritSource(model, wordStart));
    default:
      return [];
  }
}

type Context = 'expression' | 'inherit' | 'inherit-from' | 'key' | 'none';

/** What is being typed at `at`, from the syntax around it (and, inside a syntax error, the text). */
function classify(model: ScopeModel, at: number): Context {
  const chain = nodesAt(model, at);
  for (let i = chain.length - 1; i >= 0; i--) {
    const { node, start } = chain[i]!;
    const parent = chain[i - 1]?.node;
    switch (node.type) {
      case 'variable_expression':
        return 'expression';
      case 'identifier':
        if (parent?.type === 'variable_expression') return 'expression';
        continue;
      case 'inherited_attrs':
        return parent?.type === 'inherit_from' ? 'inherit-from' : 'inherit';
      case 'formals':
      case 'formal':
        return 'none';
      case 'attrpath':
        return parent?.type === 'binding' ? 'key' : 'none';
      case 'binding': {
        const key = node.children.find((c) => c.type === 'attrpath');
        return key && at > start + key.offset + key.length && model.text.slice(start + key.offset + key.length, at).includes('=') ? 'expression' : 'key';
      }
      case 'binding_set':
      case 'attrset_expression':
      case 'rec_attrset_expression':
      case 'let_attrset_expression':
        return 'key';
      case 'let_expression': {
        const bindings = node.children.find((c) => c.type === 'binding_set');
        return bindings && at > start + bindings.offset + bindings.length && /\bin\b/.test(model.text.slice(start + bindings.offset + bindings.length, at)) ? 'expression' : 'key';
      }
      case 'ERROR':
        return byPreviousToken(model.text, at);
      case 'string_fragment':
      case 'comment':
        return 'none';
      default:
        return 'expression';
    }
  }
  return 'expression';
}

/** Inside a syntax error: the token before the cursor says whether a value is expected. */
function byPreviousToken(text: string, at: number): Context {
  let i = at - 1;
  while (i >= 0 && /\s/.test(text[i]!)) i--;
  if (i < 0) return 'expression';
  const c = text[i]!;
  if (c === '{') return text[i - 1] === '$' ? 'expression' : 'key';
  if ('=:([?+*/<>!&|-'.includes(c)) return 'expression';
  let w = i;
  while (w > 0 && /[A-Za-z]/.test(text[w - 1]!)) w--;
  return /^(in|then|else|if|assert|with|or)$/.test(text.slice(w, i + 1)) ? 'expression' : 'key';
}

function inComment(model: ScopeModel, offset: number): boolean {
  const text = model.text;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const line = text.slice(lineStart, offset);
  if (/(^|\s)#/.test(line) && !line.includes('"') && !line.includes("''")) return true;
  // Comments are not in the syntax copy: a `/*` that is not inside a string opens one.
  const open = text.lastIndexOf('/*', offset - 2);
  if (open < 0 || inString(model, open + 1)) return false;
  const close = text.indexOf('*/', open + 2);
  return close < 0 || close + 2 > offset;
}

function inString(model: ScopeModel, offset: number): boolean {
  const chain = nodesAt(model, offset);
  for (let i = chain.length - 1; i >= 0; i--) {
    const t = chain[i]!.node.type;
    if (t === 'interpolation') return false;
    if (t === 'string_expression' || t === 'indented_string_expression') return offset > chain[i]!.start;
  }
  return false;
}

/** The scope around the set whose `inherit` the cursor is in: `inherit a;` reads from there. */
function outsideSet(model: ScopeModel, offset: number) {
  const scope = scopeAt(model, offset);
  return scope && (scope.kind === 'let' || scope.kind === 'rec') && scope.node.start <= offset && offset <= scope.node.end ? scope.parent : scope;
}

function inheritSource(model: ScopeModel, at: number): AttrSet | undefined {
  const chain = nodesAt(model, at);
  const clause = [...chain].reverse().find((p) => p.node.type === 'inherit_from');
  const from = clause?.node.children.find((c) => c.type !== 'inherited_attrs' && c.type !== 'ERROR');
  return clause && from ? setOfExpression(model, { node: from, start: clause.start + from.offset }) : undefined;
}

/** `a.b.` up to the cursor: the attributes of `a.b`, when the file says what it is. */
function completeAttributes(model: ScopeModel, dot: number, place: DocumentPlace, general: boolean): CompletionItem[] {
  const text = model.text;
  const names: string[] = [];
  let end = dot;
  for (;;) {
    let start = end;
    while (start > 0 && /[A-Za-z0-9_'-]/.test(text[start - 1]!)) start--;
    if (start === end || !/[A-Za-z_]/.test(text[start]!)) return [];
    names.unshift(text.slice(start, end));
    if (text[start - 1] !== '.') {
      end = start;
      break;
    }
    end = start - 1;
  }
  if (classify(model, end) !== 'expression') return [];
  const [base, ...rest] = names as [string, ...string[]];
  const binding = visibleBindings(scopeAt(model, end)).bindings.find((b) => b.name === base);
  if (!binding) return general && base === 'builtins' && rest.length === 0 ? builtinMemberItems() : [];
  if (isFlakeInputsName(binding, place) && rest.length === 0) {
    return [...flakeInputs(model).keys()].map((name) => ({ label: name, kind: CompletionItemKind.Module, detail: 'flake input' }));
  }
  if (!general) return [];
  const set = setOfBinding(model, binding);
  if (rest.length === 0) return attributeItems(model, set);
  const attr = followPath(model, set, rest);
  return attributeItems(model, attr ? setOfAttr(model, attr) : undefined);
}

function isFlakeInputsName(b: Binding, place: DocumentPlace): boolean {
  const flake = /(^|[\\/])flake\.nix$/.test(place.file ?? place.uri);
  return flake && (b.kind === 'pattern' || b.kind === 'parameter') && b.scope.function?.flakeOutputs === true;
}

function attributeItems(model: ScopeModel, set: AttrSet | undefined): CompletionItem[] {
  if (!set) return [];
  return [...set.attrs.values()].map((a) => ({
    label: a.name,
    kind: CompletionItemKind.Field,
    detail: a.value ? valuePreview(model, a.value) : a.inherit ? 'inherited' : 'attribute set',
  }));
}

function valuePreview(model: ScopeModel, value: Placed): string {
  const text = model.text.slice(value.start, value.start + value.node.length).replace(/\s+/g, ' ');
  return text.length > 60 ? text.slice(0, 59) + '…' : text;
}

const KIND: Record<Binding['kind'], string> = { let: 'let binding', rec: 'rec attribute', formal: 'argument', pattern: 'argument set', parameter: 'argument' };

function bindingItems(bindings: Binding[]): CompletionItem[] {
  return bindings.map((b, i) => ({
    label: b.name,
    kind: b.kind === 'let' || b.kind === 'rec' ? CompletionItemKind.Variable : CompletionItemKind.Field,
    detail: KIND[b.kind],
    sortText: `0${String(i).padStart(4, '0')}`,
  }));
}

let globals: CompletionItem[] | undefined;
let members: CompletionItem[] | undefined;

/** The builtins usable without `builtins.`; `true`, `false` and `null` are left to other completions. */
function builtinItems(): CompletionItem[] {
  if (!globals) {
    globals = [];
    for (const name of GLOBAL_NAMES) {
      if (name.startsWith('__') || name === 'true' || name === 'false' || name === 'null') continue;
      const doc = builtinDoc(name);
      if (doc) globals.push(builtinItem(name, doc, '9'));
    }
  }
  return globals;
}

function builtinMemberItems(): CompletionItem[] {
  return (members ??= [...BUILTIN_DOCS.values()].map((doc) => builtinItem(doc.name, doc, '1')));
}

function builtinItem(label: string, doc: NonNullable<ReturnType<typeof builtinDoc>>, sort: string): CompletionItem {
  return {
    label,
    kind: doc.kind === 'function' ? CompletionItemKind.Function : doc.kind === 'namespace' ? CompletionItemKind.Module : CompletionItemKind.Constant,
    detail: doc.signature,
    documentation: { kind: MarkupKind.Markdown, value: builtinMarkdown(doc) },
    sortText: `${sort}${label}`,
    ...(doc.deprecated ? { tags: [CompletionItemTag.Deprecated] } : {}),
  };
}

/** At most this many entries of a folder are offered. */
const MAX_ENTRIES = 500;

/**
 * At most `limit` entries of a folder, read one at a time: a path typed towards `/nix/store/`
 * (hundreds of thousands of entries) must not list all of them inside a completion request.
 * Entries' kinds come from the listing; nothing in the folder is opened.
 */
function firstEntries(folder: string, limit: number): fs.Dirent[] {
  const entries: fs.Dirent[] = [];
  let dir: fs.Dir | undefined;
  try {
    dir = fs.opendirSync(folder);
    for (let e = dir.readSync(); e && entries.length < limit; e = dir.readSync()) entries.push(e);
  } catch {
    // Not a folder, gone, or no permission: what was read so far is all there is.
  } finally {
    dir?.closeSync();
  }
  // In name order, as readdir gives them (the folder's own order is the file system's).
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `./modules/ro` up to the cursor: the entries of `./modules/` starting with `ro`. */
function completePath(typed: string, documentFile: string | undefined, lines: LineIndex, offset: number): CompletionItem[] {
  if (!documentFile) return [];
  const slash = typed.lastIndexOf('/');
  const folder = path.resolve(path.dirname(documentFile), typed.slice(0, slash + 1));
  const prefix = typed.slice(slash + 1);
  const entries = firstEntries(folder, MAX_ENTRIES);
  const items: CompletionItem[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') && !prefix.startsWith('.')) continue;
    const dir = e.isDirectory();
    const nix = e.name.endsWith('.nix');
    const label = dir ? `${e.name}/` : e.name;
    items.push({
      label,
      kind: dir ? CompletionItemKind.Folder : CompletionItemKind.File,
      sortText: `${dir ? 0 : nix ? 1 : 2}${e.name}`,
      filterText: e.name,
      textEdit: { range: lines.range(offset - prefix.length, offset), newText: label },
      ...(dir ? { command: { title: 'Suggest', command: 'editor.action.triggerSuggest' } } : {}),
    });
  }
  return items;
}
