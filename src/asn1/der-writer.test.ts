import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../wire/bytes.js';
import { DerReader } from './der.js';
import * as der from './der-writer.js';

const hex = (b: Uint8Array): string => toHex(b);

/** Splits a TLV this module wrote into its header and content (test-side reference decoder). */
function decodeHeader(tlv: Uint8Array): { tag: number; length: number; headerLength: number } {
  const first = tlv[1]!;
  if (first < 0x80) return { tag: tlv[0]!, length: first, headerLength: 2 };
  const n = first & 0x7f;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + tlv[2 + i]!;
  return { tag: tlv[0]!, length, headerLength: 2 + n };
}

function twosComplement(content: Uint8Array): bigint {
  let v = 0n;
  for (const b of content) v = (v << 8n) | BigInt(b);
  return content[0]! & 0x80 ? v - (1n << BigInt(8 * content.length)) : v;
}

describe('DER lengths (X.690 §10.1: definite, fewest octets)', () => {
  const cases: [number, string][] = [
    [0, '0400'],
    [1, '0401'],
    [127, '047f'],
    [128, '048180'],
    [255, '0481ff'],
    [256, '04820100'],
    [65535, '0482ffff'],
    [65536, '0483010000'],
  ];
  for (const [n, header] of cases) {
    test(`content of ${n} bytes has header ${header}`, () => {
      const tlv = der.octetString(new Uint8Array(n));
      assert.equal(hex(tlv.subarray(0, header.length / 2)), header);
      assert.equal(tlv.length, header.length / 2 + n);
    });
  }

  test('property: any length decodes back and uses no leading zero octet', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70_000 }), (n) => {
        const tlv = der.octetString(new Uint8Array(n));
        const { length, headerLength } = decodeHeader(tlv);
        assert.equal(length, n);
        assert.equal(tlv.length, headerLength + n);
        if (n >= 0x80) assert.notEqual(tlv[2], 0, 'long form has no leading zero octet');
        else assert.equal(headerLength, 2, 'short form below 128');
      }),
      { numRuns: 300 },
    );
  });
});

describe("INTEGER (X.690 §8.3: minimal two's complement)", () => {
  const cases: [number | bigint, string][] = [
    [0, '020100'],
    [1, '020101'],
    [127, '02017f'],
    [128, '02020080'],
    [255, '020200ff'],
    [256, '02020100'],
    [-1, '0201ff'],
    [-128, '020180'],
    [-129, '0202ff7f'],
    [-256, '0202ff00'],
    [2n ** 64n, '0209010000000000000000'],
    [-(2n ** 63n), '02088000000000000000'],
  ];
  for (const [value, expected] of cases) {
    test(`${value} → ${expected}`, () => assert.equal(hex(der.integer(value)), expected));
  }

  test('bytes are an unsigned magnitude: leading zeros dropped, 0x00 added before a high bit', () => {
    assert.equal(hex(der.integer(fromHex('000001'))), '020101');
    assert.equal(hex(der.integer(fromHex('80'))), '02020080');
    assert.equal(hex(der.integer(fromHex('00000080'))), '02020080');
    assert.equal(hex(der.integer(fromHex('7fff'))), '02027fff');
    assert.equal(hex(der.integer(new Uint8Array(0))), '020100');
    assert.equal(hex(der.integer(fromHex('0000'))), '020100');
    const big = new Uint8Array(256).fill(0xff); // an RSA-2048-sized magnitude
    const tlv = der.integer(big);
    assert.equal(hex(tlv.subarray(0, 5)), '0282010100');
    assert.equal(tlv.length, 4 + 257);
  });

  test('numbers beyond 2^53 must be bigints', () => {
    assert.throws(() => der.integer(2 ** 60), RangeError);
    assert.throws(() => der.integer(1.5), RangeError);
  });

  test('property: bigints round trip and the first nine bits are never all equal', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }), (v) => {
        const tlv = der.integer(v);
        const { tag, length, headerLength } = decodeHeader(tlv);
        const content = tlv.subarray(headerLength);
        assert.equal(tag, 0x02);
        assert.equal(length, content.length);
        assert.equal(twosComplement(content), v);
        if (content.length > 1) {
          const nineBits = (content[0]! << 1) | (content[1]! >> 7);
          assert.ok(nineBits !== 0 && nineBits !== 0x1ff, `non-minimal ${hex(content)}`);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('property: a byte magnitude encodes the same as the equal bigint', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        let v = 0n;
        for (const b of bytes) v = (v << 8n) | BigInt(b);
        assert.equal(hex(der.integer(bytes)), hex(der.integer(v)));
      }),
    );
  });
});

