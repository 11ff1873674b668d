// Bad handshake messages, each side in turn: the detecting side raises the alert RFC 8446 names with
// a message that says what the peer did, and the peer gets that alert (issue 2, "Bad input never wins").
import { synchronousKinds } from '../helpers/provider.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ExtensionType as E, HandshakeType, ProtocolVersion } from '../../src/protocol/constants.js';
import { ContentType } from '../../src/protocol/constants.js';
import { encode } from '../../src/wire/writer.js';
import { concat, utf8 } from '../../src/wire/bytes.js';
import { writeSupportedVersionsServer } from '../../src/messages/extensions/supported-versions.js';
import { writeKeyShareServer, writeKeyShareClient, writeKeyShareRetry } from '../../src/messages/extensions/key-share.js';
import { writeAlpnList } from '../../src/messages/extensions/alpn.js';
import { readCertificateVerify, buildCertificateVerify } from '../../src/messages/certificate-verify.js';
import { buildCertificate13 } from '../../src/messages/certificate.js';
import { buildFinished } from '../../src/messages/finished.js';
import { buildHandshake } from '../../src/messages/handshake.js';
import { buildServerHello } from '../../src/messages/server-hello.js';
import { testIdentity } from '../helpers/engine-pki.js';
import { assertAborted, assertNoErrors, handshakeBytes, newPair, onHandshake, splitMessages, type RecordHook } from '../helpers/engine-harness.js';
import { editBody, editClientHello, editEncryptedExtensions, editServerHello, flipBit, without, withExtra } from '../helpers/message-edits.js';

const ext = (type: number, body: Uint8Array = new Uint8Array(0)) => ({ type, body });
const versionExt = (v: number) =>
  ext(
    E.supported_versions,
    encode((w) => writeSupportedVersionsServer(w, v)),
  );

/** Runs a handshake with `tamper` in the middle and returns the pair. */
function run(tamper: RecordHook, options: Parameters<typeof newPair>[0] = {}) {
  const pair = newPair({ ...options, tamper });
  pair.pump();
  return pair;
}

