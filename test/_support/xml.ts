/**
 * A small XML well-formedness check (XML 1.0, the parts SVG files use): one root element, every
 * tag closed in order, attributes quoted and unique, entity references known or numeric, comments,
 * processing instructions and a DOCTYPE without an internal subset. Enough to catch a picture a
 * browser would refuse, without an XML library.
 */

/** An element's name, attributes and text, as parsed. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** The text directly inside it, entities decoded. */
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** `text` with its entity references decoded; throws on an unknown or unterminated one, or a bare `<`. */
function decode(text: string, where: number): string {
  if (text.includes('<')) throw new Error(`'<' in text at ${where}`);
  return text.replace(/&([^;\s&]*)(;?)/g, (_, ref: string, semi: string) => {
    if (!semi) throw new Error(`unterminated entity reference '&${ref}' at ${where}`);
    if (/^#x[0-9a-fA-F]+$/.test(ref)) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (/^#[0-9]+$/.test(ref)) return String.fromCodePoint(Number(ref.slice(1)));
    if (ref in ENTITIES) return ENTITIES[ref];
    throw new Error(`unknown entity '&${ref};' at ${where}`);
  });
}

/** The root element of `xml`; throws with the first well-formedness error. */
export function parseXml(xml: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const expect = (s: string) => {
    const end = xml.indexOf(s, i);
    if (end < 0) throw new Error(`'${s}' expected after ${i}`);
    const body = xml.slice(i, end);
    i = end + s.length;
    return body;
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (stack.length > 0) stack[stack.length - 1].text += decode(text, i);
    else if (text.trim() !== '') throw new Error(`text outside the root element at ${i}`);
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith('<!--', i)) {
      i += 4;
      if (expect('-->').includes('--')) throw new Error(`'--' inside a comment before ${i}`);
    } else if (xml.startsWith('<?', i)) {
      i += 2;
      expect('?>');
    } else if (xml.startsWith('<!DOCTYPE', i)) {
      if (root || stack.length > 0) throw new Error(`DOCTYPE after the root element at ${i}`);
      const body = expect('>');
      if (body.includes('[')) throw new Error('DOCTYPE with an internal subset is not supported');
    } else if (xml.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) throw new Error(`CDATA outside the root element at ${i}`);
      i += 9;
      stack[stack.length - 1].text += expect(']]>');
    } else if (xml.startsWith('</', i)) {
      i += 2;
      const name = expect('>').trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes ${open ? `<${open.name}>` : 'nothing'} at ${i}`);
    } else {
      i += 1;
      const name = NAME.exec(xml.slice(i))?.[0];
      if (!name) throw new Error(`tag without a name at ${i}`);
      i += name.length;
      const attributes: Record<string, string> = {};
      for (;;) {
        const ws = /^\s*/.exec(xml.slice(i))![0];
        i += ws.length;
        if (xml.startsWith('/>', i) || xml.startsWith('>', i)) break;
        if (ws.length === 0) throw new Error(`whitespace expected before an attribute at ${i}`);
        const attr = /^([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(xml.slice(i));
        if (!attr) throw new Error(`malformed attribute at ${i}: ${xml.slice(i, i + 30)}`);
        if (attr[1] in attributes) throw new Error(`attribute '${attr[1]}' repeated at ${i}`);
        attributes[attr[1]] = decode(attr[3] ?? attr[4], i);
        i += attr[0].length;
      }
      const element: XmlElement = { name, attributes, children: [], text: '' };
      if (stack.length > 0) stack[stack.length - 1].children.push(element);
      else if (root) throw new Error(`a second root element <${name}> at ${i}`);
      else root = element;
      if (xml.startsWith('/>', i)) {
        i += 2;
      } else {
        i += 1;
        stack.push(element);
      }
    }
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].name}> is not closed`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element under (and including) `e`, depth first. */
export function allElements(e: XmlElement): XmlElement[] {
  return [e, ...e.children.flatMap(allElements)];
}
