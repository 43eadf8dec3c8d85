/**
 * A small XML reader for `package.xml`: elements, attributes in either quote style, text with the
 * predefined and numeric entities, CDATA sections, comments, processing instructions and a
 * DOCTYPE, with the source offset of everything, which hover and diagnostics need. It keeps
 * going after an error (and reports it), so a half-typed file still has its dependencies.
 *
 * Not handled: entities declared in a DOCTYPE (reported), namespaces (names are kept whole),
 * encodings other than the UTF-8 the text was decoded from.
 */

export interface XmlAttribute {
  name: string;
  /** Decoded, with tabs and newlines turned into spaces as XML does. */
  value: string;
  nameStart: number;
  /** The value's range without the quotes. */
  valueStart: number;
  valueEnd: number;
}

export interface XmlText {
  kind: 'text' | 'cdata';
  /** Decoded text (entities replaced; CDATA as written). */
  value: string;
  /** The range in the source, markup included. */
  start: number;
  end: number;
}

export interface XmlElement {
  kind: 'element';
  name: string;
  attributes: XmlAttribute[];
  children: XmlNode[];
  /** From `<` of the start tag to `>` of the end tag (or of `/>`). */
  start: number;
  end: number;
  nameStart: number;
  /** Whether the element was closed (by `/>` or its end tag). */
  closed: boolean;
}

export type XmlNode = XmlElement | XmlText;

export interface XmlError {
  message: string;
  start: number;
  end: number;
}

export interface XmlDocument {
  root?: XmlElement;
  errors: XmlError[];
}

const NAME = /[A-Za-z_:\u00C0-\uFFFF][A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]*/y;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
/** Characters XML 1.0 does not allow anywhere (controls, lone surrogates, U+FFFE, U+FFFF). */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Whether a code point is a character XML 1.0 allows. */
function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/** Replaces entity references; unknown or malformed ones are reported and kept as written. */
export function decodeEntities(raw: string, offset: number, errors: XmlError[]): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&<\s]*);?/g, (whole: string, body: string, at: number) => {
    const start = offset + at;
    if (!whole.endsWith(';')) {
      errors.push({ message: 'an `&` must start an entity such as `&amp;`', start, end: start + whole.length });
      return whole;
    }
    const numeric = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(body);
    if (numeric) {
      const code = numeric[1]!.startsWith('x') ? parseInt(numeric[1]!.slice(1), 16) : parseInt(numeric[1]!, 10);
      if (isXmlChar(code)) return String.fromCodePoint(code);
    } else if (body in ENTITIES) {
      return ENTITIES[body]!;
    }
    errors.push({ message: `\`${whole}\` is not an entity XML knows`, start, end: start + whole.length });
    return whole;
  });
}

class Reader {
  pos = 0;
  readonly errors: XmlError[] = [];
  readonly stack: XmlElement[] = [];
  root: XmlElement | undefined;

  constructor(readonly text: string) {}

  error(message: string, start: number, end = start + 1): void {
    this.errors.push({ message, start, end: Math.min(Math.max(end, start), this.text.length) });
  }

  /** Everything up to `close`; reports an unterminated construct and takes the rest. */
  until(close: string, what: string): { body: string; bodyStart: number; end: number } {
    const bodyStart = this.pos;
    const at = this.text.indexOf(close, bodyStart);
    if (at < 0) {
      this.error(`${what} is not closed (\`${close}\` is missing)`, bodyStart, this.text.length);
      this.pos = this.text.length;
      return { body: this.text.slice(bodyStart), bodyStart, end: this.text.length };
    }
    this.pos = at + close.length;
    return { body: this.text.slice(bodyStart, at), bodyStart, end: this.pos };
  }

  name(): string | undefined {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  spaces(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
  }

  /** Adds a node to the open element, or checks what may stand outside the root. */
  add(node: XmlNode): void {
    const parent = this.stack.at(-1);
    if (parent) parent.children.push(node);
    else if (node.kind === 'element') {
      if (this.root) this.error('a document has one root element; this is a second one', node.start, node.nameStart + node.name.length);
      else this.root = node;
    } else if (node.kind === 'cdata' || node.value.trim() !== '') {
      this.error('text outside the root element', node.start, node.end);
    }
  }
}

/** Reads a document; `errors` lists every well-formedness problem found, with its range. */
export function parseXml(text: string): XmlDocument {
  const r = new Reader(text);
  if (text.startsWith('\uFEFF')) r.pos = 1;
  let forbidden = 0;
  for (const m of text.matchAll(FORBIDDEN)) {
    // One report per character, for the first few: a binary file would have thousands.
    if (forbidden++ < 8) r.error(`the character U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, m.index!);
  }
  const begin = r.pos;
  while (r.pos < text.length) {
    const start = r.pos;
    if (text.startsWith('<!--', start)) comment(r);
    else if (text.startsWith('<![CDATA[', start)) {
      r.pos += 9;
      const { body, end } = r.until(']]>', 'a CDATA section');
      if (r.stack.length === 0) r.error('CDATA outside the root element', start, end);
      else r.add({ kind: 'cdata', value: body, start, end });
    } else if (text.startsWith('<?', start)) {
      r.pos += 2;
      const target = r.name();
      r.until('?>', 'a processing instruction');
      if (target?.toLowerCase() === 'xml' && start !== begin) r.error('the XML declaration must be at the very start of the file', start, start + 5);
    } else if (text.startsWith('<!DOCTYPE', start)) doctype(r);
    else if (text.startsWith('</', start)) endTag(r);
    else if (text[start] === '<') startTag(r);
    else {
      const next = text.indexOf('<', start);
      const end = next < 0 ? text.length : next;
      r.pos = end;
      const cdataEnd = text.slice(start, end).indexOf(']]>');
      if (cdataEnd >= 0) r.error('`]]>` is not allowed in text', start + cdataEnd, start + cdataEnd + 3);
      r.add({ kind: 'text', value: decodeEntities(text.slice(start, end).replace(/\r\n?/g, '\n'), start, r.errors), start, end });
    }
  }
  for (const open of r.stack) r.error(`\`<${open.name}>\` is not closed`, open.start, open.nameStart + open.name.length);
  if (!r.root) r.error('the file has no root element', 0, text.length);
  return { ...(r.root ? { root: r.root } : {}), errors: r.errors };
}

