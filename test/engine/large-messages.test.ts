// Limits that are tolerances (issue 15): a ClientHello may be as large as its encoding allows
// (MAX_CLIENT_HELLO, 131,396 bytes) and a Certificate message up to 100 KiB; one byte more is
// refused from the header alone, before its body is buffered. Large but well-formed hellos (many
// signature algorithms, many extensions) complete a handshake in both versions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from '../../src/engine/connection.js';
import { buildHandshake, type HandshakeMessage } from '../../src/messages/handshake.js';
import { readClientHello } from '../../src/messages/client-hello.js';
import { writeExtensionList, type Extension } from '../../src/messages/extensions/extension.js';
import { ContentType, ExtensionType as E, HandshakeType } from '../../src/protocol/constants.js';
import { DEFAULT_MAX_CERTIFICATE_MESSAGE, DEFAULT_MAX_HANDSHAKE_MESSAGE, MAX_CLIENT_HELLO } from '../../src/protocol/limits.js';
import { assertAborted, assertNoErrors, newPair, plainRecord } from '../helpers/engine-harness.js';
import { testIdentity } from '../helpers/engine-pki.js';

const versions = ['TLSv1.3', 'TLSv1.2'] as const;

interface HelloChange {
  /** Code points put before the client's own signature schemes. */
  extraSignatureSchemes?: number;
  /** Unassigned cipher suite code points put after the client's own. */
  extraCipherSuites?: number;
  /** Extensions added before the client's own. */
  extraExtensions?: readonly Extension[];
  /** Add a padding extension (RFC 7685) that fills the extensions block to its 2^16-1 bytes. */
  fillExtensions?: boolean;
}

/**
 * A sender-side rewrite of the client's ClientHello: the client hashes and sends the larger hello
 * (config.dangerouslyRewriteHandshake), so the handshake can complete when the server accepts it.
 */
function enlargeClientHello(change: HelloChange): (msg: HandshakeMessage) => HandshakeMessage {
  return (msg) => {
    if (msg.type !== HandshakeType.client_hello) return msg;
    const ch = readClientHello(msg);
    const suites = [...ch.cipherSuites, ...Array.from({ length: change.extraCipherSuites ?? 0 }, (_, i) => 0x5a00 + i)];
    const extensions = [
      ...(change.extraExtensions ?? []),
      ...ch.extensions.map((e) => {
        if (e.type !== E.signature_algorithms || !change.extraSignatureSchemes) return e;
        // Unknown schemes first (0x0900 and up: unassigned), then the client's own, which the server must find.
        const own = e.body.subarray(2);
        const body = new Uint8Array(2 + change.extraSignatureSchemes * 2 + own.length);
        const length = body.length - 2;
        body.set([length >>> 8, length & 0xff]);
        for (let i = 0; i < change.extraSignatureSchemes; i++) body.set([0x09 + (i >>> 8), i & 0xff], 2 + 2 * i);
        body.set(own, 2 + change.extraSignatureSchemes * 2);
        return { type: e.type, body };
      }),
    ];
    if (change.fillExtensions) {
      const used = extensions.reduce((n, e) => n + 4 + e.body.length, 0);
      extensions.unshift({ type: E.padding, body: new Uint8Array(0xffff - used - 4) });
    }
    return buildHandshake(HandshakeType.client_hello, (w) => {
      w.u16(ch.legacyVersion).bytes(ch.random).vectorBytes(1, ch.sessionId);
      w.vector(2, (l) => suites.forEach((s) => l.u16(s)));
      w.vectorBytes(1, ch.compressionMethods);
      writeExtensionList(w, extensions);
    });
  };
}

function sentHelloLength(pair: ReturnType<typeof newPair>): number {
  const ev = pair.client.events.find((e) => e.kind === 'handshake-message' && e.direction === 'sent' && e.type === HandshakeType.client_hello);
  assert.ok(ev && ev.kind === 'handshake-message');
  return ev.raw.length;
}

