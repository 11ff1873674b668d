// Behaviour BoringSSL's test runner (BoGo, test/bogo) found wrong, each pinned by a test of our own:
// the runner finds, these guard.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentType, HandshakeType } from '../../src/protocol/constants.js';
import { buildEncryptedExtensions } from '../../src/messages/encrypted-extensions.js';
import { buildCertificate12, buildCertificate13, readCertificate13 } from '../../src/messages/certificate.js';
import { buildCertificateRequest13, readCertificateRequest13 } from '../../src/messages/certificate-request.js';
import { buildClientHello, readClientHello } from '../../src/messages/client-hello.js';
import { encodeSession, decodeSession, type SessionState } from '../../src/handshake/session.js';
import { Secret } from '../../src/crypto/secret.js';
import { ExtensionType } from '../../src/protocol/constants.js';
import type { HandshakeMessage } from '../../src/messages/handshake.js';
import { mintSelfSigned, pinnedVerifier, testIdentity } from '../helpers/engine-pki.js';
import { newPair, onHandshake, assertAborted, assertNoErrors, handshakeBytes, type RecordView } from '../helpers/engine-harness.js';
import { concat, utf8 } from '../../src/wire/bytes.js';
import { MAX_POST_HANDSHAKE_MESSAGES_WITHOUT_DATA, MAX_WARNING_ALERTS_IN_A_ROW } from '../../src/protocol/limits.js';
import type { Connection } from '../../src/engine/connection.js';

describe('TLS 1.3 middlebox compatibility (RFC 8446 Appendix D.4)', () => {
  test("a client rejecting the server's encrypted flight sends its change_cipher_spec before the protected alert", () => {
    const fromClient: RecordView[] = [];
    const reject = onHandshake('server', (msg) => {
      if (msg.type !== HandshakeType.encrypted_extensions) return undefined;
      // EncryptedExtensions carrying a second, unknown extension body of the wrong shape
      return [buildEncryptedExtensions([{ type: 0x0010, body: Uint8Array.of(0) }]).raw];
    });
    const pair = newPair({
      tamper: (r) => {
        if (r.from === 'client') fromClient.push(r);
        return reject(r);
      },
    });
    pair.pump();
    assertAborted(pair, 'client', 'decode_error', /./);
    const after = fromClient.slice(1); // after the ClientHello
    assert.deepEqual(
      after.map((r) => [r.type, r.protected]),
      [
        [ContentType.change_cipher_spec, false],
        [ContentType.alert, true],
      ],
    );
  });
});

/** Seals a record as `sender` would, with its current write keys (test-only reach into the engine). */
function sealAs(sender: Connection, type: number, data: Uint8Array): void {
  const engine = sender as unknown as {
    flushHandshake(): void;
    writeProtection: { seal(t: number, d: Uint8Array, out: Uint8Array[]): void };
    output: Uint8Array[];
  };
  engine.flushHandshake();
  engine.writeProtection.seal(type, data, engine.output);
}

describe('floods BoringSSL bounds (BoGo TooManyKeyUpdates, SendUserCanceledAlerts-TooMany-TLS13)', () => {
  test('32 KeyUpdates in a row are answered, a 33rd before any data is unexpected_message', () => {
    const pair = newPair().handshake();
    for (let i = 0; i < MAX_POST_HANDSHAKE_MESSAGES_WITHOUT_DATA; i++) pair.client.connection.updateKeys(false);
    pair.pump();
    assertNoErrors(pair);
    pair.client.connection.updateKeys(false);
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /more than 32 post-handshake messages/);
  });

  test('TLS 1.3: 4 user_canceled alerts in a row are ignored, a 5th is unexpected_message', () => {
    const pair = newPair().handshake();
    for (let i = 0; i < MAX_WARNING_ALERTS_IN_A_ROW; i++) sealAs(pair.client.connection, ContentType.alert, Uint8Array.of(1, 90));
    pair.pump();
    assertNoErrors(pair);
    sealAs(pair.client.connection, ContentType.alert, Uint8Array.of(1, 90));
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /more than 4 warning alerts in a row/);
  });
});

