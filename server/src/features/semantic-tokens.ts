import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver/node';
import type { LineIndex } from '../text/line-index';
import type { Binding, Reference, ScopeModel } from '../scope/model';
import { builtinDoc } from './builtin-docs';

/**
 * Semantic tokens: what a name is, which colouring by grammar alone cannot know. A variable, a
 * function's argument, an attribute name, a builtin function or constant, a namespace (`lib`,
 * `pkgs`, `builtins`); definitions carry `declaration`, builtins `defaultLibrary`, deprecated
 * builtins and syntax (`let { … }`, URL literals) `deprecated`. `true`, `false` and `null` are
 * left to the grammar's colours.
 */
const TYPES = ['variable', 'parameter', 'property', 'function', 'namespace', 'keyword', 'string'] as const;
const MODIFIERS = ['declaration', 'readonly', 'defaultLibrary', 'deprecated'] as const;

export const SEMANTIC_LEGEND: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [...MODIFIERS] };

type TokenType = (typeof TYPES)[number];
type Modifier = (typeof MODIFIERS)[number];

interface Token {
  start: number;
  length: number;
  type: number;
  modifiers: number;
}

/** Names that stand for a whole library of attributes in NixOS and nixpkgs code. */
const NAMESPACES = new Set(['lib', 'pkgs', 'builtins']);
const GRAMMAR_CONSTANTS = new Set(['true', 'false', 'null']);

function token(start: number, length: number, type: TokenType, ...modifiers: Modifier[]): Token {
  let bits = 0;
  for (const m of modifiers) bits |= 1 << MODIFIERS.indexOf(m);
  return { start, length, type: TYPES.indexOf(type), modifiers: bits };
}

/** Tokens by model: editors ask again for an unchanged document (a model is one version's). */
const computed = new WeakMap<ScopeModel, SemanticTokens>();

/** textDocument/semanticTokens/full. */
export function semanticTokens(model: ScopeModel, lines: LineIndex): SemanticTokens {
  let tokens = computed.get(model);
  if (!tokens) computed.set(model, (tokens = compute(model, lines)));
  return tokens;
}

function compute(model: ScopeModel, lines: LineIndex): SemanticTokens {
  const byStart = new Map<number, Token>();
  const add = (t: Token | undefined) => {
    if (t && t.length > 0 && !byStart.has(t.start)) byStart.set(t.start, t);
  };
  // Definitions first: a name in `inherit a;` inside a `let` is first of all what it defines.
  for (const b of model.bindings) for (const s of b.sites) if (model.text[s.start] !== '"') add(definitionToken(b, s.start, s.end - s.start));
  for (const r of model.references) add(referenceToken(r));
  for (const m of model.builtinMembers) add(builtinToken(model.text.slice(m.start, m.end), m.start, m.end - m.start));
  for (let i = 0; i < model.keys.length; i += 2) {
    const start = model.keys[i]!;
    if (model.text[start] !== '"') add(token(start, model.keys[i + 1]! - start, 'property'));
  }
  for (const l of model.notes.legacyLets) add(token(l.start, 3, 'keyword', 'deprecated'));
  for (const u of model.notes.urls) add(token(u.start, u.end - u.start, 'string', 'deprecated'));
  return { data: encode([...byStart.values()].sort((a, b) => a.start - b.start), lines) };
}

function definitionToken(b: Binding, start: number, length: number): Token {
  if (NAMESPACES.has(b.name)) return token(start, length, 'namespace', 'declaration');
  if (b.kind === 'rec') return token(start, length, 'property', 'declaration');
  if (b.kind === 'let') return token(start, length, 'variable', 'declaration');
  return token(start, length, 'parameter', 'declaration');
}

function referenceToken(r: Reference): Token | undefined {
  const length = r.end - r.start;
  if (r.binding) {
    if (NAMESPACES.has(r.name)) return token(r.start, length, 'namespace');
    return token(r.start, length, r.binding.kind === 'let' || r.binding.kind === 'rec' ? 'variable' : 'parameter');
  }
  if (r.builtin) return builtinToken(r.name, r.start, length);
  if (r.withScope) return token(r.start, length, NAMESPACES.has(r.name) ? 'namespace' : 'variable');
  return undefined;
}

function builtinToken(name: string, start: number, length: number): Token | undefined {
  if (GRAMMAR_CONSTANTS.has(name)) return undefined;
  const doc = builtinDoc(name);
  if (!doc) return undefined;
  const extra: Modifier[] = doc.deprecated ? ['deprecated'] : [];
  if (doc.kind === 'namespace') return token(start, length, 'namespace', 'defaultLibrary');
  if (doc.kind === 'constant') return token(start, length, 'variable', 'readonly', 'defaultLibrary', ...extra);
  return token(start, length, 'function', 'defaultLibrary', ...extra);
}

/** LSP's relative encoding: line delta, start delta (within a line), length, type, modifiers. */
function encode(tokens: Token[], lines: LineIndex): number[] {
  const data: number[] = [];
  let line = 0;
  let character = 0;
  for (const t of tokens) {
    const p = lines.position(t.start);
    const end = lines.position(t.start + t.length);
    // A token may not span lines; none of ours should, but a CRLF or stray newline must not corrupt the stream.
    if (end.line !== p.line) continue;
    data.push(p.line - line, p.line === line ? p.character - character : p.character, t.length, t.type, t.modifiers);
    line = p.line;
    character = p.character;
  }
  return data;
}
