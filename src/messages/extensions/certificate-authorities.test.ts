import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readCertificateAuthorities, writeCertificateAuthorities } from './certificate-authorities.js';
import { encode } from '../../wire/writer.js';
import { assertDecodeError, assertEveryStrictPrefixFails, decodeAll, vec } from '../../../test/helpers/codec.js';

const names = [Uint8Array.of(0x30, 0x00), new Uint8Array(1000).fill(0x31)];
const encoded = encode((w) => writeCertificateAuthorities(w, names));

describe('certificate_authorities', () => {
  test('round trip; every strict prefix fails', () => {
    assert.deepEqual(decodeAll(encoded, readCertificateAuthorities), names);
    assertEveryStrictPrefixFails(encoded, (b) => decodeAll(b, readCertificateAuthorities));
  });

  test('authorities<3..2^16-1>: 2 bytes fail, 3 pass; an empty name fails', () => {
    assertDecodeError(() => decodeAll(vec(2, [0, 0]), readCertificateAuthorities), /authorities length 2 outside 3\.\.65535/);
    assert.equal(decodeAll(vec(2, [0, 1, 0x30]), readCertificateAuthorities).length, 1);
    assertDecodeError(() => decodeAll(vec(2, [0, 0, 0]), readCertificateAuthorities), /DistinguishedName length 0 outside 1\.\.65535/);
  });
});