function comment(r: Reader): void {
  const start = r.pos;
  r.pos += 4;
  const { body, bodyStart } = r.until('-->', 'a comment');
  const dashes = body.indexOf('--');
  if (dashes >= 0) r.error('`--` is not allowed inside a comment', bodyStart + dashes, bodyStart + dashes + 2);
  else if (body.endsWith('-')) r.error('a comment cannot end with `--->`', start, r.pos);
}

function doctype(r: Reader): void {
  const start = r.pos;
  let depth = 0;
  let quote: string | undefined;
  for (r.pos += 9; r.pos < r.text.length; r.pos++) {
    const c = r.text[r.pos]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === '>' && depth <= 0) break;
  }
  r.pos = Math.min(r.pos + 1, r.text.length);
  if (r.text.slice(start, r.pos).includes('[')) r.error('declarations inside a DOCTYPE are not read (entities they declare are unknown here)', start, r.pos);
  if (r.root || r.stack.length > 0) r.error('a DOCTYPE must come before the root element', start, r.pos);
}

function startTag(r: Reader): void {
  const start = r.pos;
  r.pos++;
  const nameStart = r.pos;
  const name = r.name();
  if (!name) {
    r.error('`<` must start a tag; write `&lt;` for the character', start);
    r.add({ kind: 'text', value: '<', start, end: r.pos });
    return;
  }
  const el: XmlElement = { kind: 'element', name, attributes: [], children: [], start, end: r.text.length, nameStart, closed: false };
  attributes(r, el);
  if (r.text.startsWith('/>', r.pos)) {
    r.pos += 2;
    el.end = r.pos;
    el.closed = true;
    r.add(el);
    return;
  }
  if (r.text[r.pos] === '>') r.pos++;
  else r.error(`the tag \`<${name}\` is not closed with \`>\``, start, r.pos);
  r.add(el);
  r.stack.push(el);
}

function attributes(r: Reader, el: XmlElement): void {
  for (;;) {
    const before = r.pos;
    r.spaces();
    const c = r.text[r.pos];
    if (c === undefined || c === '>' || r.text.startsWith('/>', r.pos) || c === '<') return;
    if (r.pos === before) r.error('attributes must be separated by spaces', r.pos);
    const nameStart = r.pos;
    const name = r.name();
    if (!name) {
      r.error(`\`${c}\` cannot start an attribute name`, r.pos);
      r.pos++;
      continue;
    }
    r.spaces();
    if (r.text[r.pos] !== '=') {
      r.error(`the attribute \`${name}\` has no value`, nameStart, r.pos);
      continue;
    }
    r.pos++;
    r.spaces();
    const quote = r.text[r.pos];
    if (quote !== '"' && quote !== "'") {
      r.error(`the value of \`${name}\` must be in quotes`, r.pos);
      // Skip the unquoted value, so that it is not read as more attributes.
      while (r.pos < r.text.length && !' \t\r\n>'.includes(r.text[r.pos]!) && !r.text.startsWith('/>', r.pos)) r.pos++;
      continue;
    }
    const valueStart = r.pos + 1;
    const close = r.text.indexOf(quote, valueStart);
    const valueEnd = close < 0 ? r.text.length : close;
    const raw = r.text.slice(valueStart, valueEnd);
    r.pos = close < 0 ? r.text.length : close + 1;
    if (close < 0) r.error(`the value of \`${name}\` is not closed`, valueStart - 1, valueEnd);
    const lt = raw.indexOf('<');
    if (lt >= 0) r.error('`<` is not allowed in an attribute value', valueStart + lt);
    if (el.attributes.some((a) => a.name === name)) r.error(`the attribute \`${name}\` is given twice`, nameStart, nameStart + name.length);
    const value = decodeEntities(raw.replace(/\r\n|[\t\n\r]/g, ' '), valueStart, r.errors);
    el.attributes.push({ name, value, nameStart, valueStart, valueEnd });
  }
}

function endTag(r: Reader): void {
  const start = r.pos;
  r.pos += 2;
  const name = r.name() ?? '';
  r.spaces();
  if (r.text[r.pos] === '>') r.pos++;
  else r.error(`the end tag \`</${name}\` is not closed with \`>\``, start, r.pos);
  let open = r.stack.length - 1;
  while (open >= 0 && r.stack[open]!.name !== name) open--;
  if (open < 0) {
    r.error(`\`</${name}>\` closes nothing`, start, r.pos);
    return;
  }
  if (open !== r.stack.length - 1) {
    const inner = r.stack[r.stack.length - 1]!;
    r.error(`\`<${inner.name}>\` is not closed before \`</${name}>\``, inner.start, inner.nameStart + inner.name.length);
  }
  // The matching element is closed; any left open inside it end here too, unclosed.
  const ended = r.stack.splice(open);
  for (const el of ended) el.end = r.pos;
  ended[0]!.closed = true;
}
