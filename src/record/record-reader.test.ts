import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordReader } from './record-reader.js';
import { concat } from '../wire/bytes.js';
import { assertTlsError } from '../../test/helpers/codec.js';

const record = (type: number, length: number, version = 0x0303) =>
  concat(Uint8Array.of(type, version >>> 8, version & 0xff, length >>> 8, length & 0xff), new Uint8Array(length).fill(type));

describe('RecordReader', () => {
  test('records split and coalesced at every boundary come out whole, in order', () => {
    const stream = concat(record(22, 3), record(23, 0), record(21, 2), record(20, 1));
    for (let a = 0; a <= stream.length; a++) {
      const r = new RecordReader();
      const got: number[][] = [];
      for (const part of [stream.subarray(0, a), stream.subarray(a)]) {
        r.push(part);
        for (let rec = r.next(16384); rec; rec = r.next(16384)) got.push([rec.type, rec.fragment.length, rec.bytes.length]);
      }
      assert.deepEqual(
        got,
        [
          [22, 3, 8],
          [23, 0, 5],
          [21, 2, 7],
          [20, 1, 6],
        ],
        `split at ${a}`,
      );
      assert.equal(r.bufferedLength, 0);
    }
  });

  test('a record inside one chunk is a view of it', () => {
    const chunk = record(22, 4);
    const r = new RecordReader();
    r.push(chunk);
    assert.equal(r.next(100)!.bytes.buffer, chunk.buffer);
  });

  test('the length limit is checked on the header: max passes (and waits), max+1 is record_overflow', () => {
    const r = new RecordReader();
    r.push(record(23, 100).subarray(0, 5));
    assert.equal(r.next(100), undefined);
    const over = new RecordReader();
    over.push(record(23, 101).subarray(0, 5));
    assertTlsError(() => over.next(100), 'record_overflow', /record of 101 bytes, more than the 100 allowed/);
  });

  test('unknown content types, plain text and non-3.x versions are refused from the header', () => {
    const r = (bytes: Uint8Array) => {
      const reader = new RecordReader();
      reader.push(bytes);
      return () => reader.next(16384);
    };
    assertTlsError(r(record(24, 1)), 'unexpected_message', /unknown content type 24/);
    assertTlsError(r(record(19, 1)), 'unexpected_message', /unknown content type 19/);
    assertTlsError(r(new TextEncoder().encode('GET / HTTP/1.1')), 'unexpected_message', /plain text, not TLS/);
    assertTlsError(r(record(22, 1, 0x0200)), 'protocol_version', /version 0x200/);
    assertTlsError(r(record(22, 1, 0x0400)), 'protocol_version');
    assert.ok(r(record(22, 1, 0x0300))());
  });

  test('clear() hands back what was not read', () => {
    const r = new RecordReader();
    r.push(Uint8Array.of(22, 3, 3));
    r.push(Uint8Array.of(0, 5, 1));
    assert.equal(r.bufferedLength, 6);
    assert.deepEqual(concat(...r.clear()), Uint8Array.of(22, 3, 3, 0, 5, 1));
    assert.equal(r.bufferedLength, 0);
  });
});
