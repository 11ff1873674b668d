import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readRecordSizeLimit } from './record-size-limit.js';
import { assertEveryStrictPrefixFails, assertIllegalParameter, decodeAll } from '../../../test/helpers/codec.js';

describe('record_size_limit', () => {
  test('64 and 2^16-1 pass; 63 is illegal_parameter; every strict prefix fails', () => {
    assert.equal(decodeAll(Uint8Array.of(0, 64), readRecordSizeLimit), 64);
    assert.equal(decodeAll(Uint8Array.of(0xff, 0xff), readRecordSizeLimit), 0xffff);
    assertIllegalParameter(() => decodeAll(Uint8Array.of(0, 63), readRecordSizeLimit), /record_size_limit 63 is below 64/);
    assertEveryStrictPrefixFails(Uint8Array.of(0x40, 0x01), (b) => decodeAll(b, readRecordSizeLimit));
  });
});
