/**
 * A small, strict XML reader for the package files written by tools (Polygon's problem.xml):
 * elements, attributes, text, comments, CDATA sections and processing instructions, with XML's
 * five named entities and numeric character references. A document type declaration (and so any
 * entity of its own) is refused, as is anything not well-formed, naming the file and the line.
 *
 * It scans once, left to right, with indexOf and character tests only (no backtracking
 * expression), and keeps an explicit stack, so a hostile file costs time linear in its size and
 * no recursion; its depth and its number of elements are capped.
 */
import { InvalidRequestError } from '../errors';

export interface XmlElement {
  name: string;
  attributes: Readonly<Record<string, string>>;
  children: XmlElement[];
  /** The element's own text (CDATA included), its children's left out. */
  text: string;
}

const MAX_DEPTH = 64;
/** Elements read at most: a Polygon problem.xml of 100 000 tests has about that many. */
export const MAX_ELEMENTS = 200_000;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function isNameChar(c: string): boolean {
  return /[A-Za-z0-9_:.\-\u00b7-\uffff]/.test(c);
}

function isSpaceChar(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** Parses `text` (the file `file`, for messages); returns its root element. */
export function parseXml(text: string, file: string): XmlElement {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (why: string, at = i): never => {
    const line = text.slice(0, at).split('\n').length;
    throw new InvalidRequestError(`is not well-formed XML: ${why} (line ${line})`, file);
  };
  const decode = (raw: string, at: number): string => {
    let out = '';
    let from = 0;
    for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', from)) {
      const semi = raw.indexOf(';', amp);
      if (semi < 0 || semi - amp > 12) fail('an & that starts no entity', at + amp);
      const ref = raw.slice(amp + 1, semi);
      let ch: string | undefined;
      if (ref.startsWith('#x') && /^#x[0-9A-Fa-f]{1,6}$/.test(ref))
        ch = String.fromCodePoint(Math.min(parseInt(ref.slice(2), 16), 0x10ffff));
      else if (ref.startsWith('#') && /^#[0-9]{1,7}$/.test(ref)) ch = String.fromCodePoint(Math.min(parseInt(ref.slice(1), 10), 0x10ffff));
      else ch = NAMED[ref];
      if (ch === undefined) fail(`the entity &${ref}; is not one of XML's own`, at + amp);
      out += raw.slice(from, amp) + ch;
      from = semi + 1;
    }
    return out + raw.slice(from);
  };
  const readName = (): string => {
    const start = i;
    while (i < text.length && isNameChar(text[i]!)) i++;
    if (i === start) fail('a name was expected');
    return text.slice(start, i);
  };
  const skipSpace = (): void => {
    while (isSpaceChar(text[i])) i++;
  };

  const stack: XmlElement[] = [];
  let elements = 0;
  let root: XmlElement | null = null;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
    const top = stack[stack.length - 1];
    if (top) top.text += decode(chunk, i);
    else if (chunk.trim()) fail('text outside the root element');
    if (lt < 0) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) fail('an unclosed comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      if (!top) fail('CDATA outside the root element');
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) fail('an unclosed CDATA section');
      top!.text += text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) fail('an unclosed processing instruction');
      i = end + 2;
    } else if (text.startsWith('<!', i)) {
      fail('a document type declaration (<!DOCTYPE …>) is not accepted');
    } else if (text.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipSpace();
      if (text[i] !== '>') fail(`a closing tag </${name} without ">"`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`</${name}> closes ${open ? `<${open.name}>` : 'nothing'}`);
    } else {
      i++;
      if (++elements > MAX_ELEMENTS) fail(`more than ${MAX_ELEMENTS} elements`);
      const el: XmlElement = { name: readName(), attributes: {}, children: [], text: '' };
      const attributes: Record<string, string> = {};
      for (;;) {
        const spaced = isSpaceChar(text[i]);
        skipSpace();
        if (text[i] === '>' || text.startsWith('/>', i)) break;
        if (i >= text.length) fail(`the tag <${el.name} is not closed`);
        if (!spaced) fail(`a space is missing before an attribute of <${el.name}>`);
        const key = readName();
        skipSpace();
        if (text[i] !== '=') fail(`the attribute ${key} of <${el.name}> has no "="`);
        i++;
        skipSpace();
        const quote = text[i];
        if (quote !== '"' && quote !== "'") fail(`the attribute ${key} of <${el.name}> is not quoted`);
        const end = text.indexOf(quote!, i + 1);
        if (end < 0) fail(`the attribute ${key} of <${el.name}> is not closed`);
        const raw = text.slice(i + 1, end);
        if (raw.includes('<')) fail(`the attribute ${key} of <${el.name}> holds "<"`);
        if (Object.hasOwn(attributes, key)) fail(`<${el.name}> has the attribute ${key} twice`);
        attributes[key] = decode(raw, i + 1);
        i = end + 1;
      }
      el.attributes = attributes;
      if (top) top.children.push(el);
      else if (root) fail('a second root element');
      else root = el;
      if (text.startsWith('/>', i)) i += 2;
      else {
        i++;
        if (stack.length >= MAX_DEPTH) fail(`elements nested deeper than ${MAX_DEPTH}`);
        stack.push(el);
      }
    }
  }
  if (stack.length) fail(`<${stack[stack.length - 1]!.name}> is not closed`, text.length);
  if (!root) fail('no root element', text.length);
  return root!;
}

/** The first child element named `name`, or null. */
export function child(el: XmlElement, name: string): XmlElement | null {
  return el.children.find((c) => c.name === name) ?? null;
}

/** Every child element named `name`, in order. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
