import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEncryptedExtensions, readEncryptedExtensions } from './encrypted-extensions.js';
import type { Extension } from './extensions/extension.js';
import { writeAlpnList } from './extensions/alpn.js';
import { writeSupportedGroups } from './extensions/supported-groups.js';
import { ExtensionType as E, HandshakeType } from '../protocol/constants.js';
import { encode } from '../wire/writer.js';
import { concat, utf8 } from '../wire/bytes.js';
import { assertDecodeError, assertEveryStrictPrefixFails, assertIllegalParameter, message, withLength } from '../../test/helpers/codec.js';

const ext = (type: number, body: Uint8Array = new Uint8Array(0)): Extension => ({ type, body });
const alpn = ext(
  E.application_layer_protocol_negotiation,
  encode((w) => writeAlpnList(w, [utf8('h2')])),
);
const all = [
  alpn,
  ext(E.server_name),
  ext(E.early_data),
  ext(
    E.supported_groups,
    encode((w) => writeSupportedGroups(w, [0x17])),
  ),
  ext(E.record_size_limit, Uint8Array.of(0x10, 0x00)),
  ext(0x7777, Uint8Array.of(1)),
];
const decode = (b: Uint8Array) => readEncryptedExtensions(message(HandshakeType.encrypted_extensions, b));
const build = (list: Extension[]) => buildEncryptedExtensions(list).body;

describe('EncryptedExtensions', () => {
  test('round trip', () => {
    const ee = decode(build(all));
    assert.equal(Buffer.from(ee.alpn!).toString(), 'h2');
    assert.ok(ee.serverNameAck && ee.earlyData);
    assert.deepEqual(ee.supportedGroups, [0x17]);
    assert.equal(ee.recordSizeLimit, 0x1000);
    assert.deepEqual(
      ee.extensions.map((e) => e.type),
      all.map((e) => e.type),
    );
    const empty = decode(build([]));
    assert.equal(empty.extensions.length, 0);
    assert.ok(!empty.serverNameAck);
  });

  test('every strict prefix fails', () => {
    assertEveryStrictPrefixFails(build(all), decode);
    assertEveryStrictPrefixFails(build([]), decode);
  });

  test('trailing bytes and length ±1: decode_error', () => {
    const body = build(all);
    assertDecodeError(() => decode(concat(body, Uint8Array.of(0))), /encrypted_extensions: 1 unexpected trailing bytes/);
    assertDecodeError(() => decode(withLength(body, 0, 2, body.length - 1)));
    assertDecodeError(() => decode(withLength(body, 0, 2, body.length - 3)));
  });

  test('the same extension twice: decode_error', () => {
    assertDecodeError(() => decode(build([ext(E.server_name), ext(E.server_name)])), /encrypted_extensions carries server_name twice/);
  });

  test('extensions that belong elsewhere: illegal_parameter', () => {
    for (const type of [E.key_share, E.supported_versions, E.pre_shared_key, E.signature_algorithms, E.cookie, E.status_request, E.certificate_authorities]) {
      assertIllegalParameter(() => decode(build([ext(type)])), /which is not allowed there/);
    }
  });

  test('malformed bodies: a server_name ack that is not empty, ALPN with two names or none, record_size_limit below 64', () => {
    assertDecodeError(() => decode(build([ext(E.server_name, Uint8Array.of(0))])), /server_name extension must be empty/);
    assertDecodeError(
      () =>
        decode(
          build([
            ext(
              E.application_layer_protocol_negotiation,
              encode((w) => writeAlpnList(w, [utf8('a'), utf8('b')])),
            ),
          ]),
        ),
      /lists 2 protocols, expected one/,
    );
    assertDecodeError(
      () => decode(build([ext(E.application_layer_protocol_negotiation, Uint8Array.of(0, 0))])),
      /protocol_name_list length 0 outside 2\.\.65535/,
    );
    assertIllegalParameter(() => decode(build([ext(E.record_size_limit, Uint8Array.of(0, 63))])), /record_size_limit 63 is below 64/);
    assert.equal(decode(build([ext(E.record_size_limit, Uint8Array.of(0, 64))])).recordSizeLimit, 64);
  });
});
