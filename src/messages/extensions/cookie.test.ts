import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readCookie, writeCookie } from './cookie.js';
import { encode } from '../../wire/writer.js';
import { assertDecodeError, assertEveryStrictPrefixFails, decodeAll, vec } from '../../../test/helpers/codec.js';

describe('cookie', () => {
  test('round trip; 1 and 2^16-1 bytes pass; empty fails; every strict prefix fails', () => {
    for (const n of [1, 0xffff])
      assert.equal(
        decodeAll(
          encode((w) => writeCookie(w, new Uint8Array(n))),
          readCookie,
        ).length,
        n,
      );
    assertDecodeError(() => decodeAll(vec(2, []), readCookie), /cookie length 0 outside 1\.\.65535/);
    assertEveryStrictPrefixFails(vec(2, [1, 2, 3]), (b) => decodeAll(b, readCookie));
  });
});
