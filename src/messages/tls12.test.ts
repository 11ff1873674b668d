import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildCertificateRequest12,
  buildClientKeyExchange,
  buildNewSessionTicket12,
  buildServerHelloDone,
  buildServerKeyExchange,
  encodeServerEcdhParams,
  readCertificateRequest12,
  readClientKeyExchange,
  readHelloRequest,
  readNewSessionTicket12,
  readServerHelloDone,
  readServerKeyExchange,
} from './tls12.js';
import { HandshakeType } from '../protocol/constants.js';
import { concat } from '../wire/bytes.js';
import { assertDecodeError, assertEveryStrictPrefixFails, assertIllegalParameter, message, u16s, vec } from '../../test/helpers/codec.js';

const point = concat(Uint8Array.of(4), new Uint8Array(64).fill(3));

describe('ServerKeyExchange (ECDHE)', () => {
  const params = encodeServerEcdhParams(0x17, point);
  const body = buildServerKeyExchange(params, 0x0403, new Uint8Array(71).fill(5)).body;
  const decode = (b: Uint8Array) => readServerKeyExchange(message(HandshakeType.server_key_exchange, b));

  test('round trip; the signed params are exactly the ServerECDHParams bytes', () => {
    const ske = decode(body);
    assert.equal(ske.params.group, 0x17);
    assert.deepEqual(ske.params.publicKey, point);
    assert.deepEqual(ske.params.raw, params);
    assert.equal(ske.signed.scheme, 0x0403);
    assert.equal(ske.signed.signature.length, 71);
  });

  test('every strict prefix fails; trailing bytes fail', () => {
    assertEveryStrictPrefixFails(body, decode);
    assertDecodeError(() => decode(concat(body, Uint8Array.of(0))), /server_key_exchange: 1 unexpected trailing bytes/);
  });

  test('a curve type other than named_curve: illegal_parameter; an empty point: decode_error', () => {
    const explicit = body.slice();
    explicit[0] = 1;
    assertIllegalParameter(() => decode(explicit), /curve type 1; only named curves/);
    assertDecodeError(() => decode(concat(Uint8Array.of(3, 0, 0x17, 0), u16s(0x0403), vec(2, []))), /ECPoint length 0 outside 1\.\.255/);
  });
});

describe('ServerHelloDone, HelloRequest', () => {
  test('empty bodies only', () => {
    readServerHelloDone(buildServerHelloDone());
    assertDecodeError(() => readServerHelloDone(message(HandshakeType.server_hello_done, Uint8Array.of(0))), /server_hello_done must be empty/);
    readHelloRequest(message(HandshakeType.hello_request, new Uint8Array(0)));
    assertDecodeError(() => readHelloRequest(message(HandshakeType.hello_request, Uint8Array.of(0))), /hello_request must be empty/);
  });
});

describe('ClientKeyExchange', () => {
  test('ECDHE: round trip, every strict prefix fails, ecdh_Yc<1..255>', () => {
    const body = buildClientKeyExchange('ecdhe', point).body;
    const decode = (b: Uint8Array) => readClientKeyExchange(message(HandshakeType.client_key_exchange, b), 'ecdhe');
    assert.deepEqual(decode(body), point);
    assertEveryStrictPrefixFails(body, decode);
    assertDecodeError(() => decode(Uint8Array.of(0)), /ecdh_Yc length 0 outside 1\.\.255/);
    assertDecodeError(() => decode(concat(body, Uint8Array.of(0))), /trailing/);
  });

  test('RSA: round trip, every strict prefix fails, 2^16-1 bytes pass', () => {
    const decode = (b: Uint8Array) => readClientKeyExchange(message(HandshakeType.client_key_exchange, b), 'rsa');
    const body = buildClientKeyExchange('rsa', new Uint8Array(256).fill(1)).body;
    assert.equal(decode(body).length, 256);
    assertEveryStrictPrefixFails(body, decode);
    assert.equal(decode(buildClientKeyExchange('rsa', new Uint8Array(0xffff)).body).length, 0xffff);
  });
});

describe('CertificateRequest (TLS 1.2)', () => {
  const request = { certificateTypes: Uint8Array.of(1, 64), signatureAlgorithms: [0x0403, 0x0804], certificateAuthorities: [Uint8Array.of(0x30, 0)] };
  const body = buildCertificateRequest12(request).body;
  const decode = (b: Uint8Array) => readCertificateRequest12(message(HandshakeType.certificate_request, b));

  test('round trip; every strict prefix fails; trailing bytes fail', () => {
    assert.deepEqual(decode(body), request);
    assertEveryStrictPrefixFails(body, decode);
    assertDecodeError(() => decode(concat(body, Uint8Array.of(0))), /trailing/);
  });

  test('bounds: certificate_types<1..>, supported_signature_algorithms<2..>, an empty DistinguishedName', () => {
    assertDecodeError(
      () => decode(buildCertificateRequest12({ ...request, certificateTypes: new Uint8Array(0) }).body),
      /certificate_types length 0 outside 1\.\.255/,
    );
    assertDecodeError(() => decode(buildCertificateRequest12({ ...request, signatureAlgorithms: [] }).body), /supported_signature_algorithms length 0/);
    assertDecodeError(
      () => decode(buildCertificateRequest12({ ...request, certificateAuthorities: [new Uint8Array(0)] }).body),
      /DistinguishedName length 0 outside 1\.\.65535/,
    );
    assert.equal(decode(buildCertificateRequest12({ ...request, certificateAuthorities: [] }).body).certificateAuthorities.length, 0);
  });
});

describe('NewSessionTicket (TLS 1.2, RFC 5077)', () => {
  test('round trip (an empty ticket is allowed); every strict prefix fails; trailing bytes fail', () => {
    for (const ticket of [new Uint8Array(0), new Uint8Array(200).fill(9)]) {
      const body = buildNewSessionTicket12({ lifetimeHint: 0xffffffff, ticket }).body;
      const decode = (b: Uint8Array) => readNewSessionTicket12(message(HandshakeType.new_session_ticket, b));
      assert.deepEqual(decode(body), { lifetimeHint: 0xffffffff, ticket });
      assertEveryStrictPrefixFails(body, decode);
      assertDecodeError(() => decode(concat(body, Uint8Array.of(0))), /trailing/);
    }
  });
});
