// TLS 1.3 beyond the basic handshake (issue 5): HelloRetryRequest, resumption, 0-RTT, KeyUpdate,
// client certificates and certificate selection, on the in-memory pair, with negative cases.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServerHello, readServerHello } from '../../src/messages/server-hello.js';
import { readClientHello } from '../../src/messages/client-hello.js';
import { ExtensionType, HandshakeType } from '../../src/protocol/constants.js';
import { encode } from '../../src/wire/writer.js';
import { createTestPki } from '../../src/devcert/test-pki.js';
import { makePair, serverConfigFor, testPki } from '../helpers/engine.js';
import { joined, pump, pumpRecords, type WireRecord } from '../helpers/pair.js';
import { needsSynchronousRsa } from '../helpers/provider.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decoded = (chunks: readonly Uint8Array[]): string => new TextDecoder().decode(joined(chunks));

function handshakeOk(pair: ReturnType<typeof makePair>): void {
  pump(pair.client, pair.server);
  assert.deepEqual(
    pair.c.errors.map((e) => e.message),
    [],
  );
  assert.deepEqual(
    pair.s.errors.map((e) => e.message),
    [],
  );
  assert.ok(pair.client.isConnected && pair.server.isConnected);
}

function steps(events: readonly { kind: string }[], step: string): number {
  return events.filter((e) => e.kind === 'step' && (e as { step?: string }).step === step).length;
}

/** Rewrites the first message of type `type` in a plaintext handshake record. */
function rewriteHandshake(type: number, rewrite: (raw: Uint8Array) => Uint8Array): (from: 'client' | 'server', records: WireRecord[]) => WireRecord[] {
  let done = false;
  return (_from, records) =>
    records.map((r) => {
      if (done || r.type !== 22 || r.payload[0] !== type) return r;
      done = true;
      const length = (r.payload[1]! << 16) | (r.payload[2]! << 8) | r.payload[3]!;
      const raw = r.payload.subarray(0, 4 + length);
      return { type: 22, payload: joined([rewrite(raw), r.payload.subarray(4 + length)]) };
    });
}

describe('HelloRetryRequest (RFC 8446 §4.1.4)', () => {
  test('a client whose only key share the server does not want still connects', () => {
    const pair = makePair({ ecdhCurve: 'X25519:P-256' }, { ecdhCurve: 'P-256' });
    handshakeOk(pair);
    assert.equal(pair.client.info.group?.name, 'secp256r1');
    assert.equal(steps(pair.c.events, 'hello-retry-request'), 1);
    pair.client.write(text('after retry'));
    pump(pair.client, pair.server);
    assert.equal(decoded(pair.s.received), 'after retry');
  });

  test('an HRR asking for a group the client already sent a share for is illegal_parameter', () => {
    const pair = makePair({ ecdhCurve: 'X25519:P-256' }, { ecdhCurve: 'P-256' });
    pumpRecords(pair.client, pair.server, (from, records) =>
      from !== 'server'
        ? records
        : rewriteHandshake(HandshakeType.server_hello, (raw) => {
            const hrr = readServerHello({ type: 2, body: raw.subarray(4), raw });
            const extensions = hrr.extensions.map((e) => (e.type === ExtensionType.key_share ? { type: e.type, body: encode((w) => w.u16(0x001d)) } : e));
            return buildServerHello({ random: hrr.random, sessionId: hrr.sessionId, cipherSuite: hrr.cipherSuite, extensions }).raw;
          })(from, records),
    );
    assert.equal(pair.c.errors[0]?.alert, 'illegal_parameter');
    assert.match(pair.c.errors[0]!.message, /already sent a share/);
    assert.equal(pair.s.errors[0]?.origin, 'peer');
  });

  test('a second HelloRetryRequest is unexpected_message', () => {
    const pair = makePair({ ecdhCurve: 'X25519:P-256' }, { ecdhCurve: 'P-256' });
    let hrr: WireRecord | undefined;
    pumpRecords(pair.client, pair.server, (from, records) => {
      if (from !== 'server') return records;
      if (!hrr) {
        hrr = records.find((r) => r.type === 22 && r.payload[0] === HandshakeType.server_hello);
        return records;
      }
      return [hrr, ...records]; // the HRR again, before the real ServerHello
    });
    assert.equal(pair.c.errors[0]?.alert, 'unexpected_message');
    assert.match(pair.c.errors[0]!.message, /second hello_retry_request/);
  });

  test('a second ClientHello that changes more than allowed is illegal_parameter', () => {
    const pair = makePair({ ecdhCurve: 'X25519:P-256' }, { ecdhCurve: 'P-256' });
    let seen = 0;
    pumpRecords(pair.client, pair.server, (from, records) =>
      from !== 'client'
        ? records
        : records.map((r) => {
            if (r.type !== 22 || r.payload[0] !== HandshakeType.client_hello || ++seen !== 2) return r;
            const payload = r.payload.slice();
            payload[6] ^= 0xff; // first byte of the random
            return { type: 22, payload };
          }),
    );
    assert.equal(pair.s.errors[0]?.alert, 'illegal_parameter');
    assert.match(pair.s.errors[0]!.message, /second client_hello changed/);
  });
});

