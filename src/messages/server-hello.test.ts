import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServerHello, readServerHello, type ServerHelloFields } from './server-hello.js';
import type { Extension } from './extensions/extension.js';
import { writeSupportedVersionsServer } from './extensions/supported-versions.js';
import { writeKeyShareRetry, writeKeyShareServer } from './extensions/key-share.js';
import { writeAlpnList } from './extensions/alpn.js';
import { ExtensionType as E, HELLO_RETRY_REQUEST_RANDOM, HandshakeType } from '../protocol/constants.js';
import { encode } from '../wire/writer.js';
import { concat, utf8 } from '../wire/bytes.js';
import { assertDecodeError, assertEveryStrictPrefixFails, assertIllegalParameter, message, vec, withLength } from '../../test/helpers/codec.js';

const ext = (type: number, body: Uint8Array = new Uint8Array(0)): Extension => ({ type, body });
const versions13 = ext(
  E.supported_versions,
  encode((w) => writeSupportedVersionsServer(w, 0x0304)),
);
const share = ext(
  E.key_share,
  encode((w) => writeKeyShareServer(w, { group: 0x1d, keyExchange: new Uint8Array(32).fill(5) })),
);

const fields: ServerHelloFields = {
  random: new Uint8Array(32).fill(0x11),
  sessionId: new Uint8Array(32).fill(0x22),
  cipherSuite: 0x1301,
  extensions: [versions13, share],
};
const body = buildServerHello(fields).body;
const decode = (b: Uint8Array) => readServerHello(message(HandshakeType.server_hello, b));
const build = (f: Partial<ServerHelloFields>) => buildServerHello({ ...fields, ...f }).body;
// version 2, random 32, session id 1+32, suite 2, compression 1
const COMPRESSION = 2 + 32 + 33 + 2;
const EXTENSIONS = COMPRESSION + 1;

