// TLS 1.3 external PSKs (RFC 8446 §2.2, §4.2.11) through node:tls's options (issue 14):
// pskCallback on both sides, the "ext binder" key, psk_dhe_ke only, authentication by the PSK (no
// certificate either way), a certificate-less server, and sessions bound to the PSK that
// authenticated them (src/handshake/trust-binding.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Secret } from '../../src/crypto/secret.js';
import { decodeSession, encodeSession } from '../../src/handshake/session.js';
import { checkBinder, computeBinder } from '../../src/handshake/tls13/psk.js';
import { readClientHello } from '../../src/messages/client-hello.js';
import { resolveClientOptions, resolveServerOptions } from '../../src/engine/options.js';
import { ExtensionType as E, PskKeyExchangeMode } from '../../src/protocol/constants.js';
import { utf8 } from '../../src/wire/bytes.js';
import { TlsError } from '../../src/errors.js';
import { assertAborted, assertNoErrors, newPair, type Pair } from '../helpers/engine-harness.js';
import { editClientHello } from '../helpers/message-edits.js';
import { testProvider } from '../helpers/provider.js';

const KEY = Buffer.from('d731ef57be09e5204f0b205b60627028', 'hex');
const OTHER_KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const ticketKeys = randomBytes(48);

const clientPsk = (identity = 'TestUser', psk: Uint8Array = KEY) => ({ pskCallback: () => ({ psk, identity }) });
const serverPsk = (keys: Record<string, Uint8Array> = { TestUser: KEY }) => ({
  pskCallback: (_socket: unknown, identity: string) => keys[identity] ?? null,
});
/** A server with no certificate at all: only a PSK can authenticate it. */
const certless = { key: [], cert: [] };

/** The client's first ClientHello, decoded. */
function sentHello(pair: Pair) {
  const hello = pair.client.events.find((e) => e.kind === 'handshake-message' && e.direction === 'sent' && e.type === 1);
  assert.ok(hello && hello.kind === 'handshake-message');
  return readClientHello({ type: 1, raw: hello.raw, body: hello.raw.subarray(4) });
}

const steps = (pair: Pair, side: 'client' | 'server') => pair[side].events.flatMap((e) => (e.kind === 'step' ? [e.step] : []));

