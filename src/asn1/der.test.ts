import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { TlsError } from '../errors.js';
import { fromHex } from '../wire/bytes.js';
import { DerReader, Tag, formatTime, readTop } from './der.js';
import * as der from './der-writer.js';

const reader = (hex: string): DerReader => new DerReader(fromHex(hex), 'test');

function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof TlsError && err.alert === 'bad_certificate' && message.test(err.message));
}

describe('DER lengths (X.690 §10.1)', () => {
  test('short and long forms read the value exactly', () => {
    assert.deepEqual([...reader('0403010203').value(Tag.OCTET_STRING, 'x')], [1, 2, 3]);
    const long = `0481${'80'}${'00'.repeat(128)}`;
    assert.equal(reader(long).value(Tag.OCTET_STRING, 'x').length, 128);
  });
  test('indefinite length is refused', () => rejects(() => reader('30800000').sequence('thing'), /thing has an indefinite length/));
  test('long form for a short length is refused', () =>
    rejects(() => reader('04810101').value(Tag.OCTET_STRING, 'blob'), /blob length is not minimally encoded/));
  test('leading zero length octet is refused', () =>
    rejects(() => reader(`048200${'80'}${'00'.repeat(128)}`).value(Tag.OCTET_STRING, 'blob'), /not minimally encoded/));
  test('length beyond the input is refused', () => rejects(() => reader('040501').value(Tag.OCTET_STRING, 'blob'), /truncated blob \(need 5 bytes, have 1\)/));
  test('more than four length octets are refused', () => rejects(() => reader('0485000000000101').value(Tag.OCTET_STRING, 'blob'), /too large/));
  test('long form at the bounds reads back what the writer wrote', () => {
    // 128 needs 0x81, 256 and 65535 0x82, 65536 0x83.
    for (const length of [127, 128, 255, 256, 65535, 65536]) {
      assert.equal(new DerReader(der.octetString(new Uint8Array(length)), 'test').value(Tag.OCTET_STRING, 'x').length, length);
    }
  });
  test('high tag numbers are refused', () => rejects(() => reader('1f0100').any('x'), /high tag number/));
  test('every strict prefix of a nested structure fails', () => {
    const full = fromHex('300c020101300404020a0b0101ff');
    assert.doesNotThrow(() => readTop(full, 'test', Tag.SEQUENCE, 'outer', 1000));
    for (let n = 0; n < full.length; n++) {
      assert.throws(() => readTop(full.subarray(0, n), 'test', Tag.SEQUENCE, 'outer', 1000), TlsError, `prefix of ${n} bytes`);
    }
  });
  test('trailing bytes after the top element are refused', () =>
    rejects(() => readTop(fromHex('3000ff'), 'test', Tag.SEQUENCE, 'outer', 1000), /trailing bytes after outer/));
  test('size limit on the top element', () => rejects(() => readTop(fromHex('3000'), 'test', Tag.SEQUENCE, 'outer', 1), /more than the 1-byte limit/));
  test('nesting depth is bounded', () => {
    // 40 nested SEQUENCEs, long-form lengths where needed.
    let der = fromHex('3000');
    for (let i = 0; i < 40; i++) {
      const len = der.length;
      const header = len < 0x80 ? [0x30, len] : [0x30, 0x81, len];
      der = new Uint8Array([...header, ...der]);
    }
    let r = new DerReader(der, 'test');
    assert.throws(
      () => {
        for (;;) r = r.sequence('level');
      },
      (err: unknown) => err instanceof TlsError && /nesting deeper than/.test(err.message),
    );
  });
});