describe('client judges the ServerHello', () => {
  test('a cipher suite it did not offer: illegal_parameter', () => {
    const pair = run(
      editServerHello((sh) => ({ ...sh, cipherSuite: 0x1302 })),
      { client: { ciphers: 'TLS_AES_128_GCM_SHA256' } },
    );
    assertAborted(pair, 'client', 'illegal_parameter', /cipher suite TLS_AES_256_GCM_SHA384, which we did not offer/);
  });

  test('a TLS 1.2 or unknown cipher suite in a TLS 1.3 ServerHello: illegal_parameter', () => {
    for (const suite of [0xc02b, 0x0a0a]) {
      const pair = run(editServerHello((sh) => ({ ...sh, cipherSuite: suite })));
      assertAborted(pair, 'client', 'illegal_parameter', /cipher suite .* which we did not offer/);
    }
  });

  test('a key share for a group it sent no share for: illegal_parameter', () => {
    const point = new Uint8Array(65).fill(1);
    point[0] = 4;
    const pair = run(
      editServerHello((sh) => ({
        ...sh,
        extensions: sh.extensions.map((e) =>
          e.type === E.key_share
            ? ext(
                E.key_share,
                encode((w) => writeKeyShareServer(w, { group: 0x0017, keyExchange: point })),
              )
            : e,
        ),
      })),
    );
    assertAborted(pair, 'client', 'illegal_parameter', /key share for secp256r1, for which we sent none/);
  });

  test('a group it never heard of: illegal_parameter', () => {
    const pair = run(
      editServerHello((sh) => ({
        ...sh,
        extensions: sh.extensions.map((e) =>
          e.type === E.key_share
            ? ext(
                E.key_share,
                encode((w) => writeKeyShareServer(w, { group: 0x1234, keyExchange: new Uint8Array(32) })),
              )
            : e,
        ),
      })),
    );
    assertAborted(pair, 'client', 'illegal_parameter', /key share for 0x1234/);
  });

  test('supported_versions selecting a version it did not offer: illegal_parameter', () => {
    for (const v of [0x0305, 0x0303, 0x7f1c]) {
      const pair = run(editServerHello((sh) => ({ ...sh, extensions: sh.extensions.map((e) => (e.type === E.supported_versions ? versionExt(v) : e)) })));
      assertAborted(
        pair,
        'client',
        'illegal_parameter',
        /server selected (TLSv1\.2|0x0305|0x7f1c) in supported_versions, (which we did not offer|where only TLS 1\.3 or later may be selected)/,
      );
    }
  });

  test('supported_versions from a client that offered only TLS 1.2 is not possible; a TLS 1.3-only client refuses a TLS 1.2 answer: protocol_version', () => {
    const pair = run(
      editServerHello((sh) => ({ ...sh, extensions: sh.extensions.filter((e) => e.type !== E.supported_versions && e.type !== E.key_share) })),
      { client: { minVersion: 'TLSv1.3' } },
    );
    assertAborted(pair, 'client', 'protocol_version', /server chose TLSv1\.2, but minVersion is TLSv1\.3/);
  });

  test('a ServerHello legacy_version other than TLS 1.2 next to supported_versions: protocol_version (BoGo ServerBogusVersion)', () => {
    const pair = run(
      editServerHello((_sh, msg) => {
        const raw = msg.raw.slice();
        raw[5] = 0x04; // legacy_version 0x0304
        return raw;
      }),
    );
    assertAborted(pair, 'client', 'protocol_version', /legacy_version TLSv1\.3, not TLS 1\.2/);
  });

  test('a session id that is not the one it sent: illegal_parameter', () => {
    const pair = run(editServerHello((sh) => ({ ...sh, sessionId: flipBit(sh.sessionId, 0) })));
    assertAborted(pair, 'client', 'illegal_parameter', /does not echo our session id/);
  });

  test('a session id echoed to a client that sent none: illegal_parameter', () => {
    const pair = run(
      editServerHello((sh) => ({ ...sh, sessionId: new Uint8Array(32).fill(7) })),
      { client: { middleboxCompatibility: false } },
    );
    assertAborted(pair, 'client', 'illegal_parameter', /does not echo our session id/);
  });

  test('an extension it did not offer (pre_shared_key, an unknown one): unsupported_extension', () => {
    for (const extra of [ext(E.pre_shared_key, Uint8Array.of(0, 0)), ext(0xfafa)]) {
      const pair = run(editServerHello((sh) => ({ ...sh, extensions: [...sh.extensions, extra] })));
      assertAborted(pair, 'client', 'unsupported_extension', /server sent (pre_shared_key|extension_64250), which we did not offer/);
    }
  });

  test('an extension that never belongs in a ServerHello (server_name, cookie): illegal_parameter', () => {
    for (const extra of [ext(E.server_name), ext(E.cookie, Uint8Array.of(0, 1, 9))]) {
      const pair = run(editServerHello((sh) => ({ ...sh, extensions: [...sh.extensions, extra] })));
      assertAborted(pair, 'client', 'illegal_parameter', /server_hello carries (server_name|cookie), which is not allowed there/);
    }
  });

  test('the same extension twice: decode_error (BoGo DuplicateExtension*)', () => {
    const pair = run(editServerHello((sh) => ({ ...sh, extensions: [...sh.extensions, sh.extensions.find((e) => e.type === E.supported_versions)!] })));
    assertAborted(pair, 'client', 'decode_error', /carries supported_versions twice/);
  });

  test('no key_share: missing_extension', () => {
    const pair = run(editServerHello((sh) => ({ ...sh, extensions: without(E.key_share)(sh.extensions) })));
    assertAborted(pair, 'client', 'missing_extension', /server_hello has no key_share/);
  });

  const withCompression = editServerHello((_sh, msg) => {
    const raw = msg.raw.slice();
    raw[4 + 2 + 32 + 1 + raw[4 + 2 + 32]! + 2] = 1; // legacy_compression_method
    return raw;
  });

  test('a compression method in TLS 1.3: decode_error (a fixed field; BoGo TLS13-InvalidCompressionMethod)', () => {
    const pair = run(withCompression);
    assertAborted(pair, 'client', 'decode_error', /legacy_compression_method other than 0/);
  });

  test('a compression method in TLS 1.2: illegal_parameter (not one we offered)', () => {
    const pair = run(withCompression, { server: { maxVersion: 'TLSv1.2' } });
    assertAborted(pair, 'client', 'illegal_parameter', /chose a compression method/);
  });

  test('truncated, or with trailing bytes: decode_error', () => {
    const truncated = run(editServerHello((_sh, msg) => handshakeBytes(HandshakeType.server_hello, msg.body.subarray(0, msg.body.length - 3))));
    assertAborted(truncated, 'client', 'decode_error', /server_hello: truncated|server_hello.*length/);
    const trailing = run(editServerHello((_sh, msg) => handshakeBytes(HandshakeType.server_hello, concat(msg.body, Uint8Array.of(0)))));
    assertAborted(trailing, 'client', 'decode_error', /server_hello: 1 unexpected trailing bytes/);
  });

  test('an invalid X25519 share (wrong length, low-order point): illegal_parameter, never internal_error', () => {
    for (const keyExchange of [new Uint8Array(31).fill(9), new Uint8Array(32), Uint8Array.of(1, ...new Array<number>(31).fill(0))]) {
      const pair = run(
        editServerHello((sh) => ({
          ...sh,
          extensions: sh.extensions.map((e) =>
            e.type === E.key_share
              ? ext(
                  E.key_share,
                  encode((w) => writeKeyShareServer(w, { group: 0x001d, keyExchange })),
                )
              : e,
          ),
        })),
      );
      assertAborted(pair, 'client', 'illegal_parameter', /x25519 key share/);
    }
  });

  test('the TLS 1.2 downgrade sentinel with a TLS 1.2 answer: illegal_parameter', () => {
    const pair = run(
      editServerHello((sh) => {
        const random = sh.random.slice();
        random.set([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01], 24);
        return { ...sh, random, extensions: [] };
      }),
    );
    assertAborted(pair, 'client', 'illegal_parameter', /downgrade sentinel/);
  });
});

