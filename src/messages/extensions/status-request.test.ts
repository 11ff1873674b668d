import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCertificateStatus, readCertificateStatus, readCertificateStatusBody, readStatusRequest, writeStatusRequest } from './status-request.js';
import { HandshakeType } from '../../protocol/constants.js';
import { encode } from '../../wire/writer.js';
import { concat } from '../../wire/bytes.js';
import { assertDecodeError, assertEveryStrictPrefixFails, decodeAll, message } from '../../../test/helpers/codec.js';

describe('status_request', () => {
  test('the client request: round trip; every strict prefix fails; other status types are ignored whole', () => {
    const encoded = encode((w) => writeStatusRequest(w));
    assert.equal(decodeAll(encoded, readStatusRequest), true);
    assertEveryStrictPrefixFails(encoded, (b) => decodeAll(b, readStatusRequest));
    assert.equal(decodeAll(Uint8Array.of(2, 0xff, 0xff, 0xff), readStatusRequest), false);
  });

  test('CertificateStatus: round trip; every strict prefix fails; an empty response or unknown type fails', () => {
    const body = buildCertificateStatus(new Uint8Array(500).fill(0x30)).body;
    const decode = (b: Uint8Array) => readCertificateStatus(message(HandshakeType.certificate_status, b));
    assert.equal(decode(body).length, 500);
    assertEveryStrictPrefixFails(body, decode);
    assertDecodeError(() => decode(concat(body, Uint8Array.of(0))), /certificate_status: 1 unexpected trailing bytes/);
    assertDecodeError(() => decodeAll(Uint8Array.of(1, 0, 0, 0), readCertificateStatusBody), /ocsp_response length 0 outside 1\.\.16777215/);
    assertDecodeError(() => decodeAll(Uint8Array.of(2, 0, 0, 1, 0), readCertificateStatusBody), /certificate status of unknown type 2/);
  });
});