describe('external PSK handshakes', () => {
  test('a certificate-less server and a client agree on a PSK: authenticated by it, no certificate either way', () => {
    const pair = newPair({ client: clientPsk(), server: { ...certless, ...serverPsk() } }).handshake();
    const c = pair.client.connection.info;
    const s = pair.server.connection.info;
    for (const info of [c, s]) {
      assert.equal(info.version, 'TLSv1.3');
      assert.equal(info.pskIdentity, 'TestUser');
      assert.deepEqual(info.peerCertificates, []);
      assert.equal(info.resumed, false, 'an external PSK is not a resumption');
      assert.equal(info.cipherSuite?.hash, 'sha256', 'the PSK hash is SHA-256, as OpenSSL gives keys from psk callbacks');
    }
    // node:tls: the client counts the PSK as the server's authentication; a server that did not
    // ask for client authentication does not judge its peer.
    assert.equal(c.authorized, true);
    assert.equal(s.authorized, false);
    assert.ok(!steps(pair, 'client').includes('certificate') && !steps(pair, 'server').includes('certificate'));
    assert.ok(!steps(pair, 'client').includes('certificate-verify'));
  });

  test("with requestCert the server counts the PSK as the client's authentication (as node:tls), and asks for no certificate", () => {
    const pair = newPair({ client: clientPsk(), server: { ...serverPsk(), requestCert: true, rejectUnauthorized: true } }).handshake();
    assert.equal(pair.server.connection.info.authorized, true);
    assert.equal(pair.server.connection.info.pskIdentity, 'TestUser');
    assert.ok(
      !pair.client.events.some((e) => e.kind === 'handshake-message' && e.direction === 'received' && e.type === 13),
      'no CertificateRequest (RFC 8446 §4.3.2)',
    );
  });

  test('the binder uses the "ext binder" key: a resumption binder does not pass for an external PSK, nor the reverse', () => {
    const psk = new Secret(new Uint8Array(KEY));
    const hash = new Uint8Array(32).fill(7);
    const external = computeBinder(testProvider, 'sha256', psk, hash, true);
    const resumption = computeBinder(testProvider, 'sha256', psk, hash, false);
    assert.notDeepEqual(external, resumption);
    checkBinder(testProvider, 'sha256', psk, hash, external, true);
    assert.throws(
      () => checkBinder(testProvider, 'sha256', psk, hash, resumption, true),
      (e: TlsError) => e.alert === 'decrypt_error',
    );
    assert.throws(
      () => checkBinder(testProvider, 'sha256', psk, hash, external, false),
      (e: TlsError) => e.alert === 'decrypt_error',
    );
  });

  test('a different key for the identity: decrypt_error from the binder', () => {
    const pair = newPair({ client: clientPsk('TestUser', OTHER_KEY), server: { ...certless, ...serverPsk() } });
    pair.pump();
    assertAborted(pair, 'server', 'decrypt_error', /PSK binder .* does not verify: the client holds a different key for this identity/);
  });

  test('an unknown identity: the handshake goes on with certificates, or fails without any (as node:tls)', () => {
    const withCert = newPair({ client: clientPsk('Nobody'), server: serverPsk() }).handshake();
    assert.equal(withCert.client.connection.info.pskIdentity, undefined);
    assert.equal(withCert.client.connection.info.peerCertificates.length, 1, 'authenticated by its certificate instead');
    const without = newPair({ client: clientPsk('Nobody'), server: { ...certless, ...serverPsk() } });
    without.pump();
    assertAborted(without, 'server', 'handshake_failure', /no certificate is configured/);
  });

  test('the server gets the offered identity as a string; a callback returning null offers nothing', () => {
    const seen: string[] = [];
    const pair = newPair({
      client: clientPsk('ünïcode-id'),
      server: { ...certless, pskCallback: (_s: unknown, id: string) => (seen.push(id), KEY) },
    }).handshake();
    assert.deepEqual(seen, ['ünïcode-id']);
    assert.equal(pair.server.connection.info.pskIdentity, 'ünïcode-id');
    const none = newPair({ client: { pskCallback: () => null }, server: serverPsk() }).handshake();
    assert.equal(sentHello(none).preSharedKey, undefined);
  });

  test('after a HelloRetryRequest the PSK is offered again, with a new binder, and accepted', () => {
    const pair = newPair({ client: { ...clientPsk(), ecdhCurve: 'X25519:P-256' }, server: { ...certless, ...serverPsk(), ecdhCurve: 'P-256' } }).handshake();
    assert.ok(steps(pair, 'client').includes('hello-retry-request'));
    assert.equal(pair.client.connection.info.pskIdentity, 'TestUser');
  });

  test('the client wipes its copy of the key when TLS 1.2 is negotiated or the PSK cannot be offered', () => {
    // Secrets wiped during each handshake, recognised by their bytes just before the wipe.
    const wipedKeys: string[] = [];
    const original = Secret.prototype.wipe;
    Secret.prototype.wipe = function (this: Secret) {
      if (!this.wiped) wipedKeys.push(Buffer.from(this.expose()).toString('hex'));
      original.call(this);
    };
    try {
      const tls12 = newPair({ client: clientPsk(), server: { maxVersion: 'TLSv1.2' } }).handshake();
      assert.equal(tls12.client.connection.info.version, 'TLSv1.2');
      assert.ok(wipedKeys.includes(KEY.toString('hex')), 'TLS 1.2 negotiated: the PSK is wiped');
      wipedKeys.length = 0;
      const sha384 = newPair({ client: { ...clientPsk(), ciphers: 'TLS_AES_256_GCM_SHA384' }, server: {} }).handshake();
      assert.equal(sha384.client.connection.info.pskIdentity, undefined);
      assert.ok(wipedKeys.includes(KEY.toString('hex')), 'a PSK with no suite of its hash is not offered, and not kept');
    } finally {
      Secret.prototype.wipe = original;
    }
  });

  test('a client that offers only psk_ke gets no PSK handshake (we require (EC)DHE, RFC 8446 §4.2.9)', () => {
    const pair = newPair({
      client: clientPsk(),
      server: { ...certless, ...serverPsk() },
      tamper: editClientHello((ch) => ({
        ...ch,
        extensions: ch.extensions!.map((e) => (e.type === E.psk_key_exchange_modes ? { type: e.type, body: Uint8Array.of(1, PskKeyExchangeMode.psk_ke) } : e)),
      })),
    });
    pair.pump();
    assertAborted(pair, 'server', 'handshake_failure', /no certificate is configured/);
  });

  test('a client allowing only SHA-384 suites does not offer (nor reveal the identity of) the SHA-256 PSK', () => {
    const pair = newPair({ client: { ...clientPsk(), ciphers: 'TLS_AES_256_GCM_SHA384' }, server: serverPsk() }).handshake();
    assert.equal(sentHello(pair).preSharedKey, undefined);
    assert.equal(pair.client.connection.info.pskIdentity, undefined);
    assert.equal(pair.client.connection.info.peerCertificates.length, 1);
  });

  test('a pskCallback that throws or returns nonsense fails the handshake with an error naming it', () => {
    const cases: [unknown, RegExp][] = [
      [
        () => {
          throw new Error('boom');
        },
        /pskCallback threw: boom/,
      ],
      [() => ({ psk: 'not bytes', identity: 'x' }), /pskCallback returned a psk that is not a Buffer/],
      [() => ({ psk: KEY, identity: 42 }), /identity that is not a string/],
      [() => ({ psk: KEY, identity: 'x'.repeat(257) }), /identity of 257 bytes/],
      [() => ({ psk: new Uint8Array(0), identity: 'x' }), /key of 0 bytes/],
    ];
    for (const [pskCallback, message] of cases) {
      const pair = newPair({ client: { pskCallback: pskCallback as never }, server: serverPsk() });
      pair.pump();
      assert.equal(pair.client.errors[0]?.alert, 'internal_error');
      assert.match(pair.client.errors[0]!.message, message);
    }
  });
});

