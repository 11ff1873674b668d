import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toHex } from '../wire/bytes.js';
import { parseDistinguishedName, writeName, type NameAttribute } from './distinguished-name.js';

/** The first attribute of RDN `index` of a parsed name. */
function attribute(text: string, index = 0): NameAttribute {
  const rdn = parseDistinguishedName(text)[index]!;
  return Array.isArray(rdn) ? (rdn as readonly NameAttribute[])[0]! : (rdn as NameAttribute);
}

describe('parseDistinguishedName (RFC 4514)', () => {
  test('RDNs are written last-to-first, so the string reverses into encoding order', () => {
    assert.deepEqual(parseDistinguishedName('CN=foo, O=bar'), [[{ type: 'O', value: 'bar' }], [{ type: 'CN', value: 'foo' }]]);
    assert.deepEqual(parseDistinguishedName('CN=foo,O=bar,C=DE'), parseDistinguishedName('CN=foo , O = bar,  C=DE'));
  });

  test('types by short name (any case) or dotted OID; "+" joins a multi-valued RDN', () => {
    assert.deepEqual(parseDistinguishedName('cn=a+UID=b,dc=example'), [
      [{ type: 'DC', value: 'example' }],
      [
        { type: 'CN', value: 'a' },
        { type: 'UID', value: 'b' },
      ],
    ]);
    assert.deepEqual(parseDistinguishedName('2.5.4.3=x'), [[{ type: '2.5.4.3', value: 'x' }]]);
  });

  test('escapes: special characters, hex pairs as UTF-8, kept spaces (RFC 4514 §3)', () => {
    const value = (s: string): unknown => attribute(s).value;
    assert.equal(value('CN=a\\,b\\+c\\\\d\\"e\\;f\\<g\\>h\\=i'), 'a,b+c\\d"e;f<g>h=i');
    assert.equal(value('CN=Sm\\C3\\A9th'), 'Sméth');
    assert.equal(value('CN=Bücher'), 'Bücher');
    assert.equal(value('CN=\\ padded\\ '), ' padded ');
    assert.equal(value('CN=trailing   '), 'trailing');
    assert.equal(value('CN=\\#hash'), '#hash');
    assert.equal(value('CN='), '');
  });

  test('#hex gives the value as its DER encoding', () => {
    assert.deepEqual(attribute('CN=#0c03666f6f, O=x', 1).value, Uint8Array.of(0x0c, 0x03, 0x66, 0x6f, 0x6f));
  });

  test('an empty string is the empty name', () => {
    assert.deepEqual(parseDistinguishedName(''), []);
    assert.deepEqual(parseDistinguishedName('  '), []);
  });

  test('malformed strings are refused', () => {
    for (const bad of ['CN', 'XX=1', 'CN=a,', 'CN=a\\', 'CN=a\\q', 'CN=\\ff', 'CN=#0c01ff x', ',CN=a', '=a']) {
      assert.throws(() => parseDistinguishedName(bad), TypeError, bad);
    }
  });
});

describe('writeName (RFC 5280 §4.1.2.4)', () => {
  test('SEQUENCE OF SET OF AttributeTypeAndValue', () => {
    assert.equal(toHex(writeName('CN=foo')), '300e310c300a0603550403' + '0c03666f6f');
    assert.equal(toHex(writeName([])), '3000');
    assert.equal(toHex(writeName('')), '3000');
  });

  test('C and serialNumber are PrintableString, DC and emailAddress IA5String, the rest UTF8String', () => {
    const name = toHex(writeName('emailAddress=a@b,DC=test,serialNumber=42,C=DE,O=x'));
    assert.ok(name.includes('0603550406' + '1302' + '4445'), 'C PrintableString');
    assert.ok(name.includes('0603550405' + '1302' + '3432'), 'serialNumber PrintableString');
    assert.ok(name.includes('060a0992268993f22c640119' + '1604' + '74657374'), 'DC IA5String');
    assert.ok(name.includes('06092a864886f70d010901' + '1603' + '614062'), 'emailAddress IA5String');
    assert.ok(name.includes('060355040a' + '0c01' + '78'), 'O UTF8String');
    assert.throws(() => writeName('C=D_'), RangeError);
  });

  test('an explicit encoding wins, and raw values pass through', () => {
    assert.equal(toHex(writeName([{ type: 'CN', value: 'x', encoding: 'printable' }])), '300c310a300806035504031301' + '78');
    assert.equal(toHex(writeName([{ type: 'CN', value: Uint8Array.of(0x1e, 0x02, 0x00, 0x78) }])), '300d310b3009060355040' + '31e020078');
  });

  test('a multi-valued RDN is one SET, sorted by encoding (X.690 §11.6)', () => {
    const ab = writeName([
      [
        { type: 'UID', value: 'b' },
        { type: 'CN', value: 'a' },
      ],
    ]);
    const ba = writeName([
      [
        { type: 'CN', value: 'a' },
        { type: 'UID', value: 'b' },
      ],
    ]);
    assert.deepEqual(ab, ba);
    assert.equal(ab[2], 0x31);
  });
});
