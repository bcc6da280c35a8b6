/**
 * A strict, bounded XML reader for SOAP replies from cameras. Cameras are untrusted network peers, so
 * this reader refuses everything SOAP never needs instead of trying to handle it safely: any
 * `<!DOCTYPE` or `<!ENTITY` (no entity expansion can exist), entities other than the five predefined
 * ones and character references, documents over a byte limit, nesting deeper than a limit, and more
 * elements than a limit. It runs in one linear pass without recursion, so no input can make it hang.
 * Namespaces are resolved so callers can match on local name and namespace URI.
 */

export interface XmlElement {
  /** Local name, without prefix. */
  readonly name: string;
  /** Namespace URI ('' when none is in scope). */
  readonly ns: string;
  /** Attributes by local name (prefixes dropped; xmlns declarations left out). */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** Concatenated character data directly inside this element, entities decoded. */
  text: string;
}

export interface XmlLimits {
  readonly maxBytes: number;
  readonly maxDepth: number;
  readonly maxElements: number;
  readonly maxAttributes: number;
}

export const XML_LIMITS: XmlLimits = { maxBytes: 2 * 1024 * 1024, maxDepth: 64, maxElements: 50_000, maxAttributes: 64 };

/** The document is not acceptable XML; `message` says what and where (byte offset), never echoes content. */
export class XmlRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlRejected';
  }
}

const NAME = /[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(raw: string, at: number): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&\s]{0,12});?/g, (m, ref: string) => {
    if (!m.endsWith(';')) throw new XmlRejected(`bare "&" at byte ${at} (entities must end with ";")`);
    const predefined = PREDEFINED[ref];
    if (predefined !== undefined) return predefined;
    const num = /^#(\d{1,7})$/.exec(ref)?.[1] ?? undefined;
    const hex = /^#x([0-9A-Fa-f]{1,6})$/.exec(ref)?.[1] ?? undefined;
    const code = num !== undefined ? Number(num) : hex !== undefined ? parseInt(hex, 16) : NaN;
    if (Number.isNaN(code)) throw new XmlRejected(`undeclared entity "&${ref.slice(0, 12)};" near byte ${at} (DTD entities are not accepted)`);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new XmlRejected(`invalid character reference near byte ${at}`);
    return String.fromCodePoint(code);
  });
}

interface OpenElement {
  readonly el: XmlElement;
  readonly qname: string;
  readonly scope: ReadonlyMap<string, string>;
}

function resolveNs(prefixed: string, scope: ReadonlyMap<string, string>, at: number, isAttr: boolean): { name: string; ns: string } {
  const colon = prefixed.indexOf(':');
  if (colon < 0) return { name: prefixed, ns: isAttr ? '' : (scope.get('') ?? '') };
  const prefix = prefixed.slice(0, colon);
  const ns = prefix === 'xml' ? 'http://www.w3.org/XML/1998/namespace' : scope.get(prefix);
  if (ns === undefined) throw new XmlRejected(`undeclared namespace prefix "${prefix.slice(0, 32)}" at byte ${at}`);
  return { name: prefixed.slice(colon + 1), ns };
}