describe('DER primitives', () => {
  test('INTEGER must be minimal', () => {
    assert.equal(reader('020100').smallInteger('n'), 0);
    assert.equal(reader('020200ff').smallInteger('n'), 255);
    rejects(() => reader('0202007f').integerBytes('serial'), /serial INTEGER is not minimally encoded/);
    rejects(() => reader('0202ff80').integerBytes('serial'), /not minimally encoded/);
    rejects(() => reader('0200').integerBytes('serial'), /serial INTEGER is empty/);
    rejects(() => reader('0201ff').smallInteger('n'), /n is negative/);
  });
  test('unsigned INTEGER magnitude drops the sign octet and refuses negatives', () => {
    assert.deepEqual(reader('020200ff').unsignedInteger('n'), fromHex('ff'));
    assert.deepEqual(reader('020100').unsignedInteger('n'), fromHex('00'));
    assert.deepEqual(reader('02027fff').unsignedInteger('n'), fromHex('7fff'));
    rejects(() => reader('0202007f').unsignedInteger('modulus'), /modulus INTEGER is not minimally encoded/);
    rejects(() => reader('0202ff80').unsignedInteger('modulus'), /not minimally encoded/);
    rejects(() => reader('020180').unsignedInteger('modulus'), /modulus is negative/);
    rejects(() => reader('0200').unsignedInteger('modulus'), /modulus INTEGER is empty/);
  });
  test('BOOLEAN is 0x00 or 0xff', () => {
    assert.equal(reader('0101ff').boolean('b'), true);
    assert.equal(reader('010100').boolean('b'), false);
    rejects(() => reader('010101').boolean('flag'), /flag is not a DER BOOLEAN/);
  });
  test('OBJECT IDENTIFIER decodes and refuses padding', () => {
    assert.equal(reader('0603551d13').oid('o'), '2.5.29.19');
    assert.equal(reader('06092a864886f70d01010b').oid('o'), '1.2.840.113549.1.1.11');
    rejects(() => reader('0604558080 13'.replace(' ', '')).oid('oid'), /not minimally encoded/);
    rejects(() => reader('060255 81'.replace(' ', '')).oid('oid'), /truncated/);
  });
  test('BIT STRING unused bits', () => {
    assert.deepEqual(reader('03020780').bitString('b'), { bytes: fromHex('80'), unusedBits: 7 });
    rejects(() => reader('03020781').bitString('ku'), /ku BIT STRING has non-zero unused bits/);
    rejects(() => reader('03020880').bitString('ku'), /bad unused-bits count/);
    rejects(() => reader('030101').bitString('ku'), /bad unused-bits count/);
  });
  test('BIT STRING of whole bytes', () => {
    assert.deepEqual(reader('03020001').octetBitString('key'), fromHex('01'));
    assert.deepEqual(reader('030100').octetBitString('key'), new Uint8Array(0));
    rejects(() => reader('03020102').octetBitString('key'), /key is not a whole number of bytes/);
    rejects(() => reader('0300').octetBitString('key'), /no unused-bits octet/);
  });
  test('tag mismatch names the field', () => rejects(() => reader('0400').sequence('tbsCertificate'), /tbsCertificate has tag 0x04, expected 0x30/));
});

describe('Time (RFC 5280 §4.1.2.5)', () => {
  const time = (tag: number, text: string): Date => {
    const bytes = new TextEncoder().encode(text);
    return new DerReader(new Uint8Array([tag, bytes.length, ...bytes]), 'test').time('t');
  };
  test('UTCTime two-digit years pivot at 50', () => {
    assert.equal(formatTime(time(Tag.UTCTime, '491231235959Z')), '2049-12-31T23:59:59Z');
    assert.equal(formatTime(time(Tag.UTCTime, '500101000000Z')), '1950-01-01T00:00:00Z');
  });
  test('GeneralizedTime, including far years', () => {
    assert.equal(formatTime(time(Tag.GeneralizedTime, '29690503000001Z')), '2969-05-03T00:00:01Z');
  });
  test('fractions, offsets, missing seconds and bad dates are refused', () => {
    for (const [tag, text] of [
      [Tag.GeneralizedTime, '20240101000000.5Z'],
      [Tag.UTCTime, '2401010000Z'],
      [Tag.UTCTime, '240101000000+0100'],
      [Tag.UTCTime, '240230000000Z'],
      [Tag.UTCTime, '230229000000Z'],
      [Tag.UTCTime, '241301000000Z'],
      [Tag.UTCTime, '240101240000Z'],
    ] as const) {
      assert.throws(
        () => time(tag, text),
        (err: unknown) => err instanceof TlsError && /not a valid/.test(err.message),
        text,
      );
    }
    assert.equal(formatTime(time(Tag.UTCTime, '240229000000Z')), '2024-02-29T00:00:00Z');
  });
});