/** What the engine holds of a partly received handshake message (test-only reach into the engine). */
function bufferedHandshake(connection: Connection): number {
  return (connection as unknown as { handshakeReader: { buffered: number } }).handshakeReader.buffered;
}

describe('large ClientHellos complete a handshake', () => {
  for (const version of versions) {
    test(`${version}: 32,000 signature algorithms next to an X25519MLKEM768 share (a hello over 64 KiB)`, () => {
      const pair = newPair({
        // ML-KEM's 1.2 KB share as a post-quantum client sends it (TLS 1.3), and 1,000 extra suites, to pass 64 KiB.
        client: { maxVersion: version, ecdhCurve: 'X25519MLKEM768:X25519' },
        server: { ecdhCurve: 'X25519MLKEM768:X25519' },
        clientRewrite: enlargeClientHello({ extraSignatureSchemes: 32_000 - 13, extraCipherSuites: 1_000 }),
      });
      pair.handshake();
      const length = sentHelloLength(pair);
      assert.ok(length > 64 * 1024, `the hello is ${length} bytes`);
      assert.equal(pair.client.connection.info.version, version);
      assert.equal(pair.server.connection.info.peerSignatureScheme, undefined); // no client certificate
      assert.equal(pair.client.connection.info.peerSignatureScheme?.name, 'ed25519');
    });

    test(`${version}: 70 KiB of hello: the extensions block filled to its 2^16-1 bytes, and 3,200 more cipher suites`, () => {
      // RFC 8446 §4.1.2: extensions<8..2^16-1>, so 70 KiB of extensions alone cannot be encoded; the
      // rest comes from the cipher suite list. Unknown extensions and padding (RFC 7685) are ignored.
      const unknown = Array.from({ length: 15 }, (_, i) => ({ type: 0x2a00 + i, body: new Uint8Array(4000).fill(i) }));
      const pair = newPair({
        client: { maxVersion: version },
        clientRewrite: enlargeClientHello({ extraExtensions: unknown, fillExtensions: true, extraCipherSuites: 3_200 }),
      });
      pair.handshake();
      const length = sentHelloLength(pair);
      assert.ok(length >= 70 * 1024, `the hello is ${length} bytes`);
      assert.equal(pair.client.connection.info.version, version);
    });
  }
});

