import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCertificate12, buildCertificate13, readCertificate12, readCertificate13 } from './certificate.js';
import { ExtensionType as E, HandshakeType } from '../protocol/constants.js';
import { concat } from '../wire/bytes.js';
import { assertDecodeError, assertEveryStrictPrefixFails, assertIllegalParameter, assertTlsError, message } from '../../test/helpers/codec.js';

const certs = [Uint8Array.of(0x30, 1, 2, 3), new Uint8Array(300).fill(0x41), Uint8Array.of(9)];
const limits = { maxChainLength: 10 };
const decode13 = (b: Uint8Array, l = limits) => readCertificate13(message(HandshakeType.certificate, b), l);
const decode12 = (b: Uint8Array, l = limits) => readCertificate12(message(HandshakeType.certificate, b), l);
const body13 = buildCertificate13(Uint8Array.of(7, 7), certs, [{ type: E.status_request, body: Uint8Array.of(1) }]).body;
const body12 = buildCertificate12(certs).body;

describe('Certificate (TLS 1.3)', () => {
  test('round trip: context, certificates, leaf extensions', () => {
    const c = decode13(body13);
    assert.deepEqual([...c.requestContext], [7, 7]);
    assert.deepEqual(
      c.entries.map((e) => e.certData),
      certs,
    );
    assert.deepEqual(
      c.entries[0]!.extensions.map((e) => e.type),
      [E.status_request],
    );
    assert.equal(c.entries[1]!.extensions.length, 0);
    assert.equal(decode13(buildCertificate13(new Uint8Array(0), []).body).entries.length, 0);
  });

  test('every strict prefix fails', () => {
    assertEveryStrictPrefixFails(body13, (b) => decode13(b));
  });

  test('trailing bytes, and a list length ±1: decode_error', () => {
    assertDecodeError(() => decode13(concat(body13, Uint8Array.of(0))), /certificate: 1 unexpected trailing bytes/);
    const at = 1 + 2; // context vector, then the 3-byte list length
    const length = body13.length - at - 3;
    for (const delta of [1, -1]) {
      const b = body13.slice();
      const l = length + delta;
      b[at] = l >>> 16;
      b[at + 1] = (l >>> 8) & 0xff;
      b[at + 2] = l & 0xff;
      assertDecodeError(() => decode13(b));
    }
  });

  test('an empty cert_data: decode_error', () => {
    assertDecodeError(() => decode13(Uint8Array.of(0, 0, 0, 5, 0, 0, 0, 0, 0)), /cert_data length 0 outside 1\.\.16777215/);
  });

  test('chains up to the limit pass; one more certificate is bad_certificate', () => {
    const chain = (n: number) => buildCertificate13(new Uint8Array(0), new Array<Uint8Array>(n).fill(Uint8Array.of(1))).body;
    assert.equal(decode13(chain(3), { maxChainLength: 3 }).entries.length, 3);
    assertTlsError(() => decode13(chain(4), { maxChainLength: 3 }), 'bad_certificate', /more than 3 certificates/);
  });

  test('entry extensions: a duplicate is decode_error, one not allowed in a certificate entry illegal_parameter', () => {
    const dup = buildCertificate13(
      new Uint8Array(0),
      [Uint8Array.of(1)],
      [
        { type: E.status_request, body: new Uint8Array(0) },
        { type: E.status_request, body: new Uint8Array(0) },
      ],
    ).body;
    assertDecodeError(() => decode13(dup), /carries status_request twice/);
    const wrong = buildCertificate13(new Uint8Array(0), [Uint8Array.of(1)], [{ type: E.key_share, body: new Uint8Array(0) }]).body;
    assertIllegalParameter(() => decode13(wrong), /certificate_entry carries key_share, which is not allowed there/);
  });
});

describe('Certificate (TLS 1.2)', () => {
  test('round trip', () => {
    assert.deepEqual(decode12(body12), certs);
    assert.deepEqual(decode12(buildCertificate12([]).body), []);
  });

  test('every strict prefix fails; trailing bytes fail', () => {
    assertEveryStrictPrefixFails(body12, (b) => decode12(b));
    assertDecodeError(() => decode12(concat(body12, Uint8Array.of(0))), /trailing/);
  });

  test('an empty ASN.1Cert fails; the chain limit holds', () => {
    assertDecodeError(() => decode12(Uint8Array.of(0, 0, 3, 0, 0, 0)), /ASN\.1Cert length 0/);
    assertTlsError(() => decode12(buildCertificate12([Uint8Array.of(1), Uint8Array.of(2)]).body, { maxChainLength: 1 }), 'bad_certificate');
  });
});
