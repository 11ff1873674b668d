import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readEcPointFormats, writeEcPointFormats } from './ec-point-formats.js';
import { encode } from '../../wire/writer.js';
import { assertDecodeError, assertEveryStrictPrefixFails, assertIllegalParameter, decodeAll, vec } from '../../../test/helpers/codec.js';

describe('ec_point_formats', () => {
  test('round trip; every strict prefix fails', () => {
    const encoded = encode((w) => writeEcPointFormats(w));
    assert.deepEqual([...decodeAll(encoded, readEcPointFormats)], [0]);
    assertEveryStrictPrefixFails(encoded, (b) => decodeAll(b, readEcPointFormats));
  });

  test('an empty list fails; a list without uncompressed is illegal_parameter; 255 formats pass', () => {
    assertDecodeError(() => decodeAll(vec(1, []), readEcPointFormats), /ec_point_format_list length 0 outside 1\.\.255/);
    assertIllegalParameter(() => decodeAll(vec(1, [1, 2]), readEcPointFormats), /does not include uncompressed/);
    assert.equal(decodeAll(vec(1, new Uint8Array(255)), readEcPointFormats).length, 255);
  });
});
