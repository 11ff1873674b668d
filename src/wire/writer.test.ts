import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writer, encode } from './writer.js';
import { Reader } from './reader.js';

describe('Writer', () => {
  test('integers are big-endian and truncated to their width', () => {
    const out = encode((w) => w.u8(0x1ff).u16(0x10203).u24(0x1020304).u32(0xfffffffe));
    assert.deepEqual([...out], [0xff, 0x02, 0x03, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xfe]);
  });

  test('round trip with the Reader', () => {
    const out = encode((w) => {
      w.u8(1).u16(0xbeef).u24(0x123456).u32(0xdeadbeef).bytes(Uint8Array.of(9, 9));
      w.vector(2, (v) => v.vectorBytes(1, Uint8Array.of(1, 2, 3)).vectorBytes(3, new Uint8Array(0)));
    });
    const r = new Reader(out);
    assert.equal(r.u8(), 1);
    assert.equal(r.u16(), 0xbeef);
    assert.equal(r.u24(), 0x123456);
    assert.equal(r.u32(), 0xdeadbeef);
    assert.deepEqual([...r.bytes(2)], [9, 9]);
    const list = r.vector(2, 0, 0xffff, 'list');
    assert.deepEqual([...list.vectorBytes(1, 0, 255, 'a')], [1, 2, 3]);
    assert.equal(list.vectorBytes(3, 0, 0xffffff, 'b').length, 0);
    list.done();
    r.done();
  });

  for (const lengthBytes of [1, 2, 3] as const) {
    test(`a ${lengthBytes}-byte vector holds up to 2^${8 * lengthBytes}-1 bytes; one more is a RangeError`, () => {
      const max = 2 ** (8 * lengthBytes) - 1;
      const full = encode((w) => w.vectorBytes(lengthBytes, new Uint8Array(max)));
      assert.equal(full.length, lengthBytes + max);
      assert.equal(new Reader(full).vectorBytes(lengthBytes, max, max, 'v').length, max);
      assert.throws(() => encode((w) => w.vectorBytes(lengthBytes, new Uint8Array(max + 1))), RangeError);
    });
  }

  test('grows past its initial capacity, and finish() returns a copy the caller owns', () => {
    const w = new Writer(1);
    for (let i = 0; i < 1000; i++) w.u16(i);
    assert.equal(w.length, 2000);
    const a = w.finish();
    w.u8(7);
    const b = w.finish();
    assert.equal(a.length, 2000);
    assert.equal(b.length, 2001);
    a[0] = 0xff;
    assert.equal(b[0], 0);
  });

  test('a u8 that makes the buffer grow is written to the new buffer (BoGo Client-Verify-ECDSA_P384_SHA384-TLS13)', () => {
    for (let capacity = 1; capacity <= 8; capacity++) {
      const w = new Writer(capacity);
      const expected: number[] = [];
      for (let i = 1; i <= 40; i++) {
        w.u8(i);
        expected.push(i);
      }
      assert.deepEqual([...w.finish()], expected, `initial capacity ${capacity}`);
    }
  });

  test('nested vectors back-patch their own lengths', () => {
    const out = encode((w) => w.vector(2, (outer) => outer.vector(1, (inner) => inner.u8(5).u8(6)).u8(7)));
    assert.deepEqual([...out], [0x00, 0x04, 0x02, 5, 6, 7]);
  });
});