describe('client judges a HelloRetryRequest', () => {
  // The client sends an X25519 share; a P-256-only server asks for a P-256 one.
  const retryOptions = { server: { ecdhCurve: 'P-256' } };

  test('the retry itself works', () => {
    const pair = newPair(retryOptions).handshake();
    assert.equal(pair.client.connection.info.group?.name, 'secp256r1');
  });

  test('a group it did not offer: illegal_parameter', () => {
    const pair = run(
      editServerHello(
        (sh) => ({
          ...sh,
          extensions: sh.extensions.map((e) =>
            e.type === E.key_share
              ? ext(
                  E.key_share,
                  encode((w) => writeKeyShareRetry(w, 0x0019)),
                )
              : e,
          ),
        }),
        'retry',
      ),
      retryOptions,
    );
    assertAborted(pair, 'client', 'illegal_parameter', /asks for group secp521r1, which we did not offer/);
  });

  test('the group it already sent a share for: illegal_parameter', () => {
    const pair = run(
      editServerHello(
        (sh) => ({
          ...sh,
          extensions: sh.extensions.map((e) =>
            e.type === E.key_share
              ? ext(
                  E.key_share,
                  encode((w) => writeKeyShareRetry(w, 0x001d)),
                )
              : e,
          ),
        }),
        'retry',
      ),
      retryOptions,
    );
    assertAborted(pair, 'client', 'illegal_parameter', /asks for x25519, for which we already sent a share/);
  });

  test('a retry that asks for no change: illegal_parameter', () => {
    const pair = run(
      editServerHello((sh) => ({ ...sh, extensions: without(E.key_share)(sh.extensions) }), 'retry'),
      retryOptions,
    );
    assertAborted(pair, 'client', 'illegal_parameter', /asks for no change/);
  });

  test('a second HelloRetryRequest: unexpected_message', () => {
    let hrr: Uint8Array | undefined;
    const pair = run(
      onHandshake('server', (msg) => {
        if (msg.type !== HandshakeType.server_hello) return undefined;
        if (!hrr) {
          hrr = msg.raw.slice();
          return undefined;
        }
        return [hrr]; // the answer to the second ClientHello is the retry again
      }),
      retryOptions,
    );
    assertAborted(pair, 'client', 'unexpected_message', /second hello_retry_request/);
  });

  test('a ServerHello that changes the suite the retry named: illegal_parameter', () => {
    const pair = run(
      editServerHello((sh) => ({ ...sh, cipherSuite: 0x1302 }), 'server-hello'),
      retryOptions,
    );
    assertAborted(pair, 'client', 'illegal_parameter', /changed the cipher suite chosen in hello_retry_request/);
  });
});