describe('resumption (RFC 8446 §4.6.1, §4.2.11)', () => {
  test('a ticket resumes: no certificate, both sides agree, the peer identity carries over', () => {
    const server = serverConfigFor();
    const first = makePair({}, server);
    handshakeOk(first);
    assert.equal(first.c.sessions.length, 1);
    const second = makePair({ session: first.c.sessions[0]! }, server);
    handshakeOk(second);
    assert.equal(second.client.info.resumed, true);
    assert.equal(second.server.info.resumed, true);
    assert.equal(second.client.info.authorized, true);
    assert.equal(second.client.info.peerCertificates.length, first.client.info.peerCertificates.length);
    assert.equal(steps(second.c.events, 'certificate'), 0, 'no Certificate message on resumption');
  });

  test('a tampered binder is decrypt_error', () => {
    const server = serverConfigFor();
    const first = makePair({}, server);
    handshakeOk(first);
    const second = makePair({ session: first.c.sessions[0]! }, server);
    pumpRecords(second.client, second.server, (from, records) =>
      from !== 'client'
        ? records
        : rewriteHandshake(HandshakeType.client_hello, (raw) => {
            const hello = readClientHello({ type: 1, body: raw.subarray(4), raw });
            assert.ok(hello.preSharedKey);
            const tampered = raw.slice();
            tampered[tampered.length - 1] ^= 1; // the last byte of the (only) binder
            return tampered;
          })(from, records),
    );
    assert.equal(second.s.errors[0]?.alert, 'decrypt_error');
    assert.match(second.s.errors[0]!.message, /binder/);
    assert.equal(second.c.errors[0]?.origin, 'peer');
  });

  test('a ticket from another server is ignored: full handshake', () => {
    const first = makePair({}, serverConfigFor());
    handshakeOk(first);
    const second = makePair({ session: first.c.sessions[0]! }, serverConfigFor());
    handshakeOk(second);
    assert.equal(second.client.info.resumed, false);
  });

  test('a ticket for another server name is not offered', () => {
    const server = serverConfigFor({}, testPki({ names: ['localhost', 'other.test'] }));
    const first = makePair({}, server, testPki({ names: ['localhost', 'other.test'] }));
    handshakeOk(first);
    const second = makePair({ session: first.c.sessions[0]!, servername: 'other.test' }, server, testPki({ names: ['localhost', 'other.test'] }));
    handshakeOk(second);
    assert.equal(second.client.info.resumed, false);
  });
});

