import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCertificateRequest13, readCertificateRequest13 } from './certificate-request.js';
import { writeExtensionList } from './extensions/extension.js';
import { buildHandshake } from './handshake.js';
import { ExtensionType as E, HandshakeType } from '../protocol/constants.js';
import { concat } from '../wire/bytes.js';
import { assertDecodeError, assertEveryStrictPrefixFails, assertIllegalParameter, assertTlsError, message, u16s, vec } from '../../test/helpers/codec.js';

const decode = (b: Uint8Array) => readCertificateRequest13(message(HandshakeType.certificate_request, b));
const request = {
  requestContext: Uint8Array.of(1, 2),
  signatureAlgorithms: [0x0403, 0x0804],
  certificateAuthorities: [Uint8Array.of(0x30, 0), Uint8Array.of(0x30, 1, 5)],
};
const body = buildCertificateRequest13(request).body;
const withExtensions = (context: Uint8Array, extensions: { type: number; body: Uint8Array }[]) =>
  buildHandshake(HandshakeType.certificate_request, (w) => {
    w.vectorBytes(1, context);
    writeExtensionList(w, extensions);
  }).body;
const sigalgs = { type: E.signature_algorithms, body: vec(2, u16s(0x0403)) };

describe('CertificateRequest (TLS 1.3)', () => {
  test('round trip', () => {
    const cr = decode(body);
    assert.deepEqual([...cr.requestContext], [1, 2]);
    assert.deepEqual(cr.signatureAlgorithms, [0x0403, 0x0804]);
    assert.deepEqual(cr.certificateAuthorities, request.certificateAuthorities);
    const withCert = decode(withExtensions(new Uint8Array(0), [sigalgs, { type: E.signature_algorithms_cert, body: vec(2, u16s(0x0807)) }]));
    assert.deepEqual(withCert.signatureAlgorithmsCert, [0x0807]);
  });

  test('every strict prefix fails; trailing bytes fail', () => {
    assertEveryStrictPrefixFails(body, decode);
    assertDecodeError(() => decode(concat(body, Uint8Array.of(0))), /certificate_request: 1 unexpected trailing bytes/);
  });

  test('extensions<2..2^16-1>: an empty block is decode_error', () => {
    assertDecodeError(() => decode(Uint8Array.of(0, 0, 0)), /extensions length 0 outside 2\.\.65535/);
  });

  test('signature_algorithms is required: missing_extension', () => {
    assertTlsError(
      () => decode(withExtensions(new Uint8Array(0), [{ type: 0x5555, body: new Uint8Array(0) }])),
      'missing_extension',
      /certificate_request has no signature_algorithms/,
    );
  });

  test('duplicates (decode_error) and extensions not allowed there (illegal_parameter)', () => {
    assertDecodeError(() => decode(withExtensions(new Uint8Array(0), [sigalgs, sigalgs])), /twice/);
    assertIllegalParameter(
      () => decode(withExtensions(new Uint8Array(0), [sigalgs, { type: E.key_share, body: new Uint8Array(0) }])),
      /certificate_request carries key_share, which is not allowed there/,
    );
  });

  test('certificate_authorities<3..2^16-1>: 2 bytes fail, 3 pass', () => {
    assertDecodeError(
      () => decode(withExtensions(new Uint8Array(0), [sigalgs, { type: E.certificate_authorities, body: vec(2, [0, 0]) }])),
      /authorities length 2 outside 3\.\.65535/,
    );
    assert.equal(
      decode(withExtensions(new Uint8Array(0), [sigalgs, { type: E.certificate_authorities, body: vec(2, [0, 1, 0x30]) }])).certificateAuthorities?.length,
      1,
    );
  });

  test('context of 255 bytes passes', () => {
    assert.equal(decode(withExtensions(new Uint8Array(255), [sigalgs])).requestContext.length, 255);
  });
});