describe('warning alerts before the version is known (BoGo SendSNIWarningAlert)', () => {
  test("a TLS 1.2 server's warning unrecognized_name before its ServerHello is ignored", () => {
    let sent = false;
    const pair = newPair({
      client: { maxVersion: 'TLSv1.2' },
      tamper: (r) => {
        if (r.from !== 'server' || sent || r.type !== ContentType.handshake) return undefined;
        sent = true;
        return [
          { type: ContentType.alert, data: Uint8Array.of(1, 112), protect: false },
          { type: r.type, data: r.data, protect: false },
        ];
      },
    });
    pair.handshake();
    assert.ok(pair.client.completed);
  });

  test('TLS 1.3: a warning-level alert other than user_canceled or close_notify is still fatal', () => {
    const pair = newPair().handshake();
    sealAs(pair.client.connection, ContentType.alert, Uint8Array.of(1, 112));
    pair.pump();
    assert.equal(pair.server.errors[0]?.alert, 'unrecognized_name');
  });
});

/** The same Certificate with an extension on its leaf entry. */
function withLeafExtension(msg: HandshakeMessage, type: number): Uint8Array[] {
  const cert = readCertificate13(msg, { maxChainLength: 10 });
  return [
    buildCertificate13(
      cert.requestContext,
      cert.entries.map((e) => e.certData),
      [{ type, body: new Uint8Array(0) }],
    ).raw,
  ];
}

describe('CertificateEntry extensions answer only what we asked for (RFC 8446 §4.4.2; BoGo SendExtensionOnClientCertificate-TLS13, SendUnknownExtensionOnCertificate-TLS13)', () => {
  test('a server certificate entry with an extension we did not offer: unsupported_extension', () => {
    for (const type of [0x1234, 0x0012 /* signed_certificate_timestamp */, 0x0005 /* status_request, not requested */]) {
      const pair = newPair({ tamper: onHandshake('server', (msg) => (msg.type === HandshakeType.certificate ? withLeafExtension(msg, type) : undefined)) });
      pair.pump();
      assertAborted(pair, 'client', 'unsupported_extension', /./);
    }
  });

  test('a client certificate entry with an extension (our CertificateRequest asks for none): unsupported_extension', () => {
    const id = testIdentity('ed25519');
    const pair = newPair({
      client: { key: id.keyPem, cert: id.certPem },
      server: { requestCert: true, verifier: { verify: () => ({ ok: true, detail: 'test' }) } },
      tamper: onHandshake('client', (msg) => (msg.type === HandshakeType.certificate ? withLeafExtension(msg, 0x0005) : undefined)),
    });
    pair.pump();
    assertAborted(pair, 'server', 'unsupported_extension', /client certificate entry carries extension 5/);
  });
});

describe('handshake data past the end of a flight (BoGo Partial*WithClientHello, Partial*WithServerHelloDone, PartialSecondClientHelloAfterFirst)', () => {
  // The start of a message (a header promising 10 bytes, then 2 of them) pipelined after the last
  // message of a flight, in the same record.
  const partial = Uint8Array.of(HandshakeType.finished, 0, 0, 10, 1, 2);
  const appendAfter = (from: 'client' | 'server', last: number) => onHandshake(from, (msg) => (msg.type === last ? [msg.raw, partial] : undefined));

  test('TLS 1.2 client: data after ServerHelloDone is unexpected_message', () => {
    const pair = newPair({ client: { maxVersion: 'TLSv1.2' }, tamper: appendAfter('server', HandshakeType.server_hello_done) });
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /record that ended its flight/);
  });

  test('TLS 1.2 server: data after the ClientHello is unexpected_message', () => {
    const pair = newPair({ client: { maxVersion: 'TLSv1.2' }, tamper: appendAfter('client', HandshakeType.client_hello) });
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /record that ended its flight/);
  });

  test('TLS 1.3 server: data after a ClientHello answered with HelloRetryRequest is unexpected_message', () => {
    let first = true;
    const pair = newPair({
      client: { ecdhCurve: 'X25519:P-256' },
      server: { ecdhCurve: 'P-256' },
      tamper: onHandshake('client', (msg) => {
        if (msg.type !== HandshakeType.client_hello || !first) return undefined;
        first = false;
        return [msg.raw, partial];
      }),
    });
    pair.pump();
    assertAborted(pair, 'server', 'unexpected_message', /record that ended its flight/);
  });

  test('TLS 1.3 client: data after a HelloRetryRequest is unexpected_message', () => {
    const pair = newPair({ client: { ecdhCurve: 'X25519:P-256' }, server: { ecdhCurve: 'P-256' }, tamper: appendAfter('server', HandshakeType.server_hello) });
    pair.pump();
    assertAborted(pair, 'client', 'unexpected_message', /record that ended its flight/);
  });
});