describe('0-RTT (RFC 8446 §4.2.10, §8)', () => {
  function earlyPair(session: Uint8Array | undefined, server: ReturnType<typeof serverConfigFor>) {
    const pair = makePair({ session, earlyData: true }, server);
    if (pair.client.earlyDataRoom > 0) pair.client.writeEarly(text('early!'));
    handshakeOk(pair);
    return pair;
  }

  test('accepted on first use of a ticket, refused (and skipped) on replay', () => {
    const server = serverConfigFor({ maxEarlyData: 1024 });
    const first = earlyPair(undefined, server);
    assert.equal(first.client.info.earlyData, undefined);
    const ticket = first.c.sessions[0]!;
    const accepted = earlyPair(ticket, server);
    assert.equal(accepted.client.info.earlyData, 'accepted');
    assert.equal(decoded(accepted.s.received), 'early!');
    const replay = earlyPair(ticket, server);
    assert.equal(replay.server.info.resumed, true, 'the replayed ticket still resumes');
    assert.equal(replay.client.info.earlyData, 'rejected');
    assert.equal(decoded(replay.s.received), '', 'replayed early data never reaches the application');
  });

  test('a server without early data skips what the client sent', () => {
    const withEarly = serverConfigFor({ maxEarlyData: 1024 });
    const first = earlyPair(undefined, withEarly);
    // Same ticket keys, early data off: simulate by a server config sharing the keyring.
    const off = { ...withEarly, maxEarlyData: 0 };
    const pair = earlyPair(first.c.sessions[0]!, off);
    assert.equal(pair.client.info.earlyData, 'rejected');
    assert.equal(decoded(pair.s.received), '');
  });

  test('more early data than max_early_data_size is unexpected_message', () => {
    const server = serverConfigFor({ maxEarlyData: 8 });
    const first = earlyPair(undefined, server);
    const pair = makePair({ session: first.c.sessions[0]!, earlyData: true }, server);
    assert.equal(pair.client.earlyDataRoom, 8);
    // Bypass the client's own limit by widening it: a misbehaving client.
    (pair.client as unknown as { earlyWriteAllowance: number }).earlyWriteAllowance = 100;
    pair.client.writeEarly(text('0123456789abcdef'));
    pump(pair.client, pair.server);
    assert.equal(pair.s.errors[0]?.alert, 'unexpected_message');
    assert.match(pair.s.errors[0]!.message, /max_early_data_size/);
  });
});

describe('KeyUpdate (RFC 8446 §4.6.3)', () => {
  test('either side updates its keys, with and without asking the peer', () => {
    const pair = makePair();
    handshakeOk(pair);
    for (let i = 0; i < 3; i++) {
      pair.client.updateKeys(i % 2 === 0);
      pair.server.updateKeys(false);
      pair.client.write(text(`c${i}`));
      pair.server.write(text(`s${i}`));
      pump(pair.client, pair.server);
    }
    assert.deepEqual(pair.c.errors, []);
    assert.deepEqual(pair.s.errors, []);
    assert.equal(decoded(pair.s.received), 'c0c1c2');
    assert.equal(decoded(pair.c.received), 's0s1s2');
  });

  test('a flood of key updates without data is unexpected_message', () => {
    const pair = makePair();
    handshakeOk(pair);
    for (let i = 0; i < 100; i++) pair.server.updateKeys(false);
    pump(pair.client, pair.server);
    assert.equal(pair.c.errors[0]?.alert, 'unexpected_message');
    assert.match(pair.c.errors[0]!.message, /post-handshake messages/);
  });
});

describe('client certificates (RFC 8446 §4.3.2, §4.4.2)', () => {
  const clientPki = createTestPki({ names: ['client.test'] });

  test('mutual TLS: the server validates the client chain', () => {
    const pair = makePair({ key: clientPki.keyPem, cert: clientPki.chainPem }, { requestCert: true, ca: clientPki.caPem });
    handshakeOk(pair);
    assert.equal(pair.server.info.authorized, true);
    assert.equal(pair.server.info.peerCertificates.length, 1);
  });

  test('a client certificate from an untrusted CA is unknown_ca', () => {
    const stranger = createTestPki({ names: ['client.test'] });
    const pair = makePair({ key: stranger.keyPem, cert: stranger.chainPem }, { requestCert: true, ca: clientPki.caPem });
    pump(pair.client, pair.server);
    assert.equal(pair.s.errors[0]?.alert, 'unknown_ca');
    assert.equal(pair.c.errors[0]?.origin, 'peer');
  });

  test('no client certificate: certificate_required, or allowed with rejectUnauthorized false', () => {
    const strict = makePair({}, { requestCert: true, ca: clientPki.caPem });
    pump(strict.client, strict.server);
    assert.equal(strict.s.errors[0]?.alert, 'certificate_required');
    const lax = makePair({}, { requestCert: true, ca: clientPki.caPem, rejectUnauthorized: false });
    handshakeOk(lax);
    assert.equal(lax.server.info.authorized, false);
    assert.equal(lax.server.info.authorizationError?.alert, 'certificate_required');
  });
});