describe('handshake message bounds: every well-formed ClientHello, and no more', () => {
  test('MAX_CLIENT_HELLO is the largest ClientHello the encoding allows (the sum OpenSSL uses too)', () => {
    assert.equal(MAX_CLIENT_HELLO, 131_396);
    assert.equal(DEFAULT_MAX_CERTIFICATE_MESSAGE, 100 * 1024);
    assert.equal(DEFAULT_MAX_HANDSHAKE_MESSAGE, 64 * 1024);
  });

  test('a server waits for a ClientHello of exactly MAX_CLIENT_HELLO bytes, holding no more than it', () => {
    const pair = newPair();
    const header = Uint8Array.of(HandshakeType.client_hello, MAX_CLIENT_HELLO >>> 16, (MAX_CLIENT_HELLO >>> 8) & 0xff, MAX_CLIENT_HELLO & 0xff);
    pair.raw('server', plainRecord(ContentType.handshake, header));
    let sent = 0;
    while (sent + 16384 < MAX_CLIENT_HELLO) {
      pair.raw('server', plainRecord(ContentType.handshake, new Uint8Array(16384)));
      sent += 16384;
      assert.equal(pair.server.errors.length, 0, `refused after ${sent} bytes: ${pair.server.errors[0]?.message}`);
      assert.ok(bufferedHandshake(pair.server.connection) <= 4 + MAX_CLIENT_HELLO);
    }
    // The last bytes complete it: judged by content now (all zeros: not a ClientHello), not by size.
    pair.raw('server', plainRecord(ContentType.handshake, new Uint8Array(MAX_CLIENT_HELLO - sent)));
    assert.equal(pair.server.errors.length, 1);
    assert.doesNotMatch(pair.server.errors[0]!.message, /more than the/);
    assert.equal(bufferedHandshake(pair.server.connection), 0);
  });

  test('a ClientHello one byte over, or declaring 2^24-1 bytes: illegal_parameter from its header, nothing buffered', () => {
    for (const length of [MAX_CLIENT_HELLO + 1, 0xffffff]) {
      const pair = newPair();
      pair.raw('server', plainRecord(ContentType.handshake, Uint8Array.of(HandshakeType.client_hello, length >>> 16, (length >>> 8) & 0xff, length & 0xff)));
      pair.pump();
      assertAborted(pair, 'server', 'illegal_parameter', new RegExp(`client_hello of ${length} bytes, more than the ${MAX_CLIENT_HELLO} we accept`));
      assert.equal(bufferedHandshake(pair.server.connection), 0);
    }
  });

  test('a client refuses a 65 KiB "ClientHello" from a server at the general 64 KiB bound (the larger one is a server\'s)', () => {
    const pair = newPair();
    pair.client.connection.takeOutput();
    const length = 65 * 1024;
    pair.raw('client', plainRecord(ContentType.handshake, Uint8Array.of(HandshakeType.client_hello, length >>> 16, (length >>> 8) & 0xff, length & 0xff)));
    pair.pump();
    assertAborted(pair, 'client', 'illegal_parameter', /client_hello of 66560 bytes, more than the 65536 we accept/);
  });

  test('maxHandshakeMessageSize still bounds every message, the ClientHello included', () => {
    const pair = newPair({ server: { maxHandshakeMessageSize: 4096 } });
    pair.raw('server', plainRecord(ContentType.handshake, Uint8Array.of(HandshakeType.client_hello, 0, 0x10, 0x01)));
    pair.pump();
    assertAborted(pair, 'server', 'illegal_parameter', /client_hello of 4097 bytes, more than the 4096 we accept/);
  });
});

describe('Certificate messages up to 100 KiB', () => {
  const id = testIdentity('ed25519');
  const chainOf = (n: number): string => Array.from({ length: n }, () => id.certPem).join('');
  // One entry: the certificate, its 3-byte length, and (TLS 1.3) 2 bytes of empty extensions.
  const entry = (version: string): number => id.certDer.length + 3 + (version === 'TLSv1.3' ? 2 : 0);

  for (const version of versions) {
    test(`${version}: a chain of about 70 KiB is accepted by default; one over 100 KiB is illegal_parameter from the header`, () => {
      const n = Math.ceil((70 * 1024) / entry(version));
      const fits = newPair({ client: { maxVersion: version, maxCertificateChainLength: 1000 }, server: { cert: chainOf(n) } });
      fits.handshake();
      const over = Math.ceil((DEFAULT_MAX_CERTIFICATE_MESSAGE + 1) / entry(version));
      const pair = newPair({ client: { maxVersion: version, maxCertificateChainLength: 1000 }, server: { cert: chainOf(over) } });
      pair.pump();
      assertAborted(pair, 'client', 'illegal_parameter', new RegExp(`certificate of \\d+ bytes, more than the ${DEFAULT_MAX_CERTIFICATE_MESSAGE} we accept`));
    });
  }

  test('a server takes a client chain of about 70 KiB as well', () => {
    const other = testIdentity('ec');
    const n = Math.ceil((70 * 1024) / (other.certDer.length + 5));
    const pair = newPair({
      client: { key: other.keyPem, cert: Array.from({ length: n }, () => other.certPem).join('') },
      server: { requestCert: true, rejectUnauthorized: false, maxCertificateChainLength: 1000 },
    });
    pair.handshake();
    assertNoErrors(pair);
    assert.equal(pair.server.connection.info.peerCertificates?.length, n);
  });
});
