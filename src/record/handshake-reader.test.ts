import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HandshakeReader } from './handshake-reader.js';
import { concat } from '../wire/bytes.js';
import { assertIllegalParameter } from '../../test/helpers/codec.js';

const msg = (type: number, length: number, fill = type) =>
  concat(Uint8Array.of(type, length >>> 16, (length >>> 8) & 0xff, length & 0xff), new Uint8Array(length).fill(fill));

describe('HandshakeReader', () => {
  test('several messages in one fragment, and one message over many fragments split at every boundary', () => {
    const stream = concat(msg(1, 10), msg(2, 0), msg(11, 300));
    for (let a = 0; a <= stream.length; a += 7) {
      for (const b of [a, Math.min(stream.length, a + 1), Math.min(stream.length, a + 150)]) {
        const r = new HandshakeReader(1000);
        const got: number[][] = [];
        for (const part of [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]) {
          r.push(part);
          for (let m = r.next(); m; m = r.next()) got.push([m.type, m.body.length, m.raw.length]);
        }
        assert.deepEqual(
          got,
          [
            [1, 10, 14],
            [2, 0, 4],
            [11, 300, 304],
          ],
          `split at ${a}/${b}`,
        );
        assert.equal(r.hasPartialMessage, false);
      }
    }
  });

  test('hasPartialMessage: true from the first byte of a message until its last', () => {
    const r = new HandshakeReader(100);
    assert.equal(r.hasPartialMessage, false);
    r.push(Uint8Array.of(20));
    assert.equal(r.hasPartialMessage, true);
    assert.equal(r.next(), undefined);
    r.push(Uint8Array.of(0, 0, 1));
    assert.equal(r.next(), undefined);
    r.push(Uint8Array.of(9, 1));
    assert.deepEqual([...r.next()!.body], [9]);
    assert.equal(r.hasPartialMessage, true, 'the next message has begun');
    r.push(new Uint8Array(0));
    assert.equal(r.next(), undefined);
  });

  test('the largest message accepted passes; one byte more is illegal_parameter from the header alone', () => {
    const r = new HandshakeReader(1000);
    r.push(msg(11, 1000));
    assert.equal(r.next()!.body.length, 1000);
    const over = new HandshakeReader(1000);
    over.push(Uint8Array.of(11, 0, 0x03, 0xe9));
    assertIllegalParameter(() => over.next(), /peer sent a certificate of 1001 bytes, more than the 1000 we accept/);
  });

  test('a message sent one byte per record is reassembled in linear time', () => {
    // Joining the buffer on every push made this quadratic (seconds for 256 KiB); linear it is
    // a few milliseconds. The bound leaves a wide margin either way.
    const length = 1 << 18;
    const bytes = msg(11, length, 7);
    const r = new HandshakeReader(length);
    const start = performance.now();
    let got;
    for (let i = 0; i < bytes.length; i++) {
      r.push(bytes.subarray(i, i + 1));
      got = r.next() ?? got;
    }
    const elapsed = performance.now() - start;
    assert.equal(got?.body.length, length);
    assert.ok(got!.body.every((b) => b === 7));
    assert.ok(elapsed < 1500, `took ${elapsed.toFixed(0)} ms`);
  });
});