describe('several certificates per server', { skip: needsSynchronousRsa }, () => {
  const ec = testPki({ leafKey: 'ec-p256' });
  const rsa = testPki({ leafKey: 'rsa-2048', caKey: 'ec-p256' });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${version}: the certificate follows the client's signature algorithms`, () => {
      const server = serverConfigFor({ key: [ec.keyPem, rsa.keyPem], cert: [ec.chainPem, rsa.chainPem] }, ec);
      const wantsRsa = makePair({ maxVersion: version, ca: [ec.caPem, rsa.caPem], sigalgs: 'rsa_pss_rsae_sha256:rsa_pkcs1_sha256' }, server);
      handshakeOk(wantsRsa);
      assert.match(wantsRsa.client.info.peerSignatureScheme?.name ?? '', /^rsa_/);
      const wantsEc = makePair({ maxVersion: version, ca: [ec.caPem, rsa.caPem], sigalgs: 'ecdsa_secp256r1_sha256' }, server);
      handshakeOk(wantsEc);
      assert.equal(wantsEc.client.info.peerSignatureScheme?.name, 'ecdsa_secp256r1_sha256');
    });
  }
});

describe('OCSP stapling (RFC 6066 §8, RFC 8446 §4.4.2.1)', () => {
  const response = new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x00]); // an OCSPResponse shell: the client only exposes it
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${version}: stapled when asked, absent when not`, () => {
      const asked = makePair({ maxVersion: version, requestOCSP: true }, { ocspResponse: response });
      handshakeOk(asked);
      assert.deepEqual([...asked.client.info.ocspResponse!], [...response]);
      const notAsked = makePair({ maxVersion: version }, { ocspResponse: response });
      handshakeOk(notAsked);
      assert.equal(notAsked.client.info.ocspResponse, undefined);
      const none = makePair({ maxVersion: version, requestOCSP: true });
      handshakeOk(none);
      assert.equal(none.client.info.ocspResponse, undefined);
    });
  }
});

describe('record_size_limit (RFC 8449) and padding (RFC 8446 §5.4)', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`${version}: the server's records respect the client's limit, and data still flows`, () => {
      const pair = makePair({ maxVersion: version, recordSizeLimit: 256 });
      handshakeOk(pair);
      const payload = new Uint8Array(5000).fill(7);
      pair.server.write(payload);
      const records = splitRecordsOf(pair.server.takeOutput());
      const overhead = version === 'TLSv1.3' ? 16 : 24; // tag, plus the explicit nonce for TLS 1.2 GCM
      for (const r of records) assert.ok(r.payload.length <= 256 + overhead, `record of ${r.payload.length} bytes`);
      assert.ok(records.length >= 5000 / 256);
      for (const r of records) pair.client.receive(joinedRecord(r));
      assert.equal(joined(pair.c.received).length, 5000);
    });
  }

  test('TLS 1.3 padding makes every protected record a multiple of the block', () => {
    const pair = makePair({ recordPadding: 64 }, { recordPadding: 64 });
    handshakeOk(pair);
    for (const size of [1, 63, 64, 1000]) pair.client.write(new Uint8Array(size));
    const records = splitRecordsOf(pair.client.takeOutput());
    for (const r of records) assert.equal((r.payload.length - 16) % 64, 0, `record of ${r.payload.length} bytes`);
    for (const r of records) pair.server.receive(joinedRecord(r));
    assert.equal(joined(pair.s.received).length, 1 + 63 + 64 + 1000);
  });
});

function splitRecordsOf(chunks: readonly Uint8Array[]): WireRecord[] {
  const bytes = joined(chunks);
  const out: WireRecord[] = [];
  for (let at = 0; at < bytes.length; ) {
    const len = (bytes[at + 3]! << 8) | bytes[at + 4]!;
    out.push({ type: bytes[at]!, payload: bytes.subarray(at + 5, at + 5 + len) });
    at += 5 + len;
  }
  return out;
}

function joinedRecord(r: WireRecord): Uint8Array {
  return joined([Uint8Array.of(r.type, 3, 3, r.payload.length >> 8, r.payload.length & 0xff), r.payload]);
}

describe('post-handshake client authentication (RFC 8446 §4.6.2)', () => {
  const clientPki = createTestPki({ names: ['client.test'] });

  test('the server asks after the handshake; the client answers; the server validates', () => {
    const pair = makePair({ key: clientPki.keyPem, cert: clientPki.chainPem }, { ca: clientPki.caPem });
    handshakeOk(pair);
    assert.equal(pair.server.info.peerCertificates.length, 0);
    assert.equal(pair.server.canRequestClientCertificate, true);
    pair.server.requestClientCertificate();
    pump(pair.client, pair.server);
    assert.deepEqual(pair.s.errors, []);
    assert.deepEqual(pair.c.errors, []);
    assert.equal(pair.server.info.peerCertificates.length, 1);
    assert.equal(pair.server.info.authorized, true);
    // Data still flows both ways afterwards.
    pair.client.write(text('after auth'));
    pair.server.write(text('ok'));
    pump(pair.client, pair.server);
    assert.equal(decoded(pair.s.received), 'after auth');
    assert.equal(decoded(pair.c.received), 'ok');
  });

  test('a client certificate from an untrusted CA after the handshake: unknown_ca', () => {
    const stranger = createTestPki({ names: ['client.test'] });
    const pair = makePair({ key: stranger.keyPem, cert: stranger.chainPem }, { ca: clientPki.caPem });
    handshakeOk(pair);
    pair.server.requestClientCertificate();
    pump(pair.client, pair.server);
    assert.equal(pair.s.errors[0]?.alert, 'unknown_ca');
    assert.equal(pair.c.errors[0]?.origin, 'peer');
  });

  test('a client without certificates does not offer it, and cannot be asked', () => {
    const pair = makePair();
    handshakeOk(pair);
    assert.equal(pair.server.canRequestClientCertificate, false);
    assert.throws(() => pair.server.requestClientCertificate(), /after a TLS 1.3 handshake only|did not offer/);
  });
});

describe('closing (RFC 8446 §6.1)', () => {
  test('close() during the handshake abandons it: user_canceled, close_notify, nothing after', () => {
    const pair = makePair();
    pair.client.takeOutput(); // the ClientHello, never delivered
    pair.client.close();
    const alerts = pair.c.events.filter((e) => e.kind === 'alert' && e.direction === 'sent').map((e) => (e as { description: number }).description);
    assert.deepEqual(alerts, [90, 0]); // user_canceled, close_notify
    assert.equal(pair.c.errors[0]?.alert, 'user_canceled');
    pair.client.receive(new Uint8Array([22, 3, 3, 0, 1, 0])); // ignored: the connection is over
    assert.equal(pair.client.takeOutput().length > 0 ? 'sent' : 'quiet', 'sent', 'the two alerts go out');
    assert.equal(pair.client.takeOutput().length, 0);
  });

  test('a KeyUpdate request after our close_notify updates our read keys but is not answered', () => {
    const pair = makePair();
    handshakeOk(pair);
    pair.client.close();
    pair.server.updateKeys(true);
    pair.server.write(text('after the update'));
    const toClient = pair.server.takeOutput();
    pair.server.receive(joined(pair.client.takeOutput())); // the server learns we closed
    for (const chunk of toClient) pair.client.receive(chunk);
    assert.deepEqual(pair.c.errors, []);
    assert.equal(decoded(pair.c.received), 'after the update');
    assert.equal(pair.client.takeOutput().length, 0, 'no KeyUpdate after close_notify');
  });
});