describe('client judges the encrypted flight', () => {
  test('EncryptedExtensions with ALPN it did not ask for: unsupported_extension', () => {
    const pair = run(
      editEncryptedExtensions(
        withExtra(
          ext(
            E.application_layer_protocol_negotiation,
            encode((w) => writeAlpnList(w, [utf8('h2')])),
          ),
        ),
      ),
    );
    assertAborted(
      pair,
      'client',
      'unsupported_extension',
      /server sent application_layer_protocol_negotiation in encrypted_extensions, which we did not offer/,
    );
  });

  test('EncryptedExtensions with an unknown extension: unsupported_extension', () => {
    const pair = run(editEncryptedExtensions(withExtra(ext(0x4242, Uint8Array.of(1)))));
    assertAborted(pair, 'client', 'unsupported_extension', /extension_16962 in encrypted_extensions/);
  });

  test('EncryptedExtensions choosing a protocol the client did not offer: illegal_parameter', () => {
    const pair = run(
      editEncryptedExtensions((list) =>
        list.map((e) =>
          e.type === E.application_layer_protocol_negotiation
            ? ext(
                e.type,
                encode((w) => writeAlpnList(w, [utf8('spdy/1')])),
              )
            : e,
        ),
      ),
      { client: { ALPNProtocols: ['h2'] }, server: { ALPNProtocols: ['h2'] } },
    );
    assertAborted(pair, 'client', 'illegal_parameter', /server chose application protocol "spdy\/1", which we did not offer/);
  });

  test('EncryptedExtensions with an extension not allowed there (key_share): illegal_parameter', () => {
    const pair = run(editEncryptedExtensions(withExtra(ext(E.key_share, Uint8Array.of(0, 0x1d, 0, 1, 1)))));
    assertAborted(pair, 'client', 'illegal_parameter', /encrypted_extensions carries key_share, which is not allowed there/);
  });

  test('EncryptedExtensions with trailing bytes: decode_error', () => {
    const pair = run(editBody('server', HandshakeType.encrypted_extensions, (b) => concat(b, Uint8Array.of(0))));
    assertAborted(pair, 'client', 'decode_error', /encrypted_extensions: 1 unexpected trailing bytes/);
  });

  test('an empty server Certificate: decode_error', () => {
    const pair = run(onHandshake('server', (msg) => (msg.type === HandshakeType.certificate ? [buildCertificate13(new Uint8Array(0), []).raw] : undefined)));
    assertAborted(pair, 'client', 'decode_error', /empty certificate list/);
  });

  test('a certificate that is not DER: decode_error (as OpenSSL and BoringSSL)', () => {
    const pair = run(
      onHandshake('server', (msg) =>
        msg.type === HandshakeType.certificate ? [buildCertificate13(new Uint8Array(0), [Uint8Array.of(0x30, 0x03, 1, 2, 3)]).raw] : undefined,
      ),
    );
    assertAborted(pair, 'client', 'decode_error', /certificate is malformed/);
  });

  test('a certificate the verifier rejects: its alert', () => {
    const other = testIdentity('ec');
    const pair = run(
      onHandshake('server', (msg) => (msg.type === HandshakeType.certificate ? [buildCertificate13(new Uint8Array(0), [other.certDer]).raw] : undefined)),
    );
    assertAborted(pair, 'client', 'bad_certificate', /not the pinned test certificate/);
  });

  for (const kind of synchronousKinds(['ed25519', 'ec', 'rsa'] as const)) {
    test(`a CertificateVerify whose ${kind} signature does not verify: decrypt_error`, () => {
      const pair = run(
        onHandshake('server', (msg) => {
          if (msg.type !== HandshakeType.certificate_verify) return undefined;
          const cv = readCertificateVerify(msg);
          return [buildCertificateVerify(cv.scheme, flipBit(cv.signature, cv.signature.length - 1)).raw];
        }),
        { kind },
      );
      assertAborted(pair, 'client', 'decrypt_error', /server CertificateVerify signature \(.*\) does not verify/);
    });
  }

  test('a CertificateVerify with a scheme it did not offer, or one that does not fit the key: illegal_parameter', () => {
    for (const [scheme, pattern] of [
      [0x0403, /ecdsa_secp256r1_sha256, which does not match its ed25519 key/],
      [0x0201, /peer signed with 0x201, which we did not offer/],
      [0x0401, /rsa_pkcs1_sha256, which we did not offer/],
    ] as const) {
      const pair = run(
        onHandshake('server', (msg) => {
          if (msg.type !== HandshakeType.certificate_verify) return undefined;
          return [buildCertificateVerify(scheme, readCertificateVerify(msg).signature).raw];
        }),
      );
      assertAborted(pair, 'client', 'illegal_parameter', pattern);
    }
  });

  test('a server Finished that does not match: decrypt_error', () => {
    const pair = run(editBody('server', HandshakeType.finished, (b) => flipBit(b, 5)));
    assertAborted(pair, 'client', 'decrypt_error', /server Finished does not match the handshake/);
  });

  test('a server Finished of the wrong length: decrypt_error (not the verify_data we compute; BoGo *-Finished-*)', () => {
    const pair = run(editBody('server', HandshakeType.finished, (b) => b.subarray(1)));
    assertAborted(pair, 'client', 'decrypt_error', /verify_data is 31 bytes, expected 32/);
  });

  test('a CertificateRequest with a non-empty context: decode_error (as OpenSSL and BoringSSL)', () => {
    const pair = run(
      onHandshake('server', (msg) => {
        if (msg.type !== HandshakeType.certificate_request) return undefined;
        const raw = buildHandshake(HandshakeType.certificate_request, (w) => {
          w.vectorBytes(1, Uint8Array.of(1));
          w.bytes(msg.body.subarray(1));
        }).raw;
        return [raw];
      }),
      { server: { requestCert: true } },
    );
    assertAborted(pair, 'client', 'decode_error', /certificate_request has a non-empty context/);
  });

  test('a CertificateRequest without signature_algorithms: missing_extension', () => {
    const pair = run(
      onHandshake('server', (msg) => {
        if (msg.type !== HandshakeType.certificate_request) return undefined;
        return [handshakeBytes(HandshakeType.certificate_request, Uint8Array.of(0, 0, 4, 0xfa, 0xfa, 0, 0))];
      }),
      { server: { requestCert: true } },
    );
    assertAborted(pair, 'client', 'missing_extension', /certificate_request has no signature_algorithms/);
  });
});

