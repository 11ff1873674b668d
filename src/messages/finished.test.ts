import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFinished, readFinished } from './finished.js';
import { HandshakeType } from '../protocol/constants.js';
import { assertDecodeError, assertEveryStrictPrefixFails, message } from '../../test/helpers/codec.js';

describe('Finished', () => {
  for (const length of [12, 32, 48]) {
    test(`round trip of ${length}-byte verify_data; ±1 byte is decode_error`, () => {
      const verifyData = new Uint8Array(length).fill(length);
      const msg = buildFinished(verifyData);
      assert.deepEqual([...msg.raw.subarray(0, 4)], [HandshakeType.finished, 0, 0, length]);
      assert.deepEqual(readFinished(msg, length), verifyData);
      assertDecodeError(() => readFinished(message(HandshakeType.finished, new Uint8Array(length + 1)), length), new RegExp(`verify_data is ${length + 1} bytes, expected ${length}`));
      assertEveryStrictPrefixFails(msg.body, (b) => readFinished(message(HandshakeType.finished, b), length));
    });
  }
});
