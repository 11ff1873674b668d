import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSignatureSchemes, writeSignatureSchemes } from './signature-algorithms.js';
import { encode } from '../../wire/writer.js';
import { assertDecodeError, assertEveryStrictPrefixFails, decodeAll, vec } from '../../../test/helpers/codec.js';

describe('signature_algorithms', () => {
  test('round trip; every strict prefix fails', () => {
    const encoded = encode((w) => writeSignatureSchemes(w, [0x0403, 0x0804, 0x0807]));
    assert.deepEqual(decodeAll(encoded, readSignatureSchemes), [0x0403, 0x0804, 0x0807]);
    assertEveryStrictPrefixFails(encoded, (b) => decodeAll(b, readSignatureSchemes));
  });

  test('<2..2^16-2>: 0 fails, 2 and 65534 pass, 65535 fails; an odd length fails', () => {
    assertDecodeError(() => decodeAll(vec(2, []), readSignatureSchemes), /supported_signature_algorithms length 0 outside 2\.\.65534/);
    assert.equal(decodeAll(vec(2, [4, 3]), readSignatureSchemes).length, 1);
    assert.equal(decodeAll(vec(2, new Uint8Array(65534)), readSignatureSchemes).length, 32767);
    assertDecodeError(() => decodeAll(vec(2, new Uint8Array(65535)), readSignatureSchemes), /length 65535 outside 2\.\.65534/);
    assertDecodeError(() => decodeAll(vec(2, [4, 3, 8]), readSignatureSchemes), /truncated signature scheme/);
  });
});