describe('server judges the ClientHello', () => {
  test('no supported_versions, to a TLS 1.3-only server: protocol_version, naming both sides', () => {
    const pair = run(
      editClientHello((ch) => ({ ...ch, extensions: without(E.supported_versions)(ch.extensions!) })),
      { server: { minVersion: 'TLSv1.3' } },
    );
    assertAborted(pair, 'server', 'protocol_version', /client offered up to TLSv1\.2; we accept TLSv1\.3/);
  });

  test('only old versions in supported_versions: protocol_version', () => {
    const pair = run(
      editClientHello((ch) => ({
        ...ch,
        extensions: ch.extensions!.map((e) => (e.type === E.supported_versions ? ext(e.type, Uint8Array.of(4, 0x03, 0x02, 0x03, 0x01)) : e)),
      })),
      { server: { minVersion: 'TLSv1.3' } },
    );
    assertAborted(pair, 'server', 'protocol_version', /client offered TLSv1\.1, TLSv1; we accept TLSv1\.3/);
  });

  test('TLS 1.3 offered with an old legacy_version: protocol_version', () => {
    const pair = run(editClientHello((ch) => ({ ...ch, legacyVersion: ProtocolVersion.TLSv1 })));
    assertAborted(pair, 'server', 'protocol_version', /offered TLS 1\.3 with legacy_version TLSv1/);
  });

  test('compression other than null: illegal_parameter', () => {
    for (const methods of [Uint8Array.of(1), Uint8Array.of(0, 1), Uint8Array.of(1, 0)]) {
      const pair = run(editClientHello((ch) => ({ ...ch, compressionMethods: methods })));
      assertAborted(pair, 'server', 'illegal_parameter', /compression methods other than null/);
    }
  });

  test('no compression methods at all: decode_error', () => {
    const pair = run(editClientHello((ch) => ({ ...ch, compressionMethods: new Uint8Array(0) })));
    assertAborted(pair, 'server', 'decode_error', /legacy_compression_methods length 0 outside 1\.\.255/);
  });

  test('no signature_algorithms: missing_extension', () => {
    const pair = run(editClientHello((ch) => ({ ...ch, extensions: without(E.signature_algorithms)(ch.extensions!) })));
    assertAborted(pair, 'server', 'missing_extension', /client_hello has no signature_algorithms/);
  });

  test('key_share without supported_groups, and the reverse: missing_extension', () => {
    for (const drop of [E.supported_groups, E.key_share]) {
      const pair = run(editClientHello((ch) => ({ ...ch, extensions: without(drop)(ch.extensions!) })));
      assertAborted(pair, 'server', 'missing_extension', /one of supported_groups and key_share without the other/);
    }
  });

  test('a key share for a group not in supported_groups: illegal_parameter', () => {
    const pair = run(
      editClientHello((ch) => ({
        ...ch,
        extensions: ch.extensions!.map((e) => (e.type === E.supported_groups ? ext(e.type, Uint8Array.of(0, 2, 0, 0x17)) : e)),
      })),
    );
    assertAborted(pair, 'server', 'illegal_parameter', /key share for a group not in supported_groups/);
  });

  test('two key shares for one group: illegal_parameter', () => {
    const share = { group: 0x001d, keyExchange: new Uint8Array(32).fill(9) };
    const pair = run(
      editClientHello((ch) => ({
        ...ch,
        extensions: ch.extensions!.map((e) =>
          e.type === E.key_share
            ? ext(
                e.type,
                encode((w) => writeKeyShareClient(w, [share, share])),
              )
            : e,
        ),
      })),
    );
    assertAborted(pair, 'server', 'illegal_parameter', /same group twice/);
  });

  test('an invalid X25519 share from the client: illegal_parameter', () => {
    const pair = run(
      editClientHello((ch) => ({
        ...ch,
        extensions: ch.extensions!.map((e) =>
          e.type === E.key_share
            ? ext(
                e.type,
                encode((w) => writeKeyShareClient(w, [{ group: 0x001d, keyExchange: new Uint8Array(32) }])),
              )
            : e,
        ),
      })),
    );
    assertAborted(pair, 'server', 'illegal_parameter', /x25519 key share is a low-order point/);
  });

  test('the same extension twice: decode_error (BoGo DuplicateExtension*)', () => {
    const pair = run(editClientHello((ch) => ({ ...ch, extensions: [...ch.extensions!, ch.extensions!.find((e) => e.type === E.supported_groups)!] })));
    assertAborted(pair, 'server', 'decode_error', /client_hello carries supported_groups twice/);
  });

  test('pre_shared_key not last: illegal_parameter', () => {
    const psk = ext(E.pre_shared_key, Uint8Array.of(0, 7, 0, 1, 0x41, 0, 0, 0, 0, 0, 33, 32, ...new Array<number>(32).fill(0)));
    const pair = run(editClientHello((ch) => ({ ...ch, extensions: [psk, ...ch.extensions!] })));
    assertAborted(pair, 'server', 'illegal_parameter', /pre_shared_key is not the last extension/);
  });

  test('no cipher suite in common: handshake_failure, listing both sides', () => {
    const pair = run(() => undefined, {
      client: { ciphers: 'TLS_AES_256_GCM_SHA384' },
      server: { ciphers: 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256' },
    });
    assertAborted(
      pair,
      'server',
      'handshake_failure',
      /no shared TLSv1\.3 cipher suite: the client offered TLS_AES_256_GCM_SHA384.*; we support TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256/,
    );
  });

  test('no group in common: handshake_failure', () => {
    const pair = run(() => undefined, { client: { ecdhCurve: 'X25519' }, server: { ecdhCurve: 'P-384' } });
    assertAborted(pair, 'server', 'handshake_failure', /no shared key exchange group/);
  });

  test('no signature scheme our certificate can use: handshake_failure', () => {
    const pair = run(() => undefined, { client: { sigalgs: 'ECDSA+SHA256' } });
    assertAborted(pair, 'server', 'handshake_failure', /none of our certificates can sign with a scheme the client accepts \(ecdsa_secp256r1_sha256\)/);
  });

  test('no application protocol in common: no_application_protocol, listing both sides', () => {
    const pair = run(() => undefined, { client: { ALPNProtocols: ['h2', 'http/1.1'] }, server: { ALPNProtocols: ['imap'] } });
    assertAborted(pair, 'server', 'no_application_protocol', /the client offered h2, http\/1\.1; we support imap/);
  });

  test('trailing bytes after the extensions: decode_error', () => {
    const pair = run(editClientHello((_ch, original) => handshakeBytes(HandshakeType.client_hello, concat(original.raw.subarray(4), Uint8Array.of(0, 0)))));
    assertAborted(pair, 'server', 'decode_error', /client_hello: 2 unexpected trailing bytes/);
  });

  test('a ClientHello cut short: decode_error', () => {
    const pair = run(editClientHello((_ch, original) => handshakeBytes(HandshakeType.client_hello, original.raw.subarray(4, 4 + 40))));
    assertAborted(pair, 'server', 'decode_error', /client_hello: truncated/);
  });

  test('a second ClientHello that changes more than the key share: illegal_parameter', () => {
    const pair = run(
      editClientHello((ch) => ({ ...ch, cipherSuites: ch.cipherSuites.slice(1) }), 1),
      { server: { ecdhCurve: 'P-256' } },
    );
    assertAborted(pair, 'server', 'illegal_parameter', /second client_hello changed its cipher suites/);
  });

  test('a second ClientHello without the share the retry asked for: illegal_parameter', () => {
    const x25519Share = encode((w) => writeKeyShareClient(w, [{ group: 0x001d, keyExchange: new Uint8Array(32).fill(9) }]));
    const pair = run(
      editClientHello((ch) => ({ ...ch, extensions: ch.extensions!.map((e) => (e.type === E.key_share ? ext(e.type, x25519Share) : e)) }), 1),
      { server: { ecdhCurve: 'P-256' } },
    );
    assertAborted(pair, 'server', 'illegal_parameter', /second client_hello must carry exactly one key share, for secp256r1/);
  });
});

describe('server judges the client flight', () => {
  test('a client Finished that does not match: decrypt_error', () => {
    const pair = run(editBody('client', HandshakeType.finished, (b) => flipBit(b, 0)));
    assertAborted(pair, 'server', 'decrypt_error', /client Finished does not match the handshake/);
  });

  test('no client certificate when one is required: certificate_required', () => {
    const pair = run(() => undefined, { server: { requestCert: true } });
    assertAborted(pair, 'server', 'certificate_required', /client sent no certificate, and one is required/);
  });

  test('a client CertificateVerify that does not verify: decrypt_error', () => {
    const id = testIdentity('ec');
    const pair = run(
      onHandshake('client', (msg) => {
        if (msg.type !== HandshakeType.certificate_verify) return undefined;
        const cv = readCertificateVerify(msg);
        return [buildCertificateVerify(cv.scheme, flipBit(cv.signature, 10)).raw];
      }),
      { client: { key: id.keyPem, cert: id.certPem }, server: { requestCert: true, verifier: { verify: () => ({ ok: true, detail: 'test' }) } } },
    );
    assertAborted(pair, 'server', 'decrypt_error', /client CertificateVerify signature \(ecdsa_secp256r1_sha256\) does not verify/);
  });

  test('a client Certificate with a request context we did not send: illegal_parameter', () => {
    const pair = run(
      onHandshake('client', (msg) => (msg.type === HandshakeType.certificate ? [buildCertificate13(Uint8Array.of(1), []).raw] : undefined)),
      { server: { requestCert: true } },
    );
    assertAborted(pair, 'server', 'illegal_parameter', /request context we did not send/);
  });
});

describe('messages out of order: unexpected_message', () => {
  test('Finished as the first message to a server', () => {
    const pair = run(onHandshake('client', (msg) => (msg.type === HandshakeType.client_hello ? [buildFinished(new Uint8Array(32)).raw] : undefined)));
    assertAborted(pair, 'server', 'unexpected_message', /expected client_hello, peer sent finished/);
  });

  test('Finished in place of the ServerHello', () => {
    const pair = run(onHandshake('server', (msg) => (msg.type === HandshakeType.server_hello ? [buildFinished(new Uint8Array(32)).raw] : undefined)));
    assertAborted(pair, 'client', 'unexpected_message', /expected server_hello, peer sent finished/);
  });

  test('a ServerHello sent to a server', () => {
    const pair = run(
      onHandshake('client', (msg) =>
        msg.type === HandshakeType.client_hello
          ? [buildServerHello({ random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuite: 0x1301, extensions: [] }).raw]
          : undefined,
      ),
    );
    assertAborted(pair, 'server', 'unexpected_message', /expected client_hello, peer sent server_hello/);
  });

  test('a duplicate ServerHello (again, protected)', () => {
    let serverHello: Uint8Array | undefined;
    const pair = run(
      onHandshake('server', (msg) => {
        if (msg.type === HandshakeType.server_hello) serverHello = msg.raw.slice();
        if (msg.type === HandshakeType.encrypted_extensions) return [serverHello!, msg.raw];
        return undefined;
      }),
    );
    assertAborted(pair, 'client', 'unexpected_message', /expected encrypted_extensions, peer sent server_hello/);
  });

  test('Certificate before EncryptedExtensions', () => {
    const pair = run((record) => {
      if (record.from !== 'server' || !record.protected || record.type !== ContentType.handshake) return undefined;
      const msgs = splitMessages(record.data)!;
      const ee = msgs.findIndex((m) => m.type === HandshakeType.encrypted_extensions);
      if (ee < 0) return undefined;
      const reordered = [msgs[ee + 1]!, msgs[ee]!, ...msgs.slice(ee + 2)];
      return [{ type: ContentType.handshake, data: concat(...reordered.map((m) => m.raw)) }];
    });
    assertAborted(pair, 'client', 'unexpected_message', /expected encrypted_extensions, peer sent certificate/);
  });

  test('Finished without Certificate and CertificateVerify', () => {
    const pair = run(
      onHandshake('server', (msg) => (msg.type === HandshakeType.certificate || msg.type === HandshakeType.certificate_verify ? [] : undefined)),
    );
    assertAborted(pair, 'client', 'unexpected_message', /expected certificate, peer sent finished/);
  });

  test('Finished without CertificateVerify', () => {
    const pair = run(onHandshake('server', (msg) => (msg.type === HandshakeType.certificate_verify ? [] : undefined)));
    assertAborted(pair, 'client', 'unexpected_message', /expected certificate_verify, peer sent finished/);
  });

  test('application data before the server Finished', () => {
    const pair = run((record) => {
      if (record.from !== 'server' || !record.protected || record.type !== ContentType.handshake) return undefined;
      const msgs = splitMessages(record.data)!;
      const fin = msgs.findIndex((m) => m.type === HandshakeType.finished);
      return [
        { type: ContentType.handshake, data: concat(...msgs.slice(0, fin).map((m) => m.raw)) },
        { type: ContentType.application_data, data: utf8('too early') },
        { type: ContentType.handshake, data: msgs[fin]!.raw },
      ];
    });
    assertAborted(pair, 'client', 'unexpected_message', /application data before the handshake completed/);
  });

  test('application data before the client Finished', () => {
    const pair = run((record) => {
      if (record.from !== 'client' || !record.protected || record.type !== ContentType.handshake) return undefined;
      return [
        { type: ContentType.application_data, data: utf8('too early') },
        { type: record.type, data: record.data },
      ];
    });
    assertAborted(pair, 'server', 'unexpected_message', /application data before the handshake completed/);
  });

  test('plaintext application data before anything', () => {
    const pair = newPair();
    pair.client.connection.takeOutput();
    pair.inject('server', [{ type: ContentType.application_data, data: utf8('hello?') }]);
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /application data before the handshake completed/);
  });

  test('a second client Finished after the handshake', () => {
    const pair = newPair().handshake();
    pair.inject('server', [{ type: ContentType.handshake, data: buildFinished(new Uint8Array(32)).raw }]);
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /peer sent finished after the handshake/);
  });

  test('a NewSessionTicket sent by the client', () => {
    const pair = newPair().handshake();
    const nst = handshakeBytes(HandshakeType.new_session_ticket, Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0xaa, 0, 0));
    pair.inject('server', [{ type: ContentType.handshake, data: nst }]);
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /peer sent new_session_ticket after the handshake/);
  });
});

