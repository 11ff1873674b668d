import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readRenegotiationInfo, writeRenegotiationInfo } from './renegotiation-info.js';
import { encode } from '../../wire/writer.js';
import { assertEveryStrictPrefixFails, decodeAll } from '../../../test/helpers/codec.js';

describe('renegotiation_info', () => {
  test('round trip of empty, 12- and 255-byte values; every strict prefix fails', () => {
    for (const n of [0, 12, 255]) {
      const encoded = encode((w) => writeRenegotiationInfo(w, new Uint8Array(n).fill(n)));
      assert.equal(decodeAll(encoded, readRenegotiationInfo).length, n);
      assertEveryStrictPrefixFails(encoded, (b) => decodeAll(b, readRenegotiationInfo));
    }
  });
});
