import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSupportedVersionsClient, readSupportedVersionsServer, writeSupportedVersionsClient, writeSupportedVersionsServer } from './supported-versions.js';
import { encode } from '../../wire/writer.js';
import { assertDecodeError, assertEveryStrictPrefixFails, decodeAll, vec } from '../../../test/helpers/codec.js';

describe('supported_versions', () => {
  test('ClientHello: round trip; every strict prefix fails', () => {
    const encoded = encode((w) => writeSupportedVersionsClient(w, [0x0304, 0x0303]));
    assert.deepEqual(decodeAll(encoded, readSupportedVersionsClient), [0x0304, 0x0303]);
    assertEveryStrictPrefixFails(encoded, (b) => decodeAll(b, readSupportedVersionsClient));
  });

  test('ClientHello <2..254>: 0 and 1 fail, 2 and 254 pass, 255 fails', () => {
    assertDecodeError(() => decodeAll(vec(1, []), readSupportedVersionsClient), /supported_versions length 0 outside 2\.\.254/);
    assertDecodeError(() => decodeAll(vec(1, [3]), readSupportedVersionsClient), /length 1 outside/);
    assert.equal(decodeAll(vec(1, [3, 4]), readSupportedVersionsClient).length, 1);
    assert.equal(decodeAll(vec(1, new Uint8Array(254)), readSupportedVersionsClient).length, 127);
    assertDecodeError(() => decodeAll(vec(1, new Uint8Array(255)), readSupportedVersionsClient), /length 255 outside 2\.\.254/);
  });

  test('ServerHello: the one selected version; every strict prefix fails; trailing bytes fail', () => {
    const encoded = encode((w) => writeSupportedVersionsServer(w, 0x0304));
    assert.equal(decodeAll(encoded, readSupportedVersionsServer), 0x0304);
    assertEveryStrictPrefixFails(encoded, (b) => decodeAll(b, readSupportedVersionsServer));
    assertDecodeError(() => decodeAll(Uint8Array.of(3, 4, 0), readSupportedVersionsServer), /trailing/);
  });
});
