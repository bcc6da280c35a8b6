/** The strict XML reader: what SOAP needs is read correctly; everything hostile is refused quickly. */
import { describe, expect, it } from 'vitest';
import { child, parseXml, textAt, XML_LIMITS, XmlRejected } from '../../../agent/camera/onvif/xml.js';
import { billionLaughs, deepNesting, externalEntity } from './sim-payloads.js';

describe('parseXml: accepted input', () => {
  it('resolves namespaces, prefixes, default namespaces and attributes', () => {
    const root = parseXml(
      '<?xml version="1.0"?>\n<!-- a camera comment --><s:Envelope xmlns:s="urn:soap" xmlns="urn:dflt"><s:Body><Item a:k="v" plain=\'1\' xmlns:a="urn:a"/><x:Y xmlns:x="urn:x">t</x:Y></s:Body></s:Envelope>',
    );
    expect(root).toMatchObject({ name: 'Envelope', ns: 'urn:soap' });
    const body = child(root, 'Body');
    expect(body?.children.map((c) => [c.name, c.ns])).toEqual([
      ['Item', 'urn:dflt'],
      ['Y', 'urn:x'],
    ]);
    expect(body?.children[0]?.attrs).toEqual({ k: 'v', plain: '1' });
    expect(textAt(root, 'Body', 'Y')).toBe('t');
  });

  it('decodes the predefined entities, character references and CDATA', () => {
    const root = parseXml('<r><a>&lt;b&gt; &amp; &quot;&apos; &#65;&#x42;</a><c><![CDATA[<not> &markup;]]></c></r>');
    expect(textAt(root, 'a')).toBe('<b> & "\' AB');
    expect(textAt(root, 'c')).toBe('<not> &markup;');
  });

  it('accepts a UTF-8 BOM and non-ASCII text', () => {
    expect(textAt(parseXml(Buffer.from('\uFEFF<r><n>Hành lang tầng 2</n></r>', 'utf8')), 'n')).toBe('Hành lang tầng 2');
  });
});

describe('parseXml: refused input', () => {
  const rejects = (xml: string | Buffer, why: RegExp, limits = XML_LIMITS): void => {
    expect(() => parseXml(xml, limits)).toThrow(XmlRejected);
    expect(() => parseXml(xml, limits)).toThrow(why);
  };

  it('refuses the billion-laughs document at its DOCTYPE, before any expansion', () => {
    rejects(billionLaughs(), /document type declarations are not accepted/);
  });

  it('refuses external entities (XXE) the same way', () => {
    rejects(externalEntity(), /document type declarations are not accepted/);
  });

  it('refuses a DOCTYPE anywhere, and an undeclared entity reference without a DOCTYPE', () => {
    rejects('<r><!DOCTYPE x></r>', /document type/);
    rejects('<r>&lol9;</r>', /undeclared entity "&lol9;"/);
    rejects('<r a="&x;"/>', /undeclared entity/);
    rejects('<r>AT&T</r>', /bare "&"/);
  });

  it('refuses documents over the byte limit without reading them', () => {
    rejects(Buffer.alloc(3 * 1024 * 1024, 0x20), /over the 2097152-byte limit/);
  });

  it('refuses nesting deeper than the limit (no stack overflow on 100 000 levels)', () => {
    rejects(deepNesting(100_000), /nested deeper than 64/);
  });

  it('refuses more elements than the limit', () => {
    rejects(`<r>${'<i/>'.repeat(60_000)}</r>`, /more than 50000 elements/);
  });

  it('refuses broken structure with a position', () => {
    rejects('<a><b></a>', /does not match/);
    rejects('<a><b>', /document ends inside <b>/);
    rejects('<a></a><b/>', /second root/);
    rejects('', /no root element/);
    rejects('just text', /text outside the root/);
    rejects('<p:a/>', /undeclared namespace prefix "p"/);
    rejects('<a x="1" x2/>', /expected "="/);
    rejects('<a x=1/>', /quoted attribute value/);
    rejects('<a><!-- never closed', /unterminated comment/);
    rejects('<a>&#0;</a>', /invalid character reference/);
  });

  it('never echoes document content in its messages beyond short names', () => {
    const secret = 'S3cretPassw0rd';
    const doc = `<a>${secret}<b></a>`;
    // The throw is asserted on its own first: a check inside `catch` alone passes when nothing is thrown.
    expect(() => parseXml(doc)).toThrow(XmlRejected);
    let message = '';
    try {
      parseXml(doc);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/does not match/);
    expect(message).not.toContain(secret);
  });
});