describe('OBJECT IDENTIFIER (X.690 §8.19)', () => {
  const cases: [string, string][] = [
    ['2.5.29.19', '0603551d13'],
    ['1.2.840.113549', '06062a864886f70d'],
    ['1.2.840.10045.4.3.2', '06082a8648ce3d040302'],
    ['0.9.2342.19200300.100.1.25', '060a0992268993f22c640119'],
    ['2.999.3', '0603883703'], // X.690 §8.19.5's example: first subidentifier 1079
    ['2.40', '060178'],
    ['2.48', '06028100'],
    ['1.39', '06014f'],
    ['1.3.6.1.4.1.2147483648', '060a2b060104018880808000'],
    // X.667 UUID arc: 2.25 followed by a 128-bit integer (expected bytes checked with openssl asn1parse -genstr)
    ['2.25.329800735698586629295641978511506172918', '06146983f09da7ebcfdee0c7a1a7b2c0948cc8f9d776'],
  ];
  for (const [dotted, expected] of cases) {
    test(`${dotted}`, () => assert.equal(hex(der.oid(dotted)), expected));
  }

  test('property: arcs of any size round trip through base 128', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0n, 1n, 2n),
        fc.bigInt({ min: 0n, max: 39n }),
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 100n }), { maxLength: 6 }),
        (a, b, rest) => {
          const tlv = der.oid([a, b, ...rest].join('.'));
          const { headerLength } = decodeHeader(tlv);
          const subids: bigint[] = [];
          let acc = 0n;
          for (const octet of tlv.subarray(headerLength)) {
            acc = (acc << 7n) | BigInt(octet & 0x7f);
            if ((octet & 0x80) === 0) {
              subids.push(acc);
              acc = 0n;
            }
          }
          assert.deepEqual(subids, [a * 40n + b, ...rest]);
        },
      ),
    );
  });

  test('malformed dotted strings are refused', () => {
    for (const bad of ['', '1', '1.', '.1.2', '1..2', '01.2', '1.02', 'a.b', '1.2 ', '-1.2']) assert.throws(() => der.oid(bad), TypeError, bad);
    for (const bad of ['3.1', '0.40', '1.40']) assert.throws(() => der.oid(bad), RangeError, bad);
  });
});

describe('BIT STRING', () => {
  test('whole octets and unused bits (X.690 §8.6, §11.2.1)', () => {
    assert.equal(hex(der.bitString(fromHex('0a0b'))), '0303000a0b');
    assert.equal(hex(der.bitString(new Uint8Array(0))), '030100');
    assert.equal(hex(der.bitString(fromHex('80'), 7)), '03020780');
    assert.throws(() => der.bitString(fromHex('81'), 7), RangeError, 'unused bits must be zero');
    assert.throws(() => der.bitString(new Uint8Array(0), 1), RangeError);
    assert.throws(() => der.bitString(fromHex('00'), 8), RangeError);
  });

  test('named bit lists drop trailing zero bits (X.690 §11.2.2)', () => {
    assert.equal(hex(der.namedBits([0])), '03020780'); // digitalSignature
    assert.equal(hex(der.namedBits([0, 2])), '030205a0'); // digitalSignature, keyEncipherment
    assert.equal(hex(der.namedBits([5, 6])), '03020106'); // keyCertSign, cRLSign
    assert.equal(hex(der.namedBits([7])), '03020001');
    assert.equal(hex(der.namedBits([8])), '0303070080'); // decipherOnly spills into a second octet
    assert.equal(hex(der.namedBits([])), '030100');
    assert.equal(hex(der.namedBits([6, 5, 5])), '03020106', 'order and repeats do not matter');
  });
});

describe('simple types', () => {
  test('BOOLEAN is 0xff or 0x00 (X.690 §11.1), NULL is empty', () => {
    assert.equal(hex(der.boolean(true)), '0101ff');
    assert.equal(hex(der.boolean(false)), '010100');
    assert.equal(hex(der.nullValue()), '0500');
  });

  test('strings', () => {
    assert.equal(hex(der.utf8String('é')), '0c02c3a9');
    assert.equal(hex(der.printableString("A-z 0'()+,./:=?")), '130f' + toHex(new TextEncoder().encode("A-z 0'()+,./:=?")));
    for (const bad of ['a@b', '*', 'a_b', 'é', '&']) assert.throws(() => der.printableString(bad), RangeError, bad);
    assert.equal(hex(der.ia5String('a@b*')), '16046140622a');
    assert.throws(() => der.ia5String('bücher'), RangeError);
  });
});