describe('post-handshake messages', () => {
  test('KeyUpdate both ways keeps data flowing', () => {
    const pair = newPair().handshake();
    pair.client.connection.updateKeys(true);
    pair.pump();
    pair.client.connection.write(utf8('after update'));
    pair.server.connection.write(utf8('after update too'));
    pair.pump();
    assertNoErrors(pair);
    assert.equal(Buffer.concat(pair.server.received).toString(), 'after update');
    assert.equal(Buffer.concat(pair.client.received).toString(), 'after update too');
  });

  test('KeyUpdate with a request value other than 0 or 1: illegal_parameter', () => {
    const pair = newPair().handshake();
    pair.inject('client', [{ type: ContentType.handshake, data: handshakeBytes(HandshakeType.key_update, Uint8Array.of(2)) }]);
    pair.pump();
    assertAborted(pair, 'client', 'illegal_parameter', /key_update has request_update 2/);
  });

  test('KeyUpdate of the wrong length: decode_error', () => {
    const pair = newPair().handshake();
    pair.inject('client', [{ type: ContentType.handshake, data: handshakeBytes(HandshakeType.key_update, Uint8Array.of(0, 0)) }]);
    pair.pump();
    assertAborted(pair, 'client', 'decode_error', /key_update: 1 unexpected trailing bytes/);
  });

  test('a NewSessionTicket that is malformed: decode_error', () => {
    const pair = newPair().handshake();
    pair.inject('client', [
      { type: ContentType.handshake, data: handshakeBytes(HandshakeType.new_session_ticket, Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0)) },
    ]);
    pair.pump();
    assertAborted(pair, 'client', 'decode_error', /new_session_ticket: ticket length 0 outside 1\.\.65535/);
  });

  test('more than 32 post-handshake messages without data: unexpected_message', () => {
    // No ticket from the server itself: the 32 injected messages are all the client has seen.
    const pair = newPair({ server: { tickets: false } }).handshake();
    const nst = handshakeBytes(HandshakeType.new_session_ticket, Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0xaa, 0, 0));
    pair.inject(
      'client',
      Array.from({ length: 32 }, () => ({ type: ContentType.handshake, data: nst })),
    );
    assert.equal(pair.client.errors.length, 0);
    pair.inject('client', [{ type: ContentType.handshake, data: nst }]);
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /more than 32 post-handshake messages without application data/);
  });

  test('unknown handshake type after the handshake: unexpected_message', () => {
    const pair = newPair().handshake();
    pair.inject('client', [{ type: ContentType.handshake, data: handshakeBytes(0x77, Uint8Array.of(1, 2, 3)) }]);
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /peer sent handshake_type_119 after the handshake/);
  });
});

