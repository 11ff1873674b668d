import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildClientHello, readClientHello, type ClientHelloFields } from './client-hello.js';
import type { Extension } from './extensions/extension.js';
import { writeServerNameClient } from './extensions/server-name.js';
import { writeSupportedGroups } from './extensions/supported-groups.js';
import { writeSignatureSchemes } from './extensions/signature-algorithms.js';
import { writeSupportedVersionsClient } from './extensions/supported-versions.js';
import { writeKeyShareClient } from './extensions/key-share.js';
import { writeAlpnList } from './extensions/alpn.js';
import { writeOfferedPsks, writePskModes } from './extensions/pre-shared-key.js';
import { ExtensionType as E, HandshakeType } from '../protocol/constants.js';
import { encode } from '../wire/writer.js';
import { concat, utf8 } from '../wire/bytes.js';
import { assertDecodeError, assertEveryStrictPrefixFails, assertIllegalParameter, message, vec, withLength } from '../../test/helpers/codec.js';

const ext = (type: number, body: Uint8Array = new Uint8Array(0)): Extension => ({ type, body });

const extensions: Extension[] = [
  ext(
    E.server_name,
    encode((w) => writeServerNameClient(w, 'Example.COM')),
  ),
  ext(
    E.supported_groups,
    encode((w) => writeSupportedGroups(w, [0x1d, 0x17])),
  ),
  ext(
    E.signature_algorithms,
    encode((w) => writeSignatureSchemes(w, [0x0403, 0x0807])),
  ),
  ext(
    E.signature_algorithms_cert,
    encode((w) => writeSignatureSchemes(w, [0x0403])),
  ),
  ext(
    E.application_layer_protocol_negotiation,
    encode((w) => writeAlpnList(w, [utf8('h2'), utf8('http/1.1')])),
  ),
  ext(
    E.supported_versions,
    encode((w) => writeSupportedVersionsClient(w, [0x0304, 0x0303])),
  ),
  ext(
    E.key_share,
    encode((w) => writeKeyShareClient(w, [{ group: 0x1d, keyExchange: new Uint8Array(32).fill(7) }])),
  ),
  ext(E.cookie, vec(2, [1, 2, 3])),
  ext(
    E.psk_key_exchange_modes,
    encode((w) => writePskModes(w, [1])),
  ),
  ext(E.early_data),
  ext(E.post_handshake_auth),
  ext(E.extended_master_secret),
  ext(E.renegotiation_info, vec(1, [])),
  ext(E.session_ticket),
  ext(E.ec_point_formats, vec(1, [0])),
  ext(E.record_size_limit, Uint8Array.of(0x40, 0x00)),
  ext(E.status_request, Uint8Array.of(1, 0, 0, 0, 0)),
  ext(0xfafa, Uint8Array.of(1, 2)), // unknown: kept, ignored
  ext(
    E.pre_shared_key,
    encode((w) => writeOfferedPsks(w, [{ identity: utf8('ticket'), obfuscatedTicketAge: 42 }], [new Uint8Array(32).fill(3)])),
  ),
];

const fields: ClientHelloFields = {
  legacyVersion: 0x0303,
  random: new Uint8Array(32).fill(0xab),
  sessionId: new Uint8Array(32).fill(0xcd),
  cipherSuites: [0x1301, 0x1302, 0xc02b],
  extensions,
};

const body = buildClientHello(fields).body;
const decode = (b: Uint8Array) => readClientHello(message(HandshakeType.client_hello, b));
// Offsets in the body: version 2, random 32, session id 1+32, suites 2+6, compression 1+1.
const SUITES = 2 + 32 + 33;
const COMPRESSION = SUITES + 2 + 6;
const EXTENSIONS = COMPRESSION + 2;