describe('ServerHello', () => {
  test('no extensions to send: the extensions field is left out, not sent empty (BoGo OmitExtensions-ClientHello-TLS12)', () => {
    const b = build({ extensions: [] });
    assert.equal(b.length, EXTENSIONS);
    assert.deepEqual(decode(b).extensions, []);
  });

  test('round trip (TLS 1.3)', () => {
    const sh = decode(body);
    assert.equal(sh.legacyVersion, 0x0303);
    assert.deepEqual(sh.random, fields.random);
    assert.deepEqual(sh.sessionId, fields.sessionId);
    assert.equal(sh.cipherSuite, 0x1301);
    assert.equal(sh.compressionMethod, 0);
    assert.equal(sh.isRetryRequest, false);
    assert.equal(sh.selectedVersion, 0x0304);
    assert.equal(sh.keyShare?.group, 0x1d);
    assert.equal(sh.keyShare?.keyExchange.length, 32);
  });

  test('HelloRetryRequest: recognised by its random, with the group and cookie', () => {
    const hrr = decode(
      build({
        random: HELLO_RETRY_REQUEST_RANDOM,
        extensions: [
          versions13,
          ext(
            E.key_share,
            encode((w) => writeKeyShareRetry(w, 0x17)),
          ),
          ext(E.cookie, vec(2, [9, 9])),
        ],
      }),
    );
    assert.ok(hrr.isRetryRequest);
    assert.equal(hrr.retryGroup, 0x17);
    assert.deepEqual([...hrr.cookie!], [9, 9]);
    assert.equal(hrr.keyShare, undefined);
  });

  test('a HelloRetryRequest that asks for nothing decodes: the client state refuses it (test/engine/bogo-findings.test.ts)', () => {
    const hrr = decode(build({ random: HELLO_RETRY_REQUEST_RANDOM, extensions: [versions13] }));
    assert.ok(hrr.isRetryRequest);
    assert.equal(hrr.retryGroup, undefined);
    assert.equal(hrr.cookie, undefined);
  });

  test('every strict prefix fails, except the one ending before the extensions (a TLS 1.2 hello)', () => {
    assertEveryStrictPrefixFails(body, decode, [EXTENSIONS]);
    assert.equal(decode(body.subarray(0, EXTENSIONS)).selectedVersion, undefined);
  });

  test('trailing bytes: decode_error', () => {
    assertDecodeError(() => decode(concat(body, Uint8Array.of(1, 2))), /server_hello: 2 unexpected trailing bytes/);
  });

  test('legacy_session_id_echo: 32 bytes pass, 33 fail', () => {
    assert.equal(decode(build({ sessionId: new Uint8Array(0) })).sessionId.length, 0);
    const long = concat(body.subarray(0, 34), Uint8Array.of(33), new Uint8Array(33), body.subarray(67));
    assertDecodeError(() => decode(long), /legacy_session_id_echo length 33 outside 0\.\.32/);
  });

  test('a compression method other than 0: decode_error in TLS 1.3 (a fixed field; BoGo TLS13-InvalidCompressionMethod), illegal_parameter in TLS 1.2', () => {
    const b = body.slice();
    b[COMPRESSION] = 1;
    assertDecodeError(() => decode(b), /legacy_compression_method other than 0/);
    const b12 = build({ extensions: [] });
    b12[COMPRESSION] = 1;
    assertIllegalParameter(() => decode(b12), /server_hello chose a compression method/);
  });

  test('extension block length ±1: decode_error', () => {
    const length = body.length - EXTENSIONS - 2;
    assertDecodeError(() => decode(withLength(body, EXTENSIONS, 2, length + 1)));
    assertDecodeError(() => decode(withLength(body, EXTENSIONS, 2, length - 1)));
  });

  test('the same extension twice: decode_error; in a HelloRetryRequest illegal_parameter (BoGo HelloRetryRequest-Duplicate*)', () => {
    assertDecodeError(() => decode(build({ extensions: [versions13, share, share] })), /carries key_share twice/);
    assertIllegalParameter(
      () => decode(build({ random: HELLO_RETRY_REQUEST_RANDOM, extensions: [versions13, versions13] })),
      /carries supported_versions twice/,
    );
  });

  test('extensions not allowed in a TLS 1.3 ServerHello: illegal_parameter', () => {
    for (const [type, name] of [
      [E.server_name, 'server_name'],
      [E.cookie, 'cookie'],
      [E.application_layer_protocol_negotiation, 'application_layer_protocol_negotiation'],
      [E.early_data, 'early_data'],
    ] as const) {
      assertIllegalParameter(
        () => decode(build({ extensions: [versions13, share, ext(type)] })),
        new RegExp(`^server_hello carries ${name}, which is not allowed there$`),
      );
    }
  });

  test('extensions not allowed in a HelloRetryRequest (key_share as a full entry is fine to read, pre_shared_key is not allowed)', () => {
    assertIllegalParameter(
      () =>
        decode(
          build({
            random: HELLO_RETRY_REQUEST_RANDOM,
            extensions: [versions13, ext(E.key_share, Uint8Array.of(0, 0x17)), ext(E.pre_shared_key, Uint8Array.of(0, 0))],
          }),
        ),
      /hello_retry_request carries pre_shared_key, which is not allowed there/,
    );
  });

  test('a TLS 1.2 ServerHello: its extensions decoded; a key_share there is illegal_parameter', () => {
    const sh12 = decode(
      build({
        extensions: [
          ext(E.extended_master_secret),
          ext(E.renegotiation_info, vec(1, [])),
          ext(
            E.application_layer_protocol_negotiation,
            encode((w) => writeAlpnList(w, [utf8('h2')])),
          ),
          ext(E.ec_point_formats, vec(1, [0])),
        ],
      }),
    );
    assert.ok(sh12.extendedMasterSecret);
    assert.equal(sh12.renegotiationInfo?.length, 0);
    assert.equal(Buffer.from(sh12.alpn!).toString(), 'h2');
    assert.equal(sh12.selectedVersion, undefined);
    assertIllegalParameter(() => decode(build({ extensions: [share] })), /tls12_server_hello carries key_share, which is not allowed there/);
  });

  test('a ServerHello with supported_versions is judged as TLS 1.3 whatever version it names', () => {
    const future = decode(build({ extensions: [ext(E.supported_versions, Uint8Array.of(0x03, 0x05)), share] }));
    assert.equal(future.selectedVersion, 0x0305);
  });

  test('extension bodies: supported_versions of 3 bytes, a key share with an empty key: decode_error', () => {
    assertDecodeError(
      () => decode(build({ extensions: [ext(E.supported_versions, Uint8Array.of(3, 4, 0)), share] })),
      /supported_versions: 1 unexpected trailing bytes/,
    );
    assertDecodeError(
      () => decode(build({ extensions: [versions13, ext(E.key_share, Uint8Array.of(0, 0x1d, 0, 0))] })),
      /key_exchange length 0 outside 1\.\.65535/,
    );
    assertDecodeError(() => decode(build({ extensions: [ext(E.extended_master_secret, Uint8Array.of(1))] })), /extended_master_secret extension must be empty/);
  });
});
