import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFinished, readFinished } from './finished.js';
import { HandshakeType } from '../protocol/constants.js';
import { TlsError } from '../errors.js';
import { message } from '../../test/helpers/codec.js';

describe('Finished', () => {
  for (const length of [12, 32, 48]) {
    test(`round trip of ${length}-byte verify_data; ±1 byte is decrypt_error (BoGo *-Finished-*: not the verify_data we compute)`, () => {
      const verifyData = new Uint8Array(length).fill(length);
      const msg = buildFinished(verifyData);
      assert.deepEqual([...msg.raw.subarray(0, 4)], [HandshakeType.finished, 0, 0, length]);
      assert.deepEqual(readFinished(msg, length), verifyData);
      for (const wrong of [length - 1, length + 1, 0]) {
        assert.throws(
          () => readFinished(message(HandshakeType.finished, new Uint8Array(wrong)), length),
          (e: unknown) => e instanceof TlsError && e.alert === 'decrypt_error' && e.message.includes(`verify_data is ${wrong} bytes, expected ${length}`),
        );
      }
    });
  }
});