describe('ClientHello', () => {
  test('round trip, with every extension we act on decoded', () => {
    const hello = decode(body);
    assert.equal(hello.legacyVersion, 0x0303);
    assert.deepEqual(hello.random, fields.random);
    assert.deepEqual(hello.sessionId, fields.sessionId);
    assert.deepEqual(hello.cipherSuites, [0x1301, 0x1302, 0xc02b]);
    assert.deepEqual([...hello.compressionMethods], [0]);
    assert.deepEqual(
      hello.extensions.map((e) => e.type),
      extensions.map((e) => e.type),
    );
    assert.equal(hello.serverName, 'example.com');
    assert.deepEqual(hello.supportedGroups, [0x1d, 0x17]);
    assert.deepEqual(hello.signatureAlgorithms, [0x0403, 0x0807]);
    assert.deepEqual(hello.signatureAlgorithmsCert, [0x0403]);
    assert.deepEqual(
      hello.alpn?.map((p) => Buffer.from(p).toString()),
      ['h2', 'http/1.1'],
    );
    assert.deepEqual(hello.supportedVersions, [0x0304, 0x0303]);
    assert.equal(hello.keyShares?.[0]?.group, 0x1d);
    assert.deepEqual([...hello.cookie!], [1, 2, 3]);
    assert.deepEqual(hello.pskModes, [1]);
    assert.ok(hello.earlyData && hello.postHandshakeAuth && hello.extendedMasterSecret && hello.statusRequest);
    assert.equal(hello.renegotiationInfo?.length, 0);
    assert.equal(hello.sessionTicket?.length, 0);
    assert.equal(hello.recordSizeLimit, 0x4000);
    assert.equal(hello.preSharedKey?.identities[0]?.obfuscatedTicketAge, 42);
    assert.deepEqual(hello.raw, message(HandshakeType.client_hello, body).raw);
  });

  test('every strict prefix fails, except the one ending before the extension block (a valid extension-less hello)', () => {
    assertEveryStrictPrefixFails(body, decode, [EXTENSIONS]);
    const bare = decode(body.subarray(0, EXTENSIONS));
    assert.equal(bare.extensions.length, 0);
    assert.equal(bare.supportedVersions, undefined);
  });

  test('trailing bytes after the extensions: decode_error', () => {
    assertDecodeError(() => decode(concat(body, Uint8Array.of(0))), /client_hello: 1 unexpected trailing bytes/);
  });

  test('legacy_session_id: 32 bytes pass, 33 fail', () => {
    const withSession = (n: number) => buildClientHello({ ...fields, sessionId: new Uint8Array(n) }).body;
    assert.equal(decode(withSession(0)).sessionId.length, 0);
    assert.equal(decode(withSession(32)).sessionId.length, 32);
    assertDecodeError(() => decode(withSession(33)), /legacy_session_id length 33 outside 0\.\.32/);
  });

  test('cipher_suites: empty and odd lengths fail; 2 bytes and 2^16-2 pass; 2^16-1 fails', () => {
    const withSuites = (n: number) => buildClientHello({ ...fields, cipherSuites: new Array<number>(n).fill(0x1301) }).body;
    assertDecodeError(() => decode(withSuites(0)), /cipher_suites length 0 outside 2\.\.65534/);
    assert.equal(decode(withSuites(1)).cipherSuites.length, 1);
    assert.equal(decode(withSuites(32767)).cipherSuites.length, 32767);
    assertDecodeError(() => decode(withLength(body, SUITES, 2, 7)), /cipher_suites/);
    const odd = concat(body.subarray(0, SUITES), Uint8Array.of(0, 3, 0x13, 0x01, 0x13), body.subarray(COMPRESSION));
    assertDecodeError(() => decode(odd), /cipher_suites has an odd length/);
    const tooLong = concat(body.subarray(0, SUITES), Uint8Array.of(0xff, 0xff), new Uint8Array(0xffff), body.subarray(COMPRESSION));
    assertDecodeError(() => decode(tooLong), /cipher_suites length 65535 outside 2\.\.65534/);
  });

  test('legacy_compression_methods: empty fails, 1 and 255 methods pass', () => {
    const withMethods = (n: number) => concat(body.subarray(0, COMPRESSION), vec(1, new Uint8Array(n)), body.subarray(EXTENSIONS));
    assertDecodeError(() => decode(withMethods(0)), /legacy_compression_methods length 0 outside 1\.\.255/);
    assert.equal(decode(withMethods(1)).compressionMethods.length, 1);
    assert.equal(decode(withMethods(255)).compressionMethods.length, 255);
  });

  test('an extension block length one more or one less than its content: decode_error', () => {
    const length = body.length - EXTENSIONS - 2;
    assertDecodeError(() => decode(withLength(body, EXTENSIONS, 2, length + 1)), /truncated extensions/);
    assertDecodeError(() => decode(withLength(body, EXTENSIONS, 2, length - 1)));
  });

  test('the same extension twice: decode_error', () => {
    assertDecodeError(
      () => decode(buildClientHello({ ...fields, extensions: [ext(E.supported_groups, vec(2, [0, 0x1d])), ext(E.supported_groups, vec(2, [0, 0x1d]))] }).body),
      /client_hello carries supported_groups twice/,
    );
    assertDecodeError(() => decode(buildClientHello({ ...fields, extensions: [ext(0x1234), ext(0x1234)] }).body), /extension_4660 twice/);
  });

  test('pre_shared_key anywhere but last: illegal_parameter', () => {
    const psk = extensions[extensions.length - 1]!;
    assertIllegalParameter(
      () => decode(buildClientHello({ ...fields, extensions: [psk, ext(E.early_data)] }).body),
      /pre_shared_key is not the last extension/,
    );
  });

  test('an extension body with trailing bytes, or too short: decode_error naming the extension', () => {
    assertDecodeError(
      () => decode(buildClientHello({ ...fields, extensions: [ext(E.supported_groups, concat(vec(2, [0, 0x1d]), Uint8Array.of(0)))] }).body),
      /supported_groups: 1 unexpected trailing bytes/,
    );
    assertDecodeError(
      () => decode(buildClientHello({ ...fields, extensions: [ext(E.signature_algorithms, Uint8Array.of(0, 4, 4, 3))] }).body),
      /signature_algorithms: truncated/,
    );
    for (const flag of [E.early_data, E.post_handshake_auth, E.extended_master_secret]) {
      assertDecodeError(() => decode(buildClientHello({ ...fields, extensions: [ext(flag, Uint8Array.of(0))] }).body), /extension must be empty/);
    }
  });

  test('an extension whose length runs past the block: decode_error', () => {
    const bad = concat(body.subarray(0, EXTENSIONS), Uint8Array.of(0, 6, 0, 10, 0, 9, 0, 0x1d));
    assertDecodeError(() => decode(bad), /extensions: truncated supported_groups \(need 9 bytes, have 2\)/);
  });
});