describe('external PSK options', () => {
  test('TLS 1.2 PSK cipher suites in ciphers are refused, naming them; excluding them is fine', () => {
    for (const ciphers of ['PSK+HIGH:TLS_AES_128_GCM_SHA256', 'PSK-AES128-GCM-SHA256', 'ECDHE-PSK-CHACHA20-POLY1305']) {
      assert.throws(() => resolveClientOptions({ ciphers, ...clientPsk() }, testProvider), /TLS 1\.2 PSK cipher suites, which tlskit does not implement/);
      assert.throws(() => resolveServerOptions({ ciphers, ...serverPsk() }, testProvider), /TLS 1\.2 PSK cipher suites/);
    }
    resolveClientOptions({ ciphers: 'HIGH:!PSK:!aNULL', ...clientPsk() }, testProvider);
  });

  test('pskCallback limited to TLS 1.2 is refused; pskIdentityHint is a server option, accepted there (TLS 1.3 sends none)', () => {
    assert.throws(() => resolveClientOptions({ maxVersion: 'TLSv1.2', ...clientPsk() }, testProvider), /pskCallback works only in TLS 1\.3/);
    assert.throws(() => resolveServerOptions({ maxVersion: 'TLSv1.2', ...serverPsk() }, testProvider), /pskCallback works only in TLS 1\.3/);
    assert.throws(() => resolveClientOptions({ pskIdentityHint: 'hint', ...clientPsk() } as never, testProvider), /pskIdentityHint is a server option/);
    assert.throws(() => resolveServerOptions({ pskIdentityHint: 7 as never, ...serverPsk() }, testProvider), /pskIdentityHint must be a string/);
    resolveServerOptions({ pskIdentityHint: 'hint', ...serverPsk() }, testProvider);
    assert.throws(() => resolveServerOptions({ pskCallback: 'yes' as never }, testProvider), /pskCallback must be a function/);
  });
});

