import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from './reader.js';
import { assertDecodeError } from '../../test/helpers/codec.js';

const reader = (...bytes: number[]) => new Reader(Uint8Array.from(bytes), 0, bytes.length, 'thing');

describe('Reader', () => {
  test('integers are big-endian, u32 stays unsigned', () => {
    const r = reader(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0xff, 0xff, 0xff, 0xff);
    assert.equal(r.u8(), 0x01);
    assert.equal(r.u16(), 0x0203);
    assert.equal(r.u24(), 0x040506);
    assert.equal(r.u16(), 0x0708);
    assert.equal(r.u8(), 0x09);
    assert.equal(r.u32(), 0xffffffff);
    assert.equal(r.remaining, 0);
    r.done();
  });

  test('every integer read past the end is a decode_error naming the structure and field', () => {
    for (const [n, read] of [
      [1, (r: Reader) => r.u8('a')],
      [2, (r: Reader) => r.u16('a')],
      [3, (r: Reader) => r.u24('a')],
      [4, (r: Reader) => r.u32('a')],
    ] as const) {
      for (let have = 0; have < n; have++) {
        const r = reader(...new Array<number>(have).fill(0));
        assertDecodeError(() => read(r), new RegExp(`^thing: truncated a \\(need ${n} bytes, have ${have}\\)$`));
      }
    }
  });

  test('bytes() and rest() are views, and bytes() past the end fails', () => {
    const buf = Uint8Array.of(1, 2, 3, 4);
    const r = new Reader(buf, 0, 4, 'thing');
    const b = r.bytes(2, 'pair');
    assert.deepEqual([...b], [1, 2]);
    assert.equal(b.buffer, buf.buffer);
    assertDecodeError(() => r.bytes(3, 'triple'), /thing: truncated triple \(need 3 bytes, have 2\)/);
    assert.deepEqual([...r.rest()], [3, 4]);
    assert.equal(r.remaining, 0);
    assert.equal(r.offset, 4);
  });

  test('a reader over part of a buffer never reads beyond its end', () => {
    const r = new Reader(Uint8Array.of(9, 1, 2, 9), 1, 3, 'middle');
    assert.equal(r.u16(), 0x0102);
    assertDecodeError(() => r.u8());
  });

  for (const lengthBytes of [1, 2, 3] as const) {
    describe(`vector with a ${lengthBytes}-byte length`, () => {
      const encode = (len: number, body: number) => {
        const out = new Uint8Array(lengthBytes + body);
        for (let i = lengthBytes - 1, v = len; i >= 0; i--, v >>>= 8) out[i] = v & 0xff;
        return out;
      };
      const min = 2;
      const max = lengthBytes === 1 ? 200 : lengthBytes === 2 ? 1000 : 70000;

      test('bounds: min-1 and max+1 fail, min and max pass', () => {
        for (const len of [min - 1, max + 1]) {
          const r = new Reader(encode(len, len), 0, undefined, 'thing');
          assertDecodeError(() => r.vector(lengthBytes, min, max, 'list'), new RegExp(`thing: list length ${len} outside ${min}\\.\\.${max}`));
        }
        for (const len of [min, max]) {
          const r = new Reader(encode(len, len), 0, undefined, 'thing');
          const child = r.vector(lengthBytes, min, max, 'list');
          assert.equal(child.remaining, len);
          assert.equal(child.what, 'list');
          r.done();
        }
      });

      test('a length beyond the input is truncated', () => {
        const r = new Reader(encode(10, 9), 0, undefined, 'thing');
        assertDecodeError(() => r.vectorBytes(lengthBytes, 0, max, 'list'), /thing: truncated list \(need 10 bytes, have 9\)/);
      });

      test('a missing length is truncated', () => {
        const r = new Reader(new Uint8Array(lengthBytes - 1), 0, undefined, 'thing');
        assertDecodeError(() => r.vector(lengthBytes, 0, max, 'list'), /thing: truncated list length/);
      });
    });
  }

  test('the child reader covers exactly the body: reading past it fails even with input left in the parent', () => {
    const r = reader(0x00, 0x02, 0xaa, 0xbb, 0xcc);
    const child = r.vector(2, 0, 10, 'body');
    assert.equal(child.u16(), 0xaabb);
    assertDecodeError(() => child.u8(), /body: truncated/);
    assert.equal(r.u8(), 0xcc);
  });

  test('vectorBytes is a view of the body', () => {
    const buf = Uint8Array.of(0x03, 7, 8, 9);
    const r = new Reader(buf);
    const body = r.vectorBytes(1, 0, 3, 'opaque');
    assert.deepEqual([...body], [7, 8, 9]);
    assert.equal(body.buffer, buf.buffer);
  });

  test('a 4-byte length works and is bounded', () => {
    const r = reader(0, 0, 0, 2, 1, 2);
    assert.deepEqual([...r.vectorBytes(4, 0, 2, 'big')], [1, 2]);
    assertDecodeError(() => reader(0xff, 0xff, 0xff, 0xff).vector(4, 0, 0xffffff, 'big'), /big length 4294967295 outside/);
  });

  test('done() rejects trailing bytes, counting them', () => {
    const r = reader(1, 2, 3);
    r.u8();
    assertDecodeError(() => r.done(), /^thing: 2 unexpected trailing bytes$/);
    r.rest();
    r.done();
  });
  test("over a node Buffer, views are plain Uint8Arrays: their slice() copies (Buffer's would alias)", () => {
    const input = Buffer.from([0x02, 0xaa, 0xbb, 0xcc]);
    const r = new Reader(input, 0, input.length, 'thing');
    const view = r.vectorBytes(1, 1, 255, 'v');
    assert.equal(Object.getPrototypeOf(view), Uint8Array.prototype);
    const copy = view.slice();
    copy.fill(0); // what wiping a Secret made from the copy does
    assert.deepEqual([...input], [0x02, 0xaa, 0xbb, 0xcc]);
    view[0] = 0x11; // and the views still are views
    assert.equal(input[1], 0x11);
  });
});