describe('a TLS 1.2 server echoing the TLS 1.3 compatibility session id (BoGo EchoTLS13CompatibilitySessionID)', () => {
  test('the client refuses it with illegal_parameter: there is no session to resume', () => {
    let clientSessionId: Uint8Array | undefined;
    const pair = newPair({
      server: { maxVersion: 'TLSv1.2' },
      clientRewrite: (msg) => {
        // ClientHello: legacy_version (2), random (32), then the session id vector
        if (msg.type === HandshakeType.client_hello) clientSessionId = msg.body.slice(35, 35 + msg.body[34]!);
        return msg;
      },
      serverRewrite: (msg) => {
        if (msg.type !== HandshakeType.server_hello || !clientSessionId) return msg;
        const own = msg.body[34]!;
        const body = concat(msg.body.subarray(0, 34), Uint8Array.of(clientSessionId.length), clientSessionId, msg.body.subarray(35 + own));
        return { type: msg.type, body, raw: handshakeBytes(msg.type, body) };
      },
    });
    pair.pump();
    assert.equal(clientSessionId?.length, 32, 'the client offered TLS 1.3 with a compatibility session id');
    assertAborted(pair, 'client', 'illegal_parameter', /echoes the session id we sent without a session/);
  });
});

describe("TLS 1.2: the server's ECDSA key must be on a curve the client offered (RFC 8422 §5.1; BoGo CheckLeafCurve)", () => {
  test('a P-256 server certificate when the client offered only P-384: illegal_parameter', () => {
    // Our server picks only certificates on a curve the client offered: the man in the middle shows
    // it P-256 in place of X25519 while the client offered X25519 and P-384.
    const groups = Uint8Array.of(0x00, 0x0a, 0, 6, 0, 4, 0x00, 0x18, 0x00, 0x1d);
    const pair = newPair({
      kind: 'ec',
      client: { maxVersion: 'TLSv1.2', ecdhCurve: 'P-384:X25519' },
      tamper: onHandshake('client', (msg) => {
        if (msg.type !== HandshakeType.client_hello) return undefined;
        const raw = msg.raw.slice();
        const at = raw.findIndex((_, i) => groups.every((b, k) => raw[i + k] === b));
        assert.ok(at > 0, 'supported_groups is X25519, P-384');
        raw[at + 9] = 0x17; // x25519 (0x001d) -> secp256r1 (0x0017)
        return [raw];
      }),
    });
    pair.pump();
    assertAborted(pair, 'client', 'illegal_parameter', /ECDSA key on P-256, a curve we did not offer/);
  });

  test("TLS 1.3 does not tie the certificate's curve to supported_groups", () => {
    const pair = newPair({ kind: 'ec', client: { ecdhCurve: 'P-384' } }).handshake();
    assertNoErrors(pair);
    assert.ok(pair.client.completed);
  });
});