describe('sessions after an external PSK handshake stay bound to that PSK', () => {
  const server = (keys?: Record<string, Uint8Array>) => ({ ...certless, ...serverPsk(keys), ticketKeys });

  function firstSession(): Uint8Array {
    const pair = newPair({ client: clientPsk(), server: server() }).handshake();
    const session = pair.client.sessions[0];
    assert.ok(session, 'a ticket after the PSK handshake');
    const decoded = decodeSession(session);
    assert.deepEqual(decoded.pskIdentity, utf8('TestUser'));
    assert.deepEqual(decoded.peerCertificates, []);
    assert.deepEqual(decodeSession(encodeSession(decoded)).pskIdentity, decoded.pskIdentity, 'the identity survives encoding');
    return session;
  }

  test('the same PSK on both sides: the ticket resumes, and the resumed connection knows the identity', () => {
    const pair = newPair({ client: { ...clientPsk(), session: firstSession() }, server: server() }).handshake();
    assert.equal(pair.client.connection.info.resumed, true);
    assert.equal(pair.server.connection.info.resumed, true);
    assert.equal(pair.client.connection.info.pskIdentity, 'TestUser');
    assert.equal(pair.server.connection.info.pskIdentity, 'TestUser');
    assert.equal(pair.client.connection.info.authorized, true);
    // A ticket issued on the resumed connection is bound the same way.
    assert.deepEqual(decodeSession(pair.client.sessions[0]!).pskIdentity, utf8('TestUser'));
  });

  test('a client whose PSK changed, or that has none, does not offer the session', () => {
    const session = firstSession();
    const changed = newPair({ client: { ...clientPsk('TestUser', OTHER_KEY), session }, server: server({ TestUser: OTHER_KEY }) }).handshake();
    assert.equal(changed.client.connection.info.resumed, false);
    assert.equal(changed.client.connection.info.pskIdentity, 'TestUser', 'a fresh PSK handshake with the new key');
    const none = newPair({ client: { session }, server: server() });
    none.pump();
    assert.equal(none.client.connection.info.resumed, false);
    assertAborted(none, 'server', 'handshake_failure', /no certificate is configured/);
  });

  test('a server whose key for the identity changed, or that no longer knows it, does not resume the ticket', () => {
    const session = firstSession();
    // The client still holds the old key, so the full handshake it falls back to fails on the binder.
    const changed = newPair({ client: { ...clientPsk(), session }, server: server({ TestUser: OTHER_KEY }) });
    changed.pump();
    assert.equal(changed.server.connection.info.resumed, false);
    assertAborted(changed, 'server', 'decrypt_error', /client holds a different key/);
    const revoked = newPair({ client: { ...clientPsk(), session }, server: server({}) });
    revoked.pump();
    assert.equal(revoked.server.connection.info.resumed, false);
    assertAborted(revoked, 'server', 'handshake_failure', /no certificate is configured/);
  });

  test('a server requiring authentication does not resume a session its PSK handshake left unauthorized', () => {
    // Issued without requestCert: the server side recorded authorized false. A server with the same
    // key and ticket keys that requires authentication must not resume it as authorized false (nor
    // as true: nothing was judged then); a full PSK handshake authenticates the client afresh.
    const session = firstSession();
    const pair = newPair({ client: { ...clientPsk(), session }, server: { ...server(), requestCert: true, rejectUnauthorized: true } }).handshake();
    assertNoErrors(pair);
    const s = pair.server.connection.info;
    assert.equal(s.resumed, false);
    assert.equal(s.authorized, true, 'rejectUnauthorized with requestCert: every connection it keeps is authorized');
    assert.equal(s.pskIdentity, 'TestUser');
  });

  test("a pskCallback that throws while a PSK-bound ticket is checked fails the handshake and wipes the ticket's PSK", () => {
    const session = firstSession();
    const resumptionPsk = Buffer.from(decodeSession(session).secret.expose()).toString('hex');
    const wipedKeys: string[] = [];
    const original = Secret.prototype.wipe;
    Secret.prototype.wipe = function (this: Secret) {
      if (!this.wiped) wipedKeys.push(Buffer.from(this.expose()).toString('hex'));
      original.call(this);
    };
    try {
      const pair = newPair({
        client: { ...clientPsk(), session },
        server: {
          ...server(),
          pskCallback: () => {
            throw new Error('key store down');
          },
        },
      });
      pair.pump();
      assert.equal(pair.server.errors[0]?.alert, 'internal_error');
      assert.match(pair.server.errors[0]!.message, /pskCallback threw: key store down/);
      assert.ok(wipedKeys.includes(resumptionPsk), 'the PSK the ticket held is wiped');
    } finally {
      Secret.prototype.wipe = original;
    }
  });

  test('a session from a PSK handshake never resumes where only certificates are trusted', () => {
    const session = firstSession();
    // The server has a certificate and tickets, but no pskCallback: the ticket's PSK binding cannot hold.
    const pair = newPair({ client: { ...clientPsk(), session }, server: { ticketKeys } }).handshake();
    assert.equal(pair.server.connection.info.resumed, false);
    assert.equal(pair.client.connection.info.pskIdentity, undefined);
    assert.equal(pair.client.connection.info.peerCertificates.length, 1, 'authenticated by certificate, afresh');
    assertNoErrors(pair);
  });
});