describe('alerts received', () => {
  // node:tls's err.code for these alerts received: OpenSSL's reason names (ERR_SSL_...), which for
  // SSLv3-era alerts changed with OpenSSL 3.2 (Node 22+).
  const [major, minor] = process.versions.openssl.split('.').map(Number) as [number, number];
  const sslv3 = major > 3 || (major === 3 && minor >= 2) ? 'SSL/TLS' : 'SSLV3';
  const codes = [
    ['handshake_failure', 40, `${sslv3}_ALERT_HANDSHAKE_FAILURE`],
    ['internal_error', 80, 'TLSV1_ALERT_INTERNAL_ERROR'],
    ['decode_error', 50, 'TLSV1_ALERT_DECODE_ERROR'],
  ] as const;

  for (const [name, code, reason] of codes) {
    test(`${name} from the server, before its ServerHello: the client reports it with origin 'peer'`, () => {
      // The server's flight is lost; instead it "aborts" with an alert.
      const pair = run((record) => (record.from === 'server' ? [] : undefined));
      pair.inject('client', [{ type: ContentType.alert, data: Uint8Array.of(2, code), protect: false }]);
      const err = pair.client.errors[0]!;
      assert.equal(`${err.origin} ${err.alert}`, `peer ${name}`);
      assert.match(err.message, new RegExp(`peer sent fatal alert ${name}`));
      assert.equal(pair.client.errors.length, 1);
      assert.equal(err.code, `ERR_SSL_${reason}`);
    });
  }

  test('a fatal alert from the client, protected, after the handshake: the server reports it', () => {
    const pair = newPair().handshake();
    pair.inject('server', [{ type: ContentType.alert, data: Uint8Array.of(2, 46) }]);
    assert.equal(pair.server.errors.length, 1);
    assert.equal(`${pair.server.errors[0]!.origin} ${pair.server.errors[0]!.alert}`, 'peer certificate_unknown');
    // Nothing goes back: a connection that got a fatal alert sends none.
    assert.equal(pair.server.connection.takeOutput().length, 0);
    assert.throws(
      () => pair.server.connection.write(utf8('x')),
      (e: unknown) => e === pair.server.errors[0],
    );
  });

  test('an alert code we do not know keeps its number', () => {
    const pair = newPair().handshake();
    pair.inject('client', [{ type: ContentType.alert, data: Uint8Array.of(2, 201) }]);
    assert.equal(pair.client.errors[0]?.alert, 'alert_201');
    assert.equal(pair.client.errors[0]?.origin, 'peer');
  });

  test('a TLS 1.3 warning-level alert other than close_notify/user_canceled is still fatal', () => {
    const pair = newPair().handshake();
    pair.inject('server', [{ type: ContentType.alert, data: Uint8Array.of(1, 42) }]);
    assert.equal(`${pair.server.errors[0]?.origin} ${pair.server.errors[0]?.alert}`, 'peer bad_certificate');
  });

  test('an alert of the wrong length: decode_error', () => {
    for (const data of [Uint8Array.of(2), Uint8Array.of(2, 40, 0), new Uint8Array(0)]) {
      const pair = newPair().handshake();
      pair.inject('client', [{ type: ContentType.alert, data }]);
      pair.pump();
      assertAborted(pair, 'client', 'decode_error', new RegExp(`peer sent an alert of ${data.length} bytes`));
    }
  });

  test('the client rejecting the ServerHello: the server gets the plaintext alert', () => {
    // The client has no handshake keys when it rejects a ServerHello, so its alert is unprotected
    // while the server already reads with handshake keys (RFC 8446 §5, and what OpenSSL accepts).
    const pair = run(
      editServerHello((sh) => ({ ...sh, cipherSuite: 0x1303 })),
      { client: { ciphers: 'TLS_AES_128_GCM_SHA256' } },
    );
    assertAborted(pair, 'client', 'illegal_parameter', /which we did not offer/);
  });
});