describe('a leaf whose keyUsage forbids digitalSignature is refused whatever the verifier says (RFC 8446 §4.4.2.2; BoGo ECDSAKeyUsage-*, RSAKeyUsage-*)', () => {
  // keyUsage (2.5.29.15), critical, BIT STRING with keyEncipherment only
  const keyEnciphermentOnly = Uint8Array.of(0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0xff, 0x04, 0x04, 0x03, 0x02, 0x05, 0x20);
  const id = mintSelfSigned('ec', 'localhost', [keyEnciphermentOnly]);
  // The pinned verifier trusts the certificate's bytes: it never looks at keyUsage.
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}: the client refuses such a server certificate`, () => {
      const pair = newPair({ server: { key: id.keyPem, cert: id.certPem, maxVersion: version }, client: { verifier: pinnedVerifier(id.certDer) } });
      pair.pump();
      assertAborted(pair, 'client', 'bad_certificate', /keyUsage does not allow digitalSignature/);
    });

    test(`${version}: the server refuses such a client certificate`, () => {
      const pair = newPair({
        server: { maxVersion: version, requestCert: true, verifier: pinnedVerifier(id.certDer) },
        client: { key: id.keyPem, cert: id.certPem },
      });
      pair.pump();
      assertAborted(pair, 'server', 'bad_certificate', /keyUsage does not allow digitalSignature/);
    });
  }
});

describe('HelloRetryRequest extensions (RFC 8446 §4.1.4; BoGo HelloRetryRequest-Unknown-TLS13)', () => {
  /** The server's HelloRetryRequest with its extensions replaced by `rewrite(list)`. */
  function rewriteRetry(rewrite: (extensions: Uint8Array) => Uint8Array) {
    return (msg: HandshakeMessage): HandshakeMessage => {
      // A HelloRetryRequest is a server_hello: legacy_version, random, session id, suite, compression, extensions
      if (msg.type !== HandshakeType.server_hello || msg.body[2] !== 0xcf || msg.body[3] !== 0x21) return msg;
      const at = 35 + msg.body[34]! + 3;
      const extensions = rewrite(msg.body.subarray(at + 2));
      const body = concat(msg.body.subarray(0, at), Uint8Array.of(extensions.length >> 8, extensions.length & 0xff), extensions);
      return { type: msg.type, body, raw: handshakeBytes(msg.type, body) };
    };
  }
  const retryPair = (rewrite: (extensions: Uint8Array) => Uint8Array) =>
    newPair({ client: { ecdhCurve: 'X25519:P-256' }, server: { ecdhCurve: 'P-256' }, serverRewrite: rewriteRetry(rewrite) });

  test('an extension we never offered is unsupported_extension, before the HRR is judged for asking nothing', () => {
    // only supported_versions (TLS 1.3) and an unknown extension 0x1234: no key_share, no cookie
    const pair = retryPair(() => Uint8Array.of(0x00, 0x2b, 0, 2, 0x03, 0x04, 0x12, 0x34, 0, 0));
    pair.pump();
    assertAborted(pair, 'client', 'unsupported_extension', /which we did not offer/);
  });

  test('an HRR asking for nothing is still illegal_parameter', () => {
    const pair = retryPair(() => Uint8Array.of(0x00, 0x2b, 0, 2, 0x03, 0x04));
    pair.pump();
    assertAborted(pair, 'client', 'illegal_parameter', /asks for no change/);
  });
});

describe('KeyUpdate requests in a burst get one answer (RFC 8446 §4.6.3; BoGo KeyUpdate-RequestACK)', () => {
  const keyUpdatesSent = (events: readonly { kind: string; direction?: string; type?: number }[]) =>
    events.filter((e) => e.kind === 'handshake-message' && e.direction === 'sent' && e.type === HandshakeType.key_update).length;

  test('five requests before we wrote anything: one KeyUpdate; a request after our data: another', () => {
    const pair = newPair().handshake();
    const before = keyUpdatesSent(pair.server.events);
    for (let i = 0; i < 5; i++) pair.client.connection.updateKeys(true);
    pair.pump();
    assertNoErrors(pair);
    assert.equal(keyUpdatesSent(pair.server.events) - before, 1);
    pair.server.connection.write(utf8('under the new keys'));
    pair.pump();
    pair.client.connection.updateKeys(true);
    pair.pump();
    assert.equal(keyUpdatesSent(pair.server.events) - before, 2);
    pair.server.connection.write(utf8(' and again'));
    pair.client.connection.write(utf8('from the client'));
    pair.pump();
    assertNoErrors(pair);
    assert.equal(Buffer.concat(pair.client.received).toString(), 'under the new keys and again');
    assert.equal(Buffer.concat(pair.server.received).toString(), 'from the client');
  });
});

describe('a chain of 51 certificates (BoGo LargeMessage): the count bound is a tolerance', () => {
  const id = testIdentity('ed25519');
  const chain = Array.from({ length: 51 }, () => id.certPem).join('');
  const ticketKeys = new Uint8Array(48).fill(7);
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${version}: the handshake completes with the default limits, and the session keeps the certificate once`, () => {
      const pair = newPair({ client: { maxVersion: version }, server: { cert: chain, ticketKeys } });
      pair.handshake();
      assertNoErrors(pair);
      assert.equal(pair.client.connection.info.peerCertificates.length, 51);
      pair.client.connection.write(utf8('x'));
      pair.server.connection.write(utf8('y'));
      pair.pump();
      const session = pair.client.sessions.at(-1);
      assert.ok(session, 'a session was issued');
      assert.equal(decodeSession(session).peerCertificates.length, 1);
      const again = newPair({ client: { maxVersion: version, session }, server: { cert: chain, ticketKeys } });
      again.handshake();
      assertNoErrors(again);
      assert.equal(again.client.connection.info.resumed, true);
    });
  }
});