describe('times (RFC 5280 §4.1.2.5)', () => {
  const ascii = (tlv: Uint8Array): string => new TextDecoder().decode(tlv.subarray(2));

  test('UTCTime through 2049, GeneralizedTime from 2050', () => {
    const last = der.time(new Date('2049-12-31T23:59:59Z'));
    assert.equal(last[0], 0x17);
    assert.equal(ascii(last), '491231235959Z');
    const first = der.time(new Date('2050-01-01T00:00:00Z'));
    assert.equal(first[0], 0x18);
    assert.equal(ascii(first), '20500101000000Z');
  });

  test('1950 is the earliest UTCTime year; earlier is GeneralizedTime', () => {
    assert.equal(ascii(der.time(new Date('1950-01-01T00:00:00Z'))), '500101000000Z');
    const before = der.time(new Date('1949-12-31T23:59:59Z'));
    assert.equal(before[0], 0x18);
    assert.equal(ascii(before), '19491231235959Z');
  });

  test('seconds always written, fractions dropped, always Zulu', () => {
    assert.equal(ascii(der.utcTime(new Date('2026-03-04T05:06:07.999Z'))), '260304050607Z');
    assert.equal(ascii(der.generalizedTime(new Date('2026-03-04T05:06:07.5Z'))), '20260304050607Z');
    assert.equal(hex(der.utcTime(new Date('2026-03-04T05:06:07Z')).subarray(0, 2)), '170d');
    assert.equal(hex(der.generalizedTime(new Date('2026-03-04T05:06:07Z')).subarray(0, 2)), '180f');
  });

  test('a UTCTime outside 1950..2049 and invalid dates are refused', () => {
    assert.throws(() => der.utcTime(new Date('2050-01-01T00:00:00Z')), RangeError);
    assert.throws(() => der.utcTime(new Date('1949-12-31T23:59:59Z')), RangeError);
    assert.throws(() => der.time(new Date('not a date')), RangeError);
  });
});

describe('constructed and tagged', () => {
  test('SEQUENCE keeps order; SET sorts by encoding (X.690 §11.6)', () => {
    const a = der.integer(5);
    const b = der.integer(128);
    const c = der.boolean(true);
    assert.equal(hex(der.sequence(b, a)), '3007' + '02020080' + '020105');
    assert.equal(hex(der.set(b, a, c)), '310a' + '0101ff' + '020105' + '02020080');
    assert.equal(hex(der.sequence()), '3000');
  });

  test('SET OF pads the shorter encoding with zeros when comparing', () => {
    // 04 01 against 04 01 00: equal once the shorter is padded with a zero, so input order stays
    const shorter = fromHex('0401');
    const longer = fromHex('040100');
    assert.equal(hex(der.set(longer, shorter)), '3105' + '040100' + '0401');
    assert.equal(hex(der.set(fromHex('0402'), shorter)), '3104' + '0401' + '0402');
  });

  test('EXPLICIT wraps, IMPLICIT replaces the tag and keeps the form (X.690 §8.14)', () => {
    assert.equal(hex(der.explicit(0, der.integer(2))), 'a003020102');
    assert.equal(hex(der.implicit(2, der.ia5String('a'))), '820161');
    assert.equal(hex(der.implicit(0, der.sequence(der.nullValue()))), 'a0020500');
    const long = der.implicit(7, der.octetString(new Uint8Array(200)));
    assert.equal(hex(long.subarray(0, 3)), '8781c8');
    assert.equal(long.length, 203);
  });

  test('tag numbers from 31 use the multi-octet identifier (X.690 §8.1.2.4)', () => {
    assert.equal(hex(der.explicit(30, der.nullValue())), 'be020500');
    assert.equal(hex(der.explicit(31, der.nullValue())), 'bf1f020500');
    assert.equal(hex(der.explicit(200, der.nullValue())), 'bf8148020500');
    assert.equal(hex(der.implicit(200, der.explicit(31, der.nullValue()))), 'bf8148020500');
  });

  test('tagged() writes any tag over raw content, and refuses bad tag numbers', () => {
    assert.equal(hex(der.tagged('application', false, 1, fromHex('ff'))), '4101ff');
    assert.equal(hex(der.tagged('private', true, 2, new Uint8Array(0))), 'e200');
    assert.throws(() => der.tagged('universal', false, -1, new Uint8Array(0)), RangeError);
  });

  test('implicit() refuses anything but exactly one TLV', () => {
    assert.throws(() => der.implicit(0, fromHex('02')), TypeError);
    assert.throws(() => der.implicit(0, fromHex('020101ff')), TypeError);
    assert.throws(() => der.implicit(0, fromHex('0202ff')), TypeError);
  });
});

describe('round trip through the strict reader (./der.ts)', () => {
  const read = (tlv: Uint8Array): DerReader => new DerReader(tlv, 'round trip');

  test('property: object identifiers, unsigned integers, bit strings and times read back as written', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 2),
        fc.integer({ min: 0, max: 39 }),
        fc.array(fc.integer({ min: 0, max: 2 ** 32 }), { maxLength: 8 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        (first, second, rest, magnitude, date) => {
          const dotted = [first, second, ...rest].join('.');
          const tlv = der.sequence(der.oid(dotted), der.integer(magnitude), der.bitString(magnitude), der.time(date));
          const r = read(tlv);
          const seq = r.sequence('sequence');
          r.done('sequence');
          assert.equal(seq.oid('oid'), dotted);
          let start = 0;
          while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
          assert.equal(hex(seq.unsignedInteger('integer')), magnitude.length === 0 ? '00' : hex(magnitude.subarray(start)));
          assert.equal(hex(seq.octetBitString('bits')), hex(magnitude));
          assert.equal(seq.time('time').getTime(), Math.floor(date.getTime() / 1000) * 1000);
          seq.done('sequence');
        },
      ),
      { numRuns: 300 },
    );
  });
});