/** Parses a whole document; throws XmlRejected for anything outside the accepted subset or over a limit. */
export function parseXml(input: string | Buffer, limits: XmlLimits = XML_LIMITS): XmlElement {
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (bytes > limits.maxBytes) throw new XmlRejected(`document is ${bytes} bytes, over the ${limits.maxBytes}-byte limit`);
  const s = (typeof input === 'string' ? input : input.toString('utf8')).replace(/^\uFEFF/, '');
  const stack: OpenElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  let i = 0;

  const expect = (cond: boolean, what: string): void => {
    if (!cond) throw new XmlRejected(`${what} at byte ${i}`);
  };
  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(s);
    expect(m !== null, 'expected a name');
    i += m![0].length;
    return m![0];
  };
  const skipSpace = (): void => {
    for (let c = s.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = s.charCodeAt(i)) i++;
  };

  while (i < s.length) {
    const lt = s.indexOf('<', i);
    const textEnd = lt < 0 ? s.length : lt;
    if (textEnd > i) {
      const raw = s.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.el.text += decodeEntities(raw, i);
      else expect(raw.trim() === '', 'text outside the root element');
      i = textEnd;
      continue;
    }
    // At a '<'.
    if (s.startsWith('<!--', i)) {
      const end = s.indexOf('-->', i + 4);
      expect(end >= 0, 'unterminated comment');
      i = end + 3;
    } else if (s.startsWith('<![CDATA[', i)) {
      const end = s.indexOf(']]>', i + 9);
      expect(end >= 0, 'unterminated CDATA section');
      const top = stack[stack.length - 1];
      expect(top !== undefined, 'CDATA outside the root element');
      top!.el.text += s.slice(i + 9, end);
      i = end + 3;
    } else if (s.startsWith('<!', i)) {
      // DOCTYPE, ENTITY, ELEMENT, ATTLIST…: SOAP forbids a DTD, and refusing it removes entity expansion entirely.
      throw new XmlRejected(`document type declarations are not accepted (found "<!${s.slice(i + 2, i + 9).replace(/[^A-Za-z]/g, '')}" at byte ${i})`);
    } else if (s.startsWith('<?', i)) {
      const end = s.indexOf('?>', i + 2);
      expect(end >= 0, 'unterminated processing instruction');
      i = end + 2;
    } else if (s.startsWith('</', i)) {
      i += 2;
      const qname = readName();
      skipSpace();
      expect(s[i] === '>', 'expected ">" to close an end tag');
      i++;
      const open = stack.pop();
      if (open === undefined || open.qname !== qname) expect(false, `end tag </${qname.slice(0, 40)}> does not match the open element`);
    } else {
      i++;
      const qname = readName();
      const rawAttrs: [string, string, number][] = [];
      for (;;) {
        const before = i;
        skipSpace();
        if (s[i] === '>' || s.startsWith('/>', i)) break;
        expect(i > before, 'expected whitespace before an attribute');
        const at = i;
        const an = readName();
        skipSpace();
        expect(s[i] === '=', 'expected "=" after an attribute name');
        i++;
        skipSpace();
        const q = s[i];
        expect(q === '"' || q === "'", 'expected a quoted attribute value');
        const end = s.indexOf(q!, i + 1);
        expect(end >= 0, 'unterminated attribute value');
        const value = s.slice(i + 1, end);
        expect(!value.includes('<'), '"<" inside an attribute value');
        rawAttrs.push([an, decodeEntities(value, i), at]);
        i = end + 1;
        if (rawAttrs.length > limits.maxAttributes) expect(false, `more than ${limits.maxAttributes} attributes on one element`);
      }
      const selfClosing = s[i] === '/';
      i += selfClosing ? 2 : 1;

      const parentScope = stack[stack.length - 1]?.scope ?? new Map<string, string>();
      let scope: Map<string, string> | ReadonlyMap<string, string> = parentScope;
      for (const [an, value] of rawAttrs) {
        if (an === 'xmlns' || an.startsWith('xmlns:')) {
          if (scope === parentScope) scope = new Map(parentScope);
          (scope as Map<string, string>).set(an === 'xmlns' ? '' : an.slice(6), value);
        }
      }
      const attrs: Record<string, string> = {};
      for (const [an, value, at] of rawAttrs) {
        if (an === 'xmlns' || an.startsWith('xmlns:')) continue;
        attrs[resolveNs(an, scope, at, true).name] = value;
      }
      const { name, ns } = resolveNs(qname, scope, i, false);
      const el: XmlElement = { name, ns, attrs, children: [], text: '' };
      if (++elements > limits.maxElements) expect(false, `more than ${limits.maxElements} elements`);
      const parent = stack[stack.length - 1];
      if (parent) parent.el.children.push(el);
      else {
        expect(root === undefined, 'a second root element');
        root = el;
      }
      if (!selfClosing) {
        stack.push({ el, qname, scope });
        if (stack.length > limits.maxDepth) expect(false, `elements nested deeper than ${limits.maxDepth}`);
      }
    }
  }
  if (stack.length > 0) throw new XmlRejected(`document ends inside <${stack[stack.length - 1]!.qname.slice(0, 40)}> (truncated?)`);
  if (root === undefined) throw new XmlRejected('no root element (empty or not XML)');
  return root;
}

/** First child with this local name, or undefined. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** All children with this local name. */
export function childrenNamed(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** Follows a chain of local names through first children. */
export function descend(el: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let cur = el;
  for (const n of names) cur = child(cur, n);
  return cur;
}

/** Trimmed text of the element at a path, or undefined when any step is missing or the text is empty. */
export function textAt(el: XmlElement | undefined, ...names: string[]): string | undefined {
  const t = descend(el, ...names)?.text.trim();
  return t === undefined || t === '' ? undefined : t;
}