describe('a session survives its encoding whatever its size (BoGo Client-Verify-ECDSA_P384_SHA384-TLS13)', () => {
  test('every field after the point where the writer grows is read back', () => {
    for (let ticket = 0; ticket < 400; ticket++)
      for (const cert of [100, 620, 1000]) {
        const s: SessionState = {
          version: 0x0304,
          cipherSuite: 0x1302,
          secret: new Secret(new Uint8Array(48)),
          extendedMasterSecret: false,
          authorized: true,
          issuedAt: 1468026092006,
          lifetime: 86400,
          ticket: new Uint8Array(ticket + 1),
          ageAdd: 5,
          maxEarlyData: 0,
          peerCertificates: [new Uint8Array(cert)],
          trustDigest: new Uint8Array(32),
          authenticatedAt: 1468026092003,
        };
        const d = decodeSession(encodeSession(s));
        assert.equal(d.authenticatedAt, s.authenticatedAt, `ticket of ${ticket + 1} bytes, certificate of ${cert}`);
        assert.deepEqual(d.trustDigest, s.trustDigest);
      }
  });
});

describe('a leaf that is not DER is decode_error, as OpenSSL and BoringSSL (BoGo GarbageCertificate-*)', () => {
  const garbage = Uint8Array.of(0x30, 0x03, 1, 2, 3);
  test('TLS 1.2 client', () => {
    const pair = newPair({
      client: { maxVersion: 'TLSv1.2' },
      tamper: onHandshake('server', (msg) => (msg.type === HandshakeType.certificate ? [buildCertificate12([garbage]).raw] : undefined)),
    });
    pair.pump();
    assertAborted(pair, 'client', 'decode_error', /certificate is malformed/);
  });
  test('TLS 1.3 server, of a client certificate', () => {
    const other = testIdentity('ec');
    const pair = newPair({
      client: { key: other.keyPem, cert: other.certPem },
      server: { requestCert: true, rejectUnauthorized: false },
      tamper: onHandshake('client', (msg) => (msg.type === HandshakeType.certificate ? [buildCertificate13(new Uint8Array(0), [garbage]).raw] : undefined)),
    });
    pair.pump();
    assertAborted(pair, 'server', 'decode_error', /certificate is malformed/);
  });
});

describe('TLS 1.3 CertificateRequest (RFC 8446 §4.3.2)', () => {
  test('it lists every scheme we accept, PKCS#1 included (RFC 8446 §4.2.3 allows them there; BoGo Server-Verify-RSA_PKCS1_*-TLS13)', () => {
    let listed: readonly number[] | undefined;
    const pair = newPair({
      server: { requestCert: true, rejectUnauthorized: false, sigalgs: 'ed25519:rsa_pkcs1_sha256' },
      tamper: onHandshake('server', (msg) => {
        if (msg.type === HandshakeType.certificate_request) listed = readCertificateRequest13(msg).signatureAlgorithms;
        return undefined;
      }),
    });
    pair.handshake();
    assertNoErrors(pair);
    assert.deepEqual(listed, [0x0807, 0x0401]);
  });

  test('a non-empty certificate_request_context during the handshake is decode_error, as OpenSSL and BoringSSL (BoGo RequestContextInHandshake-TLS13)', () => {
    const pair = newPair({
      server: { requestCert: true, rejectUnauthorized: false },
      tamper: onHandshake('server', (msg) => {
        if (msg.type !== HandshakeType.certificate_request) return undefined;
        return [buildCertificateRequest13({ ...readCertificateRequest13(msg), requestContext: Uint8Array.of(1) }).raw];
      }),
    });
    pair.pump();
    assertAborted(pair, 'client', 'decode_error', /non-empty context during the handshake/);
  });
});

