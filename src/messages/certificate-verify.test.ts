import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCertificateVerify, certificateVerifyInput, readCertificateVerify } from './certificate-verify.js';
import { HandshakeType } from '../protocol/constants.js';
import { concat } from '../wire/bytes.js';
import { assertDecodeError, assertEveryStrictPrefixFails, message } from '../../test/helpers/codec.js';

const decode = (b: Uint8Array) => readCertificateVerify(message(HandshakeType.certificate_verify, b));

describe('CertificateVerify', () => {
  test('round trip, including an empty and a 2^16-1 byte signature', () => {
    for (const signature of [Uint8Array.of(1, 2, 3), new Uint8Array(0), new Uint8Array(0xffff).fill(4)]) {
      const cv = decode(buildCertificateVerify(0x0807, signature).body);
      assert.equal(cv.scheme, 0x0807);
      assert.deepEqual(cv.signature, signature);
    }
  });

  test('every strict prefix fails; trailing bytes and a length one too long fail', () => {
    const body = buildCertificateVerify(0x0403, new Uint8Array(70).fill(9)).body;
    assertEveryStrictPrefixFails(body, decode);
    assertDecodeError(() => decode(concat(body, Uint8Array.of(0))), /certificate_verify: 1 unexpected trailing bytes/);
    const longer = body.slice();
    longer[3] = 71;
    assertDecodeError(() => decode(longer), /truncated signature/);
  });

  test('the signed content: 64 spaces, the context string, a zero byte, the transcript hash (RFC 8446 §4.4.3)', () => {
    const hash = new Uint8Array(32).fill(0xee);
    const server = certificateVerifyInput('server', hash);
    assert.ok(server.subarray(0, 64).every((b) => b === 0x20));
    assert.equal(Buffer.from(server.subarray(64, 64 + 33)).toString(), 'TLS 1.3, server CertificateVerify');
    assert.equal(server[97], 0);
    assert.deepEqual(server.subarray(98), hash);
    assert.equal(Buffer.from(certificateVerifyInput('client', hash).subarray(64, 97)).toString(), 'TLS 1.3, client CertificateVerify');
  });
});
