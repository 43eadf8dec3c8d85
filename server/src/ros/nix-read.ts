import type { Node } from 'web-tree-sitter';
import { bindingsOf, elements, pathNames, stringValue, unparen } from '../schema/nix-static';

/**
 * Static readers of Nix syntax for the ROS index, on top of the schema extractor's
 * (`schema/nix-static.ts`): string values of both kinds, attribute paths, and the bindings of a
 * set with their static names. Nothing evaluates; what would need evaluation reads as undefined.
 */

/** A token of an indented string: text, and whether it counts for indentation (escapes do not). */
interface IndentedToken {
  text: string;
  indentation: boolean;
}

/** The single characters `''\x` stands for; any other character stands for itself. */
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t' };

/** The literal runs Nix's lexer reads in one token inside `''…''`. */
const IND_RUN = /(?:[^$']|\$[^{']|'[^'$])+/y;

/** Splits the inside of `''…''` into Nix's lexer tokens; undefined when it interpolates. */
function indentedTokens(body: string): IndentedToken[] | undefined {
  const out: IndentedToken[] = [];
  let i = 0;
  while (i < body.length) {
    if (body.startsWith("''$", i)) {
      out.push({ text: '$', indentation: false });
      i += 3;
    } else if (body.startsWith("'''", i)) {
      out.push({ text: "''", indentation: false });
      i += 3;
    } else if (body.startsWith("''\\", i) && i + 3 < body.length) {
      const c = body[i + 3]!;
      out.push({ text: ESCAPES[c] ?? c, indentation: false });
      i += 4;
    } else if (body.startsWith('${', i) || body.startsWith("''", i)) {
      return undefined;
    } else {
      IND_RUN.lastIndex = i;
      const m = IND_RUN.exec(body);
      if (m) {
        out.push({ text: m[0], indentation: true });
        i += m[0].length;
      } else {
        // A lone `$` or `'` (before `{`/`'`, or at the end) is its own token, without indentation.
        out.push({ text: body[i]!, indentation: false });
        i += 1;
      }
    }
  }
  return out;
}

/** The smallest indentation of a line with content, as Nix counts it (spaces only). */
function minimumIndent(tokens: IndentedToken[]): number {
  let atStart = true;
  let min = Number.MAX_SAFE_INTEGER;
  let current = 0;
  for (const t of tokens) {
    if (!t.indentation) {
      if (atStart) {
        atStart = false;
        min = Math.min(min, current);
      }
      continue;
    }
    for (const c of t.text) {
      if (atStart) {
        if (c === ' ') current++;
        else if (c === '\n') current = 0;
        else {
          atStart = false;
          min = Math.min(min, current);
        }
      } else if (c === '\n') {
        atStart = true;
        current = 0;
      }
    }
  }
  return min;
}

/**
 * The value of an indented string (`''…''`) as Nix computes it: an empty first line dropped, the
 * common indentation of the lines with content stripped, a last line of spaces removed.
 * Undefined when it interpolates.
 */
export function indentedStringValue(source: string): string | undefined {
  if (!source.startsWith("''") || !source.endsWith("''") || source.length < 4) return undefined;
  // The opening `''` takes spaces and a newline with it when nothing else follows on its line.
  const body = source.slice(2, -2).replace(/^ *\n/, '');
  const tokens = indentedTokens(body);
  if (!tokens) return undefined;
  const min = minimumIndent(tokens);
  let atStart = true;
  let dropped = 0;
  let out = '';
  tokens.forEach((t, index) => {
    let piece = '';
    for (const c of t.text) {
      if (atStart) {
        if (c === ' ') {
          if (dropped++ >= min) piece += c;
        } else {
          if (c !== '\n') atStart = false;
          dropped = 0;
          piece += c;
        }
      } else {
        piece += c;
        if (c === '\n') atStart = true;
      }
    }
    if (index === tokens.length - 1) {
      const nl = piece.lastIndexOf('\n');
      if (nl >= 0 && /^ *$/.test(piece.slice(nl + 1))) piece = piece.slice(0, nl + 1);
    }
    out += piece;
  });
  return out;
}

/** The value of either kind of string literal, or undefined when it interpolates or is not a string. */
export function nixStringValue(node: Node): string | undefined {
  const n = unparen(node);
  if (n.type === 'string_expression') return stringValue(n);
  if (n.type === 'indented_string_expression') return indentedStringValue(n.text);
  return undefined;
}

/** `a.b.c` for a variable or a selection of static names without `or`, else undefined. */
export function selectPath(node: Node): string[] | undefined {
  const n = unparen(node);
  if (n.type === 'variable_expression') return [n.text];
  if (n.type !== 'select_expression' || n.childForFieldName('default')) return undefined;
  const base = n.childForFieldName('expression');
  const attrpath = n.childForFieldName('attrpath');
  const head = base && selectPath(base);
  const rest = attrpath && pathNames(attrpath);
  return head && rest ? [...head, ...rest.map((r) => r.name)] : undefined;
}

/** One binding of a set literal, `let` or overlay body, by its static name. */
export interface NamedBinding {
  name: string;
  /** The bound value; undefined for `inherit name;`. */
  value?: Node;
  /** For `inherit (source) name;`, the source expression. */
  inheritFrom?: Node;
  /** The value is made from the attribute of the same name (`genAttrs [ … ] (n: f rosSuper.${n})`). */
  fromItself?: boolean;
  /** The node that names it (for its line). */
  site: Node;
}

/**
 * The bindings of a set literal or `let`, top-level names only (`a.b = …` binds `a`).
 * `dynamic` lists the bindings whose name is computed (`${x} = …`).
 */
export function namedBindings(node: Node): { bindings: NamedBinding[]; dynamic: Node[] } {
  const bindings: NamedBinding[] = [];
  const dynamic: Node[] = [];
  for (const b of bindingsOf(node)) {
    if (b.type === 'binding') {
      const attrpath = b.childForFieldName('attrpath');
      const first = attrpath && elements(attrpath)[0];
      const names = attrpath && pathNames(attrpath);
      const value = b.childForFieldName('expression') ?? undefined;
      if (!first || !names) {
        // `a.${x} = …` still binds `a`; only a computed first name is unknown.
        const head = !first ? undefined : first.type === 'identifier' ? first.text : nixStringValue(first);
        if (head !== undefined && first) bindings.push({ name: head, site: first });
        else dynamic.push(b);
        continue;
      }
      bindings.push({ name: names[0]!.name, ...(names.length === 1 && value ? { value } : {}), site: names[0]!.node });
    } else if (b.type === 'inherit' || b.type === 'inherit_from') {
      const from = b.type === 'inherit_from' ? (b.childForFieldName('expression') ?? undefined) : undefined;
      const attrs = b.childForFieldName('attrs');
      for (const a of attrs ? elements(attrs) : []) {
        const name = a.type === 'identifier' ? a.text : nixStringValue(a);
        if (name === undefined) dynamic.push(a);
        else bindings.push({ name, site: a, ...(from ? { inheritFrom: from } : {}) });
      }
    }
  }
  return { bindings, dynamic };
}

/** Strips `x: y: …` and `{ … }: …` down to the body. */
export function functionBody(node: Node): Node {
  let cur = unparen(node);
  while (cur.type === 'function_expression') {
    const body = cur.childForFieldName('body');
    if (!body) break;
    cur = unparen(body);
  }
  return cur;
}