describe('TLS 1.2 supported_groups (RFC 8422 §4; BoGo NoSupportedCurves, SupportedCurves-ServerHello-TLS12)', () => {
  test('a client that sends no supported_groups gets no ECDHE suite (as OpenSSL and BoringSSL): handshake_failure when it offers nothing else', () => {
    const pair = newPair({
      client: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256' },
      clientRewrite: (msg) => {
        if (msg.type !== HandshakeType.client_hello) return msg;
        const ch = readClientHello(msg);
        return buildClientHello({ ...ch, extensions: ch.extensions.filter((e) => e.type !== ExtensionType.supported_groups) });
      },
    });
    pair.pump();
    assertAborted(pair, 'server', 'handshake_failure', /no shared group/);
  });

  test('a TLS 1.2 server that echoes supported_groups in its ServerHello is accepted (as BoringSSL and OpenSSL)', () => {
    const pair = newPair({
      client: { maxVersion: 'TLSv1.2' },
      // The server's own rewrite: its transcript holds what it sent.
      serverRewrite: (msg) => {
        if (msg.type !== HandshakeType.server_hello) return msg;
        // Append supported_groups { x25519 } to the extension list and fix the lengths.
        const ext = Uint8Array.of(0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d);
        const body = msg.raw.subarray(4);
        const sidLength = body[34]!;
        const extStart = 34 + 1 + sidLength + 2 + 1;
        const extLength = (body[extStart]! << 8) | body[extStart + 1]!;
        const newBody = concat(
          body.subarray(0, extStart),
          Uint8Array.of((extLength + ext.length) >> 8, (extLength + ext.length) & 0xff),
          body.subarray(extStart + 2),
          ext,
        );
        return {
          type: msg.type,
          body: newBody,
          raw: concat(Uint8Array.of(HandshakeType.server_hello, 0, newBody.length >> 8, newBody.length & 0xff), newBody),
        };
      },
    });
    pair.handshake();
    assertNoErrors(pair);
  });
});

describe('RSA-PSS needs a key large enough for its hash (RFC 8017 §9.1.1; BoGo RSA-PSS-Large)', () => {
  test('a 1024-bit RSA server asked only for rsa_pss_rsae_sha512: handshake_failure, not a failed signature', () => {
    const small = mintSelfSigned('rsa', 'localhost', [], 1024);
    const pair = newPair({
      client: { sigalgs: 'rsa_pss_rsae_sha512', verifier: pinnedVerifier(small.certDer) },
      server: { key: small.keyPem, cert: small.certPem },
    });
    pair.pump();
    assertAborted(pair, 'server', 'handshake_failure', /can sign with a scheme the client accepts/);
  });
});

describe('RFC 7627 §5.3: resuming an extended-master-secret session without the extension (BoGo ExtendedMasterSecret-YesToNo-Server)', () => {
  test('the TLS 1.2 server aborts with handshake_failure, as OpenSSL and BoringSSL', () => {
    const ticketKeys = new Uint8Array(48).fill(3);
    const first = newPair({ client: { maxVersion: 'TLSv1.2' }, server: { ticketKeys } });
    first.handshake();
    first.client.connection.write(utf8('x'));
    first.pump();
    const session = first.client.sessions.at(-1);
    assert.ok(session, 'a session was issued');
    const pair = newPair({
      client: { maxVersion: 'TLSv1.2', session },
      server: { ticketKeys },
      clientRewrite: (msg) => {
        if (msg.type !== HandshakeType.client_hello) return msg;
        const ch = readClientHello(msg);
        return buildClientHello({ ...ch, extensions: ch.extensions.filter((e) => e.type !== ExtensionType.extended_master_secret) });
      },
    });
    pair.pump();
    assertAborted(pair, 'server', 'handshake_failure', /without offering it/);
  });
});
